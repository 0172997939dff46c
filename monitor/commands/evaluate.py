"""``monitor evaluate``: replay the store and print how the detectors score against ground truth."""

from __future__ import annotations

import json
from typing import Any, Mapping

import click

from monitor.commands.context import pass_ctx
from monitor.errors import InputError
from monitor.evaluate import (FIRING_SEVERITY, HEALTHY_FIRING_MAX, REPLAY_LAG_DAYS, STEPS, evaluate, evaluate_city,
                              load_truth, severity_rule)


def _fmt(value: Any, pct: bool = False) -> str:
    if value is None:
        return "—"
    return f"{value:.2f}" if pct else str(value)


def print_report(report: Mapping[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="detector evaluation (warned = before collapse; lead from the pattern's start)")
    for col in ("detector", "positives", "TP", "FP", "precision", "recall", "F1", "lead median d", "lead min d",
                "lead median d, any warning"):
        table.add_column(col, justify="right" if col != "detector" else "left")
    rows = list(report["detectors"].items()) + [("overall", report["overall"])]
    for name, r in rows:
        table.add_row(name, str(r["positives"]), str(r["tp"]), str(r["fp"]), _fmt(r["precision"], True),
                      _fmt(r["recall"], True), _fmt(r["f1"], True), _fmt(r["lead_days_median"]),
                      _fmt(r["lead_days_min"]), _fmt(r["lead_days_median_any_warning"]))
    console = Console()
    console.print(table)
    if "as_crawled" in report:
        console.print(f"as crawled: at each replay date the city served as of that date was crawled "
                      f"{_fmt(report['as_crawled']['crawl_lead_hours'])} h before it (undated pages dated by "
                      f"that fetch) and the transfer files of the months ended by then ingested")
    else:
        console.print("assumes a perfect continuous crawler with correct publication dates (transfers T+1)")
    kinds = Table(title="recall per fraud kind")
    for col in ("fraud kind", "positives", "TP", "recall", "recall from pattern start", "lead median d",
                "lead median d, any warning"):
        kinds.add_column(col, justify="right" if col != "fraud kind" else "left")
    for kind, r in report.get("by_fraud_kind", {}).items():
        kinds.add_row(kind, str(r["positives"]), str(r["tp"]), _fmt(r["recall"], True),
                      _fmt(r["recall_from_pattern_start"], True), _fmt(r["lead_days_median"]),
                      _fmt(r["lead_days_median_any_warning"]))
    console.print(kinds)
    firing = Table(title=f"firing (>= {FIRING_SEVERITY}) on negatives; fails above "
                         f"{HEALTHY_FIRING_MAX:.0%} of healthy platforms")
    for col in ("finding kind", "healthy", "share", "look-alikes", "share"):
        firing.add_column(col, justify="right" if col != "finding kind" else "left")
    for kind, r in report.get("negatives_firing", {}).items():
        if r["healthy"] or r["lookalike"]:
            firing.add_row(kind, f"{r['healthy']}/{r['healthy_of']}", _fmt(r["healthy_rate"], True),
                           f"{r['lookalike']}/{r['lookalike_of']}", _fmt(r["lookalike_rate"], True))
    console.print(firing)
    failed = report.get("store", {}).get("ingest_failed")
    if failed:
        console.print(f"[yellow]warning: {len(failed)} transfer files failed to ingest, e.g. {failed[0]}[/]")
    o = report["overall"]
    if o["missed"]:
        console.print(f"missed: {', '.join(o['missed'])}")
    if o["false_positives"]:
        console.print(f"false positives: {', '.join(o['false_positives'])}")
    if o.get("warned_only_before_pattern_start"):
        console.print(f"warned only before the pattern started (no lead counted): "
                      f"{', '.join(o['warned_only_before_pattern_start'])}")
    for kind in report.get("failed", report.get("failed_detectors", ())):
        r = report["negatives_firing"][kind]
        console.print(f"[red]FAILED: {kind} fired on {r['healthy']} of {r['healthy_of']} healthy platforms "
                      f"({r['healthy_rate']:.0%} > {HEALTHY_FIRING_MAX:.0%})[/]")


def print_as_crawled(report: Mapping[str, Any]) -> None:
    """What each replay date's crawl missed, and the perfect crawler's figures beside (``--compare``)."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    for warning in report["as_crawled"]["warnings"]:
        console.print(f"[yellow]warning: {warning}[/]")
    perfect = report.get("perfect_crawler")
    if not perfect:
        return
    table = Table(title="as crawled vs. perfect crawler (same city, same rule)")
    for col in ("", "precision", "recall", "recall from pattern start", "lead median d", "lead min d",
                "failed (healthy firing)"):
        table.add_column(col, justify="right" if col else "left")
    for name, r in (("as crawled", report), ("perfect crawler", perfect)):
        o = r["overall"]
        table.add_row(name, _fmt(o["precision"], True), _fmt(o["recall"], True),
                      _fmt(o["recall_from_pattern_start"], True), _fmt(o["lead_days_median"]),
                      _fmt(o["lead_days_min"]), ", ".join(r.get("failed") or ()) or "—")
    console.print(table)
    kinds = Table(title="recall and lead median d per fraud kind: as crawled / perfect crawler")
    for col in ("fraud kind", "recall", "lead median d"):
        kinds.add_column(col, justify="right" if col != "fraud kind" else "left")
    for kind, r in report.get("by_fraud_kind", {}).items():
        p = perfect.get("by_fraud_kind", {}).get(kind, {})
        kinds.add_row(kind, f"{_fmt(r['recall'], True)} / {_fmt(p.get('recall'), True)}",
                      f"{_fmt(r['lead_days_median'])} / {_fmt(p.get('lead_days_median'))}")
    console.print(kinds)


@click.command("evaluate")
@click.option("--truth", "truth_path", type=click.Path(dir_okay=False), help="truth.json of a simulated city.")
@click.option("--city", "city", type=click.Path(file_okay=False), help="Simulated city folder: build a fresh "
              "temporary store from it (serve + crawl its web, ingest its transfers) and evaluate against its truth.")
@click.option("--no-crawl", is_flag=True, help="With --city: ingest transfers only (flow detectors only).")
@click.option("--step", type=click.Choice(STEPS), default="month", show_default=True,
              help="Replay step: each month end (+ --lag-days), every third one, weekly (every 7 days "
                   "plus the month ends: closer to the daily sweep, ~5x the replays) or daily (~30x).")
@click.option("--lag-days", type=int, default=REPLAY_LAG_DAYS, show_default=True,
              help="Days after each month end to replay at (1: the first day the month's flows are complete).")
@click.option("--min-severity", type=click.Choice(["low", "medium", "high", "critical"]), default="medium",
              show_default=True, help="Warn rule: a finding of at least this severity.")
@click.option("--rule", type=click.Choice(["band", "severity"]), default="band", show_default=True,
              help="Warn rule: the risk index in band orange/red (the monitor's headline rule), or any "
                   "detector finding of --min-severity (detectors only: issue 6's rule before scoring).")
@click.option("--rule-version", "rule_versions", type=int, multiple=True,
              help="With --rule band: rule set version(s) to compare side by side (default: the active one).")
@click.option("--as-crawled", is_flag=True, help="With --city: replay as a bureau would have crawled: at each "
              "replay date serve the city as of that date (later pages absent, downed sites failing), crawl "
              "it into one store, ingest the months ended by then, then judge (slower: one crawl per date).")
@click.option("--compare", is_flag=True, help="With --as-crawled: also run the default replay (perfect crawler) "
              "and print its figures beside.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_ctx
def evaluate_command(ctx, truth_path, city, no_crawl, step, lag_days, min_severity, rule, rule_versions,
                     as_crawled, compare, as_json) -> int:
    """Replay month by month and print precision, recall, F1 and lead time against ground truth.

    Exits 1 when a detector or an indicator fires on more than 20 % of the healthy platforms.
    """
    kwargs = dict(warn=severity_rule(min_severity), step=step, lag_days=lag_days,
                  rule=rule, rule_versions=list(rule_versions) or None)
    if (as_crawled or compare) and not city:
        raise InputError("--as-crawled and --compare need --city DIR")
    if compare and not as_crawled:
        raise InputError("--compare goes with --as-crawled (it prints the default replay beside it)")
    if as_crawled and no_crawl:
        raise InputError("--as-crawled crawls at every replay date: it cannot go with --no-crawl")
    if as_crawled:
        from monitor.replay_crawled import evaluate_city_as_crawled

        report = evaluate_city_as_crawled(city, compare=compare, **kwargs)
    elif city:
        report = evaluate_city(city, crawl=not no_crawl, **kwargs)
    elif truth_path:
        from monitor.db import require_schema

        require_schema(ctx.config)
        report = evaluate(ctx.config, load_truth(truth_path), **kwargs)
    else:
        raise InputError("evaluate needs --truth FILE (against the store) or --city DIR")
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    else:
        print_report(report)
        if "as_crawled" in report:
            print_as_crawled(report)
        for version, v in (report.get("versions") or {}).items():
            o = v["overall"]
            click.echo(f"rule v{version}: precision {_fmt(o['precision'], True)} recall {_fmt(o['recall'], True)} "
                       f"lead median {_fmt(o['lead_days_median'])} d from the pattern's start "
                       f"({_fmt(o['lead_days_median_any_warning'])} d from any warning); "
                       f"alerts per sweep {v['alerts_per_sweep']}")
    return 1 if report.get("failed") or report.get("failed_detectors") else 0
