"""``monitor export ...``: hand a case over in a format the receiving side's tools read."""

from __future__ import annotations

import click

from monitor.commands.context import pass_ctx
from monitor.handover import FLOWS, RAW_CAP


@click.group("export")
def export_group() -> None:
    """Hand-over exports (FollowTheMoney entities for Aleph, Neo4j, spreadsheets)."""


@export_group.command("ftm")
@click.option("--institution", metavar="ID_OR_USCC", help="One institution, by its id or USCC.")
@click.option("--jurisdiction", metavar="CODE", help="Every institution of a jurisdiction and those below it.")
@click.option("--as-of", "as_of", metavar="DATE", help="The store as known at the end of DATE (YYYY-MM-DD; "
              "default: now).")
@click.option("--flows", type=click.Choice(FLOWS), default="aggregated", show_default=True,
              help="Payments per account pair and month, one per transfer (capped), or none.")
@click.option("--raw-cap", type=click.IntRange(min=1), default=RAW_CAP, show_default=True,
              help="Most transfers written with --flows raw.")
@click.option("--personal-data", is_flag=True, help="ID and personal card numbers in full (journaled).")
@click.option("--actor", default="system", show_default=True, help="Who exports, for the audit journal.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True),
              metavar="FILE.ftm.json", help="Where to write the entities (JSON lines).")
@pass_ctx
def ftm_command(ctx, institution, jurisdiction, as_of, flows, raw_cap, personal_data, actor, out) -> None:
    """Write FollowTheMoney entities (JSON lines) of a case, as known at a date.

    Exit 0 written, 2 bad usage (unknown institution or jurisdiction, bad date).
    """
    from monitor.audit import record
    from monitor.db import require_schema, session_scope
    from monitor.errors import InputError
    from monitor.handover import build_handover, resolve_institutions
    from monitor.models import utcnow
    from monitor.sweep import parse_as_of

    cfg = ctx.config
    moment = parse_as_of(as_of, cfg.timezone) if as_of else utcnow()
    require_schema(cfg)
    with session_scope(cfg) as session:
        institutions, dataset = resolve_institutions(session, institution=institution, jurisdiction=jurisdiction)
        handover = build_handover(session, cfg, institutions, dataset, moment, flows=flows,
                                  personal_data=personal_data, raw_cap=raw_cap)
        try:
            written = handover.write(out)
        except OSError as exc:  # the journal entry is rolled back with the session
            raise InputError(f"--out {out}: cannot write ({exc.strerror or exc})") from None
        record(session, actor, "institution" if institution else "jurisdiction",
               institutions[0].id if institution else None, "export", field="ftm",
               new=f"{dataset} as of {moment.isoformat(timespec='seconds')}: {written} entities, flows {flows}, "
                   f"personal data {'in full' if personal_data else 'masked'}")
    for note in handover.notes:
        click.echo(f"note: {note}", err=True)
    counts = ", ".join(f"{n} {schema}" for schema, n in handover.counts().items())
    click.echo(f"{out}: {written} entities of dataset {dataset} ({counts or 'none'})")
