"""``monitor alerts ...``: list and triage alerts."""

from __future__ import annotations

import getpass
import json

import click

from monitor.alerts import add_note, alert_detail, assign, list_alerts, transition
from monitor.commands.context import pass_ctx
from monitor.models import AlertStatus, CloseReason


@click.group("alerts")
def alerts_group() -> None:
    """List and triage alerts (every change is journaled)."""


_actor_option = click.option("--actor", default=lambda: getpass.getuser(), show_default="OS user",
                             help="Who makes the change (journaled).")


def _with_store(ctx):
    from monitor.db import require_schema, session_scope

    require_schema(ctx.config)
    return session_scope(ctx.config)


def _cli_masker(ctx):
    from monitor.db import get_engine
    from monitor.privacy import Masker, account_keeper

    return Masker(keep=account_keeper(get_engine(ctx.config)))


@alerts_group.command("list")
@click.option("--status", type=click.Choice([s.value for s in AlertStatus]), default=None)
@click.option("--open", "only_open", is_flag=True, help="Only alerts that are not closed.")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def alerts_list(ctx, status, only_open, as_json) -> None:
    """List alerts, newest first."""
    with _with_store(ctx) as session:
        rows = list_alerts(session, status=status, only_open=only_open)
    mask = _cli_masker(ctx)  # personal numbers quoted in titles are shown masked
    if as_json:
        click.echo(json.dumps(mask.data(rows), ensure_ascii=False, indent=2))
        return
    for r in rows:
        click.echo(mask(f"#{r['id']:<5} {r['status']:<13} {r['severity']:<8} {r['institution'] or '':<20} {r['title']}"))
    click.echo(f"{len(rows)} alert(s)")


@alerts_group.command("show")
@click.argument("alert_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def alerts_show(ctx, alert_id, as_json) -> None:
    """One alert with its notes and its audit history."""
    with _with_store(ctx) as session:
        data = alert_detail(session, alert_id)
    mask = _cli_masker(ctx)
    data = mask.data(data)  # notes and titles may quote personal numbers
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"#{data['id']} {data['title']}")
    click.echo(f"  institution {data['institution']} · {data['kind']} · {data['severity']} · {data['status']}"
               + (f" ({data['close_reason']})" if data["close_reason"] else ""))
    click.echo(f"  raised {data['first_raised_at']} · last seen {data['last_seen_at']} · reopened {data['reopen_count']}×")
    for n in data["notes"]:
        click.echo(f"  note {n['at']}: {n['body']}")
    for h in data["history"]:
        click.echo(f"  {h['at']} {h['actor']}: {h['action']} {h['field'] or ''} {h['old']} → {h['new']}")


@alerts_group.command("triage")
@click.argument("alert_id", type=int)
@click.argument("status", type=click.Choice([AlertStatus.INVESTIGATING.value, AlertStatus.ESCALATED.value]))
@_actor_option
@pass_ctx
def alerts_triage(ctx, alert_id, status, actor) -> None:
    """Move an alert to investigating or escalated."""
    with _with_store(ctx) as session:
        transition(session, alert_id, status, actor)
    click.echo(f"alert {alert_id}: {status}")


@alerts_group.command("close")
@click.argument("alert_id", type=int)
@click.option("--reason", required=True, type=click.Choice([r.value for r in CloseReason]))
@_actor_option
@pass_ctx
def alerts_close(ctx, alert_id, reason, actor) -> None:
    """Close an alert with a reason."""
    with _with_store(ctx) as session:
        transition(session, alert_id, AlertStatus.CLOSED.value, actor, reason=reason)
    click.echo(f"alert {alert_id}: closed ({reason})")


@alerts_group.command("assign")
@click.argument("alert_id", type=int)
@click.argument("username")
@_actor_option
@pass_ctx
def alerts_assign(ctx, alert_id, username, actor) -> None:
    """Assign an alert to a user ('-' to unassign)."""
    with _with_store(ctx) as session:
        assign(session, alert_id, None if username == "-" else username, actor)
    click.echo(f"alert {alert_id}: assigned to {username}")


@alerts_group.command("note")
@click.argument("alert_id", type=int)
@click.argument("text")
@_actor_option
@pass_ctx
def alerts_note(ctx, alert_id, text, actor) -> None:
    """Add a note to an alert."""
    with _with_store(ctx) as session:
        add_note(session, alert_id, text, actor)
    click.echo(f"alert {alert_id}: note added")
