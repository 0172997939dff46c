"""Ingest of transfer files: header spellings, encodings, amounts, times, all-or-nothing, idempotence."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.errors import InputError
from monitor.ingest import detect_encoding, ingest_paths, match_header, parse_mapping
from monitor.text import guess_holder_kind
from monitor.transfers import TransferStore
from conftest import uscc_for

INST = uscc_for(42)
OTHER = uscc_for(43)

ZH1 = ["交易流水号", "交易时间", "交易金额", "付款账号", "付款户名", "付款方证件号",
       "收款账号", "收款户名", "收款方证件号", "摘要"]
ZH2 = ["流水号", "记账时间", "交易金额(万元)", "转出账号", "付款方名称", "付款人证件号码",
       "转入账号", "收款方名称", "收款人证件号码", "交易类型", "币种"]
EN = ["Transaction ID", "Transaction Time", "Amount (CNY)", "From Account", "From Name", "From ID",
      "To Account", "To Name", "To ID", "Memo"]


def rows_for(n: int, start: int = 0, month: str = "2018-06", amount=lambda i: f"{1000 + i}.50",
             time_fmt: str = "{y}-{m}-{d:02d} 10:{mi:02d}:00") -> list[list[str]]:
    y, m = month.split("-")
    out = []
    for i in range(start, start + n):
        out.append([f"TX{i:06d}", time_fmt.format(y=y, m=m, d=i % 28 + 1, mi=i % 60), amount(i),
                    f"62220000{i % 7:08d}", "张三", "110101199001011234",
                    "6228000000000001", "某某网络科技有限公司", INST, "出借"])
    return out


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8",
              quote_amount: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)

    def cell(v: str) -> str:
        return f'"{v}"' if ("," in v or quote_amount) else v

    text = ",".join(header) + "\n" + "".join(",".join(cell(c) for c in r) + "\n" for r in rows)
    path.write_bytes(text.encode(encoding))
    return path


def ok(results):
    assert all(r.status == "ok" for r in results), [r.error for r in results]
    return results


# --------------------------------------------------------------------------- pure helpers
def test_header_spellings_map_to_the_same_fields():
    for header in (ZH1, ZH2, EN):
        layout = match_header(header)
        assert set(layout.columns) >= {"txn_id", "txn_time", "amount", "payer_account", "payee_account",
                                       "payer_name", "payee_id", "purpose"}
    assert match_header(ZH2).amount_scale == 10_000
    assert match_header(ZH1).amount_scale == 1
    # full-width brackets and spaces are folded by normalize_label
    assert match_header([h.replace("(", "（").replace(")", "）") for h in ZH2]).amount_scale == 10_000


def test_missing_column_names_the_columns_found():
    with pytest.raises(InputError) as exc:
        match_header(["交易流水号", "交易时间", "金额", "备注"], where="x.csv: ")
    message = str(exc.value)
    assert "x.csv" in message and "payer_account" in message and "'备注'" in message


def test_mapping_overrides_and_validates():
    layout = match_header(["Ref", "When", "Betrag", "Von", "Nach"],
                          parse_mapping("Ref=txn_id,When=txn_time,Betrag=amount,Von=payer_account,"
                                        "Nach=payee_account"))
    assert layout.columns == {"txn_id": 0, "txn_time": 1, "amount": 2, "payer_account": 3, "payee_account": 4}
    with pytest.raises(InputError, match="unknown field"):
        parse_mapping("Ref=transaction")
    with pytest.raises(InputError, match="column=field"):
        parse_mapping("Ref")


def test_detect_encoding():
    assert detect_encoding("交易".encode("utf-8")) == ("utf-8", True)
    assert detect_encoding(b"\xef\xbb\xbf" + "交易".encode("utf-8"))[0] == "utf-8"
    assert detect_encoding("交易".encode("gb18030")) == ("gb18030", True)
    assert detect_encoding(b"txn_id,amount") == ("utf-8", False)
    # ASCII header, then GB18030 bytes that happen to start like a UTF-8 sequence (示 = CA BE)
    assert detect_encoding("txn_id,name\nT1,示范市信息".encode("gb18030")) == ("gb18030", True)


def test_holder_kind():
    assert guess_holder_kind(INST) == "company"
    assert guess_holder_kind("110101199001011234") == "person"
    assert guess_holder_kind("110101********1234") == "person"
    assert guess_holder_kind("abc") is None


# --------------------------------------------------------------------------- files into the store
@pytest.mark.parametrize("header,encoding", [(ZH1, "utf-8"), (ZH1, "utf-8-sig"), (ZH1, "gb18030"),
                                             (EN, "utf-8"), (EN, "gb18030")])
def test_spellings_and_encodings_store_the_same_values(sqlite_store, tmp_path, header, encoding):
    path = write_csv(tmp_path / "transfers" / INST / "2018-06.csv", header, rows_for(30), encoding)
    [res] = ok(ingest_paths(sqlite_store, [tmp_path / "transfers"]))
    assert (res.rows, res.rows_new, res.institution) == (30, 30, INST)
    table = TransferStore(sqlite_store).frame(columns=["txn_id", "amount", "payer_name", "payee_name",
                                                       "source_line", "institution", "month"])
    got = {r["txn_id"]: r for r in table.to_pylist()}
    assert len(got) == 30
    assert got["TX000003"]["amount"] == 1003.5
    assert got["TX000003"]["payer_name"] == "张三"
    assert got["TX000003"]["payee_name"] == "某某网络科技有限公司"
    assert got["TX000003"]["source_line"] == 5  # header is line 1
    assert {r["month"] for r in got.values()} == {"2018-06"}
    assert path.exists()


@pytest.mark.parametrize("rows", [30, 150_001])  # one thread and no rechunk; threaded writers, reader chunks
def test_parquet_files_have_the_store_schema_whatever_the_parser_made(sqlite_store, tmp_path, rows):
    """The parser's string views are written as they are; readers must still see plain strings."""
    import pyarrow.parquet as pq

    from monitor.transfers import SCHEMA

    months = [rows_for(rows // 2, month="2018-06"), rows_for(rows - rows // 2, start=rows // 2, month="2018-07")]
    write_csv(tmp_path / "s.csv", ZH1, months[0] + months[1])
    ok(ingest_paths(sqlite_store, [tmp_path / "s.csv"], institution=INST))
    files = sorted(TransferStore(sqlite_store).root.rglob("*.parquet"))
    assert [f.parent.name for f in files] == ["month=2018-06", "month=2018-07"]
    for f in files:
        assert pq.read_schema(f).remove_metadata() == SCHEMA  # string, not string_view
    table = TransferStore(sqlite_store).frame(columns=["txn_id", "payer_account", "payee_id", "source_line"])
    assert table.num_rows == rows
    assert table.schema.field("txn_id").type == SCHEMA.field("txn_id").type
    first = min(table.to_pylist(), key=lambda r: r["source_line"])
    assert (first["txn_id"], first["payer_account"], first["payee_id"]) == ("TX000000", "6222000000000000", INST)
    # T+1 at midnight, on every row (pyarrow's calendar floor as the oracle)
    import datetime as dt

    import pyarrow as pa
    import pyarrow.compute as pc

    times = TransferStore(sqlite_store).frame(columns=["txn_time", "available_at"])
    expected = pc.add(pc.floor_temporal(times.column("txn_time"), unit="day"),
                      pa.scalar(dt.timedelta(days=1), pa.duration("us")))
    assert times.column("available_at").equals(expected)


def test_wan_yuan_header_and_thousands_separators(sqlite_store, tmp_path):
    wan = rows_for(5, amount=lambda i: f"{1.2345 + i:.4f}")
    write_csv(tmp_path / "a.csv", ZH2[:10], wan)
    sep = rows_for(5, start=100, amount=lambda i: f"{1234567 + i:,}.25")
    write_csv(tmp_path / "b.csv", ZH1, sep)
    suffix = rows_for(3, start=200, amount=lambda i: ["12.5万元", "3,000元", "7万"][i - 200])
    write_csv(tmp_path / "c.csv", ZH1, suffix)
    ok(ingest_paths(sqlite_store, [tmp_path], institution=INST))
    got = {r["txn_id"]: r["amount"] for r in TransferStore(sqlite_store).frame(columns=["txn_id", "amount"])
           .to_pylist()}
    assert got["TX000000"] == 12345.0
    assert got["TX000002"] == 32345.0
    assert got["TX000101"] == 1_234_668.25
    assert (got["TX000200"], got["TX000201"], got["TX000202"]) == (125000.0, 3000.0, 70000.0)


@pytest.mark.parametrize("fmt,expected", [
    ("{y}-{m}-{d:02d} 10:{mi:02d}:00", datetime(2018, 6, 4, 10, 3, 0)),
    ("{y}/{m}/{d:02d} 10:{mi:02d}", datetime(2018, 6, 4, 10, 3)),
    ("{y}{m}{d:02d}10{mi:02d}05", datetime(2018, 6, 4, 10, 3, 5)),
])
def test_time_formats(sqlite_store, tmp_path, fmt, expected):
    write_csv(tmp_path / "t.csv", ZH1, rows_for(5, time_fmt=fmt))
    ok(ingest_paths(sqlite_store, [tmp_path / "t.csv"], institution=INST))
    row = [r for r in TransferStore(sqlite_store).frame().to_pylist() if r["txn_id"] == "TX000003"][0]
    assert row["txn_time"] == expected
    assert row["available_at"] == datetime(2018, 6, 5)  # T+1, midnight


def test_map_option_for_unknown_headers(sqlite_store, tmp_path):
    header = ["Ref", "Zeit", "Betrag", "Von", "Name1", "ID1", "Nach", "Name2", "ID2", "Text"]
    write_csv(tmp_path / "x.csv", header, rows_for(4))
    [res] = ingest_paths(sqlite_store, [tmp_path / "x.csv"], institution=INST)
    assert res.status == "failed" and "'Betrag'" in res.error and "txn_id" in res.error
    [res] = ok(ingest_paths(sqlite_store, [tmp_path / "x.csv"], institution=INST,
                            mapping="Ref=txn_id,Zeit=txn_time,Betrag=amount,Von=payer_account,Nach=payee_account"))
    assert res.rows_new == 4


def test_copy_of_a_committed_file_is_a_duplicate_even_without_its_mapping(sqlite_store, tmp_path):
    # The hash is computed beside the parse: a parse error must not hide that the file is known.
    header = ["Ref", "Zeit", "Betrag", "Von", "Name1", "ID1", "Nach", "Name2", "ID2", "Text"]
    first = write_csv(tmp_path / "x.csv", header, rows_for(4))
    ok(ingest_paths(sqlite_store, [first], institution=INST,
                    mapping="Ref=txn_id,Zeit=txn_time,Betrag=amount,Von=payer_account,Nach=payee_account"))
    copy = tmp_path / "copy" / "x.csv"
    copy.parent.mkdir()
    copy.write_bytes(first.read_bytes())
    [res] = ingest_paths(sqlite_store, [copy], institution=INST)
    assert (res.status, res.rows, res.error) == ("duplicate", 4, None)
    assert TransferStore(sqlite_store).count() == 4


def _snapshot(config):
    from sqlmodel import func, select

    from monitor.db import session_scope
    from monitor.models import Account

    store = TransferStore(config)
    files = sorted(p.relative_to(store.root) for p in store.root.rglob("*.parquet")) if store.root.exists() else []
    with session_scope(config) as session:
        accounts = session.exec(select(func.count()).select_from(Account)).one()
    return files, accounts, store.count()


@pytest.mark.parametrize("bad_cell,column,what", [
    (2, "交易金额", "cannot read amount 'abc'"),
    (1, "交易时间", "cannot read time '2018-13-45 99:00:00'"),
    (2, "交易金额", "negative amount '-5.00'"),
    (0, "交易流水号", "empty txn_id"),
])
def test_bad_row_in_the_middle_stores_nothing(store, tmp_path, bad_cell, column, what):
    good = write_csv(tmp_path / "in" / "good.csv", ZH1, rows_for(10, start=500))
    ok(ingest_paths(store, [good], institution=INST))
    before = _snapshot(store)
    rows = rows_for(40)
    rows[20][bad_cell] = {0: "", 1: "2018-13-45 99:00:00", 2: "abc" if "abc" in what else "-5.00"}[bad_cell]
    bad = write_csv(tmp_path / "in2" / "bad.csv", ZH1, rows)
    [res] = ingest_paths(store, [bad], institution=INST)
    assert res.status == "failed"
    assert f"line 22, column '{column}'" in res.error and what in res.error and "bad.csv" in res.error
    assert _snapshot(store) == before
    from sqlmodel import select

    from monitor.db import session_scope
    from monitor.models import IngestFile

    with session_scope(store) as session:
        recorded = session.exec(select(IngestFile).where(IngestFile.status == "failed")).one()
    assert recorded.error == res.error and recorded.sha256 == res.sha256


def test_empty_amount_and_wrong_width_name_the_line(sqlite_store, tmp_path):
    rows = rows_for(10)
    rows[6][2] = ""
    write_csv(tmp_path / "e.csv", ZH1, rows)
    [res] = ingest_paths(sqlite_store, [tmp_path / "e.csv"], institution=INST)
    assert "line 8" in res.error and "empty amount" in res.error
    path = write_csv(tmp_path / "w.csv", ZH1, rows_for(10))
    lines = path.read_text().splitlines()
    lines[4] += ",extra"
    path.write_text("\n".join(lines) + "\n")
    [res] = ingest_paths(sqlite_store, [path], institution=INST)
    assert res.status == "failed" and "line 5" in res.error and "w.csv" in res.error


def test_blank_lines_keep_line_numbers_right(sqlite_store, tmp_path):
    path = write_csv(tmp_path / "b.csv", ZH1, rows_for(6))
    lines = path.read_text().splitlines()
    lines.insert(3, "")  # a blank line 4
    assert "TX000003" in lines[5]
    lines[5] = lines[5].replace("1003.50", "x")  # the row of TX000003, now on line 6
    path.write_text("\n".join(lines) + "\n")
    [res] = ingest_paths(sqlite_store, [path], institution=INST)
    assert "line 6," in res.error
    path.write_text(path.read_text().replace(",x,", ",1003.50,"))
    ok(ingest_paths(sqlite_store, [path], institution=INST))
    got = {r["txn_id"]: r["source_line"] for r in TransferStore(sqlite_store).frame().to_pylist()}
    assert got["TX000001"] == 3 and got["TX000002"] == 5


def test_undecodable_bytes_name_the_line(sqlite_store, tmp_path):
    path = write_csv(tmp_path / "u.csv", ZH1, rows_for(8))
    data = path.read_bytes().split(b"\n")
    data[5] = data[5].replace("张三".encode(), "张三".encode("utf-8")[:2] + b"\xff")
    path.write_bytes(b"\n".join(data))
    [res] = ingest_paths(sqlite_store, [path], institution=INST)
    assert res.status == "failed" and "line 6" in res.error and "utf-8" in res.error


def test_reingest_and_overlap_store_each_transaction_once(store, tmp_path):
    first = write_csv(tmp_path / "a" / "jun.csv", ZH1, rows_for(50))
    [r1] = ok(ingest_paths(store, [first], institution=INST))
    [r2] = ingest_paths(store, [first], institution=INST)
    assert (r2.status, r2.rows_new) == ("duplicate", 0)
    overlap = write_csv(tmp_path / "b" / "jun2.csv", EN, rows_for(30, start=40))  # 10 old + 20 new
    [r3] = ok(ingest_paths(store, [overlap], institution=INST))
    assert (r3.rows, r3.rows_new) == (30, 20)
    ts = TransferStore(store)
    ids = ts.frame(columns=["txn_id"]).column("txn_id").to_pylist()
    assert len(ids) == len(set(ids)) == 70
    assert ts.count() == 70


def test_repeated_txn_id_inside_a_file_is_an_error(sqlite_store, tmp_path):
    rows = rows_for(10)
    rows[7][0] = rows[2][0]
    write_csv(tmp_path / "d.csv", ZH1, rows)
    [res] = ingest_paths(sqlite_store, [tmp_path / "d.csv"], institution=INST)
    assert res.status == "failed" and "line 9" in res.error and "repeats line 4" in res.error


def test_institution_from_folder_custody_account_or_error(sqlite_store, tmp_path):
    from sqlmodel import select

    from monitor.db import session_scope
    from monitor.models import Account, Institution

    loose = write_csv(tmp_path / "loose" / "x.csv", ZH1, rows_for(5))
    [res] = ingest_paths(sqlite_store, [loose])
    assert res.status == "failed" and "--institution" in res.error
    with session_scope(sqlite_store) as session:
        inst = Institution(name="某某网络科技有限公司", name_norm="某某网络科技", uscc=OTHER)
        session.add(inst)
        session.flush()
        session.add(Account(account_no="6228000000000001", institution_id=inst.id, is_custody=True))
    [res] = ok(ingest_paths(sqlite_store, [loose]))
    assert res.institution == OTHER
    with session_scope(sqlite_store) as session:
        # person-held accounts stay in the transfer store; only organisations' accounts are registered
        assert session.exec(select(Account).where(Account.account_no == "6222000000000003")).first() is None


@pytest.mark.parametrize("threaded", [False, True])
def test_accounts_registered_once_and_linked_by_uscc(store, tmp_path, monkeypatch, threaded):
    from sqlmodel import select

    import monitor.ingest.pipeline as pipeline

    # both ways of inserting accounts: inline (small files) and overlapping the Parquet writing
    monkeypatch.setattr(pipeline, "ACCOUNTS_IN_THREAD", 0 if threaded else 10**9)
    from monitor.db import session_scope
    from monitor.models import Account, Institution

    with session_scope(store) as session:
        session.add(Institution(name="某某网络科技有限公司", name_norm="某某网络科技", uscc=INST))
    write_csv(tmp_path / "a.csv", ZH1, rows_for(20))
    write_csv(tmp_path / "b.csv", ZH1, rows_for(20, start=20))
    results = ok(ingest_paths(store, [tmp_path], institution=INST))
    assert [r.accounts_new for r in results] == [1, 0]  # the company payee (7 payers are persons), then nothing
    with session_scope(store) as session:
        accounts = session.exec(select(Account)).all()
        inst_id = session.exec(select(Institution.id)).one()
    assert [a.account_no for a in accounts] == ["6228000000000001"]
    payee = accounts[0]
    assert (payee.holder_kind, payee.holder_id_no, payee.institution_id) == ("company", INST, inst_id)
    assert payee.holder_name == "某某网络科技有限公司"


@pytest.mark.parametrize("threaded", [False, True])
def test_only_accounts_whose_first_id_is_a_uscc_are_registered(store, tmp_path, monkeypatch, threaded):
    """The first row that gives an account's holder ID decides; its name comes with it."""
    import csv

    from sqlmodel import select

    import monitor.ingest.pipeline as pipeline
    from monitor.db import session_scope
    from monitor.models import Account

    monkeypatch.setattr(pipeline, "ACCOUNTS_IN_THREAD", 0 if threaded else 10**9)
    firm, other = "91440300MA5F000012", " 91440300ma5f000013 "
    rows = [  # (payer account, name, id, payee account, name, id)
        ("A1", "", "", "F1", "甲公司", firm),  # A1 no ID yet
        ("A1", "乙公司", other, "P1", "李四", "110101199001011234"),  # A1's first ID: a USCC (padded, lower case)
        ("P1", "李四", firm, "F1", "甲公司改名", firm),  # P1's first ID was a person's; F1 keeps its first name
        ("M1", "王五", "110101********1234", "X1", "Offshore Ltd", ""),  # masked person; no ID at all
        ("N1", "某户", "12345", "F1", "甲公司", firm),  # an ID that is neither
    ]
    path = tmp_path / "kinds.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(ZH1)
        for i, (pa_, pn, pi, qa, qn, qi) in enumerate(rows):
            w.writerow([f"TK{i}", "2018-06-01 10:00:00", "100.00", pa_, pn, pi, qa, qn, qi, "转账"])
    [res] = ok(ingest_paths(store, [path], institution=INST))
    with session_scope(store) as session:
        got = {a.account_no: (a.holder_name, a.holder_id_no, a.holder_kind) for a in session.exec(select(Account))}
    assert got == {"A1": ("乙公司", "91440300MA5F000013", "company"), "F1": ("甲公司", firm, "company")}
    assert res.accounts_new == 2


def test_holder_names_that_look_like_the_accounts_document_are_stored_verbatim(store, tmp_path):
    """The accounts travel to SQL as one JSON document; names holding its own syntax must not bend it."""
    import csv

    from sqlmodel import select

    from monitor.db import session_scope
    from monitor.models import Account

    names = ['某"公司"', '},{"n":"X","h":"Y', ',"h":,"i":,"k":', "反斜杠\\n}", "]],[[", "null"]
    path = tmp_path / "odd.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(ZH1)
        for i, name in enumerate(names):
            w.writerow([f"TX{i}", "2018-06-01 10:00:00", "100.00", f"6222{i:012d}", name, f"91440300MA5F0000{i:02d}",
                        "6228000000000001", "某某网络科技有限公司", INST, "出借"])
    [res] = ok(ingest_paths(store, [path], institution=INST))
    assert res.accounts_new == len(names) + 1
    with session_scope(store) as session:
        got = {a.account_no: a for a in session.exec(select(Account))}
    for i, name in enumerate(names):
        acc = got[f"6222{i:012d}"]
        assert (acc.holder_name, acc.holder_id_no, acc.holder_kind) == (name, f"91440300MA5F0000{i:02d}", "company")
    assert got["6228000000000001"].holder_kind == "company"


def test_xlsx(sqlite_store, tmp_path):
    import openpyxl  # a dependency of the monitor: missing, the test fails rather than skips
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(ZH1)
    for r in rows_for(6):
        sheet.append(r)
    sheet.cell(row=5, column=3).value = 2500.75  # a numeric cell
    book.save(tmp_path / "x.xlsx")
    [res] = ok(ingest_paths(sqlite_store, [tmp_path / "x.xlsx"], institution=INST))
    assert res.rows == 6
    got = {r["txn_id"]: r for r in TransferStore(sqlite_store).frame().to_pylist()}
    assert got["TX000003"]["amount"] == 2500.75 and got["TX000003"]["source_line"] == 5


# --------------------------------------------------------------------------- the command
def test_cli_reports_per_file_and_fails_on_a_bad_one(sqlite_store, tmp_path):
    from monitor.cli import cli

    good = write_csv(tmp_path / "in" / "good.csv", ZH1, rows_for(5))
    rows = rows_for(5, start=10)
    rows[2][1] = "yesterday"
    write_csv(tmp_path / "in" / "zbad.csv", ZH1, rows)
    env = {"MONITOR_INSTANCE_DIR": sqlite_store.instance_dir}
    res = CliRunner().invoke(cli, ["ingest", str(tmp_path / "in"), "--institution", INST], env=env)
    assert res.exit_code == 1
    errors = [line for line in res.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "zbad.csv: line 4, column '交易时间'" in errors[0]
    assert "1 ok" in res.stdout and "1 failed" in res.stdout
    res = CliRunner().invoke(cli, ["ingest", str(good), "--institution", INST, "--json"], env=env)
    assert res.exit_code == 0
    assert json.loads(res.stdout)[0]["status"] == "duplicate"
    res = CliRunner().invoke(cli, ["ingest", str(tmp_path / "nope.csv")], env=env)
    assert res.exit_code != 0


@pytest.mark.slow
def test_small_city_all_rows_ingested(small_city, sqlite_store):
    import csv

    expected = 0
    for path in sorted((small_city / "transfers").rglob("*.csv")):
        raw = path.read_bytes()
        for enc in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        expected += sum(1 for r in csv.reader(text.splitlines()) if r) - 1
    results = ok(ingest_paths(sqlite_store, [small_city / "transfers"]))
    assert sum(r.rows for r in results) == expected
    assert TransferStore(sqlite_store).count() == sum(r.rows_new for r in results)
    assert {r.institution for r in results} == {p.name for p in (small_city / "transfers").iterdir()}


def _fail_commit_records(monkeypatch):
    """From now on, the commit record of a good file cannot be written."""
    import monitor.ingest.pipeline as pipeline

    original = pipeline.ingest_record

    def broken(result, institution_id):
        if result.status == "ok":
            raise InputError("simulated failure while recording the file")
        return original(result, institution_id)

    monkeypatch.setattr(pipeline, "ingest_record", broken)


def test_failure_at_commit_leaves_store_and_accounts_unchanged(sqlite_store, tmp_path, monkeypatch):
    ok(ingest_paths(sqlite_store, [write_csv(tmp_path / "a" / "first.csv", ZH1, rows_for(5))], institution=INST))
    before = _snapshot(sqlite_store)

    _fail_commit_records(monkeypatch)
    second = write_csv(tmp_path / "b" / "second.csv", ZH1, [r[:3] + ["63330000000001"] + r[4:]
                                                             for r in rows_for(5, start=50, month="2018-07")])
    [res] = ingest_paths(sqlite_store, [second], institution=INST)
    assert res.status == "failed" and "simulated failure" in res.error
    assert _snapshot(sqlite_store) == before  # no Parquet file left, no account added


def test_garbage_without_commit_record_is_collected_by_the_full_walk(sqlite_store, tmp_path):
    from monitor.transfers import collect_garbage

    ok(ingest_paths(sqlite_store, [write_csv(tmp_path / "a.csv", ZH1, rows_for(5))], institution=INST))
    ts = TransferStore(sqlite_store)
    [kept] = ts.files()
    orphan = kept.with_name("e" * 64 + "_0.parquet")  # no journal names it (e.g. a store from before them)
    orphan.write_bytes(kept.read_bytes())
    assert collect_garbage(ts, min_age_seconds=0).files == 0  # what every ingest runs: journals only
    assert collect_garbage(ts, full=True).files == 0  # too recent: may belong to an ingest in progress
    assert collect_garbage(ts, min_age_seconds=0, full=True).files == 1
    assert not orphan.exists() and kept.exists() and ts.count() == 5


def test_a_journal_names_the_files_of_an_ingest_until_it_commits(sqlite_store, tmp_path, monkeypatch):
    import os

    from monitor.transfers import JOURNAL_SUFFIX

    tmp = TransferStore(sqlite_store).root / ".tmp"
    seen = []
    real_replace = os.replace

    def replace(src, dst):  # each move into the store happens with the journal on disk
        seen.append([json.loads(j.read_text()) for j in tmp.glob("*" + JOURNAL_SUFFIX)])
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    path = write_csv(tmp_path / "a.csv", ZH1, rows_for(5, month="2018-03") + rows_for(5, start=5, month="2018-04"))
    [res] = ok(ingest_paths(sqlite_store, [path], institution=INST))
    assert len(seen) == 2 and all(len(s) == 1 for s in seen)
    journal = seen[0][0]
    assert journal["sha256"] == res.sha256
    assert sorted(journal["files"]) == sorted(p.relative_to(TransferStore(sqlite_store).root).as_posix()
                                              for p in TransferStore(sqlite_store).files())
    assert not list(tmp.glob("*" + JOURNAL_SUFFIX))  # gone with the commit

    _fail_commit_records(monkeypatch)
    [res] = ingest_paths(sqlite_store, [write_csv(tmp_path / "b.csv", ZH1, rows_for(5, start=50))],
                         institution=INST)
    assert res.status == "failed" and not list(tmp.glob("*" + JOURNAL_SUFFIX))


def test_files_of_an_interrupted_ingest_are_collected_from_its_journal(sqlite_store, tmp_path):
    from monitor.transfers import JOURNAL_SUFFIX, collect_garbage, write_journal

    ok(ingest_paths(sqlite_store, [write_csv(tmp_path / "a.csv", ZH1, rows_for(5))], institution=INST))
    ts = TransferStore(sqlite_store)
    [kept] = ts.files()
    committed_sha = kept.name[:64]
    # What a process killed between moving its files in and committing leaves behind:
    orphan = kept.parent.parent / "month=2018-09" / ("e" * 64 + "_0.parquet")
    orphan.parent.mkdir()
    orphan.write_bytes(kept.read_bytes())
    (ts.root / ".tmp").mkdir(exist_ok=True)
    write_journal(ts.root / ".tmp" / f"{'1' * 32}{JOURNAL_SUFFIX}", ts.root, "e" * 64, [orphan])
    # ... and one whose file did commit (a later ingest of the same file): its files stay.
    write_journal(ts.root / ".tmp" / f"{'2' * 32}{JOURNAL_SUFFIX}", ts.root, committed_sha, [kept])
    assert collect_garbage(ts).files == 0 and orphan.exists()  # too recent: may be an ingest in progress
    assert collect_garbage(ts, min_age_seconds=0).files == 1
    assert not orphan.exists() and kept.exists() and ts.count() == 5
    assert not list((ts.root / ".tmp").glob("*" + JOURNAL_SUFFIX))


def test_gc_command_walks_the_whole_store(sqlite_store, tmp_path):
    from monitor.cli import cli

    ok(ingest_paths(sqlite_store, [write_csv(tmp_path / "a.csv", ZH1, rows_for(5))], institution=INST))
    [kept] = TransferStore(sqlite_store).files()
    orphan = kept.with_name("f" * 64 + "_0.parquet")
    orphan.write_bytes(kept.read_bytes())
    env = {"MONITOR_INSTANCE_DIR": sqlite_store.instance_dir}
    res = CliRunner().invoke(cli, ["gc"], env=env)
    assert res.exit_code == 0 and res.stdout.startswith("0 uncommitted") and orphan.exists()
    res = CliRunner().invoke(cli, ["gc", "--min-age", "0"], env=env)
    assert res.exit_code == 0 and res.stdout.startswith("1 uncommitted") and not orphan.exists()
    assert kept.exists()


def test_load_validated_is_the_ingest_parser_without_storing(sqlite_store, tmp_path):
    import duckdb

    from monitor.ingest import load_validated

    path = write_csv(tmp_path / "s.csv", EN, rows_for(12, amount=lambda i: f"{i + 1},000.00"), "gb18030")
    with duckdb.connect() as con:
        layout = load_validated(con, path)
        got = con.execute("SELECT count(*), sum(amount), min(txn_id) FROM clean").fetchall()[0]
    assert layout.header_of("amount") == "Amount (CNY)"
    assert got == (12, float(sum((i + 1) * 1000 for i in range(12))), "TX000000")
    assert TransferStore(sqlite_store).count() == 0
    rows = rows_for(12)
    rows[9][1] = "2018-02-30 10:00:00"
    with duckdb.connect() as con, pytest.raises(InputError, match=r"line 11, column 'Transaction Time'"):
        load_validated(con, write_csv(tmp_path / "t.csv", EN, rows))


def test_a_file_changed_in_place_is_read_again(sqlite_store, tmp_path):
    import os

    path = write_csv(tmp_path / "drop" / "statement.csv", ZH1, rows_for(5))
    ok(ingest_paths(sqlite_store, [tmp_path / "drop"], institution=INST))
    [again] = ingest_paths(sqlite_store, [tmp_path / "drop"], institution=INST)
    assert again.status == "duplicate"
    write_csv(path, ZH1, rows_for(8))  # the bank re-sent a longer statement under the same name
    later = path.stat().st_mtime + 5
    os.utime(path, (later, later))
    [res] = ok(ingest_paths(sqlite_store, [tmp_path / "drop"], institution=INST))
    assert (res.rows, res.rows_new) == (8, 3)


def test_quoted_newline_keeps_line_numbers_right(sqlite_store, tmp_path):
    path = write_csv(tmp_path / "q.csv", ZH1, rows_for(6))
    lines = path.read_text().splitlines()
    lines[2] = lines[2].replace(",张三,", ',"张\n三",')  # row TX000001 spans lines 3-4
    lines[4] = lines[4].replace("1003.50", "x")  # TX000003 is now on line 6
    path.write_text("\n".join(lines) + "\n")
    [res] = ingest_paths(sqlite_store, [path], institution=INST)
    assert res.status == "failed" and "line 6," in res.error


def test_accounts_seen_before_their_institution_get_linked(store, tmp_path):
    from sqlmodel import select

    from monitor.db import session_scope
    from monitor.accounts import link_accounts
    from monitor.models import Account, Company, Institution

    ok(ingest_paths(store, [write_csv(tmp_path / "a.csv", ZH1, rows_for(5))], institution=INST))
    with session_scope(store) as session:
        assert session.exec(select(Account.institution_id).where(Account.account_no == "6228000000000001")).one() \
            is None
        session.add(Institution(name="某某网络科技有限公司", name_norm="某某网络科技", uscc=INST))
        session.add(Company(name="某某网络科技有限公司", name_norm="某某网络科技", uscc=INST))
    assert link_accounts(store) == 2  # institution_id and company_id of the one company account
    with session_scope(store) as session:
        acc = session.exec(select(Account).where(Account.account_no == "6228000000000001")).one()
        inst = session.exec(select(Institution)).one()
        person = session.exec(select(Account).where(Account.account_no == "6222000000000001")).first()
    assert acc.institution_id == inst.id and acc.company_id is not None
    assert person is None  # a person's account is not registered at all


def test_unreadable_file_fails_alone(sqlite_store, tmp_path, monkeypatch):
    import monitor.ingest.pipeline as pipeline

    good = write_csv(tmp_path / "in" / "b.csv", ZH1, rows_for(3))
    write_csv(tmp_path / "in" / "a.csv", ZH1, rows_for(3, start=10))
    real_scan = pipeline.scan_file

    def scan(path):
        if path.name == "a.csv":  # e.g. a file on a network share that went away
            raise PermissionError(13, "Permission denied", str(path))
        return real_scan(path)

    monkeypatch.setattr(pipeline, "scan_file", scan)
    results = ingest_paths(sqlite_store, [tmp_path / "in"], institution=INST)
    assert [r.status for r in results] == ["failed", "ok"]
    assert "a.csv" in results[0].error and "PermissionError" in results[0].error
    assert good.exists() and TransferStore(sqlite_store).count() == 3


def test_a_data_engine_error_fails_that_file_alone(sqlite_store, tmp_path, monkeypatch):
    import polars as pl

    import monitor.ingest.pipeline as pipeline

    write_csv(tmp_path / "in" / "a.csv", ZH1, rows_for(3))
    write_csv(tmp_path / "in" / "b.csv", ZH1, rows_for(3, start=10))
    real = pipeline.month_parts
    calls = []

    def parts(table):
        calls.append(1)
        if len(calls) == 1:  # e.g. polars out of memory on the first file
            raise pl.exceptions.ComputeError("simulated failure")
        return real(table)

    monkeypatch.setattr(pipeline, "month_parts", parts)
    results = ingest_paths(sqlite_store, [tmp_path / "in"], institution=INST)
    assert [r.status for r in results] == ["failed", "ok"]
    assert "a.csv" in results[0].error and "ComputeError" in results[0].error
    assert TransferStore(sqlite_store).count() == 3


def test_the_ingest_the_store_and_the_accounts_register_import_no_click():
    """The commands are in monitor.commands; these modules are a library (and cheap to import for the crawl)."""
    import subprocess
    import sys

    code = ("import sys, monitor.ingest, monitor.transfers, monitor.accounts; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'click'))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    code = "import sys, monitor.accounts; print(sorted(m for m in ('polars', 'duckdb', 'pyarrow') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"  # crawlers.run imports it at its top
