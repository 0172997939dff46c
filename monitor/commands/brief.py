"""``monitor brief city|institution``: render a briefing to a file (and keep it in the archive)."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from monitor.commands.context import pass_ctx
from monitor.errors import InputError


def _check_out(out: str, force: bool) -> None:
    if Path(out).exists() and not force:
        raise InputError(f"{out}: file exists (use --force to overwrite)")


@click.group("brief")
def brief_group() -> None:
    """PDF briefings: the weekly city briefing and an institution's dossier."""
    # WeasyPrint narrates every rendering step at INFO; the operator needs only the result line.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


@brief_group.command("city")
@click.option("--period", default=None, metavar="YYYY-MM-DD..YYYY-MM-DD", help="Period, both days included.")
@click.option("--week", default=None, metavar="YYYY-Www", help="An ISO week (Monday–Sunday), e.g. 2018-W27.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="PDF file to write.")
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
@pass_ctx
def brief_city(ctx, period, week, out, force) -> None:
    """The city briefing (城市金融风险周报) for a period."""
    from monitor.briefings.api import parse_period, render_city

    start, end = parse_period(period, week)
    _check_out(out, force)
    pdf, row_id = render_city(ctx.config, start, end, out_path=out, created_by="cli", force=force)
    click.echo(f"{out}: city briefing {start}..{end}, {len(pdf):,} bytes (archive #{row_id})")


@brief_group.command("institution")
@click.argument("institution")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="PDF file to write.")
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
@pass_ctx
def brief_institution(ctx, institution, out, force) -> None:
    """An institution's dossier (机构风险档案), by id or USCC."""
    from monitor.briefings.api import render_institution

    _check_out(out, force)
    pdf, row_id = render_institution(ctx.config, institution, out_path=out, created_by="cli", force=force)
    click.echo(f"{out}: dossier of institution {institution}, {len(pdf):,} bytes (archive #{row_id})")
