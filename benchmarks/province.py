"""The graph stage on both engines (local, spark) over a simulated province store.

Generates a province-sized city (``--platforms`` platforms over ``--months``
months, ``--transfers-per-month`` rows per platform-month; default 40 × 12 ×
the simulator's own volume: about 0.4 million transfers, a few minutes here)
and ingests it into a fresh store without crawling (the graph stage needs the
transfers; the registry stays empty). Optionally compacts it
(``--compact``). Then each engine runs :func:`graphs.run.detect` at the end
of the last month in its own child process, and this process reports, per
engine, the wall seconds, the CPU seconds and the peak memory of the child
and all its descendants (the process pool, or Spark's JVM and Python
workers; sampled from /proc every 0.1 s, RSS summed over the processes) and
whether the findings are the same, row for row. A third child times :func:`graphs.run.detect_partition`
per institution (sequentially) and prints the partition sizes and costs that
docs/architecture.md's *Growth* section extrapolates from.

    .venv/bin/python benchmarks/province.py [--platforms N] [--months N] [--transfers-per-month N]
        [--keep DIR] [--reuse DIR] [--compact] [--spark-master local[2]] [--engines local,spark]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def machine() -> str:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{model}; {cores} cores; load {load}; Python {platform.python_version()}"


def config_for(instance: Path, **overrides):
    from monitor.config import load_config

    env = {"MONITOR_INSTANCE_DIR": str(instance)}
    env.update({f"MONITOR_{k.upper()}": str(v) for k, v in overrides.items()})
    return load_config(env=env)


def as_of_for(months: int) -> datetime:
    """Early in the month after the last simulated one (the simulator starts in 2017-01)."""
    year, month = divmod(months, 12)
    return datetime(2017 + year, month + 1, 6, tzinfo=timezone.utc)


def child_run(args) -> None:
    """In a child process: one engine's graph stage; findings written to ``args.out``."""
    from graphs.run import detect
    from monitor.db import dispose_engines

    cfg = config_for(Path(args.instance), engine=args.engine, spark_master=args.spark_master,
                     spark_shuffle_partitions=args.shuffle_partitions)
    t0 = time.perf_counter()
    found = detect(cfg, as_of_for(args.months))
    seconds = time.perf_counter() - t0
    Path(args.out).write_text(json.dumps({"seconds": seconds,
                                          "findings": [f.to_dict() for f in found]}, ensure_ascii=False))
    if args.engine == "spark":
        from pyspark.sql import SparkSession

        SparkSession.getActiveSession().stop()
    dispose_engines()


def child_profile(args) -> None:
    """In a child process: rows, edges and detect_partition seconds per institution (sequential)."""
    from graphs.loading import load_city
    from graphs.run import detect_partition
    from monitor.transfers import TransferStore

    cfg = config_for(Path(args.instance))
    as_of = as_of_for(args.months)
    store = TransferStore(cfg)
    data = load_city(cfg, as_of, lazy=True)
    cut = data.cut(as_of)
    out = []
    for inst in data.institutions:
        t0 = time.perf_counter()
        inputs = data.partition(inst, cut)
        t1 = time.perf_counter()
        detect_partition(inputs, None, as_of)
        t2 = time.perf_counter()
        out.append({"uscc": inst["uscc"], "rows": store.count([inst["uscc"]]),
                    "edges": len(inputs.flows.edges) if inputs.flows else 0,
                    "read_s": t1 - t0, "detect_s": t2 - t1})
    Path(args.out).write_text(json.dumps(out))


def _tree(root: int) -> dict[int, tuple[float, int]]:
    """pid → (CPU seconds, RSS bytes) of ``root`` and its descendants, from /proc."""
    tick, page = os.sysconf("SC_CLK_TCK"), os.sysconf("SC_PAGE_SIZE")
    stats, parent = {}, {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            fields = Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()
            rss = int(Path(entry.path, "statm").read_text().split()[1]) * page
        except (OSError, IndexError, ValueError):
            continue
        pid = int(entry.name)
        parent[pid] = int(fields[1])
        stats[pid] = ((int(fields[11]) + int(fields[12])) / tick, rss)  # utime + stime
    out = {}
    for pid in stats:
        p = pid
        while p in parent and p != root and p > 1:
            p = parent[p]
        if p == root:
            out[pid] = stats[pid]
    return out


def measure(cmd: list[str]) -> dict:
    """Run ``cmd``: wall seconds; CPU seconds and peak RSS of it and all its descendants (the pool's
    workers, Spark's JVM and Python workers), sampled from /proc every 0.1 s."""
    import threading

    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd)
    cpu: dict[int, float] = {}
    peak = [0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            tree = _tree(proc.pid)
            for pid, (seconds, _rss) in tree.items():
                cpu[pid] = max(cpu.get(pid, 0.0), seconds)
            peak[0] = max(peak[0], sum(rss for _s, rss in tree.values()))
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _pid, status, usage = os.wait4(proc.pid, 0)
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)}: exit {proc.returncode}")
    # Each process's CPU as last sampled (up to 0.1 s short at its end); wait4's figure (the child and
    # the descendants it waited for) when larger.
    return {"wall_s": time.perf_counter() - t0, "cpu_s": max(sum(cpu.values()), usage.ru_utime + usage.ru_stime),
            "peak_mib": max(peak[0], usage.ru_maxrss * 1024) / 2**20}


def prepare(instance: Path, city: Path, args) -> dict:
    from monitor.compaction import compact_store
    from monitor.db import dispose_engines
    from monitor.evaluate import build_store_from_city
    from monitor.sim import generate_city
    from monitor.transfers import TransferStore

    if not (city / "transfers").is_dir():
        generate_city(city, seed=args.seed, platforms=args.platforms, months=args.months,
                      transfers_per_month=args.transfers_per_month)
    cfg = config_for(instance)
    if not instance.is_dir():
        build_store_from_city(cfg, city, crawl=False)
    if args.compact:
        compact_store(cfg)
    store = TransferStore(cfg)
    info = {"transfers": store.count(), "files": len(store.files()), "institutions": len(store.institutions())}
    dispose_engines()
    return info


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--platforms", type=int, default=40)
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--transfers-per-month", type=int, default=None)
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--keep", metavar="DIR", help="Build the city and store in DIR and keep them.")
    ap.add_argument("--reuse", metavar="DIR", help="Reuse a city and store kept with --keep.")
    ap.add_argument("--compact", action="store_true", help="Compact the store first (monitor compact).")
    ap.add_argument("--engines", default="local,spark")
    ap.add_argument("--spark-master", default="local[2]")
    ap.add_argument("--shuffle-partitions", type=int, default=8)
    # Internal: the child processes.
    ap.add_argument("--child", choices=["run", "profile"], help=argparse.SUPPRESS)
    ap.add_argument("--engine", help=argparse.SUPPRESS)
    ap.add_argument("--instance", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child == "run":
        child_run(args)
        return 0
    if args.child == "profile":
        child_profile(args)
        return 0

    base = Path(args.reuse or args.keep or tempfile.mkdtemp(prefix="province-"))
    base.mkdir(parents=True, exist_ok=True)
    instance, city = base / "instance", base / "city"
    t0 = time.perf_counter()
    info = prepare(instance, city, args)
    print(f"machine: {machine()}")
    print(f"store: {info['institutions']} institutions, {info['transfers']:,} transfers in {info['files']} "
          f"files ({args.platforms} platforms × {args.months} months; built in {time.perf_counter() - t0:.0f}s)")
    common = [sys.executable, __file__, "--instance", str(instance), "--months", str(args.months),
              "--spark-master", args.spark_master, "--shuffle-partitions", str(args.shuffle_partitions)]
    results = {}
    for engine in args.engines.split(","):
        out = base / f"findings-{engine}.json"
        m = measure(common + ["--child", "run", "--engine", engine, "--out", str(out)])
        data = json.loads(out.read_text())
        m["detect_s"], m["findings"] = data["seconds"], data["findings"]
        results[engine] = m
        print(f"{engine:<6} wall {m['wall_s']:7.1f}s  (graph stage {m['detect_s']:6.1f}s)  cpu {m['cpu_s']:7.1f}s  "
              f"peak {m['peak_mib']:7.0f} MiB  findings {len(m['findings'])}")
    if len(results) > 1:
        first, *rest = results.values()
        same = all(r["findings"] == first["findings"] for r in rest)
        print(f"findings identical across engines: {same} ({len(first['findings'])} each)")
    out = base / "profile.json"
    measure(common + ["--child", "profile", "--out", str(out)])
    prof = [p for p in json.loads(out.read_text()) if p["rows"]]
    if prof:
        rows = sorted(p["rows"] for p in prof)
        cost = sorted(p["read_s"] + p["detect_s"] for p in prof)
        per_row = sum(cost) / max(1, sum(rows))
        print(f"partitions: {len(prof)}; rows median {statistics.median(rows):,.0f}, max {rows[-1]:,}; "
              f"edges median {statistics.median(p['edges'] for p in prof):,.0f}")
        print(f"per partition (read + detect, sequential): median {statistics.median(cost):.3f}s, "
              f"max {cost[-1]:.3f}s, total {sum(cost):.1f}s; {per_row * 1e6:.1f} µs per transfer")
    if not (args.keep or args.reuse):
        import shutil

        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    from monitor.errors import MonitorError

    try:
        sys.exit(main())
    except MonitorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
