"""Generic AML typologies of ``monitor scan`` against an independent generator and a naive baseline.

Generates labelled sets with ``benchmarks/typology_gen/generate.py`` (written
without reading the detectors; never edited to fit them), one per seed given
(default: the held-out seeds 6, 7 and 8) plus the first seed again with every
amount multiplied by ``--scale`` (default 0.01). On each set it runs, in this
process:

* **scan** — :func:`monitor.scan.run_scan`, the function ``monitor scan`` uses
  (same parser, role inference and detectors, default parameters). With
  ``--format amlsim`` scan reads the set rewritten as IBM AMLSim's converted
  ``transactions.csv`` (``tran_id, orig_acct, bene_acct, tx_type, base_amt,
  tran_timestamp, is_sar, alert_id``; times cut to the day, as AMLSim writes
  them), i.e. through scan's AMLSim reader;
* **baseline** — the 15-minute networkx approach: an account is flagged when it
  has ≥ 5 distinct counterparties (in or out) in a 30-day bin, or lies on a
  simple cycle of 3..6 accounts of the account graph
  (``nx.simple_cycles(G, length_bound=6)``; the enumeration is stopped after
  ``--baseline-cycles`` cycles (default 30,000: deterministic, unlike a time
  limit) or ``--cycle-seconds``, whichever comes first, and says so — the
  flags found by then are kept; the full enumeration takes hours here). It
  always reads the generator's own file (the same transfers).

It prints per typology the recall of alert accounts (an account counts when
any finding names it), the share of normal accounts flagged (overall), seconds,
and the machine (CPU model, cores, load average).

Tuning: the default parameters were chosen looking at seeds **1, 2, 3 and 5**
(5,000 accounts, 365 days); do not report those as held out. Seeds 6, 7 and 8
(and their scaled set) were chosen before any result on them was seen. Seed 4
was an earlier held-out seed, not looked at while tuning the layering.

Target (issue 24): recall ≥ 0.90 per typology with ≤ 1 % of normal accounts
flagged, better than the baseline on both.

    .venv/bin/python benchmarks/typologies.py [--seeds 6 7 8] [--scale 0.01] [--accounts 5000] [--days 365]
        [--format plain|amlsim] [--baseline-cycles 30000] [--cycle-seconds 600] [--no-baseline]
        [--keep DIR] [--json FILE]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GENERATOR = ROOT / "benchmarks" / "typology_gen" / "generate.py"
TUNING_SEEDS = (1, 2, 3, 5)


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    return f"{model}; {os.cpu_count()} cores; load average {load}"


def generate(seed: int, out: Path, *, accounts: int, days: int, scale: float = 1.0) -> float:
    """Run the independent generator; returns its seconds."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, str(GENERATOR), "--seed", str(seed), "--out", str(out), "--accounts",
                    str(accounts), "--days", str(days), "--scale", repr(scale)], check=True, capture_output=True)
    return time.perf_counter() - t0


def truth(folder: Path) -> tuple[dict[str, str], set[str]]:
    """Alert account → typology, and the normal accounts."""
    typology = {}
    with open(folder / "alerts.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            typology[row["account"]] = row["typology"]
    with open(folder / "accounts.csv", encoding="utf-8", newline="") as fh:
        normal = {row["account"] for row in csv.DictReader(fh) if row["is_alert"] == "0"}
    return typology, normal


AMLSIM_HEADER = ["tran_id", "orig_acct", "bene_acct", "tx_type", "base_amt", "tran_timestamp", "is_sar", "alert_id"]


def write_amlsim(folder: Path) -> Path:
    """The set's transfers as AMLSim's converted ``transactions.csv`` (``scripts/convert_logs.py``).

    AMLSim's time is a day (``base_date`` + step, written ``YYYY-MM-DDT00:00:00Z``), so the time of
    day is dropped; ``is_sar``/``alert_id`` come from the set's truth (scan does not read them).
    """
    alert_of = {}
    with open(folder / "truth.json", encoding="utf-8") as fh:
        for n, alert in enumerate(json.load(fh)["alerts"]):
            for txn in alert["txn_ids"]:
                alert_of[txn] = n
    out = folder / "amlsim_transactions.csv"
    with open(folder / "transactions.csv", encoding="utf-8", newline="") as src, \
            open(out, "w", encoding="utf-8", newline="") as dst:
        w = csv.writer(dst)
        w.writerow(AMLSIM_HEADER)
        for n, row in enumerate(csv.DictReader(src), start=1):
            alert = alert_of.get(row["txn_id"], -1)
            w.writerow([n, row["payer_account"], row["payee_account"], "TRANSFER", row["amount"],
                        row["txn_time"][:10] + "T00:00:00Z", alert >= 0, alert])
    return out


def scan_flags(folder: Path, params=None, fmt: str = "plain") -> tuple[set[str], float, list]:
    """Accounts named by any finding of ``monitor scan`` (run in-process), seconds, findings."""
    from monitor.scan import run_scan

    path = write_amlsim(folder) if fmt == "amlsim" else folder / "transactions.csv"
    t0 = time.perf_counter()
    result = run_scan(path, params=params)
    seconds = time.perf_counter() - t0
    flagged = {a.account_no for f in result.findings for a in f.evidence.accounts}
    return flagged, seconds, result.findings


def baseline_flags(folder: Path, cycle_seconds: float, max_cycles: int = 30_000) -> tuple[set[str], float, dict]:
    """The naive networkx baseline: degree ≥ 5 in a 30-day bin, or on a simple cycle of 3..6."""
    import networkx as nx

    t0 = time.perf_counter()
    seen: dict[tuple, set] = defaultdict(set)
    G = nx.DiGraph()
    first_day = None
    with open(folder / "transactions.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            day = datetime.strptime(row["txn_time"][:10], "%Y-%m-%d").toordinal()
            first_day = day if first_day is None else first_day
            b = (day - first_day) // 30
            src, dst = row["payer_account"], row["payee_account"]
            seen[(src, b, "out")].add(dst)
            seen[(dst, b, "in")].add(src)
            G.add_edge(src, dst)
    flagged = {key[0] for key, cps in seen.items() if len(cps) >= 5}
    degree_flags = len(flagged)
    cycles, complete, deadline = 0, True, time.perf_counter() + cycle_seconds
    for cycle in nx.simple_cycles(G, length_bound=6):
        cycles += 1
        if len(cycle) >= 3:
            flagged.update(cycle)
        if cycles >= max_cycles or cycles % 1000 == 0 and time.perf_counter() > deadline:
            complete = False
            break
    info = {"degree_flagged": degree_flags, "cycles_enumerated": cycles, "cycle_enumeration_complete": complete}
    return flagged, time.perf_counter() - t0, info


def score(flagged: set[str], typology: dict[str, str], normal: set[str]) -> dict:
    by_type: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for account, t in typology.items():
        by_type[t][1] += 1
        by_type[t][0] += account in flagged
    return {"recall": {t: round(hit / total, 3) for t, (hit, total) in sorted(by_type.items())},
            "alert_accounts": {t: total for t, (_, total) in sorted(by_type.items())},
            "normal_flagged": len(flagged & normal), "normal_accounts": len(normal),
            "normal_flagged_share": round(len(flagged & normal) / max(1, len(normal)), 4)}


def run_set(label: str, folder: Path, cycle_seconds: float, baseline: bool = True, max_cycles: int = 30_000,
            fmt: str = "plain") -> dict:
    typology, normal = truth(folder)
    flagged, seconds, findings = scan_flags(folder, fmt=fmt)
    out = {"set": label, "scan": {**score(flagged, typology, normal), "seconds": round(seconds, 2),
                                  "findings": len(findings)}}
    if baseline:
        bflags, bseconds, info = baseline_flags(folder, cycle_seconds, max_cycles)
        out["baseline"] = {**score(bflags, typology, normal), "seconds": round(bseconds, 2), **info}
    return out


def print_set(r: dict) -> None:
    print(f"\n== {r['set']}")
    methods = [m for m in ("scan", "baseline") if m in r]
    types = list(r["scan"]["recall"])
    print(f"{'typology':<16}{'alerts':>7}" + "".join(f"{m + ' recall':>17}" for m in methods))
    for t in types:
        print(f"{t:<16}{r['scan']['alert_accounts'][t]:>7}" + "".join(f"{r[m]['recall'][t]:>17.3f}" for m in methods))
    for m in methods:
        s = r[m]
        extra = ""
        if m == "baseline":
            extra = (f"; cycles enumerated {s['cycles_enumerated']:,}"
                     f"{'' if s['cycle_enumeration_complete'] else ' (stopped: not all cycles)'}")
        print(f"{m}: normal accounts flagged {s['normal_flagged']}/{s['normal_accounts']} "
              f"({s['normal_flagged_share']:.2%}); {s['seconds']:.1f} s{extra}")
    ok = all(v >= 0.9 for v in r["scan"]["recall"].values()) and r["scan"]["normal_flagged_share"] <= 0.01
    print(f"target (recall ≥ 0.90 per typology, ≤ 1 % normal flagged): {'met' if ok else 'NOT met'}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[6, 7, 8])
    ap.add_argument("--scale", type=float, default=0.01, help="the first seed again with amounts × this (0: skip)")
    ap.add_argument("--accounts", type=int, default=5000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--baseline-cycles", type=int, default=30_000, help="cycles the baseline enumerates at most")
    ap.add_argument("--cycle-seconds", type=float, default=600.0, help="time limit of the baseline's cycle search")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--format", choices=("plain", "amlsim"), default="plain",
                    help="file scan reads: the generator's own, or AMLSim's transactions.csv (days only)")
    ap.add_argument("--keep", help="write the sets here (default: a temporary folder, removed)")
    ap.add_argument("--json", help="also write the results to this file")
    args = ap.parse_args(argv)
    print(f"machine: {machine()}")
    held = [s for s in args.seeds if s not in TUNING_SEEDS]
    print(f"seeds: {args.seeds} (tuning seeds {list(TUNING_SEEDS)}; held out: {held})")
    results = []
    with tempfile.TemporaryDirectory(prefix="typologies-") as tmp:
        base = Path(args.keep) if args.keep else Path(tmp)
        sets = [(f"seed {s}", s, 1.0) for s in args.seeds]
        if args.scale:
            sets.append((f"seed {args.seeds[0]} ×{args.scale:g}", args.seeds[0], args.scale))
        for label, seed, scale in sets:
            folder = base / f"seed{seed}_x{scale:g}"
            gen = generate(seed, folder, accounts=args.accounts, days=args.days, scale=scale)
            r = run_set(label + (" (tuning)" if seed in TUNING_SEEDS else " (held out)")
                        + (", AMLSim format" if args.format == "amlsim" else ""), folder,
                        args.cycle_seconds, not args.no_baseline, args.baseline_cycles, args.format)
            r["generator_seconds"] = round(gen, 2)
            print_set(r)
            results.append(r)
    print(f"\nmachine at the end: {machine()}")
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": machine(), "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
