"""Alerts queue and alert page; triage goes through :mod:`monitor.alerts` (journaled there)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

from monitor import alerts as workflow
from monitor.audit import history
from monitor.errors import InputError
from monitor.models import Alert, AlertNote, AlertStatus, CloseReason, Finding, Institution, Score, User
from monitor.portal.common import db, error_text, masker, scope

bp = Blueprint("alerts", __name__)


@bp.route("/alerts")
def index():
    sc = scope()
    q = sc.alerts()
    status = request.args.get("status", "open")
    if status == "open":
        q = q.where(Alert.status != AlertStatus.CLOSED.value)
    elif status in {s.value for s in AlertStatus}:
        q = q.where(Alert.status == status)
    if request.args.get("mine"):
        q = q.where(Alert.assignee_id == current_user.record.id)
    alerts = db().exec(q.order_by(Alert.last_seen_at.desc(), Alert.id.desc()).limit(500)).all()
    names = dict(db().exec(select(Institution.id, Institution.name)
                           .where(Institution.jurisdiction_id.in_(sc.jurisdiction_ids))).all())
    users = dict(db().exec(select(User.id, User.username)).all())
    return render_template("portal/alerts.html", alerts=alerts, names=names, users=users, status=status,
                           statuses=[s.value for s in AlertStatus])


def assignable_users(session, institution: Institution) -> list[User]:
    """Active users whose scope covers the institution (an alert is never given to someone who cannot see it)."""
    from monitor.access import users_seeing

    return users_seeing(session, institution.jurisdiction_id)


@bp.route("/alerts/<int:alert_id>")
def show(alert_id: int):
    sc = scope()
    alert = sc.alert(alert_id)
    s = db()
    inst = s.get(Institution, alert.institution_id)
    finding = s.get(Finding, alert.finding_id) if alert.finding_id else None
    score = s.get(Score, alert.score_id) if alert.score_id else None
    notes = s.exec(select(AlertNote).where(AlertNote.alert_id == alert.id).order_by(AlertNote.id)).all()
    users = {u.id: u for u in s.exec(select(User))}
    if finding is not None:
        masker().keep_evidence(finding.evidence)
    return render_template("portal/alert.html", alert=alert, inst=inst, finding=finding, score=score, notes=notes,
                           users=users, history=history(s, "alert", alert.id),
                           next_statuses=[st.value for st in AlertStatus if st.value in workflow.TRANSITIONS[alert.status]],
                           reasons=[r.value for r in CloseReason], assignable=assignable_users(s, inst))


def _apply(alert_id: int, action):
    scope().alert(alert_id)  # 404 outside the scope, before anything changes
    s = db()
    try:
        action(s)
        s.commit()
        flash(_("Saved."), "ok")
    except InputError as exc:
        s.rollback()
        flash(error_text(exc), "error")
    return redirect(url_for("alerts.show", alert_id=alert_id))


@bp.route("/alerts/<int:alert_id>/transition", methods=["POST"])
def transition(alert_id: int):
    status = request.form.get("status", "")
    reason = request.form.get("reason") or None if status == AlertStatus.CLOSED.value else None

    # The workflow refuses a close without a reason; its coded error reads in the user's language.
    return _apply(alert_id, lambda s: workflow.transition(s, alert_id, status, current_user.username, reason=reason))


@bp.route("/alerts/<int:alert_id>/assign", methods=["POST"])
def assign(alert_id: int):
    username = request.form.get("username") or None

    def act(s):
        alert = scope().alert(alert_id)
        if username and username not in {u.username for u in assignable_users(s, s.get(Institution, alert.institution_id))}:
            raise InputError(_("This user cannot see the institution."))
        workflow.assign(s, alert_id, username, current_user.username)
    return _apply(alert_id, act)


@bp.route("/alerts/<int:alert_id>/note", methods=["POST"])
def note(alert_id: int):
    body = (request.form.get("body") or "")[:5000]
    return _apply(alert_id, lambda s: workflow.add_note(s, alert_id, body, current_user.username))
