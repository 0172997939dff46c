"""`monitor ingest` on bank statements: routed through monitor.statements into the transfer store."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.ingest import ingest_paths
from monitor.statements import read_statement
from monitor.statements.store import store_table
from monitor.transfers import TransferStore
from conftest import uscc_for

CORPUS = Path(__file__).parent / "statements"
INST = uscc_for(77)
FILES = sorted(p for p in CORPUS.iterdir() if p.suffix.lower() in (".csv", ".tsv", ".txt", ".xlsx", ".xls"))


def test_every_corpus_file_ingests_with_its_rows(sqlite_store, tmp_path):
    folder = tmp_path / "drop"
    shutil.copytree(CORPUS, folder, ignore=shutil.ignore_patterns("expected", "bad", "*.md", "*.py"))
    results = ingest_paths(sqlite_store, [folder], institution=INST)
    assert len(results) == len(FILES)
    assert all(r.status == "ok" for r in results), [r.error for r in results if r.status != "ok"]
    wanted = {p.name: store_table(read_statement(p))[0].num_rows for p in FILES}
    assert {Path(r.path).name: r.rows for r in results} == wanted
    store = TransferStore(sqlite_store)
    assert store.count() == sum(wanted.values())
    rows = store.frame(columns=["txn_id", "txn_time", "amount", "payer_account", "payee_account",
                                "source_line"]).to_pylist()
    icbc = next(r for r in rows if r["txn_id"] == "02126032")
    assert (icbc["amount"], icbc["payer_account"], icbc["payee_account"], icbc["source_line"]) == \
        (14845.74, "6466471097293967144065", "1202021209000012345", 8)
    assert str(icbc["txn_time"]) == "2017-07-01 13:13:19"
    utc = next(r for r in rows if r["txn_id"] == "0000000208092")  # 2017-08-14T16:05:41Z
    assert str(utc["txn_time"]) == "2017-08-15 00:05:41"
    # skipped rows (fees, cash, no counterparty) are said, not silent
    cmb = next(r for r in results if Path(r.path).name.startswith("CMB_6225880112345678_20170701"))
    assert cmb.rows == 0 and any("33 row(s) without an account" in w for w in cmb.warnings)
    again = ingest_paths(sqlite_store, [folder], institution=INST)
    assert {r.status for r in again} == {"duplicate"}


def test_institution_from_the_statement_owner_account(sqlite_store, tmp_path):
    from monitor.db import session_scope
    from monitor.models import Account, Institution

    with session_scope(sqlite_store) as session:
        inst = Institution(name="杭州融通网络科技有限公司", name_norm="杭州融通网络科技", uscc=INST)
        session.add(inst)
        session.flush()
        session.add(Account(account_no="1202021209000012345", institution_id=inst.id))
    [result] = ingest_paths(sqlite_store, [CORPUS / "icbc_1202021209000012345_201707.csv"])
    assert (result.status, result.institution) == ("ok", INST), result.error


def test_a_statement_that_does_not_add_up_stores_nothing(sqlite_store):
    [result] = ingest_paths(sqlite_store, [CORPUS / "bad" / "bad_footer_total_mismatch.csv"], institution=INST)
    assert result.status == "failed" and "bad_footer_total_mismatch.csv:23" in result.error
    assert TransferStore(sqlite_store).count() == 0


def test_options_reach_the_reader(sqlite_store):
    path = CORPUS / "bad" / "bad_ambiguous_dates.csv"
    [refused] = ingest_paths(sqlite_store, [path], institution=INST)
    assert refused.status == "failed" and "--date-format" in refused.error
    [result] = ingest_paths(sqlite_store, [path], institution=INST, statement_options={"date_format": "%d/%m/%Y"})
    # no counterparty columns: every row is left out, and the warning says so
    assert result.status == "ok" and result.rows == 0 and result.warnings


def test_canonical_header_errors_are_unchanged(sqlite_store, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("交易流水号,交易时间,金额,备注\nT1,2018-06-01 10:00:00,1.00,x\n", encoding="utf-8")
    [result] = ingest_paths(sqlite_store, [path], institution=INST)
    assert result.status == "failed" and "missing required column" in result.error and "--account" in result.error


def test_cli_options_and_exit_codes(sqlite_store, tmp_path):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    environ["MONITOR_INSTANCE_DIR"] = str(sqlite_store.instance_path)

    def run(*args):
        return subprocess.run([sys.executable, "-m", "monitor", "ingest", *args], capture_output=True, text=True,
                              env=environ, cwd=tmp_path, timeout=120)

    r = run(str(CORPUS / "中信对账单_8110801012345678901_201709.txt"), "--institution", INST)
    assert r.returncode == 0, r.stderr
    assert "17 rows" in r.stdout  # 18 rows, one without a counterparty account
    r = run(str(CORPUS / "bad" / "bad_balance_break.csv"), "--institution", INST)
    assert r.returncode == 1 and "bad_balance_break.csv:15" in r.stderr
    r = run(str(CORPUS / "bad" / "bad_ambiguous_dates.csv"), "--institution", INST, "--date-format", "%m/%d/%Y")
    assert r.returncode == 0, r.stderr


SHAPES = {
    # separate date and time columns, UTF-8 with BOM, CRLF
    "bom_date_time.csv": ("\ufeff流水号,记账日期,记账时间,付款方账号,付款方户名,收款方账号,收款方户名,交易金额,用途\r\n"
                          "A1,2017-07-01,09:30:15,6222000000000001,张三,6222000000000002,李四,100.00,还款\r\n",
                          "utf-8", "2017-07-01 09:30:15", 100.0),
    # pipe-separated, English headers
    "pipe_en.txt": ("Value Date|Ref No.|Debit A/C|Credit A/C|Amount|Narrative\n"
                    "2017-07-02|R0001|6222000000000001|6222000000000002|1,234.50|LOAN\n",
                    "utf-8", "2017-07-02 00:00:00", 1234.5),
    # GB18030, 万元, dotted dates
    "gb_wanyuan.csv": ("流水号,交易日期,付款方账号,收款方账号,金额(万元),摘要\r\n"
                       "B1,2017.07.01,6222000000000001,6222000000000002,1.2345,放款\r\n",
                       "gb18030", "2017-07-01 00:00:00", 12345.0),
}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_shapes_the_canonical_reader_refused(sqlite_store, tmp_path, name):
    text, encoding, when, amount = SHAPES[name]
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    [result] = ingest_paths(sqlite_store, [path], institution=INST)
    assert result.status == "ok", result.error
    [row] = TransferStore(sqlite_store).frame(columns=["txn_time", "amount"]).to_pylist()
    assert (str(row["txn_time"]), row["amount"]) == (when, amount)


def test_bad_canonical_times_still_named_by_the_canonical_reader(sqlite_store, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("Transaction ID,Transaction Time,Amount (CNY),From Account,To Account\n"
                    "T1,yesterday,1.00,6222000000000001,6222000000000002\n", encoding="utf-8")
    [result] = ingest_paths(sqlite_store, [path], institution=INST)
    assert result.status == "failed" and "line 2" in result.error and "yesterday" in result.error


def test_a_repeated_transaction_id_names_both_lines(sqlite_store, tmp_path):
    raw = (CORPUS / "icbc_1202021209000012345_201707.csv").read_bytes()
    assert raw.count(b"02126513,") == 1
    path = tmp_path / "icbc_1202021209000012345_201707.csv"
    path.write_bytes(raw.replace(b"02126513,", b"02126032,"))
    [result] = ingest_paths(sqlite_store, [path], institution=INST)
    assert result.status == "failed"
    assert "line 10" in result.error and "02126032" in result.error and "repeats line 8" in result.error
    assert TransferStore(sqlite_store).count() == 0
