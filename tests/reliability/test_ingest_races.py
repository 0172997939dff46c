"""Concurrent and interrupted ingests never lose or double committed transfers (SQLite and PostgreSQL).

Each test runs real ``monitor ingest`` processes on statements of a few
thousand rows and synchronises on files the processes write at patched
points (see :mod:`tests.reliability.ingest_support`), with deadlines.
"""

from __future__ import annotations

import random
import time

import pytest

from monitor.ingest import ingest_paths
from monitor.transfers import TransferStore, collect_garbage
from tests.reliability.ingest_support import (INST, finish, interrupt, ok_records, rows, start_ingest,
                                              stored_ids, stray_files, wait_for, write_statement)

N = 3000
pytestmark = pytest.mark.slow


def test_interrupting_a_second_ingest_of_the_same_file_keeps_the_first(store, tmp_path):
    path = write_statement(tmp_path / "in" / "a.csv", rows(N))
    mark, go = tmp_path / "second-at-commit", tmp_path / "never"
    # The second process gets as far as its commit record and stays there until interrupted.
    second = start_ingest(store, path, T_HOOK="ingest_record:1:wait", T_MARK=mark, T_GO=go)
    wait_for(mark.exists, "the second ingest at its commit", procs=[second])
    parsed = tmp_path / "first-parsed"
    first = start_ingest(store, path, T_HOOK="resolve_institution:1:mark", T_MARK=parsed)
    wait_for(parsed.exists, "the first ingest parsed", procs=[first])
    # From here the first commits within a fraction of a second, unless something makes it wait
    # for the second (the institution's lock).
    try:
        wait_for(lambda: first.poll() is not None, "the first ingest", timeout=3)
    except AssertionError:
        pass
    interrupt(second)
    code2, _out2, _err2 = finish(second)
    code1, out1, err1 = finish(first)
    assert code2 == 130  # interrupted
    assert code1 == 0, out1 + err1
    ids = stored_ids(store)
    assert len(ids) == N and len(set(ids)) == N  # every row there, once
    [record] = ok_records(store)
    assert record.rows_new == N
    assert not stray_files(store)


@pytest.mark.parametrize("second_rows", [N, N - 1], ids=["same-file", "file-less-last-row"])
def test_overlapping_ingests_at_once_store_each_transaction_once(store, tmp_path, second_rows):
    data = rows(N)
    a = write_statement(tmp_path / "in" / "a.csv", data)
    b = a if second_rows == N else write_statement(tmp_path / "in" / "b.csv", data[:second_rows])
    go = tmp_path / "go"
    marks = [tmp_path / "parsed-a", tmp_path / "parsed-b"]
    # Both parse, then wait for each other just before the store is touched, and go at once.
    procs = [start_ingest(store, p, T_HOOK="resolve_institution:1:wait", T_MARK=m, T_GO=go)
             for p, m in zip((a, b), marks)]
    wait_for(lambda: all(m.exists() for m in marks), "both ingests parsed", procs=procs)
    go.touch()
    results = [finish(p) for p in procs]
    assert [code for code, _o, _e in results] == [0, 0], results
    ids = stored_ids(store)
    assert len(ids) == N and len(set(ids)) == N
    records = ok_records(store)
    assert sum(r.rows_new for r in records) == N
    if a == b:
        assert len(records) == 1  # the other is a duplicate: one commit record per file
    assert not stray_files(store)


def test_gc_during_an_ingest_loses_nothing_committed(store, tmp_path):
    path = write_statement(tmp_path / "in" / "a.csv", rows(N))
    mark, go = tmp_path / "at-commit", tmp_path / "go"
    proc = start_ingest(store, path, T_HOOK="ingest_record:1:wait", T_MARK=mark, T_GO=go)
    wait_for(mark.exists, "the ingest at its commit", procs=[proc])
    report = collect_garbage(TransferStore(store), min_age_seconds=0, full=True)  # monitor gc --min-age 0
    go.touch()
    code, out, err = finish(proc)
    assert code == 0, out + err
    ids = stored_ids(store)
    assert len(ids) == N and len(set(ids)) == N
    assert report.files == 0 and report.kept_live > 0  # the live ingest's files were seen and kept
    assert not stray_files(store)


# Points of an ingest where it is killed (function as monitor.ingest.pipeline calls it, call, before/after), drawn
# with a fixed seed from every place the store or the SQL side changes.
POINTS = [("resolve_institution", 1, "kill"), ("month_parts", 1, "kill"), ("write_parquet", 1, "kill"),
          ("write_parquet", 2, "kill-after"), ("write_journal", 1, "kill-after"), ("replace", 1, "kill"),
          ("replace", 1, "kill-after"), ("replace", 2, "kill-after"), ("upsert_accounts", 1, "kill-after"),
          ("ingest_record", 1, "kill"), ("ingest_record", 1, "kill-after"), ("committed", 1, "kill")]
SEED = 20261206


@pytest.mark.parametrize("point", random.Random(SEED).sample(POINTS, 10), ids=lambda p: ":".join(map(str, p)))
def test_sigkill_at_any_point_then_gc_and_reingest_leave_a_clean_store(store, tmp_path, point):
    from click.testing import CliRunner

    from monitor.cli import cli

    path = write_statement(tmp_path / "in" / "a.csv", rows(N, months=3))
    # Some rows committed before (the anti-join has something to compare with).
    ingest_paths(store, [write_statement(tmp_path / "in" / "early.csv", rows(500))], institution=INST)
    proc = start_ingest(store, path, T_HOOK=":".join(map(str, point)))
    code, out, err = finish(proc)
    assert code == -9, (code, out, err)  # killed where planned
    started = time.monotonic()
    env = {"MONITOR_INSTANCE_DIR": str(store.instance_dir), "MONITOR_DATABASE_URL": store.database_url or ""}
    before = stray_files(store)
    gc = CliRunner().invoke(cli, ["gc"], env=env)  # the default --min-age: a dead run's leftovers go at once
    assert gc.exit_code == 0, gc.output
    assert not stray_files(store), gc.output
    # It says exactly what it removed: store files, then .tmp entries.
    store_files = [p for p in before if p.suffix == ".parquet" and ".tmp" not in p.parts]
    assert gc.output.startswith(f"{len(store_files)} uncommitted Parquet file(s) removed from "), gc.output
    assert f"; {len(before) - len(store_files)} temporary item(s) removed from " in gc.output, (before, gc.output)
    [res] = ingest_paths(store, [path], institution=INST)
    assert res.status in ("ok", "duplicate"), res.error
    ids = stored_ids(store)
    assert len(ids) == N and len(set(ids)) == N
    sha_records = [r for r in ok_records(store) if r.sha256 == res.sha256]
    assert len(sha_records) == 1
    assert sum(r.rows_new for r in ok_records(store)) == N
    assert not stray_files(store)
    assert time.monotonic() - started < 30


def test_a_killed_ingest_leaves_its_scratch_folder_to_gc_at_once(sqlite_store, tmp_path):
    from click.testing import CliRunner

    from monitor.cli import cli

    path = write_statement(tmp_path / "in" / "gb.csv", rows(N))
    path.write_bytes(path.read_text(encoding="utf-8").encode("gb18030"))  # transcoded in a scratch folder
    code, out, err = finish(start_ingest(sqlite_store, path, T_HOOK="month_parts:1:kill"))
    assert code == -9, (code, out, err)
    scratch = [p for p in stray_files(sqlite_store) if p.is_dir()]
    assert len(scratch) == 1 and (scratch[0] / "utf8.csv").exists()
    gc = CliRunner().invoke(cli, ["gc"], env={"MONITOR_INSTANCE_DIR": str(sqlite_store.instance_dir)})
    assert gc.exit_code == 0 and not stray_files(sqlite_store), gc.output
    assert "; 2 temporary item(s) removed" in gc.output  # the scratch folder and the owner file
