"""Alerts: raised by sweeps, triaged by inspectors, every change journaled.

An alert is raised when an institution enters a higher band or a new finding
at or above the rule set's ``alert_severity`` appears. A band rise is measured
against ``alert_state``: per institution, the band that alerts were last raised
against, written in the same transaction as those alerts. So a sweep
interrupted between its scores and its alerts is caught up by the next one,
and raising alerts twice for the same scores raises nothing new. Alerts are
deduplicated by fingerprint: the same finding (or the same band of the same
institution) on a later sweep updates ``last_seen_at``; a closed alert whose
pattern comes back after being absent is reopened (status new,
``reopen_count`` + 1). Triage: new → investigating → escalated / closed
(also new → closed); closing needs a reason. Every change is written to the
audit journal (:mod:`monitor.audit`).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, Iterable

from monitor.audit import history, record
from monitor.errors import InputError
from monitor.findings import SEVERITY_ORDER
from monitor.labels import printed
from monitor.models import (BAND_ORDER, Alert, AlertNote, AlertState, AlertStatus, CloseReason,
                            Institution, User, utcnow)
from monitor.vocab import PATTERN_ZH

TRANSITIONS: dict[str, set[str]] = {
    AlertStatus.NEW.value: {AlertStatus.INVESTIGATING.value, AlertStatus.CLOSED.value},
    AlertStatus.INVESTIGATING.value: {AlertStatus.ESCALATED.value, AlertStatus.CLOSED.value},
    AlertStatus.ESCALATED.value: {AlertStatus.CLOSED.value},
    AlertStatus.CLOSED.value: set(),  # only a recurrence reopens
}
BAND_SEVERITY = {"red": "critical", "orange": "high", "yellow": "medium", "green": "low"}
# Alert kinds: a band rise, a finding, a platform's disclosure coverage dropping (monitor.coverage).
ALERT_KINDS = ("band_change", "finding", "coverage_drop")


# --------------------------------------------------------------------------- pure part
def band_fingerprint(uscc: str, band: str) -> str:
    """Fingerprint of "institution entered band" alerts (one per institution and band)."""
    return hashlib.sha256(f"band|{uscc}|{band}".encode("utf-8")).hexdigest()[:32]


def _get(obj, name):
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def alert_events(prev_bands: dict[str, str], bands: dict[str, str], seen: set[str], findings: Iterable,
                 min_severity: str = "high") -> list[dict[str, Any]]:
    """What a sweep raises, as data: band rises and findings at/above ``min_severity`` not seen before.

    ``prev_bands``/``bands`` map an institution key (USCC) to its band before
    and now; ``seen`` holds the fingerprints present at the previous sweep.
    """
    events = []
    for key, band in bands.items():
        if BAND_ORDER[band] > BAND_ORDER[prev_bands.get(key, "green")]:
            events.append({"kind": "band_change", "institution": key, "band": band,
                           "fingerprint": band_fingerprint(key, band)})
    for f in findings:
        if SEVERITY_ORDER[_get(f, "severity")] >= SEVERITY_ORDER[min_severity] and _get(f, "fingerprint") not in seen:
            events.append({"kind": "finding", "institution": _get(f, "institution_uscc"),
                           "fingerprint": _get(f, "fingerprint"), "finding": f})
    return events


# --------------------------------------------------------------------------- the store
def _alert(session, alert_id: int) -> Alert:
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise InputError(f"alert {alert_id} does not exist")
    return alert


def _reopen(session, alert: Alert, seen_at: datetime) -> None:
    old_status = alert.status
    alert.status = AlertStatus.NEW.value
    alert.reopen_count += 1
    old_reason, alert.close_reason = alert.close_reason, None
    alert.last_seen_at = seen_at
    session.add(alert)
    record(session, "system", "alert", alert.id, "reopen", field="status", old=old_status, new=alert.status)
    record(session, "system", "alert", alert.id, "reopen", field="close_reason", old=old_reason, new=None)
    record(session, "system", "alert", alert.id, "reopen", field="reopen_count",
           old=alert.reopen_count - 1, new=alert.reopen_count)


def _upsert(session, *, fingerprint: str, institution_id: int, kind: str, title: str, severity: str,
            seen_at: datetime, recurred: bool, finding_id=None, score_id=None, band=None) -> tuple[Alert, str]:
    from sqlmodel import select

    alert = session.exec(select(Alert).where(Alert.fingerprint == fingerprint)).first()
    if alert is None:
        alert = Alert(institution_id=institution_id, fingerprint=fingerprint, kind=kind, title=title[:500],
                      severity=severity, finding_id=finding_id, score_id=score_id, band=band,
                      first_raised_at=seen_at, last_seen_at=seen_at)
        session.add(alert)
        session.flush()
        record(session, "system", "alert", alert.id, "create", field="status", old=None, new=alert.status)
        return alert, "created"
    if alert.status == AlertStatus.CLOSED.value and recurred:
        _reopen(session, alert, seen_at)
        action = "reopened"
    else:
        action = "seen"
    alert.last_seen_at = max(alert.last_seen_at, seen_at) if alert.last_seen_at else seen_at
    alert.finding_id = finding_id or alert.finding_id
    alert.score_id = score_id or alert.score_id
    session.add(alert)
    return alert, action


def raise_alert(session, *, fingerprint: str, institution_id: int, kind: str, title: str, severity: str,
                seen_at: datetime) -> tuple[Alert, str]:
    """Create or refresh one alert of another stage (``kind`` in :data:`ALERT_KINDS`); (alert, action)."""
    if kind not in ALERT_KINDS:
        raise InputError(f"unknown alert kind {kind!r}")
    return _upsert(session, fingerprint=fingerprint, institution_id=institution_id, kind=kind, title=title,
                   severity=severity, seen_at=seen_at, recurred=False)


def raise_alerts(session, findings: list, scores: list, prev_bands: dict[int, str], prev_fingerprints: set[str],
                 seen_at: datetime, min_severity: str = "high") -> dict[str, int]:
    """Create, refresh or reopen alerts for one sweep's stored findings and scores.

    ``prev_bands`` (institution id → band) and ``prev_fingerprints`` come from
    the previous sweep; a closed alert reopens only when its pattern was
    absent then (a recurrence, not the same sighting again).
    Returns counts: created, seen, reopened.
    """
    counts = {"created": 0, "seen": 0, "reopened": 0}
    for s in scores:
        prev = prev_bands.get(s.institution_id, "green")
        fp_now = band_fingerprint(session.get(Institution, s.institution_id).uscc, s.band)
        if BAND_ORDER[s.band] > BAND_ORDER[prev]:
            top = "；".join(PATTERN_ZH.get(c["key"], c["key"]) for c in s.contributions[:3])
            _, action = _upsert(session, fingerprint=fp_now, institution_id=s.institution_id, kind="band_change",
                                title=f"风险等级升至{printed('band', s.band)}（{s.score:g} 分：{top}）",
                                severity=BAND_SEVERITY[s.band], seen_at=seen_at, recurred=True,
                                score_id=s.id, band=s.band)
            counts[action] += 1
        elif s.band != "green":
            from sqlmodel import select

            alert = session.exec(select(Alert).where(Alert.fingerprint == fp_now)).first()
            if alert is not None:
                alert.last_seen_at, alert.score_id = seen_at, s.id
                session.add(alert)
                counts["seen"] += 1
    for f in findings:
        if f.institution_id is None or SEVERITY_ORDER[f.severity] < SEVERITY_ORDER[min_severity]:
            continue
        _, action = _upsert(session, fingerprint=f.fingerprint, institution_id=f.institution_id, kind="finding",
                            title=f.title, severity=f.severity, seen_at=seen_at,
                            recurred=f.fingerprint not in prev_fingerprints, finding_id=f.id)
        counts[action] += 1
    return counts


def raise_sweep_alerts(session, run_id: int, seen_at: datetime, min_severity: str = "high") -> dict[str, Any]:
    """Raise the alerts of sweep ``run_id``'s scores and findings against the stored alert state, then move
    the state to these scores (same transaction). Returns the counts and the sweep the state came from."""
    from sqlmodel import select

    from monitor.models import Finding, Score

    scores = list(session.exec(select(Score).where(Score.sweep_id == run_id)))
    if not scores:
        return {}
    findings = list(session.exec(select(Finding).where(Finding.sweep_id == run_id)))
    states = {st.institution_id: st for st in session.exec(select(AlertState))}
    prev_bands = {i: st.band for i, st in states.items()}
    # Per institution, the findings of the sweep its alerts were last raised for (sweeps may cover
    # different jurisdictions): a finding absent there and present now is a recurrence.
    last = {i: st.sweep_id for i, st in states.items() if st.sweep_id is not None}
    prev_fps = {fp for inst, sweep, fp in session.exec(
        select(Finding.institution_id, Finding.sweep_id, Finding.fingerprint)
        .where(Finding.sweep_id.in_(set(last.values())))) if last.get(inst) == sweep} if last else set()
    prev_id = max(last.values(), default=None)
    counts = raise_alerts(session, findings, scores, prev_bands, prev_fps, seen_at, min_severity)
    now = utcnow()
    for s in scores:
        st = states.get(s.institution_id) or AlertState(institution_id=s.institution_id, band=s.band)
        st.band, st.sweep_id, st.updated_at = s.band, run_id, now
        session.add(st)
    return {**counts, "previous_sweep": prev_id}


def transition(session, alert_id: int, status: str, actor: str, reason: str | None = None) -> Alert:
    """Move an alert along the triage workflow; invalid moves raise :class:`InputError`."""
    alert = _alert(session, alert_id)
    try:
        status = AlertStatus(status).value
    except ValueError:
        raise InputError(f"status {status!r} is not one of: {', '.join(s.value for s in AlertStatus)}",
                         code="alert_status_unknown", status=status) from None
    if status not in TRANSITIONS[alert.status]:
        allowed = ", ".join(sorted(TRANSITIONS[alert.status])) or "none (closed alerts reopen only on recurrence)"
        raise InputError(f"alert {alert_id}: cannot go from {alert.status} to {status} (allowed: {allowed})",
                         code="alert_transition", old=alert.status, new=status)
    if status == AlertStatus.CLOSED.value:
        try:
            reason = CloseReason(reason).value
        except ValueError:
            raise InputError(f"closing alert {alert_id} needs a reason: "
                             f"{', '.join(r.value for r in CloseReason)} (got {reason!r})",
                             code="alert_close_reason") from None
    elif reason is not None:
        raise InputError("a reason is only given when closing", code="alert_reason_not_closing")
    old = alert.status
    alert.status = status
    session.add(alert)
    record(session, actor, "alert", alert.id, "status", field="status", old=old, new=status)
    if status == AlertStatus.CLOSED.value:
        alert.close_reason = reason
        record(session, actor, "alert", alert.id, "close", field="close_reason", old=None, new=reason)
    return alert


def assign(session, alert_id: int, username: str | None, actor: str) -> Alert:
    """Assign (or with ``None`` unassign) an alert to a user."""
    from sqlmodel import select

    alert = _alert(session, alert_id)
    user_id = None
    if username:
        user_id = session.exec(select(User.id).where(User.username == username)).first()
        if user_id is None:
            raise InputError(f"user {username!r} does not exist", code="user_unknown", username=username)
    old = session.get(User, alert.assignee_id).username if alert.assignee_id else None
    if user_id == alert.assignee_id:
        raise InputError(f"alert {alert_id} is already assigned to {old or 'nobody'}", code="alert_assigned",
                         username=old)
    alert.assignee_id = user_id
    session.add(alert)
    record(session, actor, "alert", alert.id, "assign", field="assignee", old=old, new=username)
    return alert


def add_note(session, alert_id: int, body: str, actor: str) -> AlertNote:
    from sqlmodel import select

    alert = _alert(session, alert_id)
    if not body or not body.strip():
        raise InputError("a note needs text", code="note_empty")
    author = session.exec(select(User.id).where(User.username == actor)).first()
    note = AlertNote(alert_id=alert.id, author_id=author, body=body.strip(), created_at=utcnow())
    session.add(note)
    session.flush()
    record(session, actor, "alert", alert.id, "note", field="note", old=None, new=body.strip())
    return note


# --------------------------------------------------------------------------- reading
def alert_row(alert: Alert, names: dict[int, str]) -> dict[str, Any]:
    """An alert as plain data; ``names`` maps institution ids to names."""
    return {"id": alert.id, "institution": names.get(alert.institution_id), "kind": alert.kind,
            "severity": alert.severity, "status": alert.status, "close_reason": alert.close_reason,
            "band": alert.band, "title": alert.title, "assignee_id": alert.assignee_id,
            "first_raised_at": alert.first_raised_at.isoformat(), "last_seen_at": alert.last_seen_at.isoformat(),
            "reopen_count": alert.reopen_count}


def list_alerts(session, status: str | None = None, only_open: bool = False) -> list[dict[str, Any]]:
    """Alerts as rows (:func:`alert_row`), newest first; ``only_open`` leaves out closed ones."""
    from sqlmodel import select

    q = select(Alert).order_by(Alert.last_seen_at.desc(), Alert.id.desc())
    if status:
        q = q.where(Alert.status == status)
    if only_open:
        q = q.where(Alert.status != AlertStatus.CLOSED.value)
    alerts = list(session.exec(q))
    names = {i.id: i.name for i in session.exec(select(Institution))}
    return [alert_row(a, names) for a in alerts]


def alert_detail(session, alert_id: int) -> dict[str, Any]:
    """One alert as a row with its ``notes`` and its audit ``history``."""
    from sqlmodel import select

    alert = _alert(session, alert_id)
    names = {i.id: i.name for i in session.exec(select(Institution).where(Institution.id == alert.institution_id))}
    data = alert_row(alert, names)
    data["notes"] = [{"at": n.created_at.isoformat(), "author_id": n.author_id, "body": n.body}
                     for n in session.exec(select(AlertNote).where(AlertNote.alert_id == alert_id)
                                           .order_by(AlertNote.id))]
    data["history"] = [{"at": e.at.isoformat(), "actor": e.actor, "action": e.action, "field": e.field,
                        "old": e.old, "new": e.new} for e in history(session, "alert", alert_id)]
    return data
