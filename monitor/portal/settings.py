"""Rule weights and thresholds (supervisors): every change is a new, journaled rule version."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

from monitor.errors import InputError
from monitor.models import Role, RuleSet
from monitor.portal.common import db, error_text, requires
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


@bp.route("/settings")
@requires(Role.SUPERVISOR.value)
def index():
    s = db()
    rules = active_rules(s)
    s.commit()
    versions = s.exec(select(RuleSet).order_by(RuleSet.version.desc()).limit(20)).all()
    return render_template("portal/settings.html", rules=rules, versions=versions,
                           severities=["low", "medium", "high", "critical"])


@bp.route("/settings", methods=["POST"])
@requires(Role.SUPERVISOR.value)
def update():
    s = db()
    rules = active_rules(s)
    try:
        weights = changed_values(rules.weights, request.form, "w.")
        thresholds = changed_values(rules.thresholds, request.form, "t.")
        if not bands_in_order({**rules.thresholds, **thresholds}):
            # checked here too: the rule store's own message is English (it serves the CLI)
            raise InputError(_("Thresholds must satisfy 100 ≥ red > orange > yellow > 0."))
        if not weights and not thresholds:
            flash(_("Nothing changed."), "ok")
            return redirect(url_for("settings.index"))
        new = new_rule_version(s, weights, thresholds, note=request.form.get("note") or None,
                               actor=current_user.username)
        s.commit()
        flash(_("Rule version %(v)d is active.", v=new.version), "ok")
    except InputError as exc:
        s.rollback()
        flash(error_text(exc), "error")
    return redirect(url_for("settings.index"))
