"""Indicators: weak signals from public data (disclosures, registry, court, complaints, crawl status).

Each indicator is a small pure function ``(snapshot, params, as_of) -> list[FindingResult]``
that sees only what was available by ``as_of`` (``available_at <= as_of``; crawl
documents by ``fetched_at``). :func:`load_snapshot` is the one place that reads
the store; :func:`run_indicators` runs them all.

Each indicator is declared once, as an :class:`~monitor.findings.Indicator` record in
:data:`INDICATOR_RECORDS` (labels, signal source, default weight, parameters, function);
:data:`INDICATORS` and :data:`DEFAULT_PARAMS` are derived from them. Findings use
``detector="indicator.<name>"`` and ``kind=<name>`` (``borrower_limits`` reports the
flow detectors' kinds ``borrower_cap`` and ``borrower_concentration``); their ``score`` is
what they add to the risk index under the default rules (see ``docs/scoring.md``).
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable, Iterable

from monitor.findings import Evidence, EvidenceDocument, FindingResult, Indicator, Param, default_points
from monitor.formatting import event_amount
from monitor.text import nfkc

COMPLAINT_KEYWORDS = ("提现困难", "逾期", "无法提现", "兑付", "无法回款")

@dataclass
class DocRef:
    """The metadata of a crawled document an indicator cites (never the body)."""

    id: int
    url: str
    institution_id: int | None = None
    http_status: int | None = None
    fetched_at: datetime | None = None
    sha256: str | None = None
    available_at: datetime | None = None


@dataclass
class Snapshot:
    """The store's rows an indicator may read, as plain objects (ORM rows or look-alikes)."""

    institutions: list = field(default_factory=list)  # .id .uscc .name .website
    facts: list = field(default_factory=list)  # DisclosureFact-like
    events: list = field(default_factory=list)  # Event-like
    documents: dict[int, DocRef] = field(default_factory=dict)
    companies: list = field(default_factory=list)  # Company-like
    relations: list = field(default_factory=list)  # Relation-like


# --------------------------------------------------------------------------- helpers
def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _visible(items: Iterable, as_of: datetime, attr: str = "available_at") -> list:
    as_of = _aware(as_of)
    return [x for x in items if getattr(x, attr, None) is not None and _aware(getattr(x, attr)) <= as_of]


def _month_end(period: date) -> date:
    nxt = date(period.year + (period.month == 12), period.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def _add_months(period: date, n: int) -> date:
    k = period.year * 12 + period.month - 1 + n
    return date(k // 12, k % 12 + 1, 1)


def _doc_evidence(snapshot: Snapshot, document_id: int | None, label: str | None = None,
                  url: str | None = None) -> list[EvidenceDocument]:
    doc = snapshot.documents.get(document_id) if document_id else None
    if doc is not None:
        return [EvidenceDocument(url=doc.url, document_id=doc.id, sha256=doc.sha256, label=label,
                                 fetched_at=doc.fetched_at.isoformat() if doc.fetched_at else None)]
    if url:
        return [EvidenceDocument(url=url, document_id=document_id, label=label)]
    return []


def _event_date(event) -> date:
    return event.occurred_on or _aware(event.available_at).date()


def _latest_facts(facts: list, metric: str) -> dict[int, dict[date, Any]]:
    """institution_id -> period -> the most recently available fact of ``metric``."""
    out: dict[int, dict[date, Any]] = defaultdict(dict)
    for f in facts:
        if f.metric != metric:
            continue
        prev = out[f.institution_id].get(f.period)
        if prev is None or _aware(f.available_at) >= _aware(prev.available_at):
            out[f.institution_id][f.period] = f
    return out


def _finding(name: str, inst, severity: str, title: str, evidence: Evidence, key: str = "",
             window: tuple[date | None, date | None] = (None, None), kind: str | None = None) -> FindingResult:
    kind = kind or name
    return FindingResult(detector=f"indicator.{name}", kind=kind, institution_uscc=inst.uscc,
                         severity=severity, score=default_points(kind, severity), title=title,
                         evidence=evidence, window_start=window[0], window_end=window[1], key=key)


# --------------------------------------------------------------------------- indicators
def yield_above_peers(snapshot: Snapshot, params: dict, as_of: datetime) -> list[FindingResult]:
    """Offered yield far above the city median of the same month (Ponzi bait).

    Uses each institution's latest visible ``avg_yield``; peers are the other
    institutions that disclosed that month (at least ``yield_min_peers``).
    """
    by_inst = _latest_facts(_visible(snapshot.facts, as_of), "avg_yield")
    by_period: dict[date, list[float]] = defaultdict(list)
    for periods in by_inst.values():
        for period, fact in periods.items():
            by_period[period].append(fact.value)
    out = []
    for inst in snapshot.institutions:
        periods = by_inst.get(inst.id)
        if not periods:
            continue
        period = max(periods)
        fact = periods[period]
        values = by_period[period]
        if len(values) < params["yield_min_peers"]:
            continue
        median = statistics.median(values)
        gap = fact.value - median
        if gap < params["yield_gap"]:
            continue
        severity = "high" if gap >= params["yield_gap_high"] else "medium"
        ev = Evidence(window_start=period.isoformat(), window_end=_month_end(period).isoformat(),
                      documents=_doc_evidence(snapshot, fact.document_id, fact.raw_label),
                      metrics={"avg_yield": fact.value, "city_median": median, "gap": round(gap, 6),
                               "peers": len(values), "period": period.isoformat()})
        out.append(_finding("yield_above_peers", inst, severity,
                            f"平均年化收益率 {fact.value:.2%} 高于全市中位数 {median:.2%}（{period:%Y-%m}）",
                            ev, window=(period, _month_end(period))))
    return out


def _rate_series(facts: list) -> tuple[dict, dict]:
    return _latest_facts(facts, "amount_overdue_rate"), _latest_facts(facts, "project_overdue_rate")


def overdue_jump(snapshot: Snapshot, params: dict, as_of: datetime) -> list[FindingResult]:
    """The disclosed overdue rate (amount rate, else project rate) risen well above the platform's own
    history and above the city's level of the same month.

    Fires when the latest rate is at least ``overdue_min_level``, at least ``overdue_jump`` above and
    twice the median of the platform's previous ``overdue_base_months`` reports (at least 3 of them),
    and at least ``overdue_jump`` above the city median of that month (when ``overdue_min_peers``
    platforms disclosed it). A jump of the amount rate must be broad: the project (count) rate, when
    disclosed, must have risen by at least ``overdue_breadth`` times as much over its own baseline. A
    deterioration spread across the loans raises the share of loans overdue about as much as the
    share of money overdue; one large loan in default moves the amount rate alone — a credit event,
    not a platform-wide deterioration.
    Misses: a slow climb (no month stands out against the months before it) and rates a platform
    understates in its reports (``disclosure_mismatch`` compares them with the flows).
    """
    facts = _visible(snapshot.facts, as_of)
    amount_rates, project_rates = _rate_series(facts)
    city: dict[tuple[str, date], list[float]] = defaultdict(list)
    for metric, rates in (("amount_overdue_rate", amount_rates), ("project_overdue_rate", project_rates)):
        for series in rates.values():
            for period, f in series.items():
                city[(metric, period)].append(f.value)
    n_base = params["overdue_base_months"]
    out = []
    for inst in snapshot.institutions:
        series = amount_rates.get(inst.id) or project_rates.get(inst.id)
        if not series or len(series) < 4:
            continue
        periods = sorted(series)
        last = periods[-1]
        base_periods = periods[-1 - n_base:-1]
        base = statistics.median(series[p].value for p in base_periods)
        fact = series[last]
        latest = fact.value
        jump = latest - base
        if latest < params["overdue_min_level"] or jump < params["overdue_jump"] or latest < 2 * base:
            continue
        peers = city[(fact.metric, last)]
        city_median = statistics.median(peers) if len(peers) >= params["overdue_min_peers"] else None
        if city_median is not None and latest - city_median < params["overdue_jump"]:
            continue
        breadth = None
        counts = project_rates.get(inst.id) or {}
        if fact.metric == "amount_overdue_rate" and last in counts:
            count_base = [counts[p].value for p in base_periods if p in counts]
            if count_base:
                breadth = counts[last].value - statistics.median(count_base)
                if breadth < params["overdue_breadth"] * jump:
                    continue
        severity = "high" if jump >= params["overdue_jump_high"] else "medium"
        docs = [d for p in (*base_periods, last) for d in _doc_evidence(snapshot, series[p].document_id,
                                                                        series[p].raw_label)]
        metrics = {"metric": fact.metric, "latest": latest, "baseline": base, "jump": round(jump, 6),
                   "period": last.isoformat()}
        if city_median is not None:
            metrics["city_median"] = city_median
        if breadth is not None:
            metrics["count_rate_rise"] = round(breadth, 6)
        ev = Evidence(window_start=base_periods[0].isoformat(), window_end=_month_end(last).isoformat(),
                      documents=docs, metrics=metrics)
        out.append(_finding("overdue_jump", inst, severity,
                            f"逾期率由 {base:.2%} 升至 {latest:.2%}（{last:%Y-%m}）", ev,
                            window=(base_periods[0], _month_end(last))))
    return out


def _due_period(today: date, grace: timedelta) -> date:
    """The newest month whose report is due by ``today`` (month end + ``grace``)."""
    due = _add_months(date(today.year, today.month, 1), -1)
    while _month_end(due) + grace > today:
        due = _add_months(due, -1)
    return due


def disclosure_late(snapshot: Snapshot, params: dict, as_of: datetime) -> list[FindingResult]:
    """Monthly reports persistently late or missing, or stopped.

    A report for month M is late when it was not public by its due date, the end of M plus
    ``disclosure_grace_days``: published after it, or still missing with no later report out. A month
    skipped while later reports are out is a gap, listed but not counted: as likely a page the crawl
    missed as a report not made. Medium when at least
    ``disclosure_late_min`` of the reports due in the last ``disclosure_late_window`` months were late
    (one late or skipped report is not a pattern); high ("stopped") when the last
    ``disclosure_stopped_months`` or more reports in a row are missing.
    Only institutions that have disclosed before are judged, and only for months from their first
    report on (no history, no expectation). Misses: a platform that never disclosed; a crawl that
    misses reports looks like a platform that stopped publishing.
    """
    today = _aware(as_of).date()
    grace = timedelta(days=params["disclosure_grace_days"])
    window = params["disclosure_late_window"]
    published: dict[int, dict[date, Any]] = defaultdict(dict)  # institution -> period -> first fact public
    for f in _visible(snapshot.facts, as_of):
        prev = published[f.institution_id].get(f.period)
        if prev is None or _aware(f.available_at) < _aware(prev.available_at):
            published[f.institution_id][f.period] = f
    due = _due_period(today, grace)
    out = []
    for inst in snapshot.institutions:
        seen = published.get(inst.id)
        if not seen:
            continue
        last, first = max(seen), min(seen)
        missing = (due.year - last.year) * 12 + due.month - last.month
        late, gaps = [], []
        for k in range(window):
            period = _add_months(due, -k)
            if period < first:
                break
            f = seen.get(period)
            if f is None and period < last:
                # later reports are out: as likely a page the crawl missed as a report not made
                gaps.append(period)
            elif f is None or _aware(f.available_at).date() > _month_end(period) + grace:
                late.append(period)
        stopped = missing >= params["disclosure_stopped_months"]
        if not stopped and len(late) < params["disclosure_late_min"]:
            continue
        severity = "high" if stopped else "medium"
        fact = seen[last]
        ev = Evidence(window_start=min(late + [_add_months(last, 1)]).isoformat(), window_end=today.isoformat(),
                      documents=_doc_evidence(snapshot, fact.document_id, "最近一期披露"),
                      metrics={"last_period": last.isoformat(), "due_period": due.isoformat(),
                               "months_missing": max(missing, 0),
                               "late_periods": [p.isoformat()[:7] for p in sorted(late)],
                               "gap_periods": [p.isoformat()[:7] for p in sorted(gaps)]})
        if stopped:
            title = f"停止披露：最近一期为 {last:%Y-%m}，应已披露至 {due:%Y-%m}（缺 {missing} 期）"
        else:
            title = f"披露屡次逾期：近 {window} 期中 {len(late)} 期未按期披露（应已披露至 {due:%Y-%m}）"
        out.append(_finding("disclosure_late", inst, severity, title, ev,
                            window=(min(late + [_add_months(last, 1)]), today)))
    return out


def site_down(snapshot: Snapshot, params: dict, as_of: datetime) -> list[FindingResult]:
    """The institution's pages failed to load (no status or HTTP ≥ 400) in the recent crawl window."""
    as_of = _aware(as_of)
    start = as_of - timedelta(days=params["site_window_days"])
    recent: dict[int, list[DocRef]] = defaultdict(list)
    for doc in snapshot.documents.values():
        fetched = _aware(doc.fetched_at)
        if doc.institution_id is not None and fetched is not None and start <= fetched <= as_of:
            recent[doc.institution_id].append(doc)
    out = []
    for inst in snapshot.institutions:
        docs = sorted(recent.get(inst.id, []), key=lambda d: _aware(d.fetched_at))
        failed = [d for d in docs if d.http_status is None or d.http_status >= 400]
        if len(failed) < params["site_min_failures"] or len(failed) * 2 < len(docs) or docs[-1] not in failed:
            continue
        ev = Evidence(window_start=start.date().isoformat(), window_end=as_of.date().isoformat(),
                      documents=[EvidenceDocument(url=d.url, document_id=d.id, label=f"HTTP {d.http_status}",
                                                  fetched_at=_aware(d.fetched_at).isoformat())
                                 for d in failed[-5:]],
                      metrics={"fetches": len(docs), "failures": len(failed)})
        out.append(_finding("site_down", inst, "high",
                            f"网站无法访问：近 {params['site_window_days']} 天 {len(failed)}/{len(docs)} 次抓取失败",
                            ev, window=(start.date(), as_of.date())))
    return out


def _is_withdrawal_complaint(event) -> bool:
    words = set(event.keywords or [])
    text = f"{event.title or ''} {event.body or ''}"
    return any(k in words or k in text for k in COMPLAINT_KEYWORDS)


def complaint_surge(snapshot: Snapshot, params: dict, as_of: datetime) -> list[FindingResult]:
    """Complaints about withdrawals/overdue (提现困难, 逾期, 无法提现, 兑付) far above the institution's own baseline."""
    today = _aware(as_of).date()
    recent_start = today - timedelta(days=params["complaint_window_days"])
    base_start = recent_start - timedelta(days=params["complaint_baseline_days"])
    per_window = params["complaint_baseline_days"] / params["complaint_window_days"]
    by_inst: dict[int, list] = defaultdict(list)
    for e in _visible(snapshot.events, as_of):
        if e.kind == "complaint" and e.institution_id is not None and _is_withdrawal_complaint(e):
            by_inst[e.institution_id].append(e)
    out = []
    for inst in snapshot.institutions:
        events = by_inst.get(inst.id, [])
        recent = [e for e in events if recent_start < _event_date(e) <= today]
        base = [e for e in events if base_start < _event_date(e) <= recent_start]
        baseline = len(base) / per_window
        if len(recent) < params["complaint_min"] or len(recent) < params["complaint_factor"] * baseline:
            continue
        severity = "high" if len(recent) >= 2 * params["complaint_min"] else "medium"
        ev = Evidence(window_start=recent_start.isoformat(), window_end=today.isoformat(),
                      documents=[d for e in recent[:10] for d in _doc_evidence(snapshot, e.document_id, e.title, e.url)],
                      metrics={"recent": len(recent), "baseline_per_window": round(baseline, 3)})
        out.append(_finding("complaint_surge", inst, severity,
                            f"提现/逾期投诉激增：近 {params['complaint_window_days']} 天 {len(recent)} 条（基线 {baseline:.1f}）",
                            ev, window=(recent_start, today)))
    return out


_LITIGATION = {"lawsuit": ("被诉", "medium"), "enforcement": ("被执行", "high"), "dishonest": ("失信被执行", "critical")}
# Labels of a court record's parties, on the side that owes (sued, enforced against) or claims. Longer labels
# first where one contains another; an appeal's 上诉人/被上诉人 say nothing of who owes and are not read.
_OWING_LABELS = ("失信被执行人", "被执行人", "被申请执行人", "被申请人", "被告")
_CLAIMING_LABELS = ("申请执行人", "申请人", "原告", "起诉人")


def court_role(event, inst) -> str | None:
    r"""The institution's side in a court record: ``"defendant"`` (sued, enforced against), ``"plaintiff"``
    (suing, applying for enforcement) or ``None`` when the record does not say.

    Read from the record's labelled party lines (原告：…, 被告：…, 被执行人姓名/名称 …) naming the
    institution (name or USCC). Enforcement and dishonest-debtor lists name debtors: a record of
    theirs that names no side for the institution counts as against it.

    >>> from types import SimpleNamespace as NS
    >>> firm = NS(name="甲网贷公司", uscc="91440300MA5XXXXXX1")
    >>> court_role(NS(kind="lawsuit", title="", body="原告:甲网贷公司\n被告:张三"), firm)
    'plaintiff'
    >>> court_role(NS(kind="lawsuit", title="", body="原告：李四\n被告：甲网贷公司"), firm)
    'defendant'
    >>> court_role(NS(kind="enforcement", title="甲网贷公司 被执行人信息", body=None), firm) is None
    False
    """
    names = [n for n in (nfkc(inst.name or "").strip(), inst.uscc) if n]
    owing = claiming = False
    for line in nfkc(f"{event.title or ''}\n{event.body or ''}").splitlines():
        line = line.strip()
        for labels, side in ((_OWING_LABELS, "owing"), (_CLAIMING_LABELS, "claiming")):
            label = next((lb for lb in labels if line.startswith(lb)), None)
            if label and any(n in line[len(label):] for n in names):
                owing, claiming = owing or side == "owing", claiming or side == "claiming"
    if owing:
        return "defendant"
    if claiming:
        return "plaintiff"
    return "defendant" if event.kind in ("enforcement", "dishonest") else None


def litigation(snapshot: Snapshot, params: dict, as_of: datetime) -> list[FindingResult]:
    """Court records against the institution in the last year: sued (被告), enforced against (被执行人),
    dishonest debtor (失信); one finding per kind.

    A platform suing its defaulting borrowers (原告, 申请执行人) is ordinary loan recovery and is not
    counted. A lawsuit whose record does not say which side the institution is on counts as low.
    Misses: a case filed under another name (a related firm, the controller).
    """
    today = _aware(as_of).date()
    start = today - timedelta(days=params["litigation_window_days"])
    groups: dict[tuple[int, str], list] = defaultdict(list)
    by_id = {i.id: i for i in snapshot.institutions}
    for e in _visible(snapshot.events, as_of):
        if e.kind in _LITIGATION and e.institution_id in by_id and start <= _event_date(e) <= today:
            role = court_role(e, by_id[e.institution_id])
            if role != "plaintiff":
                groups[(e.institution_id, e.kind)].append((e, role))
    out = []
    for inst in snapshot.institutions:
        for kind, (word, severity) in _LITIGATION.items():
            found = groups.get((inst.id, kind))
            if not found:
                continue
            events = [e for e, _ in found]
            against = sum(role == "defendant" for _, role in found)
            # A judgment often states its amount only in its text: read it as the portal and the PDFs do.
            # No amount known is no amount, not 0.
            amounts = [a for a in (event_amount(e) for e in events) if a is not None]
            metrics = {"events": len(events), "against": against}
            if amounts:
                metrics["amount"] = sum(amounts)
            ev = Evidence(window_start=start.isoformat(), window_end=today.isoformat(),
                          documents=[d for e in events[:10] for d in _doc_evidence(snapshot, e.document_id, e.title, e.url)],
                          metrics=metrics)
            if against:
                title = f"{word}记录 {against} 条（近一年）"
            else:  # lawsuits that do not say the institution's side
                severity, title = "low", f"涉诉记录 {len(events)} 条，诉讼地位不明（近一年）"
            out.append(_finding("litigation", inst, severity, title, ev, key=kind, window=(start, today)))
    return out


# Registry fields whose change says who owns or runs the firm (or that its capital was cut); an address or
# an executive changes for ordinary reasons.
_MATERIAL_FIELDS = ("法定代表人", "负责人", "股东", "投资人", "出资人", "实际控制人")
_CAPITAL_FIELDS = ("注册资本", "实收资本", "实缴资本")
_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)\s*(亿|万)?")


def _capital_cut(text: str) -> bool:
    """A change of registered or paid-in capital that lowers it (减资, or 5000万元 → 2000万元)."""
    if "减资" in text or "减少" in text:
        return True
    parts = re.split(r"→|->|变更为|变更后", text, maxsplit=1)
    if len(parts) != 2:
        return False
    values = []
    for part in parts:
        m = _AMOUNT.search(part)
        if m is None:
            return False
        values.append(float(m.group(1)) * {"亿": 1e8, "万": 1e4}.get(m.group(2) or "", 1.0))
    return values[1] < values[0]


def is_material_change(event, inst=None) -> bool:
    """Whether a registry change event changes the legal representative, the shareholders or controller,
    or cuts the capital (the field read from the event's title and text, the firm's own name left out).

    >>> from types import SimpleNamespace as NS
    >>> is_material_change(NS(title="甲公司 法定代表人：张三 → 李四", body=None))
    True
    >>> is_material_change(NS(title="甲公司 住所：A路1号 → B路2号", body=None))
    False
    >>> [is_material_change(NS(title=f"甲公司 注册资本：{a} → {b}", body=None)) for a, b in
    ...  (("5000万元", "10000万元"), ("1亿元", "5000万元"))]
    [False, True]
    """
    text = nfkc(f"{event.title or ''} {event.body or ''}")
    for name in (getattr(event, "subject_name", None), getattr(inst, "name", None)):
        if name:
            text = text.replace(nfkc(name), " ")
    if any(f in text for f in _MATERIAL_FIELDS):
        return True
    capital = next((text[text.index(f):] for f in _CAPITAL_FIELDS if f in text), None)
    return capital is not None and _capital_cut(capital)


def frequent_changes(snapshot: Snapshot, params: dict, as_of: datetime) -> list[FindingResult]:
    """Frequent changes of who owns or runs the institution in the window: legal representative,
    shareholders or controller, capital cuts — registry_change events of those fields plus relations
    of the institution's company (legal representative, shareholder, controller) that started or ended.

    Medium from ``changes_min`` such dates, high from twice that. Changes of address, executives or a
    capital increase do not count on their own; ``changes_flurry`` or more change dates of any field,
    one of them a change of who owns or runs the firm, are high (a flurry around a change of control).
    Misses: control changing hands through a holding company further up the chain.
    """
    today = _aware(as_of).date()
    start = today - timedelta(days=params["changes_window_days"])
    company_of = {c.uscc: c for c in _visible(snapshot.companies, as_of) if c.uscc}
    by_id = {i.id: i for i in snapshot.institutions}
    events: dict[int, list] = defaultdict(list)
    other: dict[int, set] = defaultdict(set)  # dates of the other changes (address, executives, capital increase)
    for e in _visible(snapshot.events, as_of):
        if e.kind == "registry_change" and e.institution_id is not None and start <= _event_date(e) <= today:
            if is_material_change(e, by_id.get(e.institution_id)):
                events[e.institution_id].append(e)
            else:
                other[e.institution_id].add(_event_date(e))
    rel_changes: dict[int, list] = defaultdict(list)
    for r in _visible(snapshot.relations, as_of):
        if r.kind not in ("legal_representative", "shareholder", "controller") or r.object_kind != "company":
            continue
        for d in (r.valid_from, r.valid_to):
            if d is not None and start <= d <= today:
                rel_changes[r.object_id].append((d, r))
    out = []
    for inst in snapshot.institutions:
        company = company_of.get(inst.uscc)
        rel = rel_changes.get(company.id, []) if company is not None else []
        # A registry change event usually restates the same change as the relation rows: count dates once.
        dates = {_event_date(e) for e in events.get(inst.id, [])} | {d for d, _ in rel}
        every = dates | other.get(inst.id, set())
        # Ordinary changes alone say nothing; around a change of control, a flurry of them (moving the
        # office, re-papering the capital) is the way a platform prepares to exit.
        if dates and len(every) >= params["changes_flurry"]:
            severity = "high"
        elif len(dates) >= params["changes_min"]:
            severity = "high" if len(dates) >= 2 * params["changes_min"] else "medium"
        else:
            continue
        docs = [d for e in events.get(inst.id, [])[:10] for d in _doc_evidence(snapshot, e.document_id, e.title, e.url)]
        docs += [d for _, r in rel[:10] for d in _doc_evidence(snapshot, r.document_id, r.kind)]
        ev = Evidence(window_start=start.isoformat(), window_end=today.isoformat(), documents=docs,
                      metrics={"change_dates": sorted(x.isoformat() for x in dates),
                               "other_change_dates": sorted(x.isoformat() for x in every - dates)})
        out.append(_finding("frequent_changes", inst, severity,
                            f"近一年法定代表人/股东/实际控制人变更或减资 {len(dates)} 次，工商变更共 {len(every)} 次",
                            ev, window=(start, today)))
    return out


def capital_gap(snapshot: Snapshot, params: dict, as_of: datetime) -> list[FindingResult]:
    """Paid-in capital far below registered capital (the registry record with the institution's USCC)."""
    company_of = {c.uscc: c for c in _visible(snapshot.companies, as_of) if c.uscc}
    out = []
    for inst in snapshot.institutions:
        c = company_of.get(inst.uscc)
        if c is None or not c.registered_capital or c.paid_in_capital is None:
            continue
        ratio = c.paid_in_capital / c.registered_capital
        if ratio >= params["capital_paid_ratio"]:
            continue
        severity = "medium" if ratio < params["capital_paid_ratio"] / 3 else "low"
        ev = Evidence(documents=_doc_evidence(snapshot, c.document_id, "注册资本/实缴资本", c.registry_url),
                      metrics={"registered_capital": c.registered_capital, "paid_in_capital": c.paid_in_capital,
                               "paid_ratio": round(ratio, 6)})
        out.append(_finding("capital_gap", inst, severity,
                            f"实缴资本仅为注册资本的 {ratio:.0%}", ev))
    return out


def _address_key(address: str) -> str:
    return "".join(ch for ch in address if not ch.isspace()).replace("（", "(").replace("）", ")")


def shared_address(snapshot: Snapshot, params: dict, as_of: datetime) -> list[FindingResult]:
    """The institution's registered address is shared with many firms (shell cluster)."""
    companies = [c for c in _visible(snapshot.companies, as_of) if c.address]
    by_address: dict[str, list] = defaultdict(list)
    for c in companies:
        by_address[_address_key(c.address)].append(c)
    company_of = {c.uscc: c for c in companies if c.uscc}
    out = []
    for inst in snapshot.institutions:
        c = company_of.get(inst.uscc)
        if c is None:
            continue
        firms = by_address[_address_key(c.address)]
        if len(firms) < params["address_min_firms"]:
            continue
        ev = Evidence(documents=[d for f in firms[:10] for d in _doc_evidence(snapshot, f.document_id, f.name, f.registry_url)],
                      metrics={"address": c.address, "firms": len(firms), "names": [f.name for f in firms[:20]]})
        out.append(_finding("shared_address", inst, "medium", f"注册地址与 {len(firms) - 1} 家企业共用", ev))
    return out


def borrower_limits(snapshot: Snapshot, params: dict, as_of: datetime) -> list[FindingResult]:
    """From disclosures: the largest borrower's outstanding balance (top-1 share × balance) above the
    legal-person cap of the 2016 measures, 100 万元 on one platform (kind ``borrower_cap``); and the
    top-10 borrowers' share above ``top10_share`` having risen by ``top10_rise`` over the median of the
    platform's previous ``top10_base_months`` reports (at least 3; kind ``borrower_concentration``).

    Misses: the natural-person cap (20 万) and the caps across platforms, invisible in aggregates; a
    concentration that was high from the start.
    """
    facts = _visible(snapshot.facts, as_of)
    top1, top10, balance = (_latest_facts(facts, m) for m in
                            ("top1_borrower_share", "top10_borrower_share", "outstanding_balance"))
    out = []
    for inst in snapshot.institutions:
        t1, bal = top1.get(inst.id, {}), balance.get(inst.id, {})
        common = sorted(set(t1) & set(bal))
        if common:
            p = common[-1]
            amount = t1[p].value * bal[p].value
            if amount > params["cap_legal_person"]:
                ev = Evidence(window_start=p.isoformat(), window_end=_month_end(p).isoformat(),
                              documents=_doc_evidence(snapshot, t1[p].document_id, t1[p].raw_label)
                              + _doc_evidence(snapshot, bal[p].document_id, bal[p].raw_label),
                              metrics={"top1_share": t1[p].value, "balance": bal[p].value, "top1_amount": amount,
                                       "cap": params["cap_legal_person"]})
                # An estimate from two disclosed aggregates, not a seen loan: medium (the flow detector
                # ``borrower_cap`` sees the loans themselves).
                out.append(_finding("borrower_limits", inst, "medium",
                                    f"最大单一借款人待还 {amount / 10000:,.0f} 万元，超过单平台 100 万元上限（{p:%Y-%m}）",
                                    ev, key="cap", window=(p, _month_end(p)), kind="borrower_cap"))
        t10 = top10.get(inst.id, {})
        if len(t10) >= 4:
            periods = sorted(t10)
            p = periods[-1]
            share = t10[p].value
            before = statistics.median(t10[q].value for q in periods[-1 - params["top10_base_months"]:-1])
            # A young platform with few loans starts concentrated: a high share is a signal when it rose.
            if share > params["top10_share"] and share - before >= params["top10_rise"]:
                ev = Evidence(window_start=p.isoformat(), window_end=_month_end(p).isoformat(),
                              documents=_doc_evidence(snapshot, t10[p].document_id, t10[p].raw_label),
                              metrics={"top10_share": share, "top10_share_before": before,
                                       "threshold": params["top10_share"]})
                out.append(_finding("borrower_limits", inst, "high" if share > 0.8 else "medium",
                                    f"前十大借款人待还占比 {share:.0%}（{p:%Y-%m}）", ev, key="top10",
                                    window=(p, _month_end(p)), kind="borrower_concentration"))
    return out


# --------------------------------------------------------------------------- the records
INDICATOR_RECORDS: tuple[Indicator, ...] = (
    Indicator(name="yield_above_peers", zh="收益率显著高于同业", en="yield far above peers", source="disclosure",
              weight=1.0, detect=yield_above_peers, params={
                  "yield_gap": Param(0.04, "share", "avg_yield above the city median of the month (absolute)"),
                  "yield_gap_high": Param(0.07, "share", "the same gap for severity high"),
                  "yield_min_peers": Param(3, "count", "institutions that disclosed that month"),
              }),
    Indicator(name="overdue_jump", zh="逾期率骤升", en="overdue rate jumped", source="disclosure",
              weight=1.0, detect=overdue_jump, params={
                  "overdue_jump": Param(0.03, "share", "rise of the overdue rate over the median of the platform's "
                                                       "previous reports, and its margin over the city median"),
                  "overdue_jump_high": Param(0.08, "share", "the same rise for severity high"),
                  "overdue_base_months": Param(6, "months", "previous reports in the platform's own baseline (at least "
                                                            "3 needed)"),
                  "overdue_min_level": Param(0.03, "share", "the latest rate at least this (lower is not a warning)"),
                  "overdue_min_peers": Param(3, "count", "platforms that disclosed the month, for the city median"),
                  "overdue_breadth": Param(0.5, "ratio", "rise of the project (count) rate / rise of the amount "
                                                         "rate, each over its own baseline (at least)"),
              }),
    Indicator(name="disclosure_late", zh="信息披露迟延/停止", en="disclosure late or stopped", source="disclosure",
              weight=0.8, detect=disclosure_late, params={
                  "disclosure_grace_days": Param(25, "days", "the report for month M is due by the end of M plus this"),
                  "disclosure_stopped_months": Param(3, "months", "this many reports missing in a row: stopped (high)"),
                  "disclosure_late_window": Param(6, "months", "the reports due in this many months are examined"),
                  "disclosure_late_min": Param(2, "count", "late or missing reports among them (medium): one is not a "
                                                           "pattern"),
              }),
    Indicator(name="site_down", zh="网站无法访问", en="website unreachable", source="public",
              weight=1.2, detect=site_down, params={
                  "site_window_days": Param(14, "days", "crawls examined"),
                  "site_min_failures": Param(2, "count", "failed fetches in the window"),
              }),
    Indicator(name="complaint_surge", zh="投诉激增", en="surge in complaints", source="public",
              weight=1.0, detect=complaint_surge, params={
                  "complaint_window_days": Param(30, "days", "recent complaints"),
                  "complaint_baseline_days": Param(180, "days", "the institution's own baseline before them"),
                  "complaint_min": Param(3, "count", "recent complaints (twice this: high)"),
                  "complaint_factor": Param(3.0, "factor", "recent complaints / the baseline per window"),
              }),
    Indicator(name="litigation", zh="涉诉/被执行/失信", en="lawsuits / enforcement / dishonest debtor", source="public",
              weight=0.6, detect=litigation, params={
                  "litigation_window_days": Param(365, "days", "court records examined"),
              }),
    Indicator(name="frequent_changes", zh="频繁变更股东或法定代表人", en="frequent changes of owners",
              source="registry", weight=0.8, detect=frequent_changes, params={
                  "changes_window_days": Param(365, "days", "registry changes examined"),
                  "changes_min": Param(2, "count", "days with changes of legal representative, shareholders, "
                                                   "controller or a capital cut (twice this: high)"),
                  "changes_flurry": Param(4, "count", "days with changes of any field, one of them of the kinds "
                                                      "above: high"),
              }),
    Indicator(name="capital_gap", zh="实缴资本远低于注册资本", en="paid-in capital far below registered",
              source="registry", weight=0.5, detect=capital_gap, params={
                  "capital_paid_ratio": Param(0.3, "ratio", "paid-in below this share of registered capital"),
              }),
    Indicator(name="shared_address", zh="注册地址集中", en="shared registered address", source="registry",
              weight=0.6, detect=shared_address, params={
                  "address_min_firms": Param(5, "count", "firms at the same address (incl. the institution)"),
              }),
    # Reports the flow detectors' kinds (their weights apply). Read from the platform's own reports, so
    # its weak findings share the disclosure source's cap: they do not corroborate the other disclosure
    # signals as an independent source would.
    Indicator(name="borrower_limits", zh="借款人限额（披露数据）", en="borrower limits (disclosed)", source="disclosure",
              weight=None, detect=borrower_limits, params={
                  # natural persons' 200k cap is not visible in aggregates
                  "cap_legal_person": Param(1_000_000.0, "元", "largest borrower's balance, per platform"),
                  "top10_share": Param(0.5, "share", "top-10 borrowers' disclosed share of the balance"),
                  "top10_rise": Param(0.1, "share", "rise of that share over the median of the previous reports"),
                  "top10_base_months": Param(6, "months", "previous reports in that median (at least 3 needed)"),
              }),
)
INDICATORS: dict[str, Callable[[Snapshot, dict, datetime], list[FindingResult]]] = {
    r.name: r.detect for r in INDICATOR_RECORDS}
DEFAULT_PARAMS: dict[str, Any] = {name: p.default for r in INDICATOR_RECORDS for name, p in r.params.items()}


def compute_indicators(snapshot: Snapshot, as_of: datetime, params: dict | None = None,
                       only: Iterable[str] | None = None) -> list[FindingResult]:
    """Run the indicators (all, or ``only`` those named) on a snapshot."""
    p = {**DEFAULT_PARAMS, **(params or {})}
    names = list(only) if only is not None else list(INDICATORS)
    out: list[FindingResult] = []
    for name in names:
        out.extend(INDICATORS[name](snapshot, p, _aware(as_of)))
    return out


# --------------------------------------------------------------------------- the store edge
def load_snapshot(session, as_of: datetime, institution_ids: Iterable[int] | None = None) -> Snapshot:
    """Read what the indicators need, available by ``as_of`` (document bodies are never loaded)."""
    from sqlmodel import select

    from monitor.models import Company, DisclosureFact, Document, Event, Institution, Relation

    as_of = _aware(as_of)
    inst_q = select(Institution)
    if institution_ids is not None:
        inst_q = inst_q.where(Institution.id.in_(list(institution_ids)))
    institutions = list(session.exec(inst_q))
    # A suspect value (implausible as read) stays in the store for the operator, never in the analysis.
    facts = list(session.exec(select(DisclosureFact).where(DisclosureFact.available_at <= as_of,
                                                           DisclosureFact.suspect.is_(None))))
    events = list(session.exec(select(Event).where(Event.available_at <= as_of)))
    companies = list(session.exec(select(Company).where(Company.available_at <= as_of)))
    relations = list(session.exec(select(Relation).where(Relation.available_at <= as_of)))
    rows = session.exec(select(Document.id, Document.url, Document.institution_id, Document.http_status,
                               Document.fetched_at, Document.sha256, Document.available_at)
                        .where(Document.fetched_at <= as_of))
    documents = {r[0]: DocRef(*r) for r in rows}
    return Snapshot(institutions, facts, events, documents, companies, relations)


def run_indicators(config, as_of: datetime, params: dict | None = None) -> list[FindingResult]:
    """Load a snapshot from the store and run every indicator."""
    from monitor.db import session_scope

    with session_scope(config) as session:
        snapshot = load_snapshot(session, as_of)
        return compute_indicators(snapshot, as_of, params)
