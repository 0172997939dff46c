"""The transfer store's read side: filters, T+1 availability, pruning, aggregation."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from conftest import uscc_for
from monitor.errors import InputError
from monitor.ingest import ingest_paths
from monitor.transfers import CST, TransferStore, to_cst

A = uscc_for(101)
B = uscc_for(102)
HEADER = "交易流水号,交易时间,交易金额,付款账号,付款户名,付款方证件号,收款账号,收款户名,收款方证件号,摘要\n"


def _rows(prefix: str, start: datetime, n: int, step: timedelta, pairs: list[tuple[str, str]]):
    out = []
    for i in range(n):
        payer, payee = pairs[i % len(pairs)]
        t = start + i * step
        out.append((f"{prefix}{i:05d}", t, 100.0 + i, payer, payee, ["出借", "放款", "还款"][i % 3]))
    return out


def _write(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "".join(f"{tid},{t:%Y-%m-%d %H:%M:%S},{amt:.2f},{payer},甲,,{payee},乙,,{purpose}\n"
                   for tid, t, amt, payer, payee, purpose in rows)
    path.write_text(HEADER + body, encoding="utf-8")


@pytest.fixture
def city(store, tmp_path):
    """Two institutions over three months, ingested; returns (config, all rows by institution)."""
    pairs = [("P1", "C1"), ("P2", "C1"), ("C1", "B1"), ("P1", "C1")]
    rows_a = _rows("A", datetime(2018, 4, 20, 9, 0), 120, timedelta(hours=13), pairs)
    rows_b = _rows("B", datetime(2018, 5, 1, 0, 30), 60, timedelta(hours=11), [("Q1", "C2"), ("C2", "Q9")])
    # one transfer between the two platforms sits in both files
    shared = ("S00001", datetime(2018, 5, 15, 12, 0), 5000.0, "C1", "C2", "转账")
    _write(tmp_path / "transfers" / A / "a.csv", rows_a + [shared])
    _write(tmp_path / "transfers" / B / "b.csv", rows_b + [shared])
    results = ingest_paths(store, [tmp_path / "transfers"])
    assert [r.status for r in results] == ["ok", "ok"], [r.error for r in results]
    return store, {A: rows_a + [shared], B: rows_b + [shared]}


def test_counts_months_and_institutions(city):
    config, rows = city
    ts = TransferStore(config)
    assert ts.count() == len(rows[A]) + len(rows[B])
    assert ts.count(A) == len(rows[A])
    assert ts.institutions() == sorted([A, B])
    expected_months = sorted({f"{t:%Y-%m}" for r in rows[A] + rows[B] for t in [r[1]]})
    assert ts.months() == expected_months


def test_window_and_partition_pruning(city):
    config, rows = city
    ts = TransferStore(config)
    start, end = date(2018, 5, 3), date(2018, 6, 1)
    got = ts.frame([A], start=start, end=end, columns=["txn_id", "txn_time", "month"]).to_pylist()
    expected = sorted(r[0] for r in rows[A] if datetime(2018, 5, 3) <= r[1] < datetime(2018, 6, 1))
    assert sorted(r["txn_id"] for r in got) == expected
    assert {r["month"] for r in got} == {"2018-05"}
    # pruning by path: only May files are handed to DuckDB
    files = ts.files([A], first_month="2018-05", last_month="2018-05")
    assert files and all("month=2018-05" in str(f) and f"institution={A}" in str(f) for f in files)


def test_as_of_applies_t_plus_one_in_china_time(city):
    config, rows = city
    ts = TransferStore(config)
    # 2018-05-10 00:00 CST = 2018-05-09 16:00 UTC: transfers up to 2018-05-09 23:59 CST are available
    as_of = datetime(2018, 5, 9, 16, 0, tzinfo=timezone.utc)
    assert to_cst(as_of) == datetime(2018, 5, 10)
    got = ts.frame(as_of=as_of, columns=["txn_id", "txn_time", "available_at"]).to_pylist()
    expected = sorted(r[0] for inst in (A, B) for r in rows[inst] if r[1] < datetime(2018, 5, 10))
    assert sorted(r["txn_id"] for r in got) == expected
    assert all(r["available_at"] <= datetime(2018, 5, 10) for r in got)
    earlier = as_of - timedelta(seconds=1)
    assert ts.count(as_of=earlier) == sum(1 for i in (A, B) for r in rows[i] if r[1] < datetime(2018, 5, 9))
    with pytest.raises(InputError):
        ts.count(as_of=datetime(2018, 5, 10))


def test_aggregate_edges_sum_to_raw(city):
    config, rows = city
    ts = TransferStore(config)
    edges = ts.aggregate_edges([A], freq="month").to_pylist()
    raw = {}
    for tid, t, amt, payer, payee, purpose in rows[A]:
        key = (payer, payee, date(t.year, t.month, 1))
        total, n, purposes = raw.get(key, (0.0, 0, set()))
        raw[key] = (total + amt, n + 1, purposes | {purpose})
    got = {(e["payer_account"], e["payee_account"], e["period"]): e for e in edges}
    assert set(got) == set(raw)
    for key, (total, n, purposes) in raw.items():
        assert got[key]["amount"] == pytest.approx(total)
        assert got[key]["count"] == n
        assert got[key]["purposes"] == sorted(purposes)
    whole = ts.aggregate_edges(freq="all").to_pylist()
    # the shared platform-to-platform transfer counts once city-wide
    c1_c2 = [e for e in whole if (e["payer_account"], e["payee_account"]) == ("C1", "C2")]
    assert len(c1_c2) == 1 and c1_c2[0]["count"] == 1 and c1_c2[0]["amount"] == 5000.0
    assert sum(e["count"] for e in whole) == ts.count() - 1
    first = [e for e in whole if e["payer_account"] == "P2"][0]
    p2 = sorted(r[1] for r in rows[A] if r[3] == "P2")
    assert (first["first_time"], first["last_time"]) == (p2[0], p2[-1])



def test_aggregate_edges_per_institution_equal_one_query_each(city):
    config, _rows = city
    ts = TransferStore(config)
    as_of = datetime(2018, 5, 10, tzinfo=timezone.utc)
    both = ts.aggregate_edges(as_of=as_of, per_institution=True)
    assert both.column_names[0] == "institution"
    insts = both.column("institution").to_pylist()
    assert insts == sorted(insts) and set(insts) == set(ts.institutions())
    for uscc in ts.institutions():
        mine = [{k: v for k, v in e.items() if k != "institution"} for e in both.to_pylist() if e["institution"] == uscc]
        assert mine == ts.aggregate_edges([uscc], as_of=as_of).to_pylist()
    # the platform-to-platform transfer is in both institutions' files: once in each
    whole = ts.aggregate_edges(per_institution=True).to_pylist()
    assert sum(1 for e in whole if (e["payer_account"], e["payee_account"]) == ("C1", "C2")) == 2
    nothing = ts.aggregate_edges(as_of=datetime(2000, 1, 1, tzinfo=timezone.utc), per_institution=True)
    assert nothing.num_rows == 0 and nothing.column_names == both.column_names

def test_aggregate_weekly_and_as_of(city):
    config, rows = city
    ts = TransferStore(config)
    as_of = datetime(2018, 6, 1, tzinfo=CST)
    edges = ts.aggregate_edges([B], freq="week", as_of=as_of).to_pylist()
    visible = [r for r in rows[B] if r[1] < datetime(2018, 6, 1)]
    assert sum(e["count"] for e in edges) == len(visible)
    assert sum(e["amount"] for e in edges) == pytest.approx(sum(r[2] for r in visible))
    assert all(e["period"].weekday() == 0 for e in edges)
    with pytest.raises(InputError):
        ts.aggregate_edges(freq="fortnight")


def test_empty_store_and_uncommitted_files_are_invisible(city, tmp_path):
    config, rows = city
    ts = TransferStore(config)
    assert ts.count(["91440300000000000X"]) == 0
    assert ts.frame(start=date(2030, 1, 1)).num_rows == 0
    assert ts.aggregate_edges(start=date(2030, 1, 1)).num_rows == 0
    # a Parquet file without its IngestFile row (an interrupted ingest) is not read
    some = ts.files([A])[0]
    orphan = some.with_name("f" * 64 + "_0.parquet")
    orphan.write_bytes(some.read_bytes())
    assert ts.count() == len(rows[A]) + len(rows[B])


def test_a_run_s_file_names_and_its_commit_record_agree(tmp_path):
    from monitor.transfers import (is_committed, journal_path, name_parts, owner_path, run_of_record, run_tmp,
                                   store_file, store_pattern)
    from monitor.transfers.layout import file_parts, run_of_tmp_entry

    sha, run = "a" * 64, "b" * 32
    path = store_file(tmp_path, A, "2018-06", sha, run, 0)
    relative = path.relative_to(tmp_path).as_posix()
    assert relative == f"institution={A}/month=2018-06/{sha}_{run}_0.parquet"
    assert name_parts(path.name) == (sha, run) and file_parts(relative) == (A, "2018-06", sha)
    assert path.match(store_pattern(A, sha, run)) and run_of_record(store_pattern(A, sha, run)) == run
    assert is_committed(path.name, {sha: run}) and not is_committed(path.name, {sha: "c" * 32})
    assert not is_committed(path.name, {sha: None})  # a record from before run ids covers the older names only
    for entry in (run_tmp(tmp_path, run, "x.parquet"), journal_path(tmp_path, run), journal_path(tmp_path, run, "k"),
                  owner_path(tmp_path, run)):
        assert entry.parent == tmp_path / ".tmp" and run_of_tmp_entry(entry.name) == run
