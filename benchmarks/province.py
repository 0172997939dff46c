"""The graph stage on both engines (local, spark) over a simulated province store.

Generates a province-sized city (``--platforms`` platforms over ``--months``
months, ``--transfers-per-month`` rows per platform-month; default 40 × 12 ×
the simulator's own volume: about 0.4 million transfers, a few minutes here)
and ingests it into a fresh store without crawling (the graph stage needs the
transfers; the registry stays empty). ``--volume`` skips the simulator and the
ingest: numpy draws each platform-month's custody rows (default 4,200: 1,000
platforms × 12 months ≈ 50 million transfers, ~80 CPU-s to write) and writes
them straight into the store layout, one Parquet file per platform and month,
with one commit record per platform. Optionally compacts it (``--compact``).
Then each engine runs :func:`graphs.run.detect` at the end
of the last month in its own child process, and this process reports, per
engine, the wall seconds, the CPU seconds and the peak memory of the child
and all its descendants (the process pool, or Spark's JVM and Python
workers; sampled from /proc every 0.1 s, RSS summed over the processes) and
whether the findings are the same, row for row (both phases). A third child
times :func:`graphs.run.detect_partition` per institution (sequentially, in
wall and CPU seconds; ``--profile-sample N`` institutions spread over all) and
phase 2's reduction (:mod:`graphs.across`), and prints the partition sizes,
costs and the reduced graph's size that docs/architecture.md's *Growth*
section extrapolates from. The machine (CPU model, cores, load) is printed first.

    .venv/bin/python benchmarks/province.py [--platforms N] [--months N] [--transfers-per-month N]
        [--volume] [--profile-sample N] [--keep DIR] [--reuse DIR] [--compact] [--spark-master local[2]]
        [--engines local,spark] [--spark-driver-memory 4g]
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
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


VOLUME_ROWS = 4_200  # rows per platform-month in volume mode: 1,000 platforms × 12 months ≈ 50 million


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

    if args.engine == "spark" and args.spark_master.startswith("local"):
        # In local mode the executors live in the driver's JVM, whose heap is fixed at launch (default
        # 1 GiB); the phase-2 reduction also comes back to the driver through it (toArrow).
        os.environ["PYSPARK_SUBMIT_ARGS"] = (f"--driver-memory {args.spark_driver_memory} "
                                             f"--conf spark.driver.maxResultSize={args.spark_driver_memory} "
                                             "pyspark-shell")
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
    """In a child process: rows, edges and detect_partition seconds per institution (sequential; a
    sample of ``--profile-sample`` institutions spread over all when given), and phase 2's costs."""
    import pyarrow as pa

    from graphs.across import detect_across, reduce_local, reduced_graph
    from graphs.loading import load_city
    from graphs.run import detect_partition, partition_keys
    from monitor.transfers import TransferStore

    cfg = config_for(Path(args.instance))
    as_of = as_of_for(args.months)
    store = TransferStore(cfg)
    data = load_city(cfg, as_of, lazy=True)
    cut = data.cut(as_of)
    keys = partition_keys(cut.graph, (i["uscc"] for i in data.institutions))
    t0, c0 = time.perf_counter(), time.process_time()
    nodes, edges = reduce_local(cfg, as_of, keys, cut.graph) or (pa.table({"holder": []}), pa.table({"x": []}))
    t1 = time.perf_counter()
    G = reduced_graph(nodes, edges, keys)
    t2 = time.perf_counter()
    found = detect_across(G, None, as_of)
    t3, c3 = time.perf_counter(), time.process_time()
    phase2 = {"cpu_s": c3 - c0, "reduce_s": t1 - t0, "graph_s": t2 - t1, "detect_s": t3 - t2,
              "node_rows": nodes.num_rows,
              "edge_rows": edges.num_rows, "nodes": G.number_of_nodes(), "edges": G.number_of_edges(),
              "findings": len(found), "partitions": len(set(keys.values()))}
    del G, nodes, edges
    chosen = data.institutions
    if args.profile_sample and args.profile_sample < len(chosen):
        step = len(chosen) / args.profile_sample
        chosen = [chosen[int(k * step)] for k in range(args.profile_sample)]
    out = []
    for inst in chosen:
        t0, c0 = time.perf_counter(), time.process_time()
        inputs = data.partition(inst, cut)
        t1, c1 = time.perf_counter(), time.process_time()
        detect_partition(inputs, None, as_of)
        t2, c2 = time.perf_counter(), time.process_time()
        # CPU seconds beside wall seconds: on a shared machine the wall figures measure the load too.
        out.append({"uscc": inst["uscc"], "rows": store.count([inst["uscc"]]),
                    "edges": len(inputs.flows.edges) if inputs.flows else 0,
                    "read_s": t1 - t0, "detect_s": t2 - t1, "read_cpu": c1 - c0, "detect_cpu": c2 - c1})
    Path(args.out).write_text(json.dumps({"partitions": out, "phase2": phase2}))


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


# --------------------------------------------------------------------------- volume mode
# Shares of a platform-month's rows by operation (custody statements are mostly lenders' money).
VOLUME_MIX = (("invest", "出借", 0.50), ("payout", "兑付", 0.38), ("disburse", "放款", 0.06), ("repay", "还款", 0.06))
SHARED_BORROWERS = 2_000  # persons borrowing on several platforms of the province (phase 2 finds them)


def _persons(idx, lending):
    """Account, name and ID columns of persons number ``idx`` (numpy int64) as Arrow arrays; the name
    says lender (``lending``) or borrower."""
    import pyarrow as pa
    import pyarrow.compute as pc

    digits = pc.cast(pa.array(idx), pa.string())
    account = pc.binary_join_element_wise("62", pc.utf8_lpad(digits, 17, "0"), "")
    prefix = pc.if_else(pa.array(lending), "出借人", "借款人")
    name = pc.binary_join_element_wise(prefix, digits, "")
    ident = pc.binary_join_element_wise("44", pc.utf8_lpad(digits, 15, "0"), "X", "")
    return account, name, ident


def volume_month(p: int, uscc: str, name: str, custody: str, month: int, rows: int, lenders: int,
                 borrowers: int, seed: int):
    """One platform-month of custody-statement rows in the store's schema (numpy, vectorised).

    Lenders ``p × 0.9 × lenders …`` overlap with the next platform's (a tenth of them invest on
    two platforms); borrowers are the platform's own except a few from a province-wide pool.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    rng = np.random.default_rng([seed, p, month])
    year, mon = divmod(month, 12)
    start = np.datetime64(f"{2017 + year:04d}-{mon + 1:02d}-01T00:00:00", "us")
    end = np.datetime64(f"{2017 + year + (mon == 11):04d}-{(mon + 1) % 12 + 1:02d}-01T00:00:00", "us")
    span = int((end - start) / np.timedelta64(1, "s"))
    op = rng.choice(len(VOLUME_MIX), size=rows, p=[m[2] for m in VOLUME_MIX])
    # Office hours, in time order as a statement lists them.
    day = rng.integers(0, span // 86400, size=rows)
    secs = np.sort(day * 86400 + 28800 + rng.integers(0, 50400, size=rows))
    t = start + secs.astype("timedelta64[s]")
    lending = op < 2
    lender_idx = 10_000_000 + int(p * lenders * 0.9) + rng.integers(0, lenders, size=rows)
    borrower_idx = 50_000_000 + p * borrowers + rng.integers(0, borrowers, size=rows)
    shared = rng.random(rows) < 0.02
    borrower_idx = np.where(shared, 90_000_000 + rng.integers(0, SHARED_BORROWERS, size=rows), borrower_idx)
    idx = np.where(lending, lender_idx, borrower_idx)
    amount = np.where(op == 2, rng.integers(300, 1900, size=rows) * 100.0,  # loans: 30,000–190,000 元
                      np.round(np.exp(rng.normal(9.6, 0.7, size=rows)), -2) + 100.0)
    acc, nm, ident = _persons(idx, lending)
    inbound = pa.array((op == 0) | (op == 3))  # invest and repay: into custody
    n = rows
    own = (pa.array([custody] * n), pa.array([name] * n), pa.array([uscc] * n))
    payer = [pc.if_else(inbound, a, b) for a, b in zip((acc, nm, ident), own)]
    payee = [pc.if_else(inbound, b, a) for a, b in zip((acc, nm, ident), own)]
    labels = pa.array([m[1] for m in VOLUME_MIX]).take(pa.array(op))
    seq = pc.utf8_lpad(pc.cast(pa.array(np.arange(n)), pa.string()), 7, "0")
    txn_id = pc.binary_join_element_wise(f"{p:05d}{month:03d}", seq, "")
    t_arrow = pa.array(t, pa.timestamp("us"))
    avail = pa.array(t.astype("datetime64[D]") + np.timedelta64(1, "D"), pa.date32()).cast(pa.timestamp("us"))
    return pa.table({"txn_id": txn_id, "txn_time": t_arrow, "amount": pa.array(amount),
                     "payer_account": payer[0], "payer_name": payer[1], "payer_id": payer[2],
                     "payee_account": payee[0], "payee_name": payee[1], "payee_id": payee[2],
                     "purpose": labels, "currency": pa.array(["CNY"] * n), "available_at": avail,
                     "source_line": pa.array(np.arange(2, n + 2, dtype=np.int32))})


def generate_volume(cfg, platforms: int, months: int, rows: int, seed: int, workers: int = 2) -> None:
    """A province store written straight into the store layout: one Parquet file per platform and
    month and one commit record per platform (as if each platform had sent one statement)."""
    import hashlib
    import uuid
    from concurrent.futures import ThreadPoolExecutor

    from monitor.db import init_db, session_scope
    from monitor.models import Account, IngestFile
    from monitor.sim import names as N
    from monitor.transfers import TransferStore, fsync, store_file, store_pattern, write_parquet

    init_db(cfg)
    root = TransferStore(cfg).root
    run = uuid.uuid4().hex
    lenders, borrowers = max(200, rows // 3), max(50, rows // 60)

    def platform(p: int):
        uscc = N.make_uscc(700_000 + p)
        name, custody = f"{N.CITY}第{p + 1}号网络借贷信息中介有限公司", N.firm_account(700_000 + p)
        sha = hashlib.sha256(f"province:{seed}:{uscc}".encode()).hexdigest()
        count = 0
        for m in range(months):
            table = volume_month(p, uscc, name, custody, m, rows, lenders, borrowers, seed)
            out = store_file(root, uscc, f"{2017 + m // 12:04d}-{m % 12 + 1:02d}", sha, run, m)
            out.parent.mkdir(parents=True, exist_ok=True)
            count += write_parquet(table, sha, out)
            fsync(out)
        return uscc, name, custody, sha, count

    with ThreadPoolExecutor(workers) as pool:
        done = list(pool.map(platform, range(platforms)))
    last = months - 1
    with session_scope(cfg) as session:  # the commit records, after every file is on disk
        for uscc, name, custody, sha, count in done:
            session.add(IngestFile(path=f"province-volume:{uscc}", sha256=sha, status="ok", rows=count,
                                   rows_new=count, store_path=store_pattern(uscc, sha, run),
                                   period_start=date(2017, 1, 1),
                                   period_end=date(2017 + last // 12, last % 12 + 1, 1)))
            session.add(Account(account_no=custody, holder_name=name, holder_id_no=uscc, holder_kind="company",
                                is_custody=True))


def prepare(instance: Path, city: Path, args) -> dict:
    from monitor.compaction import compact_store
    from monitor.db import dispose_engines
    from monitor.evaluate import build_store_from_city
    from monitor.sim import generate_city
    from monitor.transfers import TransferStore

    cfg = config_for(instance)
    if args.volume:
        if not instance.is_dir():
            generate_volume(cfg, args.platforms, args.months, args.transfers_per_month or VOLUME_ROWS, args.seed)
    else:
        if not (city / "transfers").is_dir():
            generate_city(city, seed=args.seed, platforms=args.platforms, months=args.months,
                          transfers_per_month=args.transfers_per_month)
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
    ap.add_argument("--volume", action="store_true",
                    help="Volume mode: lenders' and borrowers' rows drawn by numpy and written straight into "
                         f"the store (default {VOLUME_ROWS:,} rows per platform-month), not simulated and ingested.")
    ap.add_argument("--profile-sample", type=int, default=0, metavar="N",
                    help="Time N partitions spread over the institutions (default: all).")
    ap.add_argument("--engines", default="local,spark")
    ap.add_argument("--spark-master", default="local[2]")
    ap.add_argument("--shuffle-partitions", type=int, default=8)
    ap.add_argument("--spark-driver-memory", default="4g",
                    help="Heap of Spark's driver JVM (with local[N] also the executors'), e.g. 4g.")
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
    if args.volume and not (1 <= args.platforms <= 100_000 and 1 <= args.months <= 48
                            and (args.transfers_per_month or VOLUME_ROWS) >= 10):
        ap.error("volume mode: platforms must be between 1 and 100,000, months between 1 and 48, "
                 "transfers per month at least 10")

    base = Path(args.reuse or args.keep or tempfile.mkdtemp(prefix="province-"))
    base.mkdir(parents=True, exist_ok=True)
    instance, city = base / "instance", base / "city"
    t0 = time.perf_counter()
    info = prepare(instance, city, args)
    print(f"machine: {machine()}")
    print(f"store: {info['institutions']} institutions, {info['transfers']:,} transfers in {info['files']} "
          f"files ({args.platforms} platforms × {args.months} months; built in {time.perf_counter() - t0:.0f}s)")
    common = [sys.executable, __file__, "--instance", str(instance), "--months", str(args.months),
              "--spark-master", args.spark_master, "--shuffle-partitions", str(args.shuffle_partitions),
              "--spark-driver-memory", args.spark_driver_memory]
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
    measure(common + ["--child", "profile", "--out", str(out), "--profile-sample", str(args.profile_sample)])
    profile = json.loads(out.read_text())
    prof = [p for p in profile["partitions"] if p["rows"]]
    if prof:
        rows = sorted(p["rows"] for p in prof)
        cost = sorted(p["read_s"] + p["detect_s"] for p in prof)
        cpu = sorted(p["read_cpu"] + p["detect_cpu"] for p in prof)
        per_row = sum(cpu) / max(1, sum(rows))
        print(f"partitions: {len(prof)}; rows median {statistics.median(rows):,.0f}, max {rows[-1]:,}; "
              f"edges median {statistics.median(p['edges'] for p in prof):,.0f}")
        print(f"per partition (read + detect, sequential): median {statistics.median(cost):.3f}s, "
              f"max {cost[-1]:.3f}s, total {sum(cost):.1f}s wall; CPU median {statistics.median(cpu):.3f}s, "
              f"max {cpu[-1]:.3f}s, total {sum(cpu):.1f}s: {per_row * 1e6:.1f} µs of CPU per transfer")
    p2 = profile["phase2"]
    print(f"phase 2 (local): reduction {p2['reduce_s']:.1f}s to {p2['node_rows']:,} holder rows and "
          f"{p2['edge_rows']:,} edge rows; graph {p2['nodes']:,} holders, {p2['edges']:,} edges "
          f"({p2['edges'] / max(1, info['transfers']):.2%} of the transfers) in {p2['graph_s']:.1f}s; "
          f"detect_across {p2['detect_s']:.1f}s, {p2['findings']} findings; {p2['cpu_s']:.1f} CPU-s in this "
          f"process (DuckDB's threads included); {p2['partitions']} partitions")
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
