"""Detection quality on simulated cities of several seeds: precision, recall and lead time per rule.

    .venv/bin/python benchmarks/quality.py [--seeds 101,202,303] [--platforms 30] [--months 18] [--lag-days 1]
        [--step month|week] [--json FILE]

For each seed: generate a city, build a fresh store from it the way
``monitor evaluate --city`` does (serve its web over HTTP, crawl, ingest its
transfer files), then replay month by month (at each month end + 1 day, when the month's
flows are complete; ``--lag-days`` to change; ``--step week`` adds a replay every
7 days in between, as the daily sweep sees months not yet over) with no look-ahead and score
two warn rules against the ground truth:

* ``band``: the risk index (default rule set) is orange or red — the
  monitor's headline rule (issue 7);
* ``severity``: any detector finding of severity >= medium (issue 6's
  interim rule; detectors only).

Seeds the tests and the rule tuning used: 7, 11, 23, 41 (docs/scoring.md).
Quality bar: recall >= 0.95 at precision >= 0.90, median lead time >= 60 days.
Takes about 2-5 minutes per 30-platform seed on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.evaluate import REPLAY_LAG_DAYS, STEPS  # noqa: E402  (after the path insert)


def evaluate_seed(seed: int, platforms: int, months: int, workdir: Path, lag_days: int = REPLAY_LAG_DAYS,
                  step: str = "month") -> dict:
    from monitor.config import load_config
    from monitor.db import dispose_engines
    from monitor.evaluate import build_store_from_city, evaluate, load_truth, severity_rule
    from monitor.sim import generate_city

    city = workdir / f"city-{seed}"
    generate_city(city, seed=seed, platforms=platforms, months=months)
    truth = load_truth(city / "truth.json")
    config = load_config(env={"MONITOR_INSTANCE_DIR": str(workdir / f"store-{seed}")})
    try:
        t0 = time.monotonic()
        built = build_store_from_city(config, city)
        built_s = time.monotonic() - t0
        t0 = time.monotonic()
        band = evaluate(config, truth, rule="band", lag_days=lag_days, step=step)
        severity = evaluate(config, truth, warn=severity_rule("medium"), lag_days=lag_days, step=step)
        replay_s = time.monotonic() - t0
    finally:
        dispose_engines()
    return {"seed": seed, "platforms": platforms, "months": months, "step": step, "frauds": band["frauds"],
            "ingest_failed": len(built.get("ingest_failed") or []), "build_seconds": round(built_s, 1),
            "replay_seconds": round(replay_s, 1),
            "band": _summary(band), "severity": _summary(severity),
            "alerts_per_sweep": band.get("alerts_per_sweep")}


def _summary(report: dict) -> dict:
    o = report["overall"]
    return {k: o[k] for k in ("precision", "recall", "tp", "fp", "positives", "lead_days_median", "lead_days_min",
                              "missed", "false_positives")}


def _fmt(x) -> str:
    return "—" if x is None else (f"{x:.2f}" if isinstance(x, float) and x <= 1 else str(x))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="101,202,303", help="comma-separated seeds (default: never used for tuning)")
    ap.add_argument("--platforms", type=int, default=30)
    ap.add_argument("--months", type=int, default=18)
    ap.add_argument("--lag-days", type=int, default=REPLAY_LAG_DAYS,
                    help="replay at each month end + this many days (default: monitor evaluate's)")
    ap.add_argument("--step", choices=STEPS, default="month",
                    help="replay step (week: every 7 days plus the month ends)")
    ap.add_argument("--json", dest="json_out", default=None, help="also write the results as JSON")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    rows = []
    with tempfile.TemporaryDirectory(prefix="monitor-quality-") as tmp:
        for seed in seeds:
            row = evaluate_seed(seed, args.platforms, args.months, Path(tmp), args.lag_days, args.step)
            rows.append(row)
            for rule in ("band", "severity"):
                r = row[rule]
                print(f"seed {seed:>5} {rule:<8} precision {_fmt(r['precision'])} recall {_fmt(r['recall'])} "
                      f"({r['tp']}/{r['positives']}, FP {r['fp']}) lead median {_fmt(r['lead_days_median'])} d "
                      f"min {_fmt(r['lead_days_min'])} d; missed {r['missed'] or '-'}; FP {r['false_positives'] or '-'}",
                      flush=True)
            print(f"seed {seed:>5} store built in {row['build_seconds']} s ({row['ingest_failed']} files failed), "
                  f"replays {row['replay_seconds']} s; alerts per sweep (band) {row['alerts_per_sweep']}", flush=True)
    ok = all(r["band"]["recall"] is not None and r["band"]["recall"] >= 0.95 and (r["band"]["precision"] or 0) >= 0.90
             and (r["band"]["lead_days_median"] or 0) >= 60 for r in rows)
    print(f"quality bar (band rule: recall >= 0.95, precision >= 0.90, median lead >= 60 d) on every seed: "
          f"{'met' if ok else 'NOT met'}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(rows, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
