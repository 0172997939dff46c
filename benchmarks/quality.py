"""Detection quality on simulated cities of several seeds: precision, recall and lead time per rule.

    .venv/bin/python benchmarks/quality.py [--seeds 5101,5202,5303] [--platforms 30] [--months 18] [--lag-days 1]
        [--step month|week|day] [--json FILE]

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

Lead time counts from the first warning on or after the start of the
fraudulent pattern (truth's ``pattern_start``); the figure from any warning is
printed beside it, labelled. Per finding kind, the share of healthy platforms
and look-alikes it fired on (>= medium); a detector or indicator above 20 % of
the healthy platforms fails and is named. The replay assumes a perfect
continuous crawler with correct publication dates.

Tuning seeds (``TUNING_SEEDS``): every seed ever used to choose a parameter,
threshold, rule or replay date, or looked at while doing so. Their figures are
printed marked "tuning" and left out of the bar; quote held-out figures only
from seeds outside this set, chosen before looking.
Quality bar on held-out seeds: recall >= 0.95, precision >= 0.90, median lead
from the pattern's start >= 90 days, no detector or indicator firing (>= medium) on more than 20 %
of the healthy platforms.
Takes about 4-6 minutes per 30-platform seed on 2 loaded cores.
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

from monitor.evaluate import HEALTHY_FIRING_MAX, REPLAY_LAG_DAYS, STEPS  # noqa: E402  (after the path insert)

# Seeds used for tuning or looked at while choosing (docs/scoring.md, benchmarks/RESULTS.md, tests): never
# quote them as held out. 11 is the tests' small city; 1009 a test's end-to-end check; 7001, 7102 and 7203
# were looked at while choosing the indicators' overdue breadth, 7506 for capital_flight's held payouts.
TUNING_SEEDS = frozenset({7, 11, 23, 41, 101, 202, 303, 404, 505, 606, 707, 808, 909, 1009, 1111, 1212, 1313,
                          1414, 1515, 1616, 1717, 1818, 2612, 3907, 7001, 7102, 7203, 7506})
# Chosen before any change to the detectors they measure and never tuned on.
HELD_OUT_SEEDS = (5101, 5202, 5303, 5404, 5505, 5606, 5707, 5808, 5909, 6010)
BAR = {"recall": 0.95, "precision": 0.90, "lead_days_median": 90}


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
            "alerts_per_sweep": band.get("alerts_per_sweep"), "tuning": seed in TUNING_SEEDS,
            # firing on negatives from the band replay: detectors and indicators, as the sweep runs them
            "by_fraud_kind": band.get("by_fraud_kind"), "negatives_firing": band.get("negatives_firing"),
            "failed": band.get("failed"), "failed_detectors": band.get("failed_detectors"),
            "failed_indicators": band.get("failed_indicators")}


def _summary(report: dict) -> dict:
    o = report["overall"]
    return {k: o.get(k) for k in ("precision", "recall", "recall_from_pattern_start", "tp", "fp", "positives",
                                  "lead_days_median", "lead_days_min", "lead_days_median_any_warning",
                                  "lead_days_min_any_warning", "missed", "false_positives",
                                  "warned_only_before_pattern_start")}


def meets_bar(row: dict) -> bool:
    r = row["band"]
    return (r["recall"] is not None and r["recall"] >= BAR["recall"] and (r["precision"] or 0) >= BAR["precision"]
            and (r["lead_days_median"] or 0) >= BAR["lead_days_median"] and not row["failed"])


def _fmt(x) -> str:
    return "—" if x is None else (f"{x:.2f}" if isinstance(x, float) and x <= 1 else str(x))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default=",".join(map(str, HELD_OUT_SEEDS[:3])),
                    help="comma-separated seeds (default: held-out seeds, never used for tuning)")
    ap.add_argument("--platforms", type=int, default=30)
    ap.add_argument("--months", type=int, default=18)
    ap.add_argument("--lag-days", type=int, default=REPLAY_LAG_DAYS,
                    help="replay at each month end + this many days (default: monitor evaluate's)")
    ap.add_argument("--step", choices=STEPS, default="month",
                    help="replay step (week: every 7 days plus the month ends; day: every day)")
    ap.add_argument("--json", dest="json_out", default=None, help="also write the results as JSON")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    rows = []
    with tempfile.TemporaryDirectory(prefix="monitor-quality-") as tmp:
        for seed in seeds:
            row = evaluate_seed(seed, args.platforms, args.months, Path(tmp), args.lag_days, args.step)
            rows.append(row)
            mark = "tuning" if row["tuning"] else "held out"
            for rule in ("band", "severity"):
                r = row[rule]
                print(f"seed {seed:>5} ({mark}) {rule:<8} precision {_fmt(r['precision'])} recall {_fmt(r['recall'])} "
                      f"({r['tp']}/{r['positives']}, FP {r['fp']}) lead median {_fmt(r['lead_days_median'])} d "
                      f"min {_fmt(r['lead_days_min'])} d from the pattern's start (from any warning: median "
                      f"{_fmt(r['lead_days_median_any_warning'])} d min {_fmt(r['lead_days_min_any_warning'])} d); "
                      f"warned only before the pattern {r['warned_only_before_pattern_start'] or '-'}; "
                      f"missed {r['missed'] or '-'}; FP {r['false_positives'] or '-'}", flush=True)
            kinds = ", ".join(f"{k} {v['tp']}/{v['positives']} ({_fmt(v['lead_days_median'])} d)"
                              for k, v in (row["by_fraud_kind"] or {}).items())
            print(f"seed {seed:>5} band recall per fraud kind: {kinds}", flush=True)
            firing = ", ".join(f"{k} {v['healthy']}/{v['healthy_of']} healthy {v['lookalike']}/{v['lookalike_of']} "
                               f"look-alikes" for k, v in (row["negatives_firing"] or {}).items()
                               if v["healthy"] or v["lookalike"])
            print(f"seed {seed:>5} firing >= medium on negatives: {firing or 'none'}"
                  + (f"; FAILED (> {HEALTHY_FIRING_MAX:.0%} of healthy): {', '.join(row['failed'])}"
                     if row["failed"] else ""), flush=True)
            print(f"seed {seed:>5} store built in {row['build_seconds']} s ({row['ingest_failed']} files failed), "
                  f"replays {row['replay_seconds']} s; alerts per sweep (band) {row['alerts_per_sweep']}", flush=True)
    held = [r for r in rows if not r["tuning"]]
    ok = bool(held) and all(meets_bar(r) for r in held)
    print(f"quality bar (band rule: recall >= {BAR['recall']}, precision >= {BAR['precision']}, median lead from the "
          f"pattern's start >= {BAR['lead_days_median']} d, no detector or indicator firing on > "
          f"{HEALTHY_FIRING_MAX:.0%} of healthy platforms) on every held-out seed ({len(held)} of {len(rows)}): {'met' if ok else 'NOT met'}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(rows, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
