"""``monitor init-db`` and ``monitor status``: create or upgrade the store, and show what it holds."""

from __future__ import annotations

import click

from monitor.commands.context import Context, pass_ctx


def safe_url(url: str) -> str:
    """A database URL as shown to people: the password hidden."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - only for display
        return url


@click.command("init-db")
@pass_ctx
def init_db_command(ctx: Context) -> None:
    """Create the store or upgrade it to the newest schema."""
    from monitor.db import init_db

    revision = init_db(ctx.config)
    click.echo(f"database {safe_url(ctx.config.db_url)} is at schema revision {revision}")


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_ctx
def status_command(ctx: Context, as_json: bool) -> None:
    """Show what the store holds."""
    from monitor.db import current_revision, head_revision, require_schema, table_counts

    cfg = ctx.config
    require_schema(cfg)
    counts = table_counts(cfg)
    info = {"database": safe_url(cfg.db_url), "revision": current_revision(cfg),
            "head": head_revision(cfg), "tables": counts,
            "transfer_store": str(cfg.transfer_store_path), "evidence_dir": str(cfg.evidence_path)}
    if as_json:
        import json

        click.echo(json.dumps(info, ensure_ascii=False, indent=2))
        return
    click.echo(f"database: {info['database']} (schema {info['revision']})")
    width = max(map(len, counts))
    for name, n in counts.items():
        click.echo(f"  {name:<{width}}  {n:>10,}")
    click.echo(f"transfer store: {info['transfer_store']}")
    click.echo(f"evidence:       {info['evidence_dir']}")
