"""Institution list (filters, search), institution page, score history, stored documents."""

from __future__ import annotations

import re
from collections import defaultdict

from flask import Blueprint, Response, jsonify, render_template, request
from flask_babel import get_locale
from sqlalchemy import or_
from sqlmodel import select

from monitor import formatting as fmt
from monitor.models import (Alert, Company, DisclosureFact, Document, Event, Finding, Institution, Person,
                            Relation, Score)
from monitor.portal.common import db, locale_name, masker, monitor_config, scope
from monitor.status import Status, operating_status
from monitor.access import Scope
from monitor.portal import RAW_CSP
from monitor.text import normalize_name
from monitor.vocab import METRICS

bp = Blueprint("institutions", __name__)
PAGE = 50
PERIODS_SHOWN = 6  # the table fits the page; the chart shows the whole series
STATUS_EVENT_KINDS = ("closure", "news", "complaint", "registry_change", "lawsuit", "enforcement")


# Statuses change only when events arrive (a sweep's crawl): kept per process, keyed by the store and
# its newest event id, so a list page does not re-read every event of fifty platforms.
_STATUS_CACHE: dict[tuple, Status] = {}
_STATUS_CACHE_SIZE = 5000


def data_dates(session, inst_ids, tz: str = "Asia/Shanghai") -> dict:
    """Each institution's data date: the day, in the bureau's zone, of its newest score (the "data as of"
    its page states; in a replay a day in the past). Institutions never scored have none."""
    from sqlalchemy import func

    ids = list(inst_ids)
    if not ids:
        return {}
    rows = session.exec(select(Score.institution_id, func.max(Score.as_of)).where(Score.institution_id.in_(ids))
                        .group_by(Score.institution_id)).all()
    return {i: fmt.local(m, tz).date() for i, m in rows if m is not None}


def statuses(session, inst_ids) -> dict[int, Status]:
    """Each institution's operating status from all its events (:func:`monitor.status.operating_status`);
    pages mark the evidence that postdates the institution's data date (:func:`data_dates`)."""
    from sqlalchemy import func

    ids = list(inst_ids)
    if not ids:
        return {}
    newest = session.exec(select(func.max(Event.id))).one()
    store = str(session.get_bind().url)
    out = {i: _STATUS_CACHE.get((store, newest, i)) for i in ids}
    missing = [i for i, st in out.items() if st is None]
    if missing:
        by_inst: dict[int, list] = defaultdict(list)
        rows = session.exec(select(Event.id, Event.institution_id, Event.kind, Event.title, Event.occurred_on,
                                   Event.document_id)
                            .where(Event.institution_id.in_(missing), Event.kind.in_(STATUS_EVENT_KINDS))).all()
        for r in rows:
            by_inst[r.institution_id].append(r._asdict())
        if len(_STATUS_CACHE) > _STATUS_CACHE_SIZE:
            _STATUS_CACHE.clear()
        for i in missing:
            out[i] = _STATUS_CACHE[(store, newest, i)] = operating_status(by_inst.get(i, []))
    return out


def filtered_institutions(sc: Scope, args) -> list[tuple[Institution, object]]:
    """Institutions in scope matching the list's filters (q, band, kind, district), riskiest first."""
    q = sc.institutions()
    text = (args.get("q") or "").strip()
    if text:
        like = f"%{normalize_name(text)}%"
        q = q.where(or_(Institution.name_norm.like(like), Institution.name.like(f"%{text}%"),
                        Institution.uscc == text.upper()))
    if args.get("kind"):
        q = q.where(Institution.kind == args["kind"])
    if args.get("district"):
        q = q.where(Institution.district == args["district"])
    latest = sc.latest_scores(contributions=False)
    rows = [(inst, latest.get(inst.id)) for inst in sc.session.exec(q)]
    if args.get("band"):
        rows = [r for r in rows if (r[1].band if r[1] else "green") == args["band"]]
    rows.sort(key=lambda r: (-(r[1].score if r[1] else 0.0), r[0].name))
    return rows


@bp.route("/institutions")
def index():
    sc = scope()
    rows = filtered_institutions(sc, request.args)
    districts = sorted({d for d in db().exec(select(Institution.district).where(
        Institution.jurisdiction_id.in_(sc.jurisdiction_ids))) if d})
    page = max(1, request.args.get("page", 1, type=int))
    shown = rows[(page - 1) * PAGE: page * PAGE]
    return render_template("portal/institutions.html", rows=shown, total=len(rows), page=page,
                           pages=max(1, -(-len(rows) // PAGE)), districts=districts, args=request.args,
                           status=statuses(db(), [inst.id for inst, _ in shown]))


def registry(session, inst: Institution) -> dict:
    """The institution's registry record and the parties related to it (shareholders, executives, ...)."""
    company = session.exec(select(Company).where(Company.uscc == inst.uscc)).first()
    parties = []
    if company is not None:
        rels = session.exec(select(Relation).where(Relation.object_kind == "company",
                                                   Relation.object_id == company.id)).all()
        person_ids = [r.subject_id for r in rels if r.subject_kind == "person"]
        company_ids = [r.subject_id for r in rels if r.subject_kind == "company"]
        persons = {p.id: p for p in session.exec(select(Person).where(Person.id.in_(person_ids)))} if person_ids else {}
        companies = {c.id: c for c in session.exec(select(Company).where(Company.id.in_(company_ids)))} \
            if company_ids else {}
        for r in rels:
            who = (persons if r.subject_kind == "person" else companies).get(r.subject_id)
            parties.append({"relation": r, "name": who.name if who else "?", "kind": r.subject_kind})
    parties.sort(key=party_order)
    return {"company": company, "parties": parties}


RELATION_RANK = {"controller": 0, "shareholder": 1, "legal_representative": 2, "executive": 3, "guarantee": 4}


def party_order(party: dict) -> tuple:
    """Biggest share first, parties without a share last, then relation kind, name and id.

    Sorted here rather than in SQL: PostgreSQL and SQLite put NULLs at opposite ends of a
    descending order and collate names differently, and the page must read the same on both.
    """
    r = party["relation"]
    return (r.share is None, -(r.share or 0.0), RELATION_RANK.get(r.kind, len(RELATION_RANK)), r.kind,
            party["name"], r.id)


def disclosures(session, inst_id: int, last: int = 12, locale: str = "zh_CN") -> tuple[list, list]:
    """(periods, rows): one row per metric with its value per period (the ``last`` newest periods, newest
    last) and, per period, whether its date is estimated (the page stated none: the regulatory deadline);
    each money row has one unit for all its periods (``money_unit``)."""
    # Plain rows rather than ORM objects: a page reads a few hundred facts.
    facts = session.exec(select(DisclosureFact.metric, DisclosureFact.period, DisclosureFact.value,
                                DisclosureFact.unit, DisclosureFact.estimated)
                         .where(DisclosureFact.institution_id == inst_id,
                                DisclosureFact.suspect.is_(None))  # shown on /coverage
                         .order_by(DisclosureFact.period, DisclosureFact.available_at)).all()
    table: dict[str, dict] = defaultdict(dict)
    units = {}
    for f in facts:
        table[f.metric][f.period] = (f.value, bool(f.estimated))  # the latest available wins
        units[f.metric] = f.unit
    periods = sorted({f.period for f in facts})[-last:]
    # In the order of the disclosure guideline (monitor.vocab.METRICS), not of the code names.
    order = {m.name: i for i, m in enumerate(METRICS)}
    rows = []
    for m in sorted(table, key=lambda m: (order.get(m, len(order)), m)):
        cells = [table[m].get(p, (None, False)) for p in periods]
        values = [v for v, _ in cells]
        kind = "money" if units[m] in ("元", "yuan") else "share" if units[m] == "ratio" else "count"
        rows.append({"metric": m, "unit": units[m], "kind": kind, "values": values,
                     "estimated": [e for _, e in cells],
                     "money_unit": fmt.money_unit(values, locale) if kind == "money" else None})
    return periods, rows


def latest_findings(session, inst_id: int) -> list[Finding]:
    """Each finding's newest sighting (one per fingerprint): those of the newest sweep that found anything
    here first, then the ones it no longer found; strongest first within each."""
    # Newest sighting per fingerprint chosen in SQL on the narrow columns: a sweep a month repeats
    # every finding, and the evidence JSON of the older sightings is most of the rows' bytes.
    sightings = session.exec(select(Finding.id, Finding.fingerprint, Finding.as_of)
                             .where(Finding.institution_id == inst_id)).all()
    newest: dict[str, tuple] = {}
    for fid, fp, as_of in sightings:
        if fp not in newest or (as_of, fid) > newest[fp]:
            newest[fp] = (as_of, fid)
    ids = [fid for _, fid in newest.values()]
    out = list(session.exec(select(Finding).where(Finding.id.in_(ids)))) if ids else []
    order = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    current = max((f.as_of for f in out), default=None)
    return sorted(out, key=lambda f: (f.as_of != current, order.get(f.severity, 9), -f.score, -f.id))


@bp.route("/institutions/<int:inst_id>")
def show(inst_id: int):
    from monitor.portal.alerts import presented

    sc = scope()
    inst = sc.institution(inst_id)
    s = db()
    scores = sc.scores(inst_id)
    score = scores[-1] if scores else None
    periods, facts = disclosures(s, inst_id, PERIODS_SHOWN, locale_name())
    alerts = s.exec(select(Alert).where(Alert.institution_id == inst_id).order_by(Alert.last_seen_at.desc())
                    .limit(20)).all()
    findings = latest_findings(s, inst_id)
    masker().keep_evidence([f.evidence for f in findings[:EVIDENCE_INLINE]])
    masker().learn(account_numbers([f.evidence for f in findings[:EVIDENCE_INLINE]]))
    return render_template("portal/institution.html", inst=inst, inst_id=inst_id, reg=registry(s, inst),
                           score=score, periods=periods, facts=facts, alerts=alerts, findings=findings,
                           inline=EVIDENCE_INLINE, by_id={f.id: f for f in findings},
                           current_as_of=findings[0].as_of if findings else None,
                           shown=presented(s, alerts, locale_name()), op_status=statuses(s, [inst_id])[inst_id],
                           data_date=data_dates(s, [inst_id], monitor_config().timezone).get(inst_id))


EVIDENCE_INLINE = 1  # the strongest finding shows its evidence with the page; the others when opened
_ACCOUNT_NO = re.compile(r"\d{16,19}")


def account_numbers(value) -> set[str]:
    """The account numbers (16–19 digits) among the strings of a JSON-like ``value``: what its page will show,
    looked up at once by :meth:`monitor.privacy.Masker.learn` instead of one query each."""
    if isinstance(value, str):
        return {value} if _ACCOUNT_NO.fullmatch(value) else set()
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        return set().union(*(account_numbers(v) for v in value)) if value else set()
    return set()


@bp.route("/institutions/<int:inst_id>/findings")
def finding_evidence(inst_id: int):
    """One finding's evidence (``?id=``), for a finding of the page opened by the reader; without an id,
    the findings section with every evidence shown."""
    from flask import abort

    scope().institution(inst_id)
    if request.args.get("id") is None:
        findings = latest_findings(db(), inst_id)
        masker().keep_evidence([f.evidence for f in findings])
        return render_template("portal/_institution_findings.html", inst_id=inst_id, findings=findings,
                               current_as_of=findings[0].as_of if findings else None,
                               inline=len(findings))
    finding = db().get(Finding, request.args.get("id", type=int) or 0)
    if finding is None or finding.institution_id != inst_id:
        abort(404)
    masker().keep_evidence(finding.evidence)
    return render_template("portal/_finding_evidence.html", inst_id=inst_id, f=finding)


# The institution page's long sections, loaded when the page asks for them (data-section).
@bp.route("/institutions/<int:inst_id>/events")
def events(inst_id: int):
    """The institution's events, newest first (a section of its page)."""
    scope().institution(inst_id)  # 404 outside the scope
    rows = db().exec(select(Event).where(Event.institution_id == inst_id)
                     .order_by(Event.occurred_on.desc(), Event.id.desc()).limit(100)).all()
    # a court record's amount is often only in its text (the PDFs read it the same way)
    return render_template("portal/_institution_events.html", inst_id=inst_id, events=rows,
                           amounts={e.id: fmt.event_amount(e) for e in rows},
                           data_date=data_dates(db(), [inst_id], monitor_config().timezone).get(inst_id))


@bp.route("/institutions/<int:inst_id>/documents")
def documents(inst_id: int):
    """The institution's stored pages, newest fetch first (a section of its page)."""
    scope().institution(inst_id)
    rows = db().exec(select(Document.id, Document.url, Document.fetched_at, Document.version)
                     .where(Document.institution_id == inst_id)
                     .order_by(Document.fetched_at.desc(), Document.id.desc()).limit(100)).all()
    return render_template("portal/_institution_documents.html", inst_id=inst_id, documents=rows)


@bp.route("/institutions/<int:inst_id>/history.json")
def history(inst_id: int):
    """Score history and disclosed series for the charts."""
    sc = scope()
    scores = sc.scores(inst_id)
    periods, facts = disclosures(db(), inst_id)
    locale = str(get_locale() or "zh_CN")
    # The money series the chart draws (its first five) share one axis, in one unit named by the axis:
    # the ticks are the values divided by ``scale``, so ticks and axis name cannot disagree.
    money = [v for r in [r for r in facts if r["kind"] == "money"][:5] for v in r["values"]]
    unit = fmt.money_unit(money, locale) if money else None
    return jsonify({
        "scores": [{"as_of": s.as_of.isoformat(), "score": s.score, "band": s.band} for s in scores],
        "thresholds": _thresholds(),
        "periods": [p.isoformat() for p in periods],
        "axis": {"name": unit, "scale": fmt.MONEY_UNITS[unit]} if unit else None,
        "series": [{"metric": r["metric"], "label": fmt.evidence_key(r["metric"], locale), "unit": r["unit"],
                    "values": r["values"], "estimated": r["estimated"]} for r in facts],
    })


def _thresholds() -> dict:
    from monitor.scoring import active_rules

    t = active_rules(db()).thresholds
    return {b: t.get(b) for b in ("red", "orange", "yellow")}


# --------------------------------------------------------------------------- stored documents
def document_text(doc: Document, evidence_dir) -> str:
    """The stored body decoded as text (never interpreted)."""
    body = doc.body
    if body is None and doc.body_path:
        path = (evidence_dir / doc.body_path).resolve()
        if evidence_dir.resolve() in path.parents and path.is_file():
            body = path.read_bytes()
    if body is None:
        return ""
    for enc in filter(None, (doc.encoding, "utf-8", "gb18030")):
        try:
            return body.decode(enc)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("utf-8", errors="replace")


@bp.route("/documents/<int:doc_id>")
def document(doc_id: int):
    doc = scope().document(doc_id)
    inst = db().get(Institution, doc.institution_id)
    versions = db().exec(select(Document.id, Document.version, Document.fetched_at).where(Document.url == doc.url)
                         .order_by(Document.version)).all()
    text = document_text(doc, monitor_config().evidence_path)
    return render_template("portal/document.html", doc=doc, inst=inst, versions=versions, text=text[:200_000])


@bp.route("/documents/<int:doc_id>/raw")
def document_raw(doc_id: int):
    """The stored page as plain text in a sandbox: shown, never executed."""
    doc = scope().document(doc_id)
    text = masker().text(document_text(doc, monitor_config().evidence_path))
    resp = Response(text, mimetype="text/plain")
    resp.headers["Content-Security-Policy"] = RAW_CSP
    resp.headers["Content-Disposition"] = "inline"
    return resp
