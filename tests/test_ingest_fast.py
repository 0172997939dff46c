"""The ingest's fast path (polars) against its reference path (DuckDB SQL): same table, or it declines."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

import monitor.ingest.fast as ingest_fast
import monitor.ingest.reading as reading
from monitor.errors import InputError
from monitor.ingest.fast import read_clean
from test_ingest import EN, ZH1, ZH2, rows_for, write_csv


def _both(path: Path, tmp_path: Path, monkeypatch, mapping=None):
    """``(fast, reference)`` results of ``load_clean``: ``(columns as Python lists, facts)`` each."""
    calls = []

    def spy(*args, **kwargs):
        out = read_clean(*args, **kwargs)
        calls.append(out is not None)
        return out

    results = []
    for fast in (True, False):
        monkeypatch.setattr(reading, "read_clean", spy if fast else (lambda *a, **k: None))
        with duckdb.connect() as con:
            _layout, table, facts = reading.load_clean(con, path, mapping, reading.scan_file(path),
                                                       tmp_path / ("f" if fast else "r"))
            # Same values; string views (fast) and strings (reference) compare equal as Python values.
            results.append(({n: table.column(n).to_pylist() for n in table.column_names},
                             (facts.rows, facts.first, facts.last)))
    return calls == [True], results[0], results[1]


def _cases(tmp_path: Path) -> list[tuple[str, Path, dict | None]]:
    out = []

    def add(name, path, mapping=None):
        out.append((name, path, mapping))

    add("zh", write_csv(tmp_path / "zh.csv", ZH1, rows_for(50)))
    add("en", write_csv(tmp_path / "en.csv", EN, rows_for(50, month="2018-02")))
    wan = [r + ["CNY" if i % 3 else ""] for i, r in enumerate(rows_for(40, amount=lambda i: f"{i}.0{i % 10}"))]
    add("wan-yuan header, empty last column", write_csv(tmp_path / "wan.csv", ZH2, wan))
    odd = rows_for(12, amount=lambda i: ["1.23456", "2,000.5", "3万", "4元", "¥5", "6"][i % 6])
    add("wan-yuan header, plain and odd amounts", write_csv(tmp_path / "wan-odd.csv", ZH2,
                                                            [r + ["CNY"] for r in odd], quote_amount=True))
    add("gb18030", write_csv(tmp_path / "gb.csv", ZH1, rows_for(30), encoding="gb18030"))
    add("utf-8 bom", write_csv(tmp_path / "bom.csv", ZH1, rows_for(30), encoding="utf-8-sig"))
    add("separators quoted", write_csv(tmp_path / "sep.csv", ZH1,
                                       rows_for(30, amount=lambda i: f"{i + 1},{i:03d}.25"), quote_amount=True))
    add("suffixes", write_csv(tmp_path / "suf.csv", ZH1, rows_for(
        30, amount=lambda i: ["12.5元", "3万", "1.2345万元", "¥1,000.00", " 7 ", "0"][i % 6]), quote_amount=True))
    add("several time formats", write_csv(tmp_path / "times.csv", ZH1, [
        r[:1] + [t] + r[2:] for r, t in zip(rows_for(4), ["2018/06/01 10:00:00", "2018-06-02 10:00",
                                                          "20180603", "2018年06月04日"])]))
    padded = rows_for(20)
    padded[3][0], padded[5][3], padded[7][9] = " TX000003 ", "  62220000000005", "出借  "
    padded[8][4] = " 张三 "  # not trimmed (names are kept as written)
    add("padded", write_csv(tmp_path / "pad.csv", ZH1, padded))
    add("months", write_csv(tmp_path / "months.csv", ZH1,
                            rows_for(10, month="2017-12") + rows_for(10, start=10, month="2018-01")))
    add("crlf", _crlf(write_csv(tmp_path / "crlf.csv", ZH1, rows_for(12))))
    add("mapped", write_csv(tmp_path / "map.csv", ["Ref", "When", "Betrag", "Von", "An"],
                            [[r[0], r[1], r[2], r[3], r[6]] for r in rows_for(10)]),
        {"Ref": "txn_id", "When": "txn_time", "Betrag": "amount", "Von": "payer_account", "An": "payee_account"})
    add("no rows", write_csv(tmp_path / "empty.csv", ZH1, []))
    return out


def _crlf(path: Path) -> Path:
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    return path


def test_fast_path_stores_what_the_reference_path_stores(tmp_path, monkeypatch):
    for name, path, mapping in _cases(tmp_path):
        took_fast, fast, reference = _both(path, tmp_path / name, monkeypatch, mapping)
        assert took_fast, f"{name}: the fast path declined a well-formed file"
        assert fast == reference, name


def test_fast_path_on_the_simulated_city(small_city, tmp_path, monkeypatch):
    files = sorted((small_city / "transfers").rglob("*.csv"))
    # one file of each header set and encoding the city writes
    seen, chosen = set(), []
    for path in files:
        head = path.read_bytes()[:200]
        if head not in seen:
            seen.add(head)
            chosen.append(path)
    assert len(chosen) >= 5
    for path in chosen[:12]:
        took_fast, fast, reference = _both(path, tmp_path / path.stem, monkeypatch)
        assert took_fast and fast == reference, path


@pytest.mark.parametrize("damage,message", [
    (lambda lines: lines.__setitem__(5, lines[5].rsplit(",", 1)[0]), "line 6"),  # a short row
    (lambda lines: lines.__setitem__(5, lines[5] + ",x"), "line 6"),  # a long row
    (lambda lines: lines.insert(4, ""), "line 9"),  # a blank line shifts the bad row below
    (lambda lines: lines.__setitem__(3, lines[3].replace("出借", '"出\n借"')), "line 9"),  # quoted newline
])
def test_malformed_files_take_the_reference_path(tmp_path, monkeypatch, damage, message):
    rows = rows_for(10)
    rows[6][2] = "abc"  # line 8 before the damage
    path = write_csv(tmp_path / "bad.csv", ZH1 + ["币种"], [r + ["CNY"] for r in rows])
    lines = path.read_text().split("\n")
    damage(lines)
    path.write_text("\n".join(lines))
    took = []
    monkeypatch.setattr(reading, "read_clean", lambda *a, **k: took.append(read_clean(*a, **k)) or took[-1])
    with duckdb.connect() as con, pytest.raises(InputError) as err:
        reading.load_clean(con, path, None, reading.scan_file(path), tmp_path / "s")
    assert took == [None]
    assert message in str(err.value) and "bad.csv" in str(err.value)


def test_scan_counts_newlines_only_where_a_quote_shows_in_the_first_chunk(tmp_path):
    import hashlib

    plain = tmp_path / "plain.csv"
    plain.write_bytes(b"a,b\n1,2\n\n3,4\n")
    early = tmp_path / "early.csv"
    early.write_bytes(b'a,b\n"1\n2",3\n4,5\n')
    late = tmp_path / "late.csv"
    late.write_bytes(b"a,b\n" + b"1,2\n" * 10 + b'"3\n4",5\n')
    assert reading.scan_file(plain, chunk=8) == (hashlib.sha256(plain.read_bytes()).hexdigest(), False, None)
    assert reading.scan_file(early, chunk=8)[1:] == (True, 4)
    late_scan = reading.scan_file(late, chunk=8)
    assert late_scan[1:] == (True, None)  # seen after the first chunk: counted when asked for
    assert reading.newline_count(late, late_scan) == 13
    unasked = reading.scan_file(early, chunk=8, count=False)  # a large file's scan: counted when asked for
    assert unasked[1:] == (True, None) and reading.newline_count(early, unasked) == 4


@pytest.mark.parametrize("data", [
    b"", b"\n", b"\n\n\n", b"a", b"a\nb", b"a\nb\n", b"a\n\nb\n", b"a\r\nb\r\n", b"a\rb\rc",
    b'"x\ny"\nz\n', b"a\x1fb\nc", b"\xff\xfe\x00\n\x80", "交易,金额\n1,2\n".encode("gb18030"),
])
def test_count_newlines_counts_every_newline_byte(tmp_path, data):
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    assert ingest_fast.count_newlines(path) == data.count(b"\n")


def test_count_newlines_on_random_bytes_across_polars_chunks(tmp_path):
    import random

    rng = random.Random(7)
    path = tmp_path / "r.csv"
    for size in (1, 17, 4096, 300_000, 3_000_000):
        data = rng.randbytes(size)
        data = data.replace(b"\x00", b"\n")[:size]  # ~1 in 128 bytes a newline
        path.write_bytes(data)
        assert ingest_fast.count_newlines(path) == data.count(b"\n"), size


def test_a_quoted_newline_after_the_first_chunk_takes_the_reference_path(tmp_path, monkeypatch):
    rows = rows_for(10)
    path = write_csv(tmp_path / "late.csv", ZH1, rows)
    lines = path.read_text().split("\n")
    lines[8] = lines[8].replace("出借", '"出\n借"')
    path.write_text("\n".join(lines))
    took = []
    monkeypatch.setattr(reading, "read_clean", lambda *a, **k: took.append(read_clean(*a, **k)) or took[-1])
    with duckdb.connect() as con:
        _layout, table, _facts = reading.load_clean(con, path, None, reading.scan_file(path, chunk=64),
                                                    tmp_path / "s")
    assert took == [None]  # the fast path asked for the count and declined
    assert table.column("source_line").to_pylist() == list(range(2, 9)) + [9, 11, 12]
    assert table.column("purpose").to_pylist()[7] == "出\n借"


def test_short_row_with_an_empty_last_value_is_not_mistaken_for_one(tmp_path, monkeypatch):
    rows = [r + ["" if i % 2 else "CNY"] for i, r in enumerate(rows_for(10))]
    path = write_csv(tmp_path / "ok.csv", ZH1 + ["币种"], rows)
    took_fast, fast, reference = _both(path, tmp_path, monkeypatch)
    assert took_fast and fast == reference
    assert fast[0]["currency"] == ["CNY", None] * 5


ODD_AMOUNTS = ["1e5", "inf", "nan", "+5", "\t5", "0x10", "1_000", "５", ".5", "5.", "-0", "1,2,3", "1.005万",
               "2.5元", "3 万元", "万", "1e400", "00012", "1.2.3", "Infinity", "¥-5"]
ODD_TIMES = ["2018-6-1 10:00:00", "2018-06-31 10:00:00", "2018-06-01 24:00:00", "2018-06-01T10:00:00",
             "2018/6/1 9:5:3", "20180601", "2018-06-01 10:00:00.123", "2018年6月1日", "2018-06-01  10:00:00",
             "2018-06-01 10:00:60", "2018-06-01 10:60:00"]


@pytest.mark.parametrize("column,value", [(2, v) for v in ODD_AMOUNTS] + [(1, v) for v in ODD_TIMES])
def test_odd_values_get_the_reference_path_s_answer(tmp_path, monkeypatch, column, value):
    """Whatever polars makes of an odd value, the ingest answers as the reference path: the same values,
    or the same error (the fast path then declines)."""
    rows = rows_for(3)
    rows[1][column] = value
    path = write_csv(tmp_path / "odd.csv", ZH1, rows, quote_amount=True)
    answers = []
    for fast in (True, False):
        monkeypatch.setattr(reading, "read_clean", read_clean if fast else (lambda *a, **k: None))
        try:
            with duckdb.connect() as con:
                _layout, table, _facts = reading.load_clean(con, path, None, reading.scan_file(path),
                                                            tmp_path / str(fast))
                answers.append((table.column("amount").to_pylist(), table.column("txn_time").to_pylist()))
        except InputError as exc:
            answers.append(str(exc))
    assert answers[0] == answers[1]
