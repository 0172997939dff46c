"""``monitor compact``: rows unchanged, fewer files, atomic against readers, safe beside an ingest."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.compaction import compact_institution, compact_store
from monitor.ingest import ingest_paths
from monitor.transfers import BusyError, TransferStore, institution_lock
from tests.conftest import uscc_for

INST = uscc_for(52)
HEADER = ["交易流水号", "交易时间", "交易金额", "付款账号", "付款户名", "付款方证件号",
          "收款账号", "收款户名", "收款方证件号", "摘要"]


def write_csv(path: Path, start: int, n: int, months=("2018-05", "2018-06")) -> Path:
    """``n`` transfers TX<start>… spread over ``months`` (one Parquet file per month once ingested)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [",".join(HEADER)]
    for i in range(start, start + n):
        y, m = months[i % len(months)].split("-")
        lines.append(",".join([f"TX{i:06d}", f"{y}-{m}-{i % 28 + 1:02d} 10:{i % 60:02d}:00", f"{1000 + i}.50",
                               f"62220000{i % 7:08d}", "张三", "110101199001011234",
                               "6228000000000001", "某某网络科技有限公司", INST, "出借"]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def ingest_batches(config, folder: Path, batches: int, size: int = 20) -> list[Path]:
    paths = [write_csv(folder / f"b{k}.csv", k * size, size) for k in range(batches)]
    for p in paths:
        [r] = ingest_paths(config, [p], institution=INST)
        assert r.status == "ok", r.error
    return paths


def snapshot(config):
    store = TransferStore(config)
    return store.frame().drop_columns([]).sort_by([("txn_id", "ascending")]), store.aggregate_edges()


def on_disk(config) -> list[Path]:
    return sorted(TransferStore(config).root.glob("institution=*/month=*/*.parquet"))


def test_compaction_keeps_rows_and_leaves_one_file_per_month(store, tmp_path):
    paths = ingest_batches(store, tmp_path / "drop", 4)
    before_rows, before_edges = snapshot(store)
    assert len(TransferStore(store).files()) == 8 == len(on_disk(store))

    result = compact_institution(store, INST)

    assert (result.files_before, result.files_after, result.rows) == (8, 2, 80)
    after_rows, after_edges = snapshot(store)
    assert after_rows.equals(before_rows)  # source_sha256 and source_line included
    assert after_edges.equals(before_edges)
    assert len(TransferStore(store).files()) == 2 == len(on_disk(store))  # the old files are gone
    # A source dropped again is still a duplicate; a new one is checked against the compacted files.
    [again] = ingest_paths(store, [paths[0]], institution=INST)
    assert (again.status, again.rows_new) == ("duplicate", 0)
    overlap = write_csv(tmp_path / "drop2" / "overlap.csv", 70, 20)  # TX70..79 stored, 80..89 new
    [r] = ingest_paths(store, [overlap], institution=INST)
    assert (r.status, r.rows_new) == ("ok", 10)
    assert TransferStore(store).count() == 90
    # Compacting again folds the compaction's own files with the new ones.
    assert compact_institution(store, INST).files_after == 2
    assert TransferStore(store).count() == 90 and len(on_disk(store)) == 2
    assert compact_institution(store, INST).skipped


def test_compaction_waits_for_the_ingest_lock(sqlite_store, tmp_path):
    ingest_batches(sqlite_store, tmp_path / "drop", 2)
    root = TransferStore(sqlite_store).root
    with institution_lock(root, INST, 1.0):
        with pytest.raises(BusyError) as info:
            compact_institution(sqlite_store, INST, wait=0.05)
    assert info.value.exit_code == 3
    assert len(on_disk(sqlite_store)) == 4  # nothing written or removed


def test_failure_before_the_commit_leaves_the_old_files_counting(sqlite_store, tmp_path, monkeypatch):
    import os

    ingest_batches(sqlite_store, tmp_path / "drop", 3)
    before_rows, _ = snapshot(sqlite_store)
    files = on_disk(sqlite_store)
    real, calls = os.replace, []

    def replace_then_fail(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", replace_then_fail)
    with pytest.raises(OSError, match="disk full"):
        compact_institution(sqlite_store, INST)
    monkeypatch.setattr(os, "replace", real)
    assert len(calls) == 2
    assert on_disk(sqlite_store) == files  # the one compacted file moved in was removed, the old ones kept
    assert snapshot(sqlite_store)[0].equals(before_rows)
    assert not list((TransferStore(sqlite_store).root / ".tmp").glob("*"))  # no journal, owner or scratch


def test_concurrent_ingest_and_compaction_lose_nothing(store, tmp_path):
    ingest_batches(store, tmp_path / "drop", 4)
    late = [write_csv(tmp_path / "late" / f"l{k}.csv", 200 + k * 20, 20) for k in range(3)]
    errors: list[BaseException] = []
    go = threading.Barrier(2, timeout=30)

    def ingest_late():
        try:
            go.wait()
            for p in late:
                [r] = ingest_paths(store, [p], institution=INST)
                assert r.status == "ok", r.error
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    worker = threading.Thread(target=ingest_late)
    worker.start()
    go.wait()
    compact_store(store)
    worker.join(timeout=60)
    assert not worker.is_alive() and not errors, errors
    ts = TransferStore(store)
    ids = ts.frame(columns=["txn_id"]).column("txn_id").to_pylist()
    assert len(ids) == len(set(ids)) == 140
    assert len(ts.files()) == len(on_disk(store))  # no uncommitted file left behind


def test_compact_command(sqlite_store, tmp_path):
    from monitor.cli import cli

    ingest_batches(sqlite_store, tmp_path / "drop", 2)
    env = {"MONITOR_INSTANCE_DIR": str(sqlite_store.instance_path)}
    result = CliRunner().invoke(cli, ["compact", "--institution", INST], env=env)
    assert result.exit_code == 0, result.output
    assert "4 files → 2" in result.output
    result = CliRunner().invoke(cli, ["compact"], env=env)
    assert result.exit_code == 0 and "nothing to compact" in result.output


def test_a_full_sweep_compacts_first_when_set(sqlite_store, tmp_path):
    from monitor.sweep import run_sweep, stage_detect

    ingest_batches(sqlite_store, tmp_path / "drop", 3)
    cfg = sqlite_store.replace(sweep_compact=True)
    run = run_sweep(cfg, "full", stages=(("detect", stage_detect),))
    assert run.stages["detect"]["status"] == "ok", run.stages["detect"]
    assert run.stages["detect"]["counts"]["compacted_files"] == 4  # 6 files, 2 months
    assert len(on_disk(cfg)) == 2
    # Not set: nothing compacted.
    ingest_paths(sqlite_store, [write_csv(tmp_path / "more" / "m.csv", 500, 10)], institution=INST)
    run = run_sweep(sqlite_store, "full", stages=(("detect", stage_detect),))
    assert "compacted_files" not in run.stages["detect"]["counts"] and len(on_disk(cfg)) == 4


def test_a_reader_that_listed_the_old_files_reads_the_new_ones(sqlite_store, tmp_path, monkeypatch):
    ingest_batches(sqlite_store, tmp_path / "drop", 3)
    reader = TransferStore(sqlite_store)
    expected = reader.count()
    real, listings = reader.files, []

    def files_then_compaction(*args, **kwargs):
        listed = real(*args, **kwargs)
        listings.append(len(listed))
        if len(listings) == 1:  # the compaction commits and removes the old files after this listing
            compact_institution(sqlite_store, INST)
        return listed

    monkeypatch.setattr(reader, "files", files_then_compaction)
    assert reader.count() == expected == 60
    assert listings == [6, 2]  # listed again once the old files were gone
