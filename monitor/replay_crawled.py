"""Replay a simulated city as a bureau would have collected it (``monitor evaluate --city DIR --as-crawled``).

The default replay (:func:`monitor.evaluate.evaluate_city`) crawls the whole city once and cuts the store
at each replay date: a perfect continuous crawler with correct publication dates. Here, for each replay
date ``d`` in order, the store is first brought up to what a bureau would hold at ``d``:

* the city is served as of ``d`` (:func:`monitor.sim.serve.start_server`, ``as_of``): pages published
  after ``d`` answer 404 and a platform's pages answer 503 from its ``site_down`` day;
* the same store is crawled again, incrementally, as the scheduled sweep does: a page that failed is
  fetched again by a later crawl if the site still serves it, and lost if it never does;
* the transfer files a custody bank would have delivered by ``d`` are ingested: each platform-month's
  file once its month has ended before ``d`` (whole months; no running month);

then the detectors and indicators are run as of ``d`` exactly as in the default replay. The crawl's clock
is set to :data:`CRAWL_LEAD` before ``d`` (23:00 UTC the day before, 07:00 Beijing time on ``d``), so every
fetch time is that moment plus the crawl's real duration; an undated page is stored as available at its
fetch time (an undated report's figures at the earlier of the fetch time and the period's disclosure
deadline, :func:`crawlers.deadlines.estimated_available`) — what the crawler records on a live crawl.
Fetch times in the past also reach the ``site_down`` indicator, which the default replay (fetched today,
after every replay date) never feeds.

:func:`collect_step` holds the order of things on plain callbacks; :func:`evaluate_city_as_crawled`
wires it to the simulated city, the crawler and the ingest.
"""

from __future__ import annotations

import calendar
import re
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Callable

from monitor.evaluate import (REPLAY_LAG_DAYS, WarnRule, _band_replays, evaluate_city, load_truth, replay, replay_dates,
                              score, severity_rule)

CRAWL_LEAD = timedelta(hours=1)  # the crawl before a replay date starts this long before it (before the sweep)

_MONTH_FILE = re.compile(r"^(\d{4})-(\d{2})$")


def transfer_files_due(transfers_dir: str | Path, as_of: datetime) -> list[Path]:
    """The platform-month files (``<uscc>/<YYYY-MM>.csv``) whose month ended before ``as_of``'s day."""
    out = []
    for path in sorted(Path(transfers_dir).glob("*/*.csv")):
        m = _MONTH_FILE.match(path.stem)
        if not m:
            continue
        y, mo = int(m.group(1)), int(m.group(2))
        if date(y, mo, calendar.monthrange(y, mo)[1]) < as_of.date():
            out.append(path)
    return out


def collect_step(as_of: datetime, *, crawl: Callable[[datetime], dict], ingest: Callable[[datetime], dict]) -> dict:
    """What a bureau collects up to ``as_of``: ``crawl(as_of)``, then ``ingest(as_of)``; their records by date.

    Called for each replay date in order, on one store: a crawl at a later date picks up what an
    earlier one missed, if the site still serves it.
    """
    return {"date": as_of.date().isoformat(), "crawl": crawl(as_of), "ingest": ingest(as_of)}


def _crawl_record(summary: dict) -> dict:
    from crawlers.run import crawl_failures

    totals = summary.get("totals") or {}
    return {"pages": int(totals.get("pages") or 0), "errors": int(totals.get("errors") or 0),
            "lost_pages": len(summary.get("lost_pages") or []),
            "sources_stopped": sum(1 for s in summary.get("sources") or [] if s.get("stopped")),
            "warning": crawl_failures(summary)}


class _CityCollector:
    """Serve the city as of each date on one port, crawl it into ``config``'s store, ingest the files due."""

    def __init__(self, config, city: Path):
        self.config, self.city = config, city
        self.port = 0  # the same port for every crawl: documents are keyed by absolute URL
        self.ingested: set[Path] = set()

    def crawl(self, as_of: datetime) -> dict:
        from crawlers.run import crawl as run_crawl
        from monitor.sim.serve import start_server

        server = start_server(self.city / "www", port=self.port, as_of=as_of.date())
        self.port = server.port
        try:
            summary = run_crawl(self.config, sources_csv=self.city / "sources.csv", base_url=server.base_url,
                                fast=True, clock=as_of - CRAWL_LEAD)
        finally:
            server.stop()
        record = _crawl_record(summary)
        record["seconds"] = round(float(summary.get("seconds") or 0.0), 1)
        if summary.get("seconds") and summary["seconds"] >= CRAWL_LEAD.total_seconds():
            # fetch times would pass the replay date: the sweep at that date would not see the late pages
            record["warning"] = ((record["warning"] + "; ") if record["warning"] else "") + \
                f"the crawl took {summary['seconds']:.0f} s, longer than its lead before the replay date"
        return record

    def ingest(self, as_of: datetime) -> dict:
        from monitor.ingest import ingest_paths

        due = [p for p in transfer_files_due(self.city / "transfers", as_of) if p not in self.ingested]
        results = ingest_paths(self.config, due) if due else []
        self.ingested.update(due)
        failed = [f"{r.path}: {r.error}" for r in results if r.status == "failed"]
        return {"files": len(results) - len(failed), "failed": failed}


def evaluate_city_as_crawled(city: str | Path, *, warn: WarnRule | None = None, step: int | str = "month",
                             lag_days: int = REPLAY_LAG_DAYS, params=None, detectors=None, rule: str = "severity",
                             rule_versions: list[int] | None = None, compare: bool = False,
                             workdir: str | Path | None = None) -> dict[str, Any]:
    """Replay ``city`` as a bureau would have crawled it (module docstring) and score it against its truth.

    The report has the shape of :func:`monitor.evaluate.evaluate` plus ``as_crawled`` (what each date's
    crawl and ingest did, with their warnings) and, with ``compare``, ``perfect_crawler``: the default
    replay's report of the same city and options, for the cost of real crawling.
    """
    from crawlers.run import load_sources, read_sources_csv
    from monitor.config import load_config
    from monitor.db import dispose_engines, init_db

    city = Path(city)
    truth = load_truth(city / "truth.json")
    dates = replay_dates(truth["start"], int(truth["months"]), lag_days, step)
    with tempfile.TemporaryDirectory(prefix="monitor-eval-crawled-", dir=workdir) as tmp:
        config = load_config(env={"MONITOR_INSTANCE_DIR": tmp})
        try:
            init_db(config)
            # The bureau's list of platforms and sources from the start: every replay scores all of them.
            load_sources(config, read_sources_csv(city / "sources.csv"))
            collector = _CityCollector(config, city)
            records: list[dict] = []

            def collect(as_of: datetime) -> None:
                # The replays call back once per date, in order, before judging it.
                if records and as_of.date().isoformat() <= records[-1]["date"]:
                    raise ValueError(f"as-crawled replay dates must increase: {as_of} after {records[-1]['date']}")
                records.append(collect_step(as_of, crawl=collector.crawl, ingest=collector.ingest))

            if rule == "band":
                from monitor.scoring import replay_findings

                def findings_at(as_of: datetime) -> list:
                    collect(as_of)
                    return replay_findings(config)(as_of)  # as the default band replay reads the store

                reports = {}
                for version, r in _band_replays(config, dates, rule_versions, findings_at).items():
                    reports[version] = score(truth, r)
                    reports[version].update(rule=f"band v{version}", alerts_per_sweep=r.alerts_per_sweep)
                report = next(iter(reports.values()))
                report["versions"] = {v: {"overall": rep["overall"], "alerts_per_sweep": rep["alerts_per_sweep"]}
                                      for v, rep in reports.items()}
            else:
                report = score(truth, replay(_CollectingCity(config, collect), dates,
                                             warn or severity_rule("medium"), params, detectors))
        finally:
            dispose_engines()
    report["crawled"] = True
    report["as_crawled"] = {"dates": records, "crawl_lead_hours": CRAWL_LEAD.total_seconds() / 3600,
                            "warnings": [f"{r['date']}: {w}" for r in records
                                         for w in [r["crawl"]["warning"], *r["ingest"]["failed"]] if w]}
    if compare:
        report["perfect_crawler"] = evaluate_city(city, warn=warn, step=step, lag_days=lag_days, params=params,
                                                  detectors=detectors, rule=rule, rule_versions=rule_versions,
                                                  workdir=workdir)
    return report


class _CollectingCity:
    """For :func:`monitor.evaluate.replay`: collect up to each date, then cut the store's data at it."""

    def __init__(self, config, collect: Callable[[datetime], None]):
        self.config, self.collect = config, collect

    def partitions(self, as_of: datetime):
        from graphs.loading import load_city

        self.collect(as_of)
        return load_city(self.config).partitions(as_of)
