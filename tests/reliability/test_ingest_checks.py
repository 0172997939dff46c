"""Exit codes of ``monitor ingest`` and ``monitor gc``, and implausible input flagged with its line."""

from __future__ import annotations

import fcntl
import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from monitor.ingest import ingest_paths
from monitor.transfers import TransferStore
from tests.reliability.ingest_support import INST, ok_records, rows, stored_ids, write_statement


def run_main(monkeypatch, config, args: list[str]) -> int:
    """``monitor.cli.main(args)`` as the shell would see it (a ``SystemExit`` is an exit code too)."""
    from monitor.cli import main

    monkeypatch.setenv("MONITOR_INSTANCE_DIR", str(config.instance_dir))
    if config.database_url:
        monkeypatch.setenv("MONITOR_DATABASE_URL", config.database_url)
    try:
        return main(args)
    except SystemExit as exc:
        return exc.code


def test_ingest_exit_codes_and_partial_success_summary(store, tmp_path, monkeypatch, capsys):
    good = write_statement(tmp_path / "good.csv", rows(50))
    bad_rows = rows(50, start=100)
    bad_rows[9][2] = "abc"
    bad = write_statement(tmp_path / "bad.csv", bad_rows)
    assert run_main(monkeypatch, store, ["ingest", str(good), "--institution", INST]) == 0
    assert run_main(monkeypatch, store, ["ingest", str(good), "--institution", INST]) == 0  # a duplicate
    capsys.readouterr()
    other = write_statement(tmp_path / "other.csv", rows(50, start=200))
    assert run_main(monkeypatch, store, ["ingest", str(other), str(bad), "--institution", INST]) == 1
    out, err = capsys.readouterr()
    assert "2 file(s): 1 ok, 0 duplicate, 1 failed" in out
    assert f"failed     {bad.resolve()}" in out and "line 11" in out  # which file, and why
    assert "line 11, column '交易金额' (amount)" in err
    assert len(stored_ids(store)) == 100


def test_ingest_of_a_locked_institution_fails_as_busy(store, tmp_path, monkeypatch, capsys):
    path = write_statement(tmp_path / "a.csv", rows(20))
    lock_dir = TransferStore(store).root / ".locks"
    lock_dir.mkdir(parents=True)
    fd = os.open(lock_dir / f"{INST}.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # another ingest of the institution, holding on
        monkeypatch.setenv("MONITOR_INGEST_LOCK_WAIT", "0.2")
        assert run_main(monkeypatch, store, ["ingest", str(path), "--institution", INST]) == 3
        assert "busy: another process is ingesting institution" in capsys.readouterr().err
    finally:
        os.close(fd)
    assert run_main(monkeypatch, store, ["ingest", str(path), "--institution", INST]) == 0
    assert len(stored_ids(store)) == 20


def test_gc_exit_code_when_a_file_cannot_be_removed(store, tmp_path, monkeypatch, capsys):
    ingest_paths(store, [write_statement(tmp_path / "a.csv", rows(20))], institution=INST)
    kept = TransferStore(store).files()[0]
    orphan = kept.with_name("e" * 64 + "_" + "1" * 32 + "_0.parquet")  # an uncommitted run's file
    orphan.write_bytes(kept.read_bytes())
    assert run_main(monkeypatch, store, ["gc"]) == 0 and orphan.exists()  # too young, owner unknown
    real_unlink = Path.unlink

    def unlink(self, *args, **kwargs):
        if self == orphan:
            raise PermissionError(13, "Permission denied")
        return real_unlink(self, *args, **kwargs)
    monkeypatch.setattr(Path, "unlink", unlink)
    capsys.readouterr()
    assert run_main(monkeypatch, store, ["gc", "--min-age", "0"]) == 1
    assert "Permission denied" in capsys.readouterr().err
    monkeypatch.setattr(Path, "unlink", real_unlink)
    assert run_main(monkeypatch, store, ["gc", "--min-age", "0"]) == 0
    assert "1 uncommitted Parquet file(s) removed" in capsys.readouterr().out and not orphan.exists()


def test_a_date_in_2031_is_refused_with_its_line(store, tmp_path):
    data = rows(30)
    data[16][1] = "2031-03-05 10:00:00"
    [res] = ingest_paths(store, [write_statement(tmp_path / "a.csv", data)], institution=INST)
    assert res.status == "failed"
    assert f"{tmp_path / 'a.csv'}: line 18, column '交易时间' (txn_time): date 2031-03-05 is in the future" \
        in res.error
    assert stored_ids(store) == []


def test_tomorrow_is_accepted_and_the_limit_is_a_setting(store, tmp_path):
    from tests.conftest import make_config

    tomorrow = (datetime.now() + timedelta(days=1)).strftime("%Y-%m-%d 00:00:01")
    data = rows(5)
    data[4][1] = tomorrow
    [res] = ingest_paths(store, [write_statement(tmp_path / "a.csv", data)], institution=INST)
    assert res.status == "ok", res.error
    strict = make_config(tmp_path, ingest_max_future_days=0, **({"database_url": store.database_url}
                                                                 if store.database_url else {}))
    data = rows(5, start=10)
    data[2][1] = (datetime.now() + timedelta(days=2)).strftime("%Y-%m-%d 00:00:01")
    [res] = ingest_paths(strict, [write_statement(tmp_path / "b.csv", data)], institution=INST)
    assert res.status == "failed" and "line 4," in res.error and "ingest_max_future_days=0" in res.error


def test_a_file_without_final_newline_warns(store, tmp_path, monkeypatch, capsys):
    path = write_statement(tmp_path / "a.csv", rows(40), final_newline=False)
    [res] = ingest_paths(store, [path], institution=INST)
    assert res.status == "ok" and len(stored_ids(store)) == 40
    assert res.warnings == [f"{path}: line 41: the file does not end with a newline; its last row may be "
                            f"truncated (check that the file arrived whole)"]
    other = write_statement(tmp_path / "b.csv", rows(40, start=50), final_newline=False)
    capsys.readouterr()
    assert run_main(monkeypatch, store, ["ingest", str(other), "--institution", INST]) == 0
    out, err = capsys.readouterr()
    assert "warning    " in out and "line 41: the file does not end with a newline" in err
    [res] = ingest_paths(store, [write_statement(tmp_path / "c.csv", rows(5, start=99))], institution=INST)
    assert res.warnings == []


@pytest.mark.parametrize("size", [400_000, 3_000_000], ids=["long-value", "line-past-the-reader-limit"])
def test_a_huge_value_gives_a_short_error_naming_the_line(sqlite_store, tmp_path, size):
    data = rows(10)
    data[6][2] = "9" * size
    [res] = ingest_paths(sqlite_store, [write_statement(tmp_path / "a.csv", data)], institution=INST)
    assert res.status == "failed"
    assert "line 8" in res.error and len(res.error) < 800, res.error[:1000]


def test_one_commit_record_per_file_is_enforced_by_the_store(store, tmp_path):
    from sqlalchemy.exc import IntegrityError

    from monitor.db import session_scope
    from monitor.models import IngestFile

    [res] = ingest_paths(store, [write_statement(tmp_path / "a.csv", rows(10))], institution=INST)
    with pytest.raises(IntegrityError):
        with session_scope(store) as session:
            session.add(IngestFile(path="x", sha256=res.sha256, status="ok"))
    with session_scope(store) as session:  # failed attempts stay recorded beside it
        session.add(IngestFile(path="x", sha256=res.sha256, status="failed"))
    assert len(ok_records(store)) == 1


def test_a_date_after_the_period_in_the_file_name_is_flagged(store, tmp_path):
    data = rows(20, months=1)  # January 2018
    [res] = ingest_paths(store, [write_statement(tmp_path / INST / "2018-01.csv", data)], institution=INST)
    assert res.status == "ok", res.error
    assert res.warnings == []
    data = rows(20, start=100, months=1)
    data[11][1] = "2018-02-01 00:00:00"
    path = write_statement(tmp_path / INST / "2018-01-b" / "statement_201801.csv", data)
    [res] = ingest_paths(store, [path], institution=INST)
    # A name is a label, not the bank's statement of the period: stored, with the line flagged.
    assert res.status == "ok", res.error
    assert res.warnings == [f"{path}: line 13, column '交易时间' (txn_time): date 2018-02-01 is after the "
                            f"period 2018-01 its file name gives; check that the file is the statement it "
                            f"is named as"]
    assert len(stored_ids(store)) == 40


def test_the_commit_checks_its_files_are_still_there(store, tmp_path, monkeypatch):
    real_replace = os.replace

    def replace_then_lose(src, dst):  # something removes the file between the move and the commit
        real_replace(src, dst)
        Path(dst).unlink()
    monkeypatch.setattr(os, "replace", replace_then_lose)
    [res] = ingest_paths(store, [write_statement(tmp_path / "a.csv", rows(30))], institution=INST)
    assert res.status == "failed" and "vanished before the commit" in res.error
    assert ok_records(store) == []
    monkeypatch.setattr(os, "replace", real_replace)
    [res] = ingest_paths(store, [tmp_path / "a.csv"], institution=INST)  # not refused as a duplicate
    assert res.status == "ok" and len(stored_ids(store)) == 30


def test_files_and_folders_are_synced_before_the_commit_record(store, tmp_path, monkeypatch):
    import monitor.ingest.pipeline as pipeline

    events = []
    real_fsync, real_row = os.fsync, pipeline.ingest_record

    def fsync(fd):
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        return real_fsync(fd)

    def row(result, institution_id):
        events.append(("record", result.status))
        return real_row(result, institution_id)
    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(pipeline, "ingest_record", row)
    [res] = ingest_paths(store, [write_statement(tmp_path / "a.csv", rows(30, months=3))], institution=INST)
    assert res.status == "ok"
    files = TransferStore(store).files()
    assert len(files) == 3
    record = events.index(("record", "ok"))
    synced = {Path(name) for kind, name in events[:record] if kind == "fsync"}
    assert {f.parent for f in files} <= synced  # the month folders, after the moves
    tmp_names = {Path(name).name for kind, name in events[:record] if kind == "fsync"
                 if Path(name).parent.name == ".tmp"}
    assert len(tmp_names) == 3  # each Parquet file, before its move
