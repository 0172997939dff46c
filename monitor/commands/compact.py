"""``monitor compact``: rewrite institutions' many small transfer files as one per month."""

from __future__ import annotations

import click

from monitor.commands.context import pass_ctx


@click.command("compact")
@click.option("--institution", "institutions", multiple=True, metavar="USCC",
              help="Only this institution (repeatable). Default: every institution with two or more files.")
@click.option("--wait", type=float, default=None, metavar="SECONDS",
              help="Seconds to wait for an ingest of the same institution (default: ingest_lock_wait).")
@pass_ctx
def compact_command(ctx, institutions, wait) -> None:
    """Rewrite the committed transfer files of each institution as one file per month.

    Atomic per institution (one commit record; readers see the old files or the new ones) and under the
    ingest's per-institution lock. Exit 3 when an ingest holds that lock longer than the wait.
    """
    from monitor.compaction import compact_institution, compact_store
    from monitor.db import require_schema

    cfg = ctx.config
    require_schema(cfg)
    if institutions:
        results = [compact_institution(cfg, uscc, wait) for uscc in institutions]
    else:
        results = compact_store(cfg) if wait is None else compact_store(cfg.replace(ingest_lock_wait=wait))
    for r in results:
        if r.skipped:
            click.echo(f"{r.institution}: {r.files_before} file(s), {r.skipped}")
        else:
            click.echo(f"{r.institution}: {r.files_before} files → {r.files_after} ({r.rows} rows, {r.seconds:.2f}s)")
    if not results:
        click.echo("nothing to compact")
