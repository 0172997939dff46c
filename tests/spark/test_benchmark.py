"""benchmarks/province.py runs and reports what docs/architecture.md (Growth) quotes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_province_benchmark_reports_costs_and_partitions(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "province.py"), "--platforms", "8",
                           "--months", "6", "--engines", "local", "--keep", str(tmp_path / "p")],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    assert "cores; load" in out and "8 institutions" in out
    line = next(x for x in out.splitlines() if x.startswith("local "))
    assert "cpu" in line and "MiB" in line and "findings" in line
    assert "partitions: 8;" in out and "µs of CPU per transfer" in out
    assert "phase 2 (local): reduction" in out
    bad = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "province.py"), "--platforms", "3",
                          "--keep", str(tmp_path / "q")], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "platforms must be between" in bad.stderr


@pytest.mark.slow
def test_volume_mode_writes_committed_files_straight_into_the_store(tmp_path):
    from monitor.db import dispose_engines
    from monitor.transfers import TransferStore
    from tests.conftest import make_config

    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "province.py"), "--volume", "--platforms", "6",
                           "--months", "3", "--transfers-per-month", "500", "--engines", "local",
                           "--profile-sample", "2", "--keep", str(tmp_path / "v")],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "6 institutions, 9,000 transfers in 18 files" in done.stdout
    assert "partitions: 2;" in done.stdout  # the sample
    cfg = make_config(tmp_path / "v")
    try:
        store = TransferStore(cfg)
        assert store.count() == 9_000 and len(store.files()) == 18  # every file under a commit record
        edges = store.aggregate_edges(store.institutions()[:1])
        assert edges.num_rows and set(edges.column("purposes").to_pylist()[0]) <= {"出借", "兑付", "放款", "还款"}
    finally:
        dispose_engines()
