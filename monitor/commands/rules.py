"""``monitor rules ...``: show or change the risk-index rules."""

from __future__ import annotations

import json
from typing import Any

import click

from monitor.commands.context import pass_ctx
from monitor.errors import InputError
from monitor.scoring import Rules, active_rules, new_rule_version, rules_version


@click.group("rules")
def rules_group() -> None:
    """Show or change the risk-index rules (weights, band thresholds); every change is a new version."""


def _jurisdiction_id(session, code: str | None) -> int | None:
    if code is None:
        return None
    from monitor.jurisdictions import get

    return get(session, code).id


def _owner(session, rules: Rules) -> str:
    from monitor.models import Jurisdiction

    if rules.jurisdiction_id is None:
        return "store-wide default"
    j = session.get(Jurisdiction, rules.jurisdiction_id)
    return f"jurisdiction {j.code} {j.name}" if j else f"jurisdiction #{rules.jurisdiction_id}"


@rules_group.command("show")
@click.option("--version", "version", type=int, default=None, help="A past version (default: the active one).")
@click.option("--jurisdiction", "code", default=None, metavar="CODE",
              help="The rules that score this jurisdiction (its own or inherited; default: the store-wide set).")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def rules_show(ctx, version: int | None, code: str | None, as_json: bool) -> None:
    """Print a rule set."""
    from monitor.db import require_schema, session_scope

    require_schema(ctx.config)
    with session_scope(ctx.config) as session:
        rules = rules_version(session, version) if version else active_rules(session, _jurisdiction_id(session, code))
        owner = _owner(session, rules)
    if as_json:
        click.echo(json.dumps({"version": rules.version, "jurisdiction_id": rules.jurisdiction_id,
                               "weights": rules.weights, "thresholds": rules.thresholds},
                              ensure_ascii=False, indent=2))
        return
    click.echo(f"rule set version {rules.version} ({owner})")
    click.echo("thresholds: " + ", ".join(f"{k}={v}" for k, v in rules.thresholds.items()))
    click.echo("weights:")
    for key, value in sorted(rules.weights.items()):
        click.echo(f"  {key:<24} {value}")


def _parse_pairs(pairs: tuple[str, ...], what: str, numeric: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InputError(f"{what} {pair!r}: expected KEY=VALUE")
        if numeric and value.lower() in ("none", "off"):
            out[key] = None  # removes the key (e.g. the all-sources weak_cap)
        elif numeric and key != "alert_severity":
            try:
                out[key] = float(value)
            except ValueError:
                raise InputError(f"{what} {pair!r}: {value!r} is not a number") from None
        else:
            out[key] = value
    return out


@rules_group.command("set")
@click.option("--weight", "weights", multiple=True, metavar="KIND=W", help="Weight of a finding kind (repeatable).")
@click.option("--threshold", "thresholds", multiple=True, metavar="BAND=SCORE",
              help="Lower bound of red/orange/yellow, weak_cap_per_source=N, weak_cap=N|none, "
                   "or alert_severity=LEVEL (repeatable).")
@click.option("--note", default=None, help="Why the rules change (kept with the version).")
@click.option("--actor", default="cli", help="Who changes the rules (journaled).")
@click.option("--jurisdiction", "code", default=None, metavar="CODE",
              help="Change this jurisdiction's own rule set (it and the jurisdictions below it without one); "
                   "default: the store-wide set.")
@pass_ctx
def rules_set(ctx, weights, thresholds, note, actor, code) -> None:
    """Change weights/thresholds: creates and activates a new version."""
    from monitor.db import require_schema, session_scope

    if not weights and not thresholds:
        raise InputError("nothing to change: give --weight KIND=W and/or --threshold BAND=SCORE")
    require_schema(ctx.config)
    with session_scope(ctx.config) as session:
        rules = new_rule_version(session, _parse_pairs(weights, "--weight"), _parse_pairs(thresholds, "--threshold"),
                                 note=note, actor=actor, jurisdiction_id=_jurisdiction_id(session, code))
        owner = _owner(session, rules)
    click.echo(f"rule set version {rules.version} is now active ({owner})")
