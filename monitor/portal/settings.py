"""Rule weights and thresholds (supervisors): every change is a new, journaled rule version.

A supervisor or admin sees and changes the rule sets of their own jurisdictions and those below them
(a change makes the jurisdiction's own rule set, which its sub-jurisdictions inherit unless they have
their own); never those above or beside. The store-wide default is changed with ``monitor rules set``.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

from monitor.access import OutOfScope, refuse
from monitor.errors import InputError
from monitor.jurisdictions import tree as jurisdiction_tree
from monitor.models import Jurisdiction, Role, RuleSet
from monitor.portal.common import db, error_text, requires, scope
from monitor.scoring import active_rules, new_rule_version

bp = Blueprint("settings", __name__)


def changed_values(current: dict, form, prefix: str) -> dict:
    """Form fields ``<prefix><key>`` whose value differs from ``current`` (numbers, or text for text values)."""
    out = {}
    for key, old in current.items():
        raw = form.get(prefix + key)
        if raw is None or raw.strip() == "":
            continue
        if isinstance(old, (int, float)) and not isinstance(old, bool):
            try:
                value = float(raw)
            except ValueError:
                raise InputError(_("%(key)s must be a number, not %(raw)s", key=key, raw=raw)) from None
        else:
            value = raw.strip()
        if value != old:
            out[key] = value
    return out


def bands_in_order(thresholds: dict) -> bool:
    """100 >= red > orange > yellow > 0, as the rule store requires."""
    try:
        red, orange, yellow = (float(thresholds[b]) for b in ("red", "orange", "yellow"))
    except (KeyError, TypeError, ValueError):
        return True  # not ours to judge: the rule store reports it
    return 100 >= red > orange > yellow > 0


def _chosen(sc, code: str | None, what: str):
    """The jurisdiction whose rules are shown or changed: ``code`` if in scope, else the user's own."""
    if code:
        try:
            return sc.jurisdiction(code)
        except OutOfScope:
            refuse(db(), current_user.username, "ruleset", None, f"{what}: jurisdiction {code!r} outside scope")
            abort(404)
    own = db().exec(sc.jurisdictions().where(Jurisdiction.id.in_(sorted(sc.roots))).order_by(Jurisdiction.code)).first()
    if own is None:
        abort(404)  # a user without jurisdiction sees no rules
    return own


@bp.route("/settings")
@requires(Role.SUPERVISOR.value)
def index():
    s = db()
    sc = scope()
    chosen = _chosen(sc, request.args.get("jurisdiction"), "show rules")
    rules = active_rules(s, chosen.id)
    s.commit()
    owner = s.get(Jurisdiction, rules.jurisdiction_id) if rules.jurisdiction_id is not None else None
    if owner is not None and owner.id not in sc.jurisdiction_ids:
        owner = False  # inherited from above the user's jurisdictions: named only as such
    versions = s.exec(select(RuleSet).where(RuleSet.jurisdiction_id == chosen.id)
                      .order_by(RuleSet.version.desc()).limit(20)).all()
    return render_template("portal/settings.html", rules=rules, versions=versions, chosen=chosen, owner=owner,
                           nodes=jurisdiction_tree(s, roots=sorted(sc.roots)),
                           severities=["low", "medium", "high", "critical"])


@bp.route("/settings", methods=["POST"])
@requires(Role.SUPERVISOR.value)
def update():
    s = db()
    sc = scope()
    chosen = _chosen(sc, request.form.get("jurisdiction"), "change rules")
    back = url_for("settings.index", jurisdiction=chosen.code)
    rules = active_rules(s, chosen.id)
    try:
        weights = changed_values(rules.weights, request.form, "w.")
        thresholds = changed_values(rules.thresholds, request.form, "t.")
        if not bands_in_order({**rules.thresholds, **thresholds}):
            # checked here too: the rule store's own message is English (it serves the CLI)
            raise InputError(_("Thresholds must satisfy 100 ≥ red > orange > yellow > 0."))
        if "alert_severity" in thresholds:
            raise InputError(_("The lowest severity that raises an alert is the same for the whole store; "
                               "the operator changes it with monitor rules set."))
        if not weights and not thresholds:
            flash(_("Nothing changed."), "ok")
            return redirect(back)
        new = new_rule_version(s, weights, thresholds, note=request.form.get("note") or None,
                               actor=current_user.username, jurisdiction_id=chosen.id)
        s.commit()
        flash(_("Rule version %(v)d is active.", v=new.version), "ok")
    except InputError as exc:
        s.rollback()
        flash(error_text(exc), "error")
    return redirect(back)
