"""``monitor audit ...``: check the audit journal's hash chain."""

from __future__ import annotations

import click

from monitor.commands.context import pass_ctx


@click.group("audit")
def audit_group() -> None:
    """The audit journal (append-only, hash-chained)."""


@audit_group.command("verify")
@pass_ctx
def verify_command(ctx) -> None:
    """Recompute the hash chain; exit 1 naming the first broken entry, 0 when intact."""
    from monitor.audit import verify_chain
    from monitor.db import require_schema, session_scope

    require_schema(ctx.config)
    with session_scope(ctx.config) as session:
        report = verify_chain(session)
    if report.intact:
        click.echo(f"audit journal intact: {report.entries} entries")
        return
    click.echo(f"error: audit journal broken at {report.broken} ({report.entries - 1} entries before it hold)",
               err=True)
    raise click.exceptions.Exit(1)
