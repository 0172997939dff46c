"""``monitor profiles ...``: the bank profiles the statement reader knows, and a dry run on one file."""

from __future__ import annotations

import json
from pathlib import Path

import click

from monitor.commands.context import pass_ctx


@click.group("profiles")
def profiles_group() -> None:
    """Bank profiles for reading statements (shipped ones and <instance_dir>/profiles/*.toml)."""


@profiles_group.command("list")
@pass_ctx
def list_command(ctx) -> None:
    """Print the known profiles: name, where it comes from, description."""
    from monitor.statements.profiles import available

    found = available(ctx.config.instance_path)
    if not found:
        click.echo("no bank profile")
    for name, profile in found.items():
        click.echo(f"{name}\t{profile.path}\t{profile.description}")


@profiles_group.command("show")
@click.argument("name")
@pass_ctx
def show_command(ctx, name) -> None:
    """Print one profile's file."""
    from monitor.statements.profiles import get

    profile = get(name, ctx.config.instance_path)
    click.echo(f"# {profile.path}")
    click.echo(profile.path.read_text(encoding="utf-8").rstrip())


@profiles_group.command("test")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--profile", default=None, metavar="NAME", help="Use this profile (default: picked by header).")
@click.option("--date-format", default=None, metavar="FMT", help="strptime format of the date column.")
@click.option("--account", default=None, metavar="ACC", help="Owner account of a single-account statement.")
@click.option("--delimiter", default=None, metavar="D", help="Field delimiter (\\t for tab).")
@click.option("--rows", "shown", default=5, show_default=True, help="How many normalised rows to print.")
@pass_ctx
def test_command(ctx, file, profile, date_format, account, delimiter, shown) -> None:
    """Read FILE as `monitor ingest` would, store nothing, and print what was recognised.

    Exit 1 when the file cannot be read or does not add up (the error names the line).
    """
    from monitor.statements import read_statement

    if delimiter in ("\\t", "tab"):
        delimiter = "\t"
    statement = read_statement(file, profile=profile, date_format=date_format, account=account,
                               delimiter=delimiter, instance_dir=ctx.config.instance_path)
    meta = statement.metadata()
    click.echo(f"profile: {meta['profile'] or '(none: recognition)'}")
    for key in ("encoding", "delimiter", "header_line", "kind", "owner_account", "owner_name", "currency", "unit",
                "period", "balance_check", "rows"):
        click.echo(f"{key}: {json.dumps(meta[key], ensure_ascii=False)}")
    click.echo(f"columns: {json.dumps(meta['columns'], ensure_ascii=False)}")
    click.echo(f"footer_totals: {json.dumps(meta['footer_totals'], ensure_ascii=False)}")
    for warning in meta["warnings"]:
        click.echo(f"warning: {warning}")
    for row in statement.rows[:shown]:
        click.echo(json.dumps(row.as_json(), ensure_ascii=False))
