"""Unit tests of the statement reader: date inference, delimiter sniffing, amounts, preamble, profiles, CLI."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from monitor.statements import StatementError, parse_amount, read_statement
from monitor.statements import dates
from monitor.statements.recognise import find_header, load, preamble_pairs, sniff_delimiter

CORPUS = Path(__file__).parent / "statements"


def lines(values):
    return list(enumerate(values, start=2))


# --- dates ----------------------------------------------------------------------------------------------------

def test_day_month_order_refused_when_every_value_fits_both():
    with pytest.raises(StatementError) as caught:
        dates.infer(lines(["01/03/2017", "02/04/2017", "05/05/2017"]), column="Date")
    assert caught.value.line == 2
    assert caught.value.code == "ambiguous_date_order"
    assert "--date-format" in str(caught.value)


def test_dotted_day_month_order_refused_too():
    with pytest.raises(StatementError) as caught:
        dates.infer(lines(["05.05.2017", "01.03.2017"]), column="Date")
    assert caught.value.line == 3


def test_negative_amount_in_a_transfer_file_is_refused(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("流水号,交易时间,付款方账号,收款方账号,金额\nA1,2017-07-01 10:00:00,111,222,-5.00\n",
                    encoding="utf-8")
    with pytest.raises(StatementError) as caught:
        read_statement(path)
    assert caught.value.line == 2 and caught.value.column == "金额"


def test_day_month_order_decided_by_a_day_above_12():
    fmt = dates.infer(lines(["01/03/2017", "25/03/2017"]), column="Date")
    assert fmt.parse("01/03/2017") == dt.datetime(2017, 3, 1)


def test_same_day_and_month_is_not_ambiguous():
    fmt = dates.infer(lines(["05/05/2017", "07/07/2017"]), column="Date")
    assert fmt.parse("05/05/2017") == dt.datetime(2017, 5, 5)


def test_date_format_override_wins():
    fmt = dates.infer(lines(["01/03/2017"]), column="Date", date_format="%m/%d/%Y")
    assert fmt.parse("01/03/2017") == dt.datetime(2017, 1, 3)


@pytest.mark.parametrize("values, expected", [
    (["2017-08-14T16:05:41Z"], dt.datetime(2017, 8, 15, 0, 5, 41)),
    (["2017-07-03T00:31:09+08:00"], dt.datetime(2017, 7, 3, 0, 31, 9)),
    (["2017-12-01T17:46:52"], dt.datetime(2017, 12, 1, 17, 46, 52)),
    (["2017.07.01"], dt.datetime(2017, 7, 1)),
    (["2017/7/1 9:05"], dt.datetime(2017, 7, 1, 9, 5)),
    (["20170701"], dt.datetime(2017, 7, 1)),
    (["20171002 103213"], dt.datetime(2017, 10, 2, 10, 32, 13)),
    (["2017年7月1日"], dt.datetime(2017, 7, 1)),
    (["03 Jul 2017"], dt.datetime(2017, 7, 3)),
    ([42917.5], dt.datetime(2017, 7, 1, 12, 0)),
])
def test_date_spellings(values, expected):
    assert dates.infer(lines(values), column="c").parse(values[0]) == expected


def test_six_digits_in_a_time_column_are_a_time():
    fmt = dates.infer(lines(["175216", "092938"]), column="交易时间", prefer_time=True)
    assert fmt.kind == "time" and fmt.parse("175216") == dt.time(17, 52, 16)


def test_unreadable_dates_give_no_format():
    assert dates.infer(lines(["yesterday"]), column="c") is None


# --- delimiters and headers -----------------------------------------------------------------------------------

@pytest.mark.parametrize("delimiter", [",", "\t", "|", ";"])
def test_delimiter_chosen_by_the_header(tmp_path, delimiter):
    header = delimiter.join(["Value Date", "Ref No.", "Debit A/C", "Credit A/C", "Amount", "Narrative"])
    row = delimiter.join(["2017-07-01", "R1", "111", "222", "1,5", "a;b|c"]) if delimiter == "\t" else \
        delimiter.join(["2017-07-01", "R1", "111", "222", "15", "x"])
    path = tmp_path / "f.txt"
    path.write_text(f"Statement\n{header}\n{row}\n", encoding="utf-8")
    grid = load(path)
    found = find_header(grid)
    assert (found.delimiter, found.line) == (delimiter, 2)


def test_sniff_delimiter_counts_consistent_fields():
    assert sniff_delimiter(["a;b;c", "1;2;3", "4;5,5;6"]) == ";"
    assert sniff_delimiter(["a|b", "1|2"]) == "|"


def test_no_header_is_an_error_with_a_hint(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("foo,bar\n1,2\n", encoding="utf-8")
    with pytest.raises(StatementError) as caught:
        read_statement(path)
    assert "profile" in str(caught.value) and "x.csv" in str(caught.value)


# --- amounts, preamble --------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ('"1,234.56"', None), ("1,234.56", Decimal("1234.56")), ("+8,674.40元", Decimal("8674.40")),
    ("-1,000.00元", Decimal("-1000.00")), ("￥1,234.56", Decimal("1234.56")), ('="0012"', Decimal("12")),
    ("\t100\t", Decimal("100")), ("(12.50)", Decimal("-12.50")), (1234.5, Decimal("1234.5")), ("", None),
])
def test_amount_spellings(text, value):
    if value is None and text:
        with pytest.raises(StatementError):
            parse_amount(text)
    else:
        assert parse_amount(text) == value


def test_wanyuan_is_converted_exactly(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("账号：123456789012\n户名：某公司\n金额单位：万元\n"
                    "日期,摘要,借方发生额,贷方发生额,余额\n"
                    "2017-12-01,转账,,0.0001,0.0001\n2017-12-02,转账,0.3333,,-0.3332\n", encoding="utf-8")
    rows = read_statement(path).rows
    assert [r.amount for r in rows] == [Decimal("1.00"), Decimal("3333.00")]
    assert rows[1].balance_after == Decimal("-3332.00")


def test_preamble_forms():
    pairs = dict(preamble_pairs([
        ["# 卡号: [6225880112345678]"], ["账号：1202", "", "", "户名：某人"], ["起止日期", "2017-07-01", "2017-07-31"],
        ["币种：人民币    开户网点：某行    对账期间：2017.08.01-2017.08.31"]]))
    assert pairs["卡号"] == "6225880112345678"
    assert pairs["账号"] == "1202" and pairs["户名"] == "某人"
    assert pairs["起止日期"] == "2017-07-01 2017-07-31"
    assert pairs["对账期间"] == "2017.08.01-2017.08.31" and pairs["币种"] == "人民币"


# --- single-account statements, owner, profiles ----------------------------------------------------------------

STATEMENT = "交易日期,摘要,交易对手,发生额,余额\n2017-07-01,转账,某公司,-10.00,90.00\n2017-07-02,转账,某人,5.00,95.00\n"


def test_owner_account_required_then_given(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text(STATEMENT, encoding="utf-8")
    with pytest.raises(StatementError) as caught:
        read_statement(path)
    assert "--account" in str(caught.value)
    rows = read_statement(path, account="6200001").rows
    assert (rows[0].payer_account, rows[0].payee_account) == ("6200001", None)
    assert (rows[1].payer_account, rows[1].payee_account) == (None, "6200001")


def test_operator_profile_names_a_column_and_the_owner(tmp_path):
    folder = tmp_path / "instance" / "profiles"
    folder.mkdir(parents=True)
    (folder / "my_bank.toml").write_text(
        'name = "my_bank"\n[match]\nheader = ["交易对手"]\n[columns]\n"交易对手" = "counterparty_name"\n'
        '[owner]\naccount_from = "filename"\nfilename_pattern = \'^acct_(\\d+)\\.csv$\'\nname = "本公司"\n',
        encoding="utf-8")
    path = tmp_path / "acct_6200002.csv"
    path.write_text(STATEMENT, encoding="utf-8")
    statement = read_statement(path, instance_dir=tmp_path / "instance")
    assert statement.profile == "my_bank"
    first = statement.rows[0]
    assert (first.payer_account, first.payer_name, first.payee_name) == ("6200002", "本公司", "某公司")


def test_bad_profile_key_is_named(tmp_path):
    folder = tmp_path / "profiles"
    folder.mkdir()
    (folder / "x.toml").write_text('[colums]\n"a" = "txn_id"\n', encoding="utf-8")
    with pytest.raises(StatementError) as caught:
        read_statement(CORPUS / "cg_hzjr_transfer_20170703.csv", instance_dir=tmp_path)
    assert "colums" in str(caught.value) and caught.value.exit_code == 2


def test_newest_first_balance_chain_is_accepted(tmp_path):
    path = tmp_path / "n.csv"
    path.write_text("账号,6200003\n交易日期,交易金额,余额\n2017-07-03,5.00,105.00\n2017-07-02,-10.00,100.00\n"
                    "2017-07-01,10.00,110.00\n", encoding="utf-8")
    assert read_statement(path).balance_check == "ok (newest first)"


def test_table_has_the_store_columns():
    from monitor.transfers import SCHEMA

    table = read_statement(CORPUS / "CUSTODY_TRANSFER_20170815.txt").table()
    wanted = [n for n in SCHEMA.names if n not in ("available_at", "source_sha256")]
    assert [n for n in table.column_names if n in SCHEMA.names] == wanted
    assert table.column("txn_time").type == SCHEMA.field("txn_time").type
    assert table.num_rows == 38


# --- the command --------------------------------------------------------------------------------------------

def run(args, tmp_path):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    environ["MONITOR_INSTANCE_DIR"] = str(tmp_path / "instance")
    return subprocess.run([sys.executable, "-m", "monitor", *args], capture_output=True, text=True, env=environ,
                          cwd=tmp_path, timeout=120)


def test_profiles_test_prints_recognition_and_rows(tmp_path):
    r = run(["profiles", "test", str(CORPUS / "中信对账单_8110801012345678901_201709.txt"), "--rows", "1"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "profile: citic_counter" in r.stdout
    assert 'owner_account: "8110801012345678901"' in r.stdout
    assert '"source_line": 8' in r.stdout


def test_profiles_test_exit_codes(tmp_path):
    r = run(["profiles", "test", str(CORPUS / "bad" / "bad_balance_break.csv")], tmp_path)
    assert r.returncode == 1 and "bad_balance_break.csv:15" in r.stderr
    r = run(["profiles", "show", "no_such_bank"], tmp_path)
    assert r.returncode == 2 and "no_such_bank" in r.stderr
    r = run(["profiles", "list"], tmp_path)
    assert r.returncode == 0 and "citic_counter" in r.stdout


# --- rows for the store ---------------------------------------------------------------------------------------

def test_store_table_ids_and_skipped_rows():
    from monitor.statements.store import store_table

    statement = read_statement(CORPUS / "boc_6216613100012345678_201707.csv")
    table, warnings = store_table(statement)
    with_both = [r for r in statement.rows if r.payer_account and r.payee_account]
    assert table.num_rows == len(with_both) == 23
    assert "12 row(s) without an account on both sides" in warnings[0]
    ids = table.column("txn_id").to_pylist()
    assert len(set(ids)) == len(ids) and all(i.startswith("S") for i in ids)
    again, _ = store_table(read_statement(CORPUS / "boc_6216613100012345678_201707.csv"))
    assert again.column("txn_id").to_pylist() == ids  # stable: a re-export keeps its ids
    bank_ids, _ = store_table(read_statement(CORPUS / "icbc_1202021209000012345_201707.csv"))
    assert bank_ids.column("txn_id")[0].as_py() == "02126032"
