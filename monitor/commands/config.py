"""``monitor config show``: the effective settings, where each comes from, and what it means."""

from __future__ import annotations

import click

from monitor.commands.context import Context, pass_ctx
from monitor.commands.store import safe_url


@click.group("config")
def config_group() -> None:
    """Inspect the configuration."""


@config_group.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_ctx
def config_show(ctx: Context, as_json: bool) -> None:
    """Print the effective settings, where each comes from, and what it means."""
    cfg = ctx.config
    rows = cfg.describe()
    if as_json:
        import json

        click.echo(json.dumps({name: {"value": cfg[name] if shown != "***" else "***", "origin": origin}
                               for name, shown, origin, _help in rows}, ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="monitor settings", show_lines=False)
    for col in ("setting", "value", "from", "meaning"):
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*row)
    Console().print(table)
    click.echo(f"database: {safe_url(cfg.db_url)}")
