"""``monitor coverage``: which disclosure items the crawl found, per institution and period."""

from __future__ import annotations

import json

import click

from monitor.commands.context import pass_ctx


@click.command("coverage")
@click.option("--institution", "institutions", multiple=True, metavar="ID|USCC",
              help="Only this institution (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--alert", "raise_alerts", is_flag=True,
              help="Raise a coverage_drop alert for each platform whose latest period covers fewer items.")
@pass_ctx
def coverage_command(ctx, institutions, as_json, raise_alerts) -> None:
    """Per institution and period: items found (and the page), items missing, suspect values, labels not
    understood, pages unreadable; platforms whose coverage dropped against their previous period."""
    from monitor.coverage import coverage, format_text, raise_coverage_alerts
    from monitor.db import require_schema, session_scope
    from monitor.jurisdictions import find_institution
    from monitor.models import utcnow

    require_schema(ctx.config)
    with session_scope(ctx.config) as session:
        ids = [find_institution(session, key).id for key in institutions] if institutions else None
        reports = coverage(session, ids)
        created = raise_coverage_alerts(session, reports, utcnow()) if raise_alerts else None
        if as_json:
            out = {"institutions": [r.as_dict() for r in reports]}
            if created is not None:
                out["alerts_created"] = created
            click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        else:
            click.echo(format_text(reports) or "no disclosure pages crawled")
            if created is not None:
                click.echo(f"coverage alerts created: {created}")
