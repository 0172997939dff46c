"""Graphs and all detectors on a large simulated city: seconds and peak memory.

Generates a city of ``--platforms`` platforms (default 200, 24 months) with
``--transfers-per-month`` rows per platform-month (default 2,100: about
10 million transfers), ingests it into a fresh store (both in a child
process, so they do not count towards this process's memory), then, in this
process, runs detection as a sweep does (:func:`graphs.run.detect` at the last
month: each institution's aggregated edges read, its platform view built, every
detector run; in worker processes from 40 institutions on, ``--workers`` to
choose). Prints the seconds, the load average and the peak RSS of the detection
(this process and its workers together, sampled from ``/proc``), and the number
of monthly edges the detectors saw (counted afterwards, outside the timing).

Baseline, measured in the same run on a sample of platforms: the naive way
of building the fund-flow graph — one NetworkX edge per raw transfer read
with ``TransferStore.frame`` — against the aggregated edges the monitor uses.

Targets (issue 6): detection under 3 minutes and under 4 GiB on 2 cores.

    .venv/bin/python benchmarks/sweep_graph.py [--platforms N] [--transfers-per-month N] [--keep DIR]
        [--reuse DIR] [--workers N]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _prepare(city: str, instance: str, platforms: int, months: int, per_month: int, queue) -> None:
    from monitor.config import load_config
    from monitor.db import init_db
    from monitor.ingest import ingest_paths
    from monitor.sim import generate_city

    t = time.perf_counter()
    summary = generate_city(city, seed=4242, platforms=platforms, months=months, transfers_per_month=per_month,
                            force=True)
    generated = time.perf_counter() - t
    config = load_config(env={"MONITOR_INSTANCE_DIR": instance})
    init_db(config)
    t = time.perf_counter()
    results = ingest_paths(config, [Path(city) / "transfers"])
    ingested = time.perf_counter() - t
    failed = [r for r in results if r.status == "failed"]
    queue.put({"rows": summary.get("transfer_rows"), "generate_s": generated, "ingest_s": ingested,
               "files": len(results), "failed": len(failed), "first_error": failed[0].error if failed else None})


def _tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants (Linux ``/proc``)."""
    total = 0
    try:
        with open(f"/proc/{pid}/statm") as f:
            total = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                total += sum(_tree_rss(int(c)) for c in f.read().split())
    except (FileNotFoundError, ProcessLookupError, ValueError):
        pass  # a process that ended between two reads
    return total


class PeakRSS(threading.Thread):
    """Samples the RSS of this process tree every 0.2 s; ``peak`` is the largest sum seen."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak, self._done = 0, threading.Event()

    def run(self):
        while not self._done.wait(0.2):
            self.peak = max(self.peak, _tree_rss(os.getpid()))

    def stop(self) -> int:
        self._done.set()
        self.join()
        return self.peak


def _monthly_edges(store, as_of) -> int:
    """Monthly edges (account pair × month, per institution) complete and reported by ``as_of``."""
    from monitor.transfers import to_cst

    source, params = store._source(None, None, None, as_of)
    current = to_cst(as_of).strftime("%Y-%m")
    with store.connect() as con:
        return con.execute(f"SELECT count(*) FROM (SELECT DISTINCT institution, payer_account, payee_account, "
                           f"month FROM {source} s WHERE month < ?)", params + [current]).fetchall()[0][0]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--platforms", type=int, default=200)
    ap.add_argument("--months", type=int, default=24)
    ap.add_argument("--transfers-per-month", type=int, default=2100)
    ap.add_argument("--baseline-platforms", type=int, default=5)
    ap.add_argument("--keep", help="Keep the city and store under this folder (default: a temporary one).")
    ap.add_argument("--reuse", help="Folder kept by an earlier --keep run: measure detection only.")
    ap.add_argument("--workers", type=int, default=None,
                    help="Worker processes for graphs.run.detect (default: as detect decides).")
    args = ap.parse_args()

    root = Path(args.reuse or args.keep or tempfile.mkdtemp(prefix="bench-graph-"))
    city, instance = root / "city", root / "instance"
    if not args.reuse:
        queue = mp.get_context("spawn").Queue()
        proc = mp.get_context("spawn").Process(target=_prepare, args=(str(city), str(instance), args.platforms,
                                                                      args.months, args.transfers_per_month, queue))
        proc.start()
        prep = queue.get()
        proc.join()
        print(f"city: {prep['rows']:,} transfers, generated in {prep['generate_s']:.1f} s; "
              f"ingested {prep['files']} files in {prep['ingest_s']:.1f} s ({prep['failed']} failed"
              + (f", e.g. {prep['first_error']}" if prep["failed"] else "") + ")")

    import networkx as nx

    from graphs.flows import collapse_periods, flow_graph
    from graphs.run import detect
    from monitor.config import load_config
    from monitor.transfers import TransferStore

    config = load_config(env={"MONITOR_INSTANCE_DIR": str(instance)})
    store = TransferStore(config)
    last = store.months()[-1]
    y, m = int(last[:4]), int(last[5:])
    as_of = datetime(y + m // 12, m % 12 + 1, 1, tzinfo=timezone.utc) + timedelta(days=5)

    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    sampler = PeakRSS()
    sampler.start()
    t0, c0 = time.perf_counter(), os.times()
    findings = detect(config, as_of, workers=args.workers)
    total = time.perf_counter() - t0
    c1 = os.times()
    peak = sampler.stop()
    cpu = (c1.user + c1.system + c1.children_user + c1.children_system) - (c0.user + c0.system + c0.children_user
                                                                          + c0.children_system)
    own_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024  # KiB on Linux
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    edges = _monthly_edges(store, as_of)
    print(f"graphs.run.detect on {len(store.institutions())} platforms: {total:.1f} s wall, {cpu:.1f} s CPU "
          f"(all processes); {edges:,} monthly edges ({cpu / max(edges, 1) * 1e6:.1f} µs CPU each); "
          f"{len(findings)} findings")
    print(f"total {total:.1f} s (target < 180 s); peak RSS {peak / 2**30:.2f} GiB, all processes "
          f"(this one {own_gib:.2f} GiB) (target < 4 GiB)")

    # Baseline on a sample: a graph edge per raw transfer vs the aggregated edges.
    sample = store.institutions()[: args.baseline_platforms]
    t = time.perf_counter()
    naive_edges = 0
    for uscc in sample:
        frame = store.frame([uscc], as_of=as_of, columns=["payer_account", "payee_account", "amount", "txn_time"])
        G = nx.MultiDiGraph()
        for src, dst, amount, when in zip(*(frame.column(c).to_pylist() for c in frame.column_names)):
            G.add_edge(src, dst, amount=amount, time=when)
        naive_edges += G.number_of_edges()
    t_naive = time.perf_counter() - t
    t = time.perf_counter()
    agg_edges = 0
    for uscc in sample:
        G = collapse_periods(flow_graph(store.aggregate_edges([uscc], as_of=as_of)))
        agg_edges += G.number_of_edges()
    t_agg = time.perf_counter() - t
    print(f"baseline on {len(sample)} platforms: graph from raw transfers {t_naive:.2f} s ({naive_edges:,} edges) "
          f"vs from aggregated edges {t_agg:.2f} s ({agg_edges:,} edges): {t_naive / max(t_agg, 1e-9):.1f}x")
    print(f"kept in {root}" if args.keep else "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
