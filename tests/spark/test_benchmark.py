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
    assert "partitions: 8;" in out and "µs per transfer" in out
    bad = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "province.py"), "--platforms", "3",
                          "--keep", str(tmp_path / "q")], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "platforms must be between" in bad.stderr
