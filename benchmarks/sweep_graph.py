"""Graphs and all detectors on a large simulated city: seconds and peak memory.

Generates a city of ``--platforms`` platforms (default 200, 24 months) with
``--transfers-per-month`` rows per platform-month (default 2,100: about
10 million transfers), ingests it into a fresh store (both in a child
process, so they do not count towards this process's memory), then, in this
process, loads what the detectors need from the store
(:func:`graphs.run.load_city`, lazily per institution as ``graphs.run.detect`` does:
aggregated edges, never raw rows), builds the
per-platform graphs and runs every detector at the last month. Prints the
seconds of each phase and the peak RSS of the detection process.

Baseline, measured in the same run on a sample of platforms: the naive way
of building the fund-flow graph — one NetworkX edge per raw transfer read
with ``TransferStore.frame`` — against the aggregated edges the monitor uses.

Targets (issue 6): detection under 3 minutes and under 4 GiB on 2 cores.

    .venv/bin/python benchmarks/sweep_graph.py [--platforms N] [--transfers-per-month N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import sys
import tempfile
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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--platforms", type=int, default=200)
    ap.add_argument("--months", type=int, default=24)
    ap.add_argument("--transfers-per-month", type=int, default=2100)
    ap.add_argument("--baseline-platforms", type=int, default=5)
    ap.add_argument("--keep", help="Keep the city and store under this folder (default: a temporary one).")
    ap.add_argument("--reuse", help="Folder kept by an earlier --keep run: measure detection only.")
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

    from graphs.build import collapse_periods, flow_graph
    from graphs.run import detect_partition, load_city
    from monitor.config import load_config
    from monitor.transfers import TransferStore

    config = load_config(env={"MONITOR_INSTANCE_DIR": str(instance)})
    store = TransferStore(config)
    last = store.months()[-1]
    y, m = int(last[:4]), int(last[5:])
    as_of = datetime(y + m // 12, m % 12 + 1, 1, tzinfo=timezone.utc) + timedelta(days=5)

    t0 = time.perf_counter()
    data = load_city(config, as_of, lazy=True)  # as graphs.run.detect does: one institution in memory at a time
    t_load = time.perf_counter() - t0
    t1 = time.perf_counter()
    findings, edges = [], 0
    for inputs in data.partitions(as_of):
        edges += len(inputs.flows.edges) if inputs.flows else 0
        findings.extend(detect_partition(inputs, as_of=as_of))
    t_detect = time.perf_counter() - t1
    total = time.perf_counter() - t0
    peak_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024  # KiB on Linux
    print(f"load (registry, facts, accounts): {t_load:.1f} s")
    print(f"aggregate_edges + graphs + all detectors on {len(data.institutions)} platforms: {t_detect:.1f} s; "
          f"{edges:,} monthly edges; "
          f"{len(findings)} findings")
    print(f"total {total:.1f} s (target < 180 s); peak RSS {peak_gib:.2f} GiB (target < 4 GiB)")

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
