"""The column-wise reading of text statements gives exactly what the row-by-row reading gives.

Every text file of the corpus, and statements built here with the shapes that send lines or values to the
row-by-row code (footer words inside a row, odd quoting, short rows, CRLF, page breaks, other amount and
date writing), are read both ways: the rows, the metadata, the store table and any error must be equal.
"""

from __future__ import annotations

import csv
import io
import random
import sys
from pathlib import Path

import pytest

from monitor.statements import StatementError, reader, read_statement
from monitor.statements.recognise import Utf8Lines
from monitor.statements.store import store_table

CORPUS = Path(__file__).parent / "statements"
CORPUS_B = Path(__file__).parent / "statements_b"
CORPUS_FILES = [p for folder in (CORPUS, CORPUS / "bad", CORPUS_B, CORPUS_B / "bad") for p in folder.iterdir()]
TEXT_FILES = sorted(p for p in CORPUS_FILES if p.suffix.lower() in (".csv", ".tsv", ".txt"))
ROOT = Path(__file__).resolve().parents[1]


def outcome(path: Path, **kwargs):
    """Everything a reading gives: rows, metadata and store table, or the error."""
    try:
        statement = read_statement(path, **kwargs)
    except StatementError as exc:
        return ("error", str(exc), exc.line, exc.column, exc.code)
    except Exception as exc:  # noqa: BLE001  (a crash must be the same crash both ways)
        return ("crash", type(exc).__name__, str(exc))
    table, warnings = store_table(statement)
    return ("ok", [r.as_json() for r in statement.rows], [(r.direction, r.page) for r in statement.rows],
            statement.metadata(), table.to_pylist(), warnings, statement.table().to_pylist())


def both_ways(path: Path, monkeypatch, **kwargs):
    """``(column-wise outcome, row-by-row outcome, whether the column-wise reading was used)``."""
    used = []
    columnar = reader._read_columnar

    def spy(*args):
        result = columnar(*args)
        used.append(result is not None)
        return result

    monkeypatch.setattr(reader, "_read_columnar", spy)
    fast = outcome(path, **kwargs)
    monkeypatch.setattr(reader, "_read_columnar", lambda *args: None)
    slow = outcome(path, **kwargs)
    monkeypatch.setattr(reader, "_read_columnar", columnar)
    return fast, slow, bool(used and used[0])


@pytest.mark.parametrize("path", TEXT_FILES, ids=[f"{p.parent.name}/{p.name}" for p in TEXT_FILES])
def test_corpus_text_file_reads_the_same_both_ways(path, monkeypatch):
    fast, slow, _ = both_ways(path, monkeypatch)
    assert fast == slow


HEAD = ("中国工商银行 账户历史明细\n户名：深圳市恒信网络科技有限公司\n账号：6222020200012345678\n币种：人民币\n"
        "起止日期：2017-01-01 至 2017-01-31\n")
HEADER = "交易日期,交易时间,交易流水号,摘要,借方发生额,贷方发生额,余额,对方账号,对方户名,备注\n"


def statement_text(rows: int = 60, seed: int = 3, *, footer: bool = True) -> tuple[list[str], int, int]:
    """Body lines of a consistent statement, its debit and credit totals (cents)."""
    rng = random.Random(seed)
    balance, debit, credit, lines = 10_000_000, 0, 0, []
    for i in range(rows):
        cents = rng.randint(100, 900_000)
        is_credit = rng.random() < 0.5
        balance += cents if is_credit else -cents
        debit += 0 if is_credit else cents
        credit += cents if is_credit else 0
        amount = f'"{cents // 100:,}.{cents % 100:02d}"' if i % 3 == 0 else f"{cents // 100}.{cents % 100:02d}"
        account, name = ("", "") if i % 11 == 5 else (f"62220000{i:08d}", rng.choice(["张伟", "某公司"]))
        debit_cell, credit_cell = ("", amount) if is_credit else (amount, "")
        lines.append(f"2017-01-{1 + i % 28:02d},{i % 24:02d}:{i % 60:02d}:07,ID{i:06d},转账,{debit_cell},{credit_cell},"
                     f"{balance // 100}.{balance % 100:02d},{account},{name},{'货款' if i % 4 else ''}")
    return lines, debit, credit


def write(tmp_path: Path, body: list[str], debit: int, credit: int, *, newline: str = "\n",
          name: str = "s.csv", count: int = 60) -> Path:
    def yuan(c):
        return f"{c // 100}.{c % 100:02d}"
    footer = [f"合计,,,,{yuan(debit)},{yuan(credit)},,,,", f"共 {count} 笔"]
    text = HEAD + HEADER + "\n".join(body + footer) + "\n"
    path = tmp_path / name
    path.write_bytes(text.replace("\n", newline).encode("utf-8"))
    return path


def variants():
    """``(name, edit of the body lines)``: each keeps the statement consistent or breaks it on purpose."""
    def purpose(lines, text):
        lines[7] = lines[7].rsplit(",", 1)[0] + "," + text
        return lines

    def cells(line):
        return next(csv.reader([line]))

    def joined(values):
        out = io.StringIO()
        csv.writer(out, lineterminator="").writerow(values)
        return out.getvalue()

    def replace_cell(lines, row, index, value):
        values = cells(lines[row])
        values[index] = value
        lines[row] = joined(values)
        return lines

    def yuan_suffix(lines):
        return [joined([v + "元" if i in (4, 5) and v else v for i, v in enumerate(cells(line))]) for line in lines]

    return [
        ("plain", lambda lines: lines),
        ("footer word in a row", lambda lines: purpose(lines, "本月合计货款 total 打印")),
        ("odd quoting", lambda lines: purpose(lines, '"ab"c')),
        ("quote inside a field", lambda lines: purpose(lines, 'a"b')),
        ("unclosed quote", lambda lines: purpose(lines, '"abc')),
        ("doubled quotes", lambda lines: purpose(lines, '"say ""hi"""')),
        ("excel text wrapper", lambda lines: replace_cell(lines, 4, 2, '="ID000004"')),
        ("padded cells", lambda lines: replace_cell(replace_cell(lines, 3, 7, "\t6222000000000003\t"), 3, 8, " 张伟 ")),
        ("unicode space padding", lambda lines: replace_cell(lines, 3, 8, "\u3000张伟\x1f")),
        ("blank line", lambda lines: lines[:10] + ["", "  ", ",,,,,,,,,"] + lines[10:]),
        ("repeated header", lambda lines: lines[:20] + ["\x0c", "某行 第2页", HEADER.strip()] + lines[20:]),
        ("header again without page break", lambda lines: lines[:20] + [HEADER.strip().replace("交易日期", "交易 日期")]
         + lines[20:]),
        ("short row", lambda lines: lines[:30] + [lines[30].rsplit(",", 4)[0]] + lines[31:]),
        ("missing last field", lambda lines: lines[:30] + [lines[30].rsplit(",", 1)[0]] + lines[31:]),
        ("extra fields", lambda lines: [line + ",x,y" for line in lines]),
        ("missing row", lambda lines: lines[:25] + lines[26:]),
        ("empty time", lambda lines: replace_cell(lines, 12, 1, "")),
        ("bad time", lambda lines: replace_cell(lines, 12, 1, "25:99:00")),
        ("bad date", lambda lines: replace_cell(lines, 13, 0, "2017-02-30")),
        ("empty date", lambda lines: replace_cell(lines, 13, 0, "")),
        ("single-digit date", lambda lines: replace_cell(lines, 2, 0, "2017-1-3")),
        ("bad amount", lambda lines: replace_cell(lines, 14, 6, "12x.00")),
        ("amounts written with yuan", yuan_suffix),
        ("balance in parentheses", lambda lines: replace_cell(lines, 9, 6, "(" + cells(lines[9])[6] + ")")),
        ("zero debit beside the credit", lambda lines: [line.replace(",,", ",0.00,", 1) if i % 2 else line
                                                        for i, line in enumerate(lines)]),
        ("opening balance line", lambda lines: [",,,上期余额,,," + f"{(10_000_000) // 100}.00,,,"] + lines),
        ("border line", lambda lines: lines[:5] + ["+-----+-----+"] + lines[5:]),
        ("lone carriage return", lambda lines: purpose(lines, "a\rb")),
        ("amount with yuan and an empty last cell", lambda lines: replace_cell(replace_cell(lines, 6, 9, ""), 6, 6,
                                                                                cells(lines[6])[6] + "元")),
    ]


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
@pytest.mark.parametrize("name,edit", variants(), ids=[v[0] for v in variants()])
def test_statement_variant_reads_the_same_both_ways(name, edit, newline, tmp_path, monkeypatch):
    lines, debit, credit = statement_text()
    path = write(tmp_path, edit(list(lines)), debit, credit, newline=newline)
    fast, slow, used = both_ways(path, monkeypatch)
    assert fast == slow
    if name == "plain":
        assert used and fast[0] == "ok" and fast[3]["balance_check"] == "ok"


def test_gb18030_and_wanyuan_read_the_same_both_ways(tmp_path, monkeypatch):
    lines, debit, credit = statement_text(40)
    text = (HEAD + "金额单位：万元\n" + HEADER.replace("余额", "余额(万元)") +
            "\n".join(lines) + "\n").encode("gb18030")
    path = tmp_path / "w.csv"
    path.write_bytes(text)
    fast, slow, used = both_ways(path, monkeypatch)
    assert used and fast == slow and fast[0] == "ok"


def test_signed_amounts_flags_and_currency_read_the_same_both_ways(tmp_path, monkeypatch):
    path = tmp_path / "f.csv"
    path.write_text("账号：6200001\n交易日期,交易金额,借贷标志,币种,对方账号/户名,余额,交易状态\n"
                    "2017-07-01,10.00,贷,人民币,111/张三,110.00,成功\n"
                    "2017-07-02,-4.00,借,USD, 222 / 李四 ,106.00,处理中\n"
                    "2017-07-03,(1.00),D,,/王五,105.00,\n"
                    "2017-07-04,2.50,,156,333,107.50,成功\n", encoding="utf-8")
    fast, slow, used = both_ways(path, monkeypatch)
    assert used and fast == slow and fast[0] == "ok"
    assert any("status '处理中'" in w for w in fast[3]["warnings"])
    path.write_text(path.read_text("utf-8").replace(",D,", ",X,"), encoding="utf-8")
    fast, slow, _ = both_ways(path, monkeypatch)
    assert fast == slow and fast[0] == "error" and "unknown debit/credit flag" in fast[1]


def test_ambiguous_dates_refused_the_same_both_ways(tmp_path, monkeypatch):
    rows = "".join(f"0{d}/0{m}/2017,转账,1.00\n" for d, m in ((1, 3), (2, 4), (5, 5)) * 5)
    path = tmp_path / "a.csv"
    path.write_text("账号：6200001\n日期,摘要,金额\n" + rows, encoding="utf-8")
    fast, slow, _ = both_ways(path, monkeypatch)
    assert fast == slow and fast[0] == "error" and fast[4] == "ambiguous_date_order"


def test_rows_without_a_bank_reference_get_the_same_ids_both_ways(tmp_path, monkeypatch):
    lines, debit, credit = statement_text(30)
    lines = [",".join(c if i != 2 else "" for i, c in enumerate(line.split(","))) for line in lines]
    lines.append(lines[-1])  # the same row twice: ``id-2``
    fast, slow, used = both_ways(write(tmp_path, lines, debit, credit, count=31), monkeypatch, check=False)
    assert used and fast == slow
    ids = [r["txn_id"] for r in fast[4]]
    assert ids[-1] == ids[-2] + "-2" and all(i.startswith("S") for i in ids)


def test_benchmark_statement_reads_both_ways_and_adds_up(tmp_path, monkeypatch):
    sys.path.insert(0, str(ROOT))
    from benchmarks.statements import generate_statement

    path = tmp_path / "bench.csv"
    stated = generate_statement(path, 3000, seed=4)
    fast, slow, used = both_ways(path, monkeypatch)
    assert used and fast == slow and fast[0] == "ok"
    meta = fast[3]
    assert meta["rows"] == stated["rows"] and meta["balance_check"] == "ok"
    assert meta["footer_totals"]["debit_total"] == f"{stated['debit_total'] / 100:.2f}"
    assert len(fast[4]) == stated["rows"] - stated["fees"]


@pytest.mark.parametrize("seed", range(20))
def test_utf8_lines_are_the_split_text(seed):
    rng = random.Random(seed)
    data = bytes(rng.choice(b"ab\r\n\xe4\xb8\xad,") for _ in range(rng.randint(0, 60)))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    want = [line[:-1] if line.endswith("\r") else line for line in text.split("\n")]
    if text.endswith("\n"):
        want.pop()
    lines = Utf8Lines(data)
    assert list(lines[:]) == want and len(lines) == len(want)
    Utf8Lines.PREFIX, saved = 0, Utf8Lines.PREFIX  # the numpy path for line starts
    try:
        assert list(Utf8Lines(data)[:]) == want
    finally:
        Utf8Lines.PREFIX = saved


def test_python_whitespace_is_str_isspace():
    from monitor.statements.columnar import PY_WHITESPACE

    assert PY_WHITESPACE == "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())


def test_repeated_id_and_time_span_are_the_loops_they_replace():
    import datetime as dt

    import pyarrow as pa

    from monitor.statements.store import repeated_id, time_span

    def loops(table):
        ids, found = {}, None
        for txn_id, line in zip(table.column("txn_id").to_pylist(), table.column("source_line").to_pylist()):
            if txn_id in ids:
                found = (txn_id, line, ids[txn_id])
                break
            ids[txn_id] = line
        times = [t for t in table.column("txn_time").to_pylist() if t is not None]
        return found, (min(times, default=None), max(times, default=None), sorted({f"{t:%Y-%m}" for t in times}))

    when = [dt.datetime(2017, 3, 1, 9), None, dt.datetime(2016, 12, 31, 23, 59, 59), dt.datetime(2017, 3, 2)]
    for ids in (["a", "b", "c", "d"], ["a", "b", "a", "b"], ["x", "y", "y", "x"]):
        table = pa.table({"txn_id": ids, "source_line": [7, 8, 9, 10],
                          "txn_time": pa.array(when, pa.timestamp("us"))})
        assert (repeated_id(table), time_span(table)) == loops(table)
    empty = pa.table({"txn_id": pa.array([], pa.string()), "source_line": pa.array([], pa.int32()),
                      "txn_time": pa.array([], pa.timestamp("us"))})
    assert (repeated_id(empty), time_span(empty)) == loops(empty)


def test_statement_benchmark_runs_small_and_prints_the_ratio():
    import re
    import subprocess

    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "statements.py"), "--rows", "2000",
                           "--repeat", "1"], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    assert re.search(r"canonical CSV: 2,000 rows in [\d.]+ s", done.stdout)
    stored = re.search(r"bank statement: ([\d,]+) rows in [\d.]+ s", done.stdout)
    assert stored and 1900 < int(stored.group(1).replace(",", "")) < 2000  # the fee rows are not stored
    assert re.search(r"the statement at \d+% of the canonical file's rows/s .*, \d+% per CPU-second", done.stdout)
    bad = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "statements.py"), "--rows", "0"],
                         capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert bad.returncode == 2


@pytest.mark.parametrize("times", [
    ["2017-07-03T00:31:09+08:00", "2017-07-02T17:00:04Z", "2017-07-03T01:47:46+0800", "2017-07-03T02:00:00"],
    ["2017-07-03T00:31:09+08:00", "2017-07-03 01:00:04"],  # not all ISO 8601: the formats decide
    ["2017-07-03T00:31:09.250+08:00", "2017-07-03T25:00:00+08:00"],  # one unreadable
], ids=["iso", "mixed", "bad"])
def test_iso_times_read_the_same_both_ways(times, tmp_path, monkeypatch):
    rows = "".join(f"T{i},{t},111,甲,222,乙,{i + 1}.00,CNY,还款\n" for i, t in enumerate(times))
    path = tmp_path / "t.csv"
    path.write_text("交易流水号,交易时间,付款方账号,付款方户名,收款方账号,收款方户名,交易金额(元),币种,摘要\n" + rows,
                    encoding="utf-8")
    fast, slow, _ = both_ways(path, monkeypatch)
    assert fast == slow


@pytest.mark.parametrize("tail", [b"", b"\xed\xa0\x80", b"\xc0\xaf", b"\xf4\x90\x80\x80", b"\xe4\xb8", b"\x80",
                                  b"\xf0\x9f\x98\x80", "户名".encode("gb18030")],
                         ids=["valid", "surrogate", "overlong", "beyond", "cut", "continuation", "emoji", "gbk"])
def test_large_file_utf8_check_is_python_decoding(tail):
    from monitor.statements.recognise import detect_encoding, is_utf8

    def decoding(data, encoding):
        try:
            data.decode(encoding)
            return True
        except UnicodeDecodeError:
            return False

    data = "交易日期,金额\n".encode("utf-8") * 100_000 + tail + b"\n"
    valid = decoding(data, "utf-8")
    assert len(data) > 1 << 20 and is_utf8(data) is valid
    if valid or decoding(data, "gb18030"):
        assert detect_encoding(data) == ("utf-8" if valid else "gb18030")
    else:
        with pytest.raises(StatementError, match="neither UTF-8 nor GB18030") as caught:
            detect_encoding(data)
        assert caught.value.line == 100_001


SHEET_FILES = sorted(p for p in CORPUS_FILES if p.suffix.lower() in (".xlsx", ".xls"))
MONTH_SHEETS = {"宁波银行单位账户交易明细_71010122000345678_201710-201712.xlsx",
                "渤海银行对公账户明细_2000123456789012_2017Q3.xlsx"}  # several data sheets: read row by row


@pytest.mark.parametrize("path", SHEET_FILES, ids=[f"{p.parent.name}/{p.name}" for p in SHEET_FILES])
def test_corpus_sheet_reads_the_same_both_ways(path, monkeypatch):
    fast, slow, used = both_ways(path, monkeypatch)
    assert fast == slow
    assert used or path.name in MONTH_SHEETS  # one data sheet each: read column-wise


def sheet_rows(rows: int = 40, seed: int = 5):
    """A consistent single-account statement as typed sheet cells: dates and times as date cells, amounts
    and balances as numbers; its debit and credit totals (cents)."""
    import datetime as dt

    rng = random.Random(seed)
    balance, debit, credit, out = 10_000_000, 0, 0, []
    for i in range(rows):
        cents = rng.randint(100, 900_000)
        is_credit = rng.random() < 0.5
        balance += cents if is_credit else -cents
        debit += 0 if is_credit else cents
        credit += cents if is_credit else 0
        amount = cents / 100 if i % 3 else f"{cents // 100:,}.{cents % 100:02d}"  # numbers, and text
        account = "" if i % 11 == 5 else (f"62220000{i:08d}" if i % 2 else float(f"62220000{i:08d}"))
        out.append([dt.datetime(2017, 1, 1 + i % 28), dt.time(i % 24, i % 60, 7), f"ID{i:06d}", "转账",
                    "" if is_credit else amount, amount if is_credit else "", balance / 100, account,
                    "" if i % 11 == 5 else rng.choice(["张伟", " 某公司 "]), "货款" if i % 4 else ""])
    return out, debit, credit


def write_sheet(tmp_path: Path, body: list[list], debit: int, credit: int, name: str = "s.xlsx") -> Path:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [["中国工商银行 账户历史明细"], ["户名：深圳市恒信网络科技有限公司"], ["账号：6222020200012345678"], [],
                HEADER.strip().split(","), *body,
                ["合计", "", "", "", f"{debit / 100:.2f}", f"{credit / 100:.2f}"], [f"共 {len(body)} 笔"]]:
        sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def sheet_variants():
    """``(name, edit of the typed body rows)``: each keeps the statement consistent or breaks it on purpose."""
    import datetime as dt

    def cell(row, index, value):
        def edit(rows):
            rows[row][index] = value
            return rows
        return edit

    def amount(row, how):  # the row's debit or credit cell, written another way
        def edit(rows):
            index = 4 if rows[row][4] != "" else 5
            rows[row][index] = how(rows[row][index])
            return rows
        return edit

    def number(value):
        return value if isinstance(value, float) else float(value.replace(",", ""))

    return [
        ("as written", lambda rows: rows),
        ("text dates", lambda rows: [[f"{r[0]:%Y/%m/%d}", r[1].strftime("%H:%M:%S"), *r[2:]] for r in rows]),
        ("datetime in one column", lambda rows: [[dt.datetime.combine(r[0].date(), r[1]), "", *r[2:]]
                                                 for r in rows]),
        ("excel serial dates", lambda rows: [[42736.0 + i, *r[1:]] for i, r in enumerate(rows)]),
        ("a text date among date cells", cell(6, 0, "2017-01-07")),
        ("a tiny float amount", amount(4, lambda v: 1e-05)),
        ("a boolean amount", amount(3, lambda v: True)),
        ("more decimals than cents", amount(4, lambda v: number(v) + 1e-7)),
        ("a yen sign", amount(2, lambda v: f"￥{number(v):,.2f}")),
        ("a balance as text", cell(7, 6, "1,234.56")),
        ("a missing date", cell(8, 0, "")),
        ("a balance that breaks", cell(9, 6, 1.0)),
        ("a footer word inside a row", cell(10, 9, "合计")),
        ("an empty row", lambda rows: rows[:12] + [[""] * 10] + rows[12:]),
        ("a large account number", cell(1, 7, 6.2220000123456789e18)),
    ]


@pytest.mark.parametrize("edit", [e for _, e in sheet_variants()], ids=[n for n, _ in sheet_variants()])
def test_sheet_reads_the_same_both_ways(edit, tmp_path, monkeypatch):
    rows, debit, credit = sheet_rows()
    path = write_sheet(tmp_path, edit(rows), debit, credit)
    fast, slow, _ = both_ways(path, monkeypatch)
    assert fast == slow


def test_typed_sheet_is_read_column_wise(tmp_path, monkeypatch):
    rows, debit, credit = sheet_rows()
    fast, slow, used = both_ways(write_sheet(tmp_path, rows, debit, credit), monkeypatch)
    assert used and fast[0] == "ok" and len(fast[1]) == 40 and fast == slow
    assert fast[1][3]["source_line"] == 9  # sheet row numbers: title, two preamble rows, a blank, the header


def test_sheet_row_without_a_date_names_its_line(tmp_path):
    rows, debit, credit = sheet_rows()
    rows[8][0] = ""  # the date cell of sheet row 14 left empty; its time cell is there
    with pytest.raises(StatementError, match="cannot read the date/time") as caught:
        read_statement(write_sheet(tmp_path, rows, debit, credit))
    assert (caught.value.line, caught.value.column) == (14, "交易日期")
