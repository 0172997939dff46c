"""The one masking of personal numbers (monitor.privacy)."""

from __future__ import annotations

import pytest

from monitor.privacy import Masker, find_personal, mask_account, mask_id_number, mask_phone, mask_text
from tests.conftest import uscc_for


@pytest.mark.parametrize("raw, shown", [
    ("110101199003071234", "110101********1234"),
    ("11010119900307123X", "110101********123X"),
    ("11010119900307123x", "110101********123x"),
    ("110101900307123", "110101*****7123"),  # 15-character number of before 1999
])
def test_id_numbers(raw, shown):
    assert mask_id_number(raw) == shown
    assert mask_text(f"身份证号：{raw}。") == f"身份证号：{shown}。"


@pytest.mark.parametrize("raw, shown", [
    ("13812345678", "138****5678"),
    ("+8613812345678", "+86138****5678"),
    ("+86 138-1234-5678", "+86 138****5678"),
    ("0086 138 1234 5678", "0086 138****5678"),
])
def test_phones(raw, shown):
    assert mask_phone(raw) == shown
    assert mask_text(f"电话 {raw} 联系") == f"电话 {shown} 联系"


@pytest.mark.parametrize("raw, shown", [
    ("6222021234567890", "6222********7890"),
    ("62220212345678901", "6222*********8901"),
    ("622202123456789012", "6222**********9012"),
    ("6222021234567890123", "6222***********0123"),
    ("6222 0212 3456 7890", "6222********7890"),
])
def test_account_numbers(raw, shown):
    assert mask_account(raw) == shown
    assert mask_text(f"卡号{raw}") == f"卡号{shown}"


@pytest.mark.parametrize("text", [
    uscc_for(12345),  # company identifiers stay in full (digits and letters)
    "91440300MA5F00000X",
    "12100000400000624D",
    "金额 250000000.00 元", "金额 1,234,567,890,123,456.00", "0.1234567890123456",
    "2018-06-01", "20180601", "2018-06-01T00:00:00",
    "12345678901234567890",  # a 20-digit transaction id
    "TX00010030000123456", "CB0001003000000012345",  # transaction ids with their prefix
    "6222001", "1381234567",  # too short to be a card or a phone
])
def test_what_is_not_personal_stays(text):
    assert mask_text(text) == text
    assert find_personal(text) == []


def test_all_digit_uscc_is_not_taken_for_an_account():
    from stdnum.cn import uscc

    codes = (b + uscc.calc_check_digit(b) for b in (f"91440300{n:09d}" for n in range(100)))
    code = next(c for c in codes if c.isdigit())
    assert mask_text(code) == code


def test_known_organisation_accounts_stay_in_full():
    text = "归集账户 6222021234567890123 转入 4410000000123456789"
    masked = mask_text(text, keep=lambda acc: acc == "4410000000123456789")
    assert masked == "归集账户 6222***********0123 转入 4410000000123456789"


def test_masking_is_idempotent_and_keeps_nothing_of_the_middle():
    once = mask_text("110101199003071234 13812345678 6222021234567890123")
    assert mask_text(once) == once
    assert "19900307" not in once and "1234567890" not in once


def test_masker_reveals_for_the_permitted_and_counts():
    from markupsafe import Markup

    text = "张三 110101199003071234"
    hidden = Masker()
    assert hidden(text) == "张三 110101********1234" and hidden.revealed == 0
    assert isinstance(hidden(Markup("<b>110101199003071234</b>")), Markup)
    assert hidden.data({"a": [text, 1, None], "110101199003071234": 6222021234567890123}) == {
        "a": ["张三 110101********1234", 1, None], "110101********1234": "6222***********0123"}
    full = Masker(full=True)
    assert full(text) == text and full.revealed == 1


@pytest.mark.parametrize("raw, shown", [
    ("手机１３８１２３４５６７８。", "手机138****5678。"),  # full-width digits, as some pages write them
    ("身份证１１０１０１１９９００３０７１２３Ｘ", "身份证110101********123X"),
    ("卡 6222-0212-3456-7890-123", "卡 6222***********0123"),
    ("电话 0755-1234-5678 传真 0755-87654321", "电话 0755-1234-5678 传真 0755-87654321"),  # landlines are not mobiles
    ("注册号 440301103456789", "注册号 440301103456789"),  # an old registration number with no date in it
])
def test_written_variants(raw, shown):
    assert mask_text(raw) == shown


def test_account_keeper_knows_organisations_accounts_on_both_stores(store):
    from monitor.db import get_engine, session_scope
    from monitor.models import Account, Institution
    from monitor.privacy import account_keeper

    with session_scope(store) as s:
        inst = Institution(name="平台", name_norm="平台", uscc=uscc_for(7))
        s.add(inst)
        s.flush()
        s.add_all([Account(account_no="6222021234567890123", holder_kind="person"),
                   Account(account_no="4410000000123456789", holder_kind="company"),
                   Account(account_no="6228000000000002", institution_id=inst.id),
                   Account(account_no="6228000000000003", is_custody=True)])
    for bind in (get_engine(store), None):
        with session_scope(store) as s:
            keep = account_keeper(bind or s)
            assert [keep(a) for a in ("6222021234567890123", "4410000000123456789", "6228000000000002",
                                      "6228000000000003", "6222029999999999999")] == [False, True, True, True, False]
    # learn: the same answers for many accounts, read with one query
    from sqlalchemy import event

    statements = []
    event.listen(get_engine(store), "before_cursor_execute", lambda *args: statements.append(args[2]))
    keep = account_keeper(get_engine(store))
    accounts = ("6222021234567890123", "4410000000123456789", "6228000000000002", "6228000000000003",
                "6222029999999999999")
    keep.learn(accounts)
    assert [keep(a) for a in accounts] == [False, True, True, True, False]
    assert len(statements) == 1
