"""The benchmark scripts still run (on tiny inputs; what they print is checked, not how fast)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ingest_benchmark_reports_every_run_and_the_median():
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "ingest.py"), "--rows", "3000",
                           "--sample", "200", "--repeat", "3", "--no-floor"],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    runs = re.findall(r"run (\d) of 3 \(fresh process\): 3,000 rows in [\d.]+ s = ([\d,]+) rows/s", out)
    assert [n for n, _ in runs] == ["1", "2", "3"]
    median = sorted(int(r.replace(",", "")) for _, r in runs)[1]
    assert re.search(rf"monitor ingest: +3,000 rows in [\d.]+ s = {median:,} rows/s .*the median of 3 runs", out)
    assert out.count("(warm-up: 10 rows") == 3  # each run's own process
    assert re.search(r"naive ORM \(SQLModel row by row, sample\): 200 rows", out)
    assert "ratio:" in out
