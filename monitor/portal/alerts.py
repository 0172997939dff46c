"""Alerts queue and alert page; triage goes through :mod:`monitor.alerts` (journaled there).

Titles and summaries are rendered from the alert's latest finding (same fingerprint) or score, in the
reader's language; the wording stored when the alert was first raised stays in its history.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import case, func
from sqlmodel import select

from monitor import alerts as workflow
from monitor import formatting as fmt
from monitor.audit import history
from monitor.clock import as_utc
from monitor.errors import InputError
from monitor.models import Alert, AlertNote, AlertStatus, CloseReason, Finding, Institution, Score, User
from monitor.portal.common import db, error_text, locale_name, masker, monitor_config, scope

bp = Blueprint("alerts", __name__)
PAGE = 50
SEVERITIES = ("critical", "high", "medium", "low")
BANDS = ("red", "orange", "yellow", "green")
_SEVERITY_RANK = case({"critical": 0, "high": 1, "medium": 2, "low": 3}, value=Alert.severity, else_=4)
SORTS = {
    "last_seen": (Alert.last_seen_at.desc(), Alert.id.desc()),
    "first_raised": (Alert.first_raised_at.desc(), Alert.id.desc()),
    "first_raised_asc": (Alert.first_raised_at, Alert.id),
    "severity": (_SEVERITY_RANK, Alert.last_seen_at.desc(), Alert.id.desc()),
    "institution": (Alert.institution_id, Alert.id.desc()),
    "id": (Alert.id.desc(),),
}
FILTERS = ("status", "severity", "band", "institution", "assignee", "raised_from", "raised_to", "sort")


def _day_arg(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def filtered_alerts(sc, args, user_id: int | None = None):
    """The scope's alerts matching the list's filters (status, severity, band, institution, assignee,
    raised between two dates of the bureau's calendar) in the chosen order; exports use the same."""
    q = sc.alerts()
    status = args.get("status", "open")
    if status == "open":
        q = q.where(Alert.status != AlertStatus.CLOSED.value)
    elif status in {s.value for s in AlertStatus}:
        q = q.where(Alert.status == status)
    if args.get("severity") in SEVERITIES:
        q = q.where(Alert.severity == args["severity"])
    inst = str(args.get("institution") or "")
    if inst.isdigit():
        q = q.where(Alert.institution_id == int(inst))
    assignee = args.get("assignee") or ("me" if args.get("mine") else "")
    if assignee == "me" and user_id is not None:
        q = q.where(Alert.assignee_id == user_id)
    elif assignee == "none":
        q = q.where(Alert.assignee_id.is_(None))
    elif assignee:
        q = q.where(Alert.assignee_id.in_(select(User.id).where(User.username == assignee)))
    tz = ZoneInfo(monitor_config().timezone)
    start, end = _day_arg(args.get("raised_from")), _day_arg(args.get("raised_to"))
    # Stored moments are UTC; the dates the user gives are the bureau's calendar days.
    if start:
        q = q.where(Alert.first_raised_at >= as_utc(datetime.combine(start, time(), tz)))
    if end:
        q = q.where(Alert.first_raised_at < as_utc(datetime.combine(end + timedelta(days=1), time(), tz)))
    if args.get("band") in BANDS:
        latest = sc.latest_scores(contributions=False)
        band = args["band"]
        if band == "green":
            others = [i for i, s in latest.items() if s.band != "green"]
            q = q.where(Alert.institution_id.not_in(others))
        else:
            q = q.where(Alert.institution_id.in_([i for i, s in latest.items() if s.band == band]))
    return q.order_by(*SORTS.get(args.get("sort") or "last_seen", SORTS["last_seen"]))


def latest_evidence(session, alerts) -> tuple[dict[int, Finding], dict[int, Score]]:
    """(alert id → its newest finding, alert id → its newest score): a finding alert's newest sighting is
    the newest finding with its fingerprint; a band alert's, the score it was last seen with."""
    finding_alerts = [a for a in alerts if a.kind == "finding"]
    findings: dict[int, Finding] = {}
    if finding_alerts:
        # The alerts' own institutions only: an alert never reads another institution's finding.
        newest = {(fp, inst): fid for fp, inst, fid in session.exec(
            select(Finding.fingerprint, Finding.institution_id, func.max(Finding.id))
            .where(Finding.fingerprint.in_({a.fingerprint for a in finding_alerts}),
                   Finding.institution_id.in_({a.institution_id for a in finding_alerts}))
            .group_by(Finding.fingerprint, Finding.institution_id)).all()}
        chosen = {a.id: newest.get((a.fingerprint, a.institution_id)) or a.finding_id for a in finding_alerts}
        ids = set(chosen.values()) - {None}
        rows = {f.id: f for f in session.exec(select(Finding).where(Finding.id.in_(ids)))} if ids else {}
        for a in finding_alerts:
            f = rows.get(chosen[a.id])
            if f is not None and f.institution_id == a.institution_id:
                findings[a.id] = f
    score_ids = {a.score_id for a in alerts if a.kind != "finding" and a.score_id}
    rows = {s.id: s for s in session.exec(select(Score).where(Score.id.in_(score_ids)))} if score_ids else {}
    scores = {a.id: rows[a.score_id] for a in alerts if a.score_id in rows and a.kind != "finding"}
    return findings, scores


def finding_text(finding: Finding, locale: str) -> dict:
    """A finding's title and one-line summary in ``locale``: the detector's Chinese title in Chinese, else the
    pattern's name; the summary from its evidence's numbers (the portal's pages word findings the same way)."""
    summary = fmt.summary_metrics((finding.evidence or {}).get("metrics"), locale)
    title = finding.title if fmt.is_zh(locale) else fmt.pattern_name(finding.kind, locale).capitalize()
    return {"title": title, "summary": summary}


def present(alert: Alert, finding: Finding | None, score: Score | None, locale: str) -> dict:
    """The alert's title and one-line summary as its newest evidence reads now, in ``locale``
    (``zh_title`` tells whether the title quotes the detector's Chinese wording)."""
    zh = fmt.is_zh(locale)
    if finding is not None:
        return {**finding_text(finding, locale), "as_of": finding.as_of}
    if score is not None:
        tops = [fmt.pattern_name(c.get("key"), locale) for c in (score.contributions or [])[:3]]
        band = fmt.band_name(alert.band or score.band, locale)
        value = fmt.score(score.score, locale)
        if zh:
            title = f"风险等级升至{band}（{value} 分：{'；'.join(tops)}）"
            summary = f"当前 {value} 分，{fmt.band_name(score.band, locale)}"
        else:
            title = f"Risk band raised to {band} ({value} points: {'; '.join(tops)})"
            summary = f"now {value} points, {fmt.band_name(score.band, locale)}"
        return {"title": title, "summary": summary, "as_of": score.as_of}
    return {"title": alert.title if zh else _("Alert #%(id)d", id=alert.id), "summary": "", "as_of": None}


def presented(session, alerts, locale: str) -> dict[int, dict]:
    findings, scores = latest_evidence(session, alerts)
    return {a.id: present(a, findings.get(a.id), scores.get(a.id), locale) for a in alerts}


@bp.route("/alerts")
def index():
    sc = scope()
    s = db()
    for name in ("raised_from", "raised_to"):
        if request.args.get(name) and _day_arg(request.args[name]) is None:
            flash(_("%(value)s is not a date (YYYY-MM-DD): the filter is not applied.", value=request.args[name]),
                  "error")
    q = filtered_alerts(sc, request.args, current_user.record.id)
    total = s.exec(select(func.count()).select_from(q.order_by(None).subquery())).one()
    pages = max(1, -(-total // PAGE))
    page = min(max(1, request.args.get("page", 1, type=int)), pages)
    alerts = s.exec(q.offset((page - 1) * PAGE).limit(PAGE)).all()
    inst_ids = {a.institution_id for a in alerts}
    names = dict(s.exec(select(Institution.id, Institution.name).where(Institution.id.in_(inst_ids))).all()) \
        if inst_ids else {}
    institutions = s.exec(select(Institution.id, Institution.name).where(
        Institution.id.in_(select(Alert.institution_id).where(Alert.institution_id.in_(sc.institution_ids()))
                           .distinct())).order_by(Institution.name)).all()
    user_ids = {a.assignee_id for a in alerts} - {None}
    users = dict(s.exec(select(User.id, User.username).where(User.id.in_(user_ids))).all()) if user_ids else {}
    assignees = s.exec(select(User.username).where(User.id.in_(
        select(Alert.assignee_id).where(Alert.institution_id.in_(sc.institution_ids()))))).all()
    args = {k: request.args.get(k) for k in FILTERS if request.args.get(k)}
    args.setdefault("status", "open")
    return render_template("portal/alerts.html", alerts=alerts, names=names, users=users, total=total, page=page,
                           pages=pages, args=args, statuses=[st.value for st in AlertStatus],
                           severities=SEVERITIES, bands=BANDS, institutions=institutions,
                           assignees=sorted(assignees), sorts=list(SORTS),
                           shown=presented(s, alerts, locale_name()))


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
    findings, scores = latest_evidence(s, [alert])
    finding = findings.get(alert.id)
    score = scores.get(alert.id) or (s.get(Score, alert.score_id) if alert.score_id else None)
    notes = s.exec(select(AlertNote).where(AlertNote.alert_id == alert.id).order_by(AlertNote.id)).all()
    users = {u.id: u for u in s.exec(select(User))}
    if finding is not None:
        masker().keep_evidence(finding.evidence)
    return render_template("portal/alert.html", alert=alert, inst=inst, finding=finding, score=score, notes=notes,
                           users=users, shown=present(alert, finding, score, locale_name()),
                           tz=monitor_config().timezone, history=history(s, "alert", alert.id),
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
