"""``monitor crawl``: crawl the known sources, show progress, print a summary per source."""

from __future__ import annotations

import json
import sys

import click

from monitor.commands.context import pass_ctx

KINDS = ("disclosure", "registry", "court", "complaints", "news")


def _render_table(summary: dict):
    from rich.table import Table

    table = Table(title=f"crawl: {summary.get('seconds', 0):.1f} s")
    for col in ("source", "kind", "institution", "pages", "unchanged", "facts", "relations", "events", "errors",
                "unreadable", "s"):
        table.add_column(col, justify="right" if col not in ("source", "kind", "institution") else "left",
                         overflow="fold")
    for s in summary.get("sources", []):
        table.add_row(s["url"], s["kind"], s.get("institution") or "", *(str(s[k]) for k in (
            "pages", "unchanged", "facts", "relations", "events", "errors", "unreadable")), f"{s['seconds']:.1f}")
    return table


@click.command("crawl")
@click.option("--sources", "sources_csv", type=click.Path(dir_okay=False),
              help="sources.csv (institution_name,uscc,kind,url): sources the store lacks are added.")
@click.option("--base-url", help="Root URL that relative source URLs are resolved against.")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(KINDS), help="Only these source kinds.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--fast", is_flag=True, help="No politeness delays (for localhost and tests).")
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE",
              help="Override a crawl setting or bound, e.g. --set crawl_delay=0 --set max_depth=3.")
@pass_ctx
def crawl(ctx, sources_csv, base_url, kinds, as_json, fast, sets):
    """Crawl disclosures, registry, court, complaints and news; keep every page as evidence."""
    from monitor.errors import InputError

    from crawlers.run import crawl as run_crawl

    overrides = {}
    for item in sets:
        if "=" not in item:
            raise InputError(f"--set {item!r}: expected NAME=VALUE")
        name, value = item.split("=", 1)
        overrides[name.strip()] = value.strip()
    live = sys.stderr.isatty() and not as_json
    on_progress = None
    status = None
    if live:
        from rich.console import Console

        console = Console(stderr=True)
        status = console.status("crawling…")
        status.start()

        def on_progress(p):
            t = p["progress"]
            status.update(f"crawling… {t['pages']} pages ({t['unchanged']} unchanged), {t['facts']} facts, "
                          f"{t['relations']} relations, {t['events']} events, {t['errors']} errors, "
                          f"{t['unreadable']} unreadable — {p['seconds']:.0f} s")
    try:
        summary = run_crawl(ctx.config, sources_csv=sources_csv, base_url=base_url, kinds=list(kinds) or None,
                            overrides=overrides, fast=fast, on_progress=on_progress)
    finally:
        if status is not None:
            status.stop()
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
        _exit_on_failures(summary)
        return
    from rich.console import Console

    console = Console()
    if not summary.get("sources"):
        console.print(summary.get("note", "nothing crawled"))
        return
    console.print(_render_table(summary))
    t = summary["totals"]
    console.print(f"{t['pages']} pages ({t['unchanged']} unchanged), {t['facts']} facts, {t['companies']} companies, "
                  f"{t['relations']} relations, {t['events']} events, {t['errors']} errors, "
                  f"{t['unreadable']} unreadable")
    for s in summary["sources"]:
        for u in s["unreadable_detail"]:
            console.print(f"[yellow]unreadable[/] {u['institution'] or ''} {u['url']}: {u['reason']}")
        for e in s["errors_detail"]:
            console.print(f"[red]error[/] {e['url']}: {e['reason']}")
        if s.get("stopped"):
            console.print(f"[red]stopped[/] {s['url']}: {s['stopped']}")
    _exit_on_failures(summary)


def _exit_on_failures(summary: dict) -> None:
    """Exit 1 when pages failed or sources were stopped (the summary is printed first)."""
    from crawlers.run import crawl_failures

    failures = crawl_failures(summary)
    if failures:
        click.echo(f"error: crawl: {failures}", err=True)
        raise click.exceptions.Exit(1)
