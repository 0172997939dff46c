"""Evaluation: replay the store month by month, score the detectors against ground truth.

For each replay date (each month end + ``lag_days``, default 1: the first
day all of a month's custody flows are in, since banks report them the day
after, T+1; the daily 02:00 sweep is the first to see the month whole; with
``--step week`` also every 7 days in between, as the daily sweep sees months
that are not over) the
detectors see only what was available by then (:meth:`graphs.loading.CityData.partitions`). A
platform is *warned* on the first replay date at which it passes the warn
rule: its risk index is orange or red (``rule="band"``, the command's
default and the monitor's headline figure), or a detector finding reaches a
severity (``warn=severity_rule("medium")``, :func:`evaluate`'s default:
detectors only, for stores without crawled data).

Scoring
-------
* Positives are the truth's fraudulent platforms; look-alikes and healthy
  platforms are negatives.
* A positive counts as found (true positive) when first warned **before** its
  collapse date; warned only after it, it is a miss.
* A negative warned at any replay date is a false positive.
* Precision = TP / (TP + FP); recall = TP / positives.
* Lead time (``lead_days_median``/``lead_days_min``) counts from the first
  warning **on or after the start of the fraudulent pattern** (truth's
  ``pattern_start``) to the collapse: a warning before the fraud began was
  luck, not detection. ``recall_from_pattern_start`` counts only frauds
  warned in that span. The figure from any warning is beside it, labelled
  ``lead_days_median_any_warning``/``lead_days_min_any_warning``.
* ``by_fraud_kind``: recall and honest lead per fraud kind.
* ``negatives_firing``: per finding kind (detectors and indicators), the share
  of healthy platforms and of look-alikes it fired on (severity >= medium) at
  any replay date. A detector or indicator firing on more than
  ``HEALTHY_FIRING_MAX`` (20 %) of the healthy platforms fails the evaluation
  (``failed``, split into ``failed_detectors`` and ``failed_indicators``; the
  command exits 1): a weak signal that fires on healthy platforms points the
  inspectors at the wrong firms even when the per-source cap keeps it below
  orange. ``noisy_indicators`` is ``failed_indicators`` under its older name.
* Per detector: its positives are the frauds whose truth lists its pattern
  (``borrower_cap`` and others included); a detector's warning on any
  fraud before collapse is correct for its precision, on a negative it is a
  false positive.

Replays assume a perfect continuous crawler with correct publication dates:
a disclosure is visible from its stated publication date, every transfer the
day after it was made (T+1). :mod:`monitor.replay_crawled` replays a simulated
city as a bureau would have crawled it instead.

Only this module (and tests/benchmarks) reads ``truth.json``; detectors never do.
"""

from __future__ import annotations

import calendar
import json
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from statistics import median
from typing import Any, Callable, Iterable, Mapping

from monitor.errors import InputError
from monitor.findings import FindingResult

WarnRule = Callable[[FindingResult], bool]


HEALTHY_FIRING_MAX = 0.2  # a detector or indicator firing on more healthy platforms than this fails the evaluation
FIRING_SEVERITY = "medium"  # what counts as firing on a negative


def severity_rule(minimum: str = "medium") -> WarnRule:
    """Warn on any finding of at least ``minimum`` severity."""
    return lambda f: f.at_least(minimum)


def load_truth(path: str | Path) -> dict:
    path = Path(path)
    try:
        truth = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such truth file") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: line {exc.lineno} column {exc.colno}: invalid JSON ({exc.msg})") from None
    if not isinstance(truth, dict) or "institutions" not in truth or "start" not in truth:
        raise InputError(f"{path}: not a truth file (needs 'start' and 'institutions')")
    return truth


REPLAY_LAG_DAYS = 1  # a month's last transfers become available the next day (docs/architecture.md, "Availability")


STEPS = ("month", "quarter", "week", "day")
# Replays at steps day, week and month agree within this: the same false positives and the same frauds
# found, each first warned no later at a finer step and at most this many days earlier, per step (a finer
# step sees the running month: capital_flight's month to date, and a month's flows a few days sooner; a
# daily sweep can catch a month-to-date spike that is gone by the month end, as on seed 5303: 50 days).
STEP_TOLERANCE_DAYS = {"week": 31, "day": 62}


def replay_dates(start: str, months: int, lag_days: int = REPLAY_LAG_DAYS, step: int | str = 1) -> list[datetime]:
    """Replay dates (aware UTC, 00:00) over ``months`` months from the first month of ``start``.

    ``step`` in months (an int, or ``"month"``/``"quarter"``): each month end + ``lag_days``.
    ``"week"``: every 7 days from the first of those dates, plus all of them — a
    finer sample of the daily sweep, which also sees months that are not over
    (the monthly dates are kept so that a weekly replay sees everything a
    monthly one does). ``"day"``: every day over the same span, as the daily sweep.

    Examples
    --------
    >>> [d.date().isoformat() for d in replay_dates("2017-11", 2)]
    ['2017-12-01', '2018-01-01']
    >>> [d.date().isoformat() for d in replay_dates("2017-11", 2, step="week")]
    ['2017-12-01', '2017-12-08', '2017-12-15', '2017-12-22', '2017-12-29', '2018-01-01']
    """
    if step in ("week", "day"):
        monthly = replay_dates(start, months, lag_days)
        every = 7 if step == "week" else 1
        finer = [monthly[0] + timedelta(days=every * k) for k in range((monthly[-1] - monthly[0]).days // every + 1)]
        return sorted(set(finer) | set(monthly))
    every = {"month": 1, "quarter": 3}.get(step, step) if isinstance(step, str) else step
    if not isinstance(every, int) or every < 1:
        raise ValueError(f"replay step must be one of {STEPS} or a number of months, not {step!r}")
    y, m = int(start[:4]), int(start[5:7])
    out = []
    for i in range(0, months, every):
        yy, mm = y + (m - 1 + i) // 12, (m - 1 + i) % 12 + 1
        end = date(yy, mm, calendar.monthrange(yy, mm)[1])
        out.append(datetime(end.year, end.month, end.day, tzinfo=timezone.utc) + timedelta(days=lag_days))
    return out


@dataclass
class Replay:
    """First warning date per (detector, institution) and overall per institution."""

    first_by_detector: dict[str, dict[str, date]]
    first: dict[str, date]
    dates: list[datetime]
    warned_on: dict[str, list[date]] | None = None  # every date each institution was warned, in order
    fired: dict[str, set[str]] = field(default_factory=dict)  # finding kind → institutions (>= FIRING_SEVERITY)


def replay(data, dates: Iterable[datetime], warn: WarnRule, params=None, detectors=None) -> Replay:
    """Run the detectors at every date on preloaded :class:`graphs.loading.CityData`."""
    from graphs.detectors import DETECTORS
    from graphs.run import detect_partition

    detectors = tuple(detectors or DETECTORS)
    by_det: dict[str, dict[str, date]] = {}
    first: dict[str, date] = {}
    warned_on: dict[str, list[date]] = {}
    fired: dict[str, set[str]] = {}
    dates = list(dates)
    for as_of in dates:
        for inputs in data.partitions(as_of):
            for f in detect_partition(inputs, params, as_of, detectors):
                if not f.institution_uscc:
                    continue
                if f.at_least(FIRING_SEVERITY):
                    fired.setdefault(f.detector, set()).add(f.institution_uscc)
                if not warn(f):
                    continue
                d = as_of.date()
                by_det.setdefault(f.detector, {}).setdefault(f.institution_uscc, d)
                first.setdefault(f.institution_uscc, d)
                days = warned_on.setdefault(f.institution_uscc, [])
                if not days or days[-1] != d:
                    days.append(d)
    return Replay(by_det, first, dates, warned_on, fired)


def pattern_start(inst: Mapping[str, Any]) -> date | None:
    """When the fraudulent pattern of a truth institution starts: ``pattern_start``, else its patterns' earliest
    start (guarantee circles left out: they start at launch), else ``None``."""
    if inst.get("pattern_start"):
        return date.fromisoformat(inst["pattern_start"])
    starts = [p["start"] for p in inst.get("patterns", []) if p.get("start") and p.get("kind") != "guarantee_circle"]
    return date.fromisoformat(min(starts)) if starts else None


def _rates(tp: int, fp: int, positives: int) -> dict[str, Any]:
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / positives if positives else None
    f1 = (2 * precision * recall / (precision + recall)
          if precision is not None and recall is not None and precision + recall else None)
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "positives": positives}


def score(truth: Mapping[str, Any], result: Replay) -> dict[str, Any]:
    """Precision, recall, F1 and lead times overall and per detector (see module docstring)."""
    insts = {i["uscc"]: i for i in truth["institutions"]}
    frauds = {u for u, i in insts.items() if i.get("label") == "fraud"}
    collapse = {u: date.fromisoformat(insts[u]["collapse_date"]) if insts[u].get("collapse_date") else None
                for u in frauds}

    started = {u: pattern_start(insts[u]) for u in frauds}

    def in_time(uscc: str, when: date) -> bool:
        return collapse[uscc] is None or when < collapse[uscc]

    def honest_first(uscc: str, first: Mapping[str, date], warned_on) -> date | None:
        """The first warning on or after the pattern's start and before collapse (None: none known)."""
        start = started[uscc]
        if start is None:
            return first.get(uscc)
        if uscc in first and first[uscc] >= start:
            return first[uscc]
        return next((d for d in (warned_on or {}).get(uscc, ()) if d >= start), None)

    def summary(first: Mapping[str, date], positives: set[str], warned_on=None) -> dict[str, Any]:
        tp = sorted(u for u in positives if u in first and in_time(u, first[u]))
        correct = [u for u in first if u in frauds and in_time(u, first[u])]
        fp = sorted(u for u in first if u in insts and u not in frauds)
        out = _rates(len(correct), len(fp), len(positives))
        out["recall"] = len(tp) / len(positives) if positives else None
        p, r = out["precision"], out["recall"]
        out["f1"] = 2 * p * r / (p + r) if p is not None and r is not None and p + r else None
        out["tp"] = len(tp)
        leads = [(collapse[u] - first[u]).days for u in tp if collapse[u] is not None]
        honest = {u: honest_first(u, first, warned_on) for u in tp}
        honest = {u: d for u, d in honest.items() if d is not None and in_time(u, d)}
        fair = [(collapse[u] - d).days for u, d in honest.items() if collapse[u] is not None]
        out["recall_from_pattern_start"] = len(honest) / len(positives) if positives else None
        out["lead_days_median"] = median(fair) if fair else None
        out["lead_days_min"] = min(fair) if fair else None
        out["lead_days_median_any_warning"] = median(leads) if leads else None
        out["lead_days_min_any_warning"] = min(leads) if leads else None
        out["warned_only_before_pattern_start"] = sorted(set(tp) - set(honest))
        out["missed"] = sorted(positives - set(tp))
        out["false_positives"] = fp
        return out

    report: dict[str, Any] = {"overall": summary(result.first, frauds, result.warned_on), "detectors": {},
                              "institutions": len(insts), "frauds": len(frauds),
                              "replay": [d.date().isoformat() for d in (result.dates[0], result.dates[-1])]
                              if result.dates else []}
    from graphs.detectors import DETECTORS

    for det in DETECTORS:
        positives = {u for u in frauds if any(p.get("kind") == det for p in insts[u].get("patterns", []))}
        report["detectors"][det] = summary(result.first_by_detector.get(det, {}), positives)
    kinds = sorted({insts[u].get("fraud_kind") or "unknown" for u in frauds})
    report["by_fraud_kind"] = {}
    for kind in kinds:
        positives = {u for u in frauds if (insts[u].get("fraud_kind") or "unknown") == kind}
        s = summary(result.first, positives, result.warned_on)
        report["by_fraud_kind"][kind] = {k: s[k] for k in ("positives", "tp", "recall", "recall_from_pattern_start",
                                                           "lead_days_median", "lead_days_median_any_warning",
                                                           "missed")}
    report["negatives_firing"] = negatives_firing(insts, result.fired)
    report["failed"] = sorted(k for k, r in report["negatives_firing"].items()
                              if (r["healthy_rate"] or 0) > HEALTHY_FIRING_MAX)
    report["failed_detectors"] = [k for k in report["failed"] if k in DETECTORS]
    report["failed_indicators"] = [k for k in report["failed"] if k not in DETECTORS]
    report["noisy_indicators"] = report["failed_indicators"]
    report["per_institution"] = {
        u: {"label": i.get("label"), "fraud_kind": i.get("fraud_kind"), "lookalike_of": i.get("lookalike_of"),
            "collapse_date": i.get("collapse_date"),
            "first_warning": result.first[u].isoformat() if u in result.first else None,
            "detectors": sorted(d for d, firsts in result.first_by_detector.items() if u in firsts)}
        for u, i in sorted(insts.items())}
    return report


def negatives_firing(insts: Mapping[str, Mapping[str, Any]], fired: Mapping[str, set[str]]) -> dict[str, dict]:
    """Per finding kind: how many healthy platforms and look-alikes it fired on, and the shares."""
    healthy = {u for u, i in insts.items() if i.get("label") == "healthy"}
    lookalike = {u for u, i in insts.items() if i.get("label") == "lookalike"}
    from graphs.detectors import DETECTORS

    out = {}
    for kind in sorted(set(DETECTORS) | set(fired)):
        on = fired.get(kind, set())
        h, k = sorted(on & healthy), sorted(on & lookalike)
        out[kind] = {"healthy": len(h), "healthy_of": len(healthy),
                     "healthy_rate": len(h) / len(healthy) if healthy else None,
                     "lookalike": len(k), "lookalike_of": len(lookalike),
                     "lookalike_rate": len(k) / len(lookalike) if lookalike else None,
                     "healthy_platforms": h}
    return out


def _band_replays(config, dates: list[datetime], versions: list[int] | None,
                  inner: Callable[[datetime], list] | None = None) -> dict[int, Replay]:
    """:func:`monitor.scoring.backtest` read as :class:`Replay` per rule version: first warnings, every
    warned date (for the lead from the pattern's start) and which finding kinds fired on whom.
    ``inner(as_of)``: the findings at each date, called once per date in order (default: the store read once,
    :func:`monitor.scoring.replay_findings`)."""
    from monitor.scoring import backtest, replay_findings, warned

    fired: dict[str, set[str]] = {}
    inner = inner or replay_findings(config)

    def findings_at(as_of):
        found = inner(as_of)
        for f in found:
            if f.institution_uscc and f.at_least(FIRING_SEVERITY):
                fired.setdefault(f.detector, set()).add(f.institution_uscc)
        return found

    day = lambda iso: datetime.fromisoformat(iso).date()  # noqa: E731
    out = {}
    for version, r in backtest(config, dates, versions, findings_at)["versions"].items():
        warned_on = {u: [day(d) for d, _, band in rows if warned(band)] for u, rows in r["scores"].items()}
        out[version] = Replay({k: {u: day(d) for u, d in firsts.items()}
                               for k, firsts in r["first_warned_by_kind"].items()},
                              {u: day(d) for u, d in r["first_warned"].items()}, dates,
                              {u: ds for u, ds in warned_on.items() if ds}, fired)
        out[version].alerts_per_sweep = r["alerts_per_sweep"]
    return out


def evaluate(config, truth: Mapping[str, Any], *, warn: WarnRule | None = None, step: int | str = "month",
             lag_days: int = REPLAY_LAG_DAYS, params=None, detectors=None, rule: str = "severity",
             rule_versions: list[int] | None = None) -> dict[str, Any]:
    """Replay the store against ``truth`` and return the report (see :func:`score`).

    ``step``: the replay dates' step (see :func:`replay_dates`).
    ``rule="band"``: warned = first replay date at which the risk index is orange or red
    (:func:`monitor.scoring.band_replay`, detectors and indicators scored with each rule version in
    ``rule_versions``, default the active one); the report adds ``alerts_per_sweep`` and, for
    several versions, ``versions`` side by side.
    """
    from graphs.loading import load_city

    dates = replay_dates(truth["start"], int(truth["months"]), lag_days, step)
    if rule == "band":
        reports = {}
        for version, r in _band_replays(config, dates, rule_versions).items():
            reports[version] = score(truth, r)
            reports[version].update(rule=f"band v{version}", alerts_per_sweep=r.alerts_per_sweep)
        report = next(iter(reports.values()))
        report["versions"] = {v: {"overall": rep["overall"], "alerts_per_sweep": rep["alerts_per_sweep"]}
                              for v, rep in reports.items()}
        return report
    data = load_city(config)
    result = replay(data, dates, warn or severity_rule("medium"), params, detectors)
    return score(truth, result)


def build_store_from_city(config, city: Path, crawl: bool = True) -> dict[str, Any]:
    """Fill an empty store from a simulated city: serve and crawl its web, ingest its transfers."""
    from monitor.db import init_db
    from monitor.ingest import ingest_paths

    init_db(config)
    summary: dict[str, Any] = {}
    if crawl:
        from crawlers.run import crawl as run_crawl
        from monitor.sim.serve import start_server

        server = start_server(city / "www", port=0)
        try:
            summary["crawl"] = run_crawl(config, sources_csv=city / "sources.csv", base_url=server.base_url,
                                         fast=True)
        finally:
            server.stop()
    results = ingest_paths(config, [city / "transfers"])
    failed = [r for r in results if r.status == "failed"]
    summary["ingested_files"] = len(results) - len(failed)
    # Reported, not fatal: the evaluation then runs on less data and says so.
    summary["ingest_failed"] = [f"{r.path}: {r.error}" for r in failed]
    return summary


def evaluate_city(city: str | Path, *, crawl: bool = True, workdir: str | Path | None = None, **kwargs) -> dict:
    """End to end: a fresh temporary store from ``city`` (see :func:`build_store_from_city`), then evaluate."""
    from monitor.config import load_config
    from monitor.db import dispose_engines

    city = Path(city)
    truth = load_truth(city / "truth.json")
    with tempfile.TemporaryDirectory(prefix="monitor-eval-", dir=workdir) as tmp:
        config = load_config(env={"MONITOR_INSTANCE_DIR": tmp})
        try:
            built = build_store_from_city(config, city, crawl=crawl)
            report = evaluate(config, truth, **kwargs)
        finally:
            dispose_engines()
    report["crawled"] = crawl
    report["store"] = built
    return report
