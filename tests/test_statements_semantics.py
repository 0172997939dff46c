"""Statement semantics met in the second corpus (tests/statements_b/): each rule, and its refusal."""

from __future__ import annotations

from decimal import Decimal

import pytest

from monitor.statements import StatementError, read_statement
from monitor.statements.reader import amount_in_words

HEAD = "账号：6200001\n户名：某某公司\n"


def write(tmp_path, text: str, name: str = "s.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_flag_codes_stated_in_the_header_are_read(tmp_path):
    path = write(tmp_path, HEAD + "交易日期,借贷标志(1-借 2-贷),交易金额,余额\n"
                 "2017-07-01,2,100.00,1100.00\n2017-07-02,1,40.00,1060.00\n")
    rows = read_statement(path).rows
    assert [(r.payer_account, r.payee_account) for r in rows] == [(None, "6200001"), ("6200001", None)]


def test_flags_1_and_2_without_their_codes_are_refused(tmp_path):
    path = write(tmp_path, HEAD + "交易日期,借贷标志,交易金额,余额\n2017-07-01,2,100.00,1100.00\n")
    with pytest.raises(StatementError, match="unknown debit/credit flag") as caught:
        read_statement(path)
    assert caught.value.line == 4


@pytest.mark.parametrize("words,value", [("壹拾玖万陆仟柒佰肆拾柒元肆角捌分", "196747.48"), ("贰元整", "2"),
                                         ("壹亿零叁佰万元整", "103000000"), ("玖仟零伍元捌角叁分", "9005.83"),
                                         ("壹拾元零伍分", "10.05"), ("伍角", "0.5"), ("壹元伍", None)])
def test_amounts_in_words(words, value):
    assert amount_in_words(words) == (None if value is None else Decimal(value))


def test_an_amount_in_words_that_disagrees_is_refused(tmp_path):
    text = (HEAD + "交易日期,付款人账号,收款人账号,金额(小写),金额(大写)\n"
            "2017-07-01,6200001,111,\"¥1,200.00\",壹仟贰佰元整\n"
            "2017-07-02,6200001,111,\"¥1,300.00\",壹仟贰佰元整\n")
    with pytest.raises(StatementError) as caught:
        read_statement(write(tmp_path, text))
    assert (caught.value.line, caught.value.code) == (5, "amount_words_mismatch")


def test_red_ink_reverses_the_direction_and_the_footer_is_net(tmp_path):
    text = (HEAD + "交易日期,摘要,借方发生额,贷方发生额,余额,对方账号\n,上期余额,,,1000.00,\n"
            "2017-07-03,汇款,300.00,,700.00,111\n2017-07-03,冲正,-300.00,,1000.00,111\n"
            "2017-07-04,来账,,50.00,1050.00,222\n本期合计,共3笔,0.00,50.00,,\n")
    statement = read_statement(write(tmp_path, text))
    back = statement.rows[1]
    assert (back.payer_account, back.payee_account, back.amount) == ("111", "6200001", Decimal("300.00"))
    assert any("reversal" in w for w in statement.warnings)
    gross = text.replace("本期合计,共3笔,0.00,", "本期合计,共3笔,300.00,")
    with pytest.raises(StatementError) as caught:
        read_statement(write(tmp_path, gross, "gross.csv"))
    assert caught.value.code == "footer_total_mismatch"


SECTIONS = ("Account Number;1002345678901\n\nBooking Date;Reference;Currency;Debit;Credit;Balance;Details\n"
            "Opening Balance;;CNY;;;1,000.00;\n01-Aug-2017;R1;CNY;100.00;;900.00;A\n"
            "Total;;CNY;100.00;0.00;;1 transactions\nClosing Balance;;CNY;;;900.00;\n"
            "Opening Balance;;USD;;;50.00;\n02-Aug-2017;R2;USD;;5.00;55.00;B\n"
            "Total;;USD;0.00;5.00;;1 transactions\nClosing Balance;;USD;;;55.00;\n")


def test_a_balance_and_a_footer_per_currency(tmp_path):
    statement = read_statement(write(tmp_path, SECTIONS))
    totals = statement.metadata()["footer_totals"]
    assert totals["USD"] == {"debit_total": "0.00", "credit_total": "5.00", "count": 1,
                             "closing_balance": "55.00", "opening_balance": "50.00"}
    assert [r.currency for r in statement.rows] == ["CNY", "USD"]


def test_a_break_in_the_second_currency_names_its_row(tmp_path):
    with pytest.raises(StatementError) as caught:
        read_statement(write(tmp_path, SECTIONS.replace("5.00;55.00;B", "5.00;56.00;B")))
    assert (caught.value.line, caught.value.code) == (9, "balance_chain_break")


def test_amounts_in_fen_are_divided_and_mixed_units_refused(tmp_path):
    text = "交易日期,付款方账号,收款方账号,交易金额(分)\n20170705,1,2,888\n"
    assert read_statement(write(tmp_path, text)).rows[0].amount == Decimal("8.88")
    mixed = HEAD + "交易日期,交易金额(分),余额\n2017-07-05,888,100.00\n"
    with pytest.raises(StatementError, match="different units"):
        read_statement(write(tmp_path, mixed, "mixed.csv"))


def test_a_day_first_period_is_read_only_when_a_day_shows_the_order(tmp_path):
    body = "交易日期,交易金额,余额\n2017-07-05,10.00,110.00\n"
    shown = read_statement(write(tmp_path, HEAD + "期间：01/07/2017 - 31/07/2017\n" + body, "a.csv"))
    assert [d.isoformat() for d in shown.period] == ["2017-07-01", "2017-07-31"]
    unknown = read_statement(write(tmp_path, HEAD + "期间：01/07/2017 - 05/07/2017\n" + body, "b.csv"))
    assert unknown.period is None


def test_a_combined_counterparty_cell(tmp_path):
    text = (HEAD + "交易日期,交易金额,对方信息,余额\n2017-07-05,10.00,某甲公司 / 335454007222238 / 兴业银行,110.00\n"
            "2017-07-06,-5.00,某乙公司 / 某银行 / 甲,105.00\n")
    with pytest.raises(StatementError, match="cannot tell the account and the name") as caught:
        read_statement(write(tmp_path, text))
    assert caught.value.line == 5
    first = read_statement(write(tmp_path, text.rsplit("2017-07-06", 1)[0], "one.csv")).rows[0]
    assert (first.payer_account, first.payer_name) == ("335454007222238", "某甲公司")


def test_an_own_account_column_must_name_the_owner_on_every_row(tmp_path):
    text = "账号|交易时间|借贷标志(1-借 2-贷)|交易金额|账户余额|\n8550|20171101084601|2|10.00|110.00|\n" \
           "8550|20171102084601|1|5.00|105.00|\n"
    assert read_statement(write(tmp_path, text, "h.txt")).owner_account == "8550"
    with pytest.raises(StatementError, match="names the account 9999") as caught:
        read_statement(write(tmp_path, text.replace("8550|20171102", "9999|20171102"), "g.txt"))
    assert caught.value.line == 3


def test_a_profile_unit_the_reader_does_not_know_is_refused(tmp_path):
    from monitor.statements.errors import ProfileError
    from monitor.statements.profiles import load_profile

    path = tmp_path / "p.toml"
    path.write_text('[read]\namount_unit = "千元"\n', encoding="utf-8")
    with pytest.raises(ProfileError, match="amount_unit"):
        load_profile(path)
    path.write_text('[read]\namount_unit = "分"\n', encoding="utf-8")
    assert load_profile(path).amount_unit == "分"


def test_a_known_word_with_a_note_in_brackets(tmp_path):
    text = HEAD + "交易日期,收支方向(1收2支),发生额(元),余额(元)\n2017-07-01,1,100.00,1100.00\n2017-07-02,2,40.00,1060.00\n"
    rows = read_statement(write(tmp_path, text)).rows
    assert [(r.payer_account, r.amount) for r in rows] == [(None, Decimal("100.00")), ("6200001", Decimal("40.00"))]


def test_the_stated_period_tells_day_from_month(tmp_path):
    body = "交易日期,交易金额,余额\n01/07/2017,10.00,110.00\n03/07/2017,-5.00,105.00\n"
    shown = read_statement(write(tmp_path, HEAD + "期间：01/07/2017 - 31/07/2017\n" + body, "a.csv"))
    assert [r.txn_time.isoformat() for r in shown.rows] == ["2017-07-01T00:00:00", "2017-07-03T00:00:00"]
    with pytest.raises(StatementError) as caught:
        read_statement(write(tmp_path, HEAD + "期间：01/07/2017 - 05/07/2017\n" + body, "b.csv"))
    assert caught.value.code == "ambiguous_date_order"
