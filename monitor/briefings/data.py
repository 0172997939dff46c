"""What a briefing shows, gathered from the store as plain dicts (no rendering here).

``city_data`` and ``institution_data`` read through one session and return
JSON-like dicts; the small pure helpers below (band counts, changes, risers,
weekly buckets) do the arithmetic and are tested on their own. Reads are
scoped: with a user, only institutions of that user's jurisdictions (and
their sub-jurisdictions) are seen; without one (CLI, scheduler) everything.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import fields
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterable
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_
from sqlmodel import select

from monitor.access import Scope
from monitor.clock import as_utc
from monitor.errors import InputError, MonitorError
from monitor.labels import printed
from monitor.findings import EvidenceAccount, EvidenceDocument, EvidenceEdge
from monitor.models import (
    Alert, AlertNote, AuditEntry, Briefing, Company, DisclosureFact, Document, Event, Finding, Institution,
    Jurisdiction, Person, Relation, RuleSet, Score, Source, SweepRun, User,
)
from monitor.models import BAND_ORDER
from monitor.status import operating_status

from monitor import formatting

from .labels import BANDS

TOP_RISERS = 5
TREND_WEEKS = 8
ALERT_WEEKS = 12
MAX_ROWS = 300  # per list in a dossier; the rest is counted, not printed
MAX_DOCUMENTS = 150  # source documents listed in a dossier (newest version per URL)
DOSSIER_METRICS = ("outstanding_balance", "cumulative_lending_amount", "overdue_amount", "amount_overdue_rate",
                   "overdue_90_amount", "top10_borrower_share", "related_party_balance", "avg_yield")


class AccessDenied(MonitorError):
    """The user may not see this institution (outside the user's jurisdictions)."""


# --------------------------------------------------------------------------- pure helpers
def day_start(day: date, tz: str) -> datetime:
    """Midnight of ``day`` in the bureau's time zone, as aware UTC."""
    return datetime.combine(day, time(0), ZoneInfo(tz)).astimezone(timezone.utc)


def band_counts(bands: Iterable[str]) -> dict[str, int]:
    """Institutions per band, every band present (zero when none)."""
    counts = Counter(bands)
    return {b: counts.get(b, 0) for b in BANDS}


def band_changes(before: dict[int, str], after: dict[int, str]) -> dict[str, list[int]]:
    """Institutions whose band went up or down (a missing earlier band counts as green)."""
    up, down = [], []
    for inst_id, band in after.items():
        old = before.get(inst_id, "green")
        if BAND_ORDER[band] > BAND_ORDER[old]:
            up.append(inst_id)
        elif BAND_ORDER[band] < BAND_ORDER[old]:
            down.append(inst_id)
    return {"up": sorted(up), "down": sorted(down)}


def top_risers(before: dict[int, float], after: dict[int, float], n: int = TOP_RISERS) -> list[tuple[int, float]]:
    """The ``n`` institutions whose score rose most (rise > 0), largest first, ties by id."""
    rises = [(i, round(s - before.get(i, 0.0), 2)) for i, s in after.items()]
    rises = [r for r in rises if r[1] > 0]
    return sorted(rises, key=lambda r: (-r[1], r[0]))[:n]


def week_buckets(times: Iterable[datetime], end: date, weeks: int, tz: str) -> list[dict[str, Any]]:
    """Counts per week (Monday–Sunday, local time) for the ``weeks`` weeks ending with ``end``'s week."""
    zone = ZoneInfo(tz)
    last_monday = end - timedelta(days=end.weekday())
    mondays = [last_monday - timedelta(weeks=k) for k in range(weeks - 1, -1, -1)]
    counts = Counter()
    for t in times:
        d = as_utc(t).astimezone(zone).date()
        counts[d - timedelta(days=d.weekday())] += 1
    return [{"week": m.isoformat(), "label": f"{m.isocalendar().week}周", "count": counts.get(m, 0)} for m in mondays]


def daily_last(points: Iterable[tuple[datetime, float]], tz: str) -> list[tuple[str, float]]:
    """One point per local day (the last of the day), in time order."""
    zone = ZoneInfo(tz)
    by_day: dict[date, tuple[datetime, float]] = {}
    for t, v in points:
        t = as_utc(t)
        d = t.astimezone(zone).date()
        if d not in by_day or t >= by_day[d][0]:
            by_day[d] = (t, v)
    return [(d.isoformat(), by_day[d][1]) for d in sorted(by_day)]


def main_reasons(contributions: list[dict], n: int = 3) -> list[str]:
    """The reasons of the ``n`` largest positive contributions."""
    positive = [c for c in contributions or [] if (c.get("points") or 0) > 0]
    positive.sort(key=lambda c: -c["points"])
    return [c.get("reason") or c.get("key") for c in positive[:n]]


# --------------------------------------------------------------------------- scope
def visible_jurisdictions(session, user) -> set[int] | None:
    """Jurisdiction ids ``user`` may see (with their sub-jurisdictions); ``None`` means all.

    ``user`` is ``None`` (no restriction: CLI, scheduler), a username, a user id or a :class:`User`.
    The rule is the portal's (:mod:`monitor.access`): every role, admins included, sees its own
    jurisdictions only.
    """
    if user is None:
        return None
    if isinstance(user, str):
        row = session.exec(select(User).where(User.username == user)).first()
    elif isinstance(user, int):
        row = session.get(User, user)
    else:
        row = user
    if row is None:
        raise InputError(f"user {user!r} does not exist")
    return set(Scope.for_user(session, row).jurisdiction_ids)


def _visible(inst: Institution, allowed: set[int] | None) -> bool:
    return allowed is None or inst.jurisdiction_id in allowed


# --------------------------------------------------------------------------- shared reads
def latest_scores(session, before: datetime, inst_ids: Iterable[int] | None = None) -> dict[int, Score]:
    """Each institution's most recent score with ``as_of < before``."""
    sub = (select(Score.institution_id, func.max(Score.as_of).label("m"))
           .where(Score.as_of < before).group_by(Score.institution_id).subquery())
    q = select(Score).join(sub, and_(Score.institution_id == sub.c.institution_id, Score.as_of == sub.c.m))
    out: dict[int, Score] = {}
    wanted = None if inst_ids is None else set(inst_ids)
    for s in session.exec(q):
        if wanted is not None and s.institution_id not in wanted:
            continue
        if s.institution_id not in out or s.id > out[s.institution_id].id:
            out[s.institution_id] = s
    return out


def finding_dict(f: Finding, tz: str) -> dict[str, Any]:
    """A stored finding in the one evidence shape (see :mod:`monitor.findings`)."""
    ev = dict(f.evidence or {})
    return {"id": f.id, "kind": f.kind, "detector": f.detector, "severity": f.severity, "score": f.score,
            "title": f.title, "institution_id": f.institution_id, "fingerprint": f.fingerprint,
            "window_start": f.window_start.isoformat() if f.window_start else ev.get("window_start"),
            "window_end": f.window_end.isoformat() if f.window_end else ev.get("window_end"),
            "as_of": as_utc(f.as_of).isoformat(),
            "evidence": {"accounts": _rows(ev.get("accounts"), EvidenceAccount),
                         "edges": _rows(ev.get("edges"), EvidenceEdge),
                         "paths": [[str(x) for x in p] for p in ev.get("paths") or []],
                         "documents": _rows(ev.get("documents"), EvidenceDocument),
                         "metrics": ev.get("metrics") or {}, "note": ev.get("note")}}


def _rows(items, shape) -> list[dict[str, Any]]:
    """Evidence rows with every field of their dataclass present (stored JSON may omit some)."""
    keys = [f.name for f in fields(shape)]
    return [{k: (item.get(k) if isinstance(item, dict) else None) for k in keys} for item in items or []]


def _rule_set(session, version: int | None) -> dict[str, Any] | None:
    if version is None:
        return None
    row = session.exec(select(RuleSet).where(RuleSet.version == version)).first()
    if row is None:
        return {"version": version, "weights": {}, "thresholds": {}, "note": None, "created_at": None}
    return {"version": row.version, "weights": dict(row.weights), "thresholds": dict(row.thresholds),
            "note": row.note, "created_at": as_utc(row.created_at).isoformat()}


def event_amount(event) -> float | None:
    """An event's amount in 元 (:func:`monitor.formatting.event_amount`: stored, else stated by a court record)."""
    return formatting.event_amount(event)


def alert_titles(session, alerts) -> dict[int, str]:
    """Each alert's title as its newest finding (same fingerprint) or score reads now (the portal's
    wording), not as it was first raised."""
    from monitor.portal.alerts import latest_evidence, present

    alerts = list({a.id: a for a in alerts}.values())
    findings, scores = latest_evidence(session, alerts)
    return {a.id: present(a, findings.get(a.id), scores.get(a.id), "zh_CN")["title"] for a in alerts}


def data_moment(run: SweepRun) -> datetime | None:
    """The moment a sweep's data stands at: its replay date (``as_of``) when it has one, else its start."""
    moment = run.as_of or run.started_at
    return as_utc(moment) if moment is not None else None


def sweeps_in_period(session, start_cut: datetime, end_cut: datetime) -> list[SweepRun]:
    """Sweeps whose data moment (:func:`data_moment`) falls in the period: a replay counts in the period it
    replays, not on the day it ran."""
    rows = session.exec(select(SweepRun).where(or_(
        and_(SweepRun.as_of.is_not(None), SweepRun.as_of >= start_cut, SweepRun.as_of < end_cut),
        and_(SweepRun.as_of.is_(None), SweepRun.started_at >= start_cut, SweepRun.started_at < end_cut))))
    return sorted(rows, key=lambda r: (data_moment(r), r.id))


def documents_fetched(session, runs: list[SweepRun], start_cut: datetime, end_cut: datetime) -> int:
    """Files fetched for the period: fetched in it, or fetched while one of its replay sweeps ran."""
    windows = [Document.fetched_at.between(as_utc(r.started_at),
                                           as_utc(r.finished_at or r.heartbeat_at or datetime.now(timezone.utc)))
               for r in runs if r.as_of is not None and r.started_at is not None]
    cond = and_(Document.fetched_at >= start_cut, Document.fetched_at < end_cut)
    return session.exec(select(func.count(Document.id)).where(or_(cond, *windows))).one()


# --------------------------------------------------------------------------- the city briefing
def city_data(session, config, start: date, end: date, user=None, generated_at: datetime | None = None) -> dict:
    """Everything the weekly city briefing shows for the period ``start``..``end`` (inclusive, local dates)."""
    if end < start:
        raise InputError(f"period {start}..{end}: the end is before the start", code="period")
    tz = config.timezone
    start_cut, end_cut = day_start(start, tz), day_start(end + timedelta(days=1), tz)
    allowed = visible_jurisdictions(session, user)
    insts = {i.id: i for i in session.exec(select(Institution).order_by(Institution.id)) if _visible(i, allowed)}

    previous = session.exec(select(Briefing).where(Briefing.kind == "city", Briefing.period_end < end,
                                                   Briefing.period_end >= start - timedelta(days=62))
                            .order_by(Briefing.period_end.desc(), Briefing.id.desc())).first()
    if previous is not None and previous.period_end is not None:
        base_cut = day_start(previous.period_end + timedelta(days=1), tz)
        baseline = {"kind": "briefing", "date": previous.period_end.isoformat(), "briefing_id": previous.id}
    else:
        base_cut = start_cut
        baseline = {"kind": "period_start", "date": start.isoformat(), "briefing_id": None}

    now_scores = latest_scores(session, end_cut, insts)
    base_scores = latest_scores(session, base_cut, insts)
    now_bands = {i: s.band for i, s in now_scores.items()}
    base_bands = {i: s.band for i, s in base_scores.items()}
    changes = band_changes(base_bands, now_bands)

    def inst_row(inst_id: int) -> dict[str, Any]:
        inst, s, b = insts[inst_id], now_scores.get(inst_id), base_scores.get(inst_id)
        return {"id": inst_id, "name": inst.name, "uscc": inst.uscc, "district": inst.district,
                "kind": inst.kind, "status": inst.status,
                "score": s.score if s else None, "band": s.band if s else None,
                "previous_score": b.score if b else None, "previous_band": b.band if b else None,
                "reasons": main_reasons(s.contributions) if s else [],
                "rule_version": s.rule_version if s else None}

    ranked = sorted(now_scores, key=lambda i: (-now_scores[i].score, insts[i].name))
    all_rows = [inst_row(i) for i in ranked] + [inst_row(i) for i in insts if i not in now_scores]
    top = [r for r in all_rows if r["band"] in ("red", "orange", "yellow")]

    # Findings first seen in the period: fingerprints never seen before it.
    scope_ids = list(insts)
    seen_before = set(session.exec(select(Finding.fingerprint).where(Finding.as_of < start_cut).distinct()))
    # Light columns first (hourly sweeps repeat every finding), then only the latest row of each new one.
    newest: dict[str, int] = {}
    for fid, fp in session.exec(select(Finding.id, Finding.fingerprint)
                                .where(Finding.as_of >= start_cut, Finding.as_of < end_cut,
                                       Finding.institution_id.in_(scope_ids))
                                .order_by(Finding.as_of, Finding.id)):
        if fp not in seen_before:
            newest[fp] = fid
    ids = list(newest.values())
    fresh: dict[str, Finding] = {}
    for chunk in range(0, len(ids), 500):
        for f in session.exec(select(Finding).where(Finding.id.in_(ids[chunk:chunk + 500]))):
            fresh[f.fingerprint] = f
    by_pattern: dict[str, list[dict]] = defaultdict(list)
    for f in fresh.values():
        d = finding_dict(f, tz)
        d["institution"] = insts[f.institution_id].name
        by_pattern[f.kind].append(d)
    patterns = [{"kind": k, "count": len(v), "institutions": len({x["institution_id"] for x in v}),
                 "findings": sorted(v, key=lambda x: (-_sev(x["severity"]), x["institution"]))}
                for k, v in sorted(by_pattern.items(),  # the gravest patterns first, then the most frequent
                                   key=lambda kv: (-max(_sev(x["severity"]) for x in kv[1]), -len(kv[1]), kv[0]))]

    alerts = list(session.exec(select(Alert).where(Alert.institution_id.in_(scope_ids))))
    new_alerts = [a for a in alerts if start_cut <= as_utc(a.first_raised_at) < end_cut]
    escalations = list(session.exec(select(AuditEntry).where(
        AuditEntry.object_type == "alert", AuditEntry.field == "status", AuditEntry.new == "escalated",
        AuditEntry.at >= start_cut, AuditEntry.at < end_cut)))
    alert_by_id = {a.id: a for a in alerts}
    escalated = [alert_by_id[e.object_id] for e in escalations if e.object_id in alert_by_id]

    titles = alert_titles(session, new_alerts + escalated)

    def alert_row(a: Alert) -> dict[str, Any]:
        return {"id": a.id, "institution": insts[a.institution_id].name, "kind": a.kind, "title": titles[a.id],
                "severity": a.severity, "status": a.status, "band": a.band,
                "first_raised_at": as_utc(a.first_raised_at).isoformat()}

    risers = top_risers({i: s.score for i, s in base_scores.items()}, {i: s.score for i, s in now_scores.items()})
    trend_from = end_cut - timedelta(weeks=TREND_WEEKS)
    trends = []
    for inst_id, rise in risers:
        pts = list(session.exec(select(Score.as_of, Score.score).where(Score.institution_id == inst_id,
                                                                       Score.as_of >= trend_from,
                                                                       Score.as_of < end_cut)))
        # The score in force when the window opens, so the line spans the whole window.
        opening = latest_scores(session, trend_from, [inst_id]).get(inst_id)
        if opening is not None:
            pts.insert(0, (trend_from, opening.score))
        trends.append({"id": inst_id, "name": insts[inst_id].name, "rise": rise, "points": daily_last(pts, tz)})
    alert_weeks = week_buckets((a.first_raised_at for a in alerts
                                if as_utc(a.first_raised_at) < end_cut), end, ALERT_WEEKS, tz)

    versions = sorted({s.rule_version for s in now_scores.values()})
    sources = Counter(s.kind for s in session.exec(select(Source).where(Source.active == True)))  # noqa: E712
    last_crawl = session.exec(select(func.max(Source.last_crawled_at))).one()
    runs = sweeps_in_period(session, start_cut, end_cut)
    docs_in_period = documents_fetched(session, runs, start_cut, end_cut)
    sweeps = [{"id": r.id, "kind": r.kind, "status": r.status, "trigger": r.trigger,
               "as_of": as_utc(r.as_of).isoformat() if r.as_of else None,
               "started_at": as_utc(r.started_at).isoformat() if r.started_at else None} for r in runs]
    sweep_status = Counter(r["status"] for r in sweeps)
    return {
        "city": config.city, "timezone": tz, "start": start.isoformat(), "end": end.isoformat(),
        "week": _week_label(start, end),
        "generated_at": (generated_at or datetime.now(timezone.utc)).isoformat(),
        "scoped": allowed is not None,
        "baseline": baseline,
        "summary": {
            "institutions": len(insts), "scored": len(now_scores),
            "bands": band_counts(now_bands.values()), "previous_bands": band_counts(base_bands.values()),
            "up": len(changes["up"]), "down": len(changes["down"]),
            "new_alerts": len(new_alerts), "escalated_alerts": len({a.id for a in escalated}),
            # raised by the period's end (a replayed week must not count the alerts of later sweeps)
            "open_alerts": sum(a.status != "closed" and as_utc(a.first_raised_at) < end_cut for a in alerts),
            "new_findings": len(fresh),
        },
        "band_up": [inst_row(i) for i in sorted(changes["up"], key=lambda i: -now_scores[i].score)],
        "band_down": [inst_row(i) for i in sorted(changes["down"], key=lambda i: -now_scores[i].score)],
        "top": top, "all": all_rows, "patterns": patterns,
        "new_alerts": [alert_row(a) for a in sorted(new_alerts, key=lambda a: (a.first_raised_at, a.id))],
        "escalated_alerts": [alert_row(a) for a in {a.id: a for a in escalated}.values()],
        "trends": trends, "alert_weeks": alert_weeks,
        "rule_sets": [_rule_set(session, v) for v in versions],
        "sources": {"by_kind": dict(sorted(sources.items())), "documents_in_period": docs_in_period,
                    "last_crawled_at": as_utc(last_crawl).isoformat() if last_crawl else None},
        "sweeps": {"count": len(sweeps), "by_status": dict(sweep_status), "runs": sweeps[-20:]},
    }


def _week_label(start: date, end: date) -> str | None:
    iso = start.isocalendar()
    if start.weekday() == 0 and end == start + timedelta(days=6):
        return f"{iso.year}年第{iso.week}周"
    return None


def _sev(severity: str) -> int:
    return {"low": 0, "medium": 1, "high": 2, "critical": 3}.get(severity, 0)


# --------------------------------------------------------------------------- the institution dossier
def find_institution(session, key: str | int) -> Institution:
    """An institution by id or USCC; :class:`InputError` when there is none."""
    text = str(key).strip()
    inst = None
    if text.isdigit():
        inst = session.get(Institution, int(text))
    if inst is None:
        inst = session.exec(select(Institution).where(Institution.uscc == text.upper())).first()
    if inst is None:
        raise InputError(f"institution {text!r} not found (give its id or USCC)")
    return inst


def _party_name(session, kind: str, pid: int, cache: dict) -> str:
    key = (kind, pid)
    if key not in cache:
        row = session.get(Person if kind == "person" else Company, pid)
        cache[key] = row.name if row else f"{kind}#{pid}"
    return cache[key]


def _ownership(session, company: Company | None, levels: int = 2) -> dict[str, Any]:
    """Who owns and controls the institution's company, up to ``levels`` hops, as nodes and edges."""
    if company is None:
        return {"nodes": [], "edges": []}
    names: dict = {}
    root = ("company", company.id)
    nodes = {root: {"id": "company:%d" % company.id, "name": company.name, "kind": "company", "level": 0}}
    edges = []
    frontier = [root]
    for level in range(1, levels + 1):
        nxt = []
        for kind, pid in frontier:
            if kind != "company":
                continue
            for r in session.exec(select(Relation).where(Relation.object_kind == "company", Relation.object_id == pid,
                                                         Relation.kind.in_(("shareholder", "controller")),
                                                         Relation.valid_to.is_(None))):
                sub = (r.subject_kind, r.subject_id)
                if sub not in nodes:
                    nodes[sub] = {"id": f"{sub[0]}:{sub[1]}", "name": _party_name(session, *sub, names),
                                  "kind": sub[0], "level": level}
                    nxt.append(sub)
                edges.append({"src": nodes[sub]["id"], "dst": f"{kind}:{pid}", "kind": r.kind, "share": r.share})
        frontier = nxt
    return {"nodes": list(nodes.values()), "edges": edges}


def institution_data(session, config, institution, user=None, generated_at: datetime | None = None) -> dict:
    """Everything an institution's dossier (机构风险档案) shows."""
    tz = config.timezone
    inst = find_institution(session, institution)
    allowed = visible_jurisdictions(session, user)
    if not _visible(inst, allowed):
        raise AccessDenied(f"institution {inst.id} is outside your jurisdictions")
    jur = session.get(Jurisdiction, inst.jurisdiction_id) if inst.jurisdiction_id else None
    company = session.exec(select(Company).where(Company.uscc == inst.uscc)).first()
    names: dict = {}

    relations = []
    if company is not None:
        rel_q = select(Relation).where(or_(and_(Relation.object_kind == "company", Relation.object_id == company.id),
                                           and_(Relation.subject_kind == "company",
                                                Relation.subject_id == company.id)))
        for r in session.exec(rel_q.order_by(Relation.kind, Relation.id)):
            outward = r.subject_kind == "company" and r.subject_id == company.id and r.object_id != company.id
            other = (r.object_kind, r.object_id) if outward else (r.subject_kind, r.subject_id)
            relations.append({"kind": r.kind, "direction": "out" if outward else "in",
                              "party": _party_name(session, *other, names), "party_kind": other[0],
                              "share": r.share, "role": r.role, "amount": r.amount,
                              "valid_from": r.valid_from.isoformat() if r.valid_from else None,
                              "valid_to": r.valid_to.isoformat() if r.valid_to else None})

    # Columns only for the history (hourly sweeps: thousands of rows); the latest row in full.
    scores = list(session.exec(select(Score.id, Score.as_of, Score.score, Score.band)
                               .where(Score.institution_id == inst.id).order_by(Score.as_of, Score.id)))
    latest = session.get(Score, scores[-1].id) if scores else None
    history = daily_last(((s.as_of, s.score) for s in scores), tz)
    band_history = []
    for s in scores:
        if not band_history or band_history[-1]["band"] != s.band:
            band_history.append({"as_of": as_utc(s.as_of).isoformat(), "band": s.band, "score": s.score})

    facts = list(session.exec(select(DisclosureFact).where(DisclosureFact.institution_id == inst.id,
                                                           DisclosureFact.suspect.is_(None))  # never as fact
                              .order_by(DisclosureFact.period, DisclosureFact.id)))
    table: dict[str, dict[str, float]] = defaultdict(dict)
    estimated: dict[str, dict[str, bool]] = defaultdict(dict)  # dated by the regulatory deadline
    for f in facts:
        table[f.period.isoformat()][f.metric] = f.value  # later rows (corrections) win
        estimated[f.period.isoformat()][f.metric] = bool(f.estimated)
    periods = sorted(table)[-24:]
    metrics = [m for m in DOSSIER_METRICS if any(m in table[p] for p in periods)]
    rows = [{"period": p[:7], "values": table[p], "estimated": {m: estimated[p][m] for m in metrics if m in table[p]}}
            for p in periods]
    disclosures = {"metrics": metrics, "rows": rows,
                   "any_estimated": any(any(r["estimated"].values()) for r in rows),
                   "last_estimated": bool(facts[-1].estimated) if facts else False,
                   "balance": [(p[:7], table[p]["outstanding_balance"]) for p in periods
                               if "outstanding_balance" in table[p]],
                   "overdue": [(p[:7], table[p]["overdue_amount"]) for p in periods if "overdue_amount" in table[p]],
                   "last_available_at": as_utc(facts[-1].available_at).isoformat() if facts else None}

    # The current findings: those of the most recent sweep (or as_of) that found anything here.
    last_f = session.exec(select(Finding).where(Finding.institution_id == inst.id)
                          .order_by(Finding.as_of.desc(), Finding.id.desc())).first()
    findings = []
    if last_f is not None:
        cond = Finding.sweep_id == last_f.sweep_id if last_f.sweep_id is not None else Finding.as_of == last_f.as_of
        seen = {}
        for f in session.exec(select(Finding).where(Finding.institution_id == inst.id, cond).order_by(Finding.id)):
            seen[f.fingerprint] = finding_dict(f, tz)
        findings = sorted(seen.values(), key=lambda d: (-_sev(d["severity"]), -d["score"], d["id"]))

    ev_cond = Event.institution_id == inst.id
    if company is not None:
        ev_cond = or_(ev_cond, Event.company_id == company.id)
    events = list(session.exec(select(Event).where(ev_cond).order_by(Event.occurred_on.desc(), Event.id.desc())))
    event_rows = [{"kind": e.kind, "title": e.title, "occurred_on": e.occurred_on.isoformat() if e.occurred_on else None,
                   "amount": event_amount(e), "url": e.url, "subject_name": e.subject_name, "body": (e.body or "")[:300],
                   "available_at": as_utc(e.available_at).isoformat()} for e in events[:MAX_ROWS]]

    status = operating_status(events)
    users = {u.id: u.display_name or u.username for u in session.exec(select(User))}
    alert_rows = []
    alerts = list(session.exec(select(Alert).where(Alert.institution_id == inst.id)
                               .order_by(Alert.first_raised_at.desc())))
    titles = alert_titles(session, alerts)
    for a in alerts:
        notes = [{"at": as_utc(n.created_at).isoformat(), "author": users.get(n.author_id, "—"), "body": n.body}
                 for n in session.exec(select(AlertNote).where(AlertNote.alert_id == a.id).order_by(AlertNote.id))]
        log = [{"at": as_utc(e.at).isoformat(), "actor": e.actor, "action": e.action, "field": e.field,
                "old": e.old, "new": e.new}
               for e in session.exec(select(AuditEntry).where(AuditEntry.object_type == "alert",
                                                              AuditEntry.object_id == a.id)
                                     .order_by(AuditEntry.at, AuditEntry.id))]
        alert_rows.append({"id": a.id, "kind": a.kind, "title": titles[a.id], "severity": a.severity, "status": a.status,
                           "close_reason": a.close_reason, "band": a.band, "assignee": users.get(a.assignee_id),
                           "first_raised_at": as_utc(a.first_raised_at).isoformat(),
                           "last_seen_at": as_utc(a.last_seen_at).isoformat(), "reopen_count": a.reopen_count,
                           "notes": notes, "history": log})

    # The newest version of each URL; columns only (bodies can be large).
    latest_docs: dict[str, dict] = {}
    for d in session.exec(select(Document.id, Document.url, Document.fetched_at, Document.sha256, Document.http_status,
                                 Document.version, Document.parse_status)
                          .where(Document.institution_id == inst.id)
                          .order_by(Document.fetched_at.desc(), Document.id.desc())):
        if d.url not in latest_docs:
            latest_docs[d.url] = {"id": d.id, "url": d.url, "fetched_at": as_utc(d.fetched_at).isoformat(),
                                  "sha256": d.sha256, "http_status": d.http_status, "version": d.version,
                                  "parse_status": d.parse_status}
    n_docs = len(latest_docs)
    docs = list(latest_docs.values())[:MAX_DOCUMENTS]
    return {
        "city": config.city, "timezone": tz,
        "generated_at": (generated_at or datetime.now(timezone.utc)).isoformat(),
        "institution": {"id": inst.id, "name": inst.name, "uscc": inst.uscc, "kind": inst.kind,
                        "status": inst.status, "district": inst.district, "website": inst.website,
                        "operating_status": {"code": status.code, "name": printed("institution_status", status.code),
                                             "evidence": [{"kind": e.kind, "title": e.title,
                                                           "occurred_on": e.occurred_on.isoformat()
                                                           if e.occurred_on else None}
                                                          for e in status.evidence[:3]]},
                        "custody_bank": inst.custody_bank, "jurisdiction": jur.name if jur else None,
                        "jurisdiction_id": inst.jurisdiction_id},
        "registry": None if company is None else {
            "name": company.name, "uscc": company.uscc, "registered_capital": company.registered_capital,
            "paid_in_capital": company.paid_in_capital, "legal_representative": company.legal_representative,
            "address": company.address,
            "established_on": company.established_on.isoformat() if company.established_on else None,
            "registry_url": company.registry_url},
        "relations": relations, "ownership": _ownership(session, company),
        "score": None if latest is None else {
            "score": latest.score, "band": latest.band, "as_of": as_utc(latest.as_of).isoformat(),
            "rule_version": latest.rule_version, "contributions": latest.contributions},
        "rule_set": _rule_set(session, latest.rule_version if latest else None),
        "score_history": history, "band_history": band_history,
        "disclosures": disclosures, "findings": findings,
        "events": event_rows, "events_total": len(events),
        "alerts": alert_rows, "documents": docs, "documents_total": n_docs,
    }
