"""Disclosure coverage: per institution and period, which of the guideline's items the crawl found.

For each period: the items found (each with the page it came from), the items missing, the suspect
values (stored flagged, never used as fact), and the labels on the period's pages that the reader did
not understand (kept by the crawl in the page's ``parse_error``). A platform whose latest period covers
markedly fewer items than the period before raises an alert of kind ``coverage_drop``.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Iterable

from monitor.vocab import DISCLOSURE_ITEMS

OFFICIAL = tuple(m.name for m in DISCLOSURE_ITEMS)
ITEM_NAMES = {m.name: m.item for m in DISCLOSURE_ITEMS}
DROP_SHARE = 0.1  # a period covering this share of the items fewer than the previous one raises an alert
NOT_UNDERSTOOD = "labels not understood: "
COVERAGE_DROP = "coverage_drop"  # the alert kind


@dataclass
class PeriodCoverage:
    period: date
    found: dict[str, str] = field(default_factory=dict)  # item code -> URL of the page it came from
    suspect: list[dict] = field(default_factory=list)  # {item, raw_label, raw_value, why, url}
    not_understood: list[str] = field(default_factory=list)  # labels on the period's pages
    estimated: bool = False  # some figure is dated by the regulatory deadline

    @property
    def missing(self) -> list[str]:
        return [m for m in OFFICIAL if m not in self.found]

    @property
    def share(self) -> float:
        return len([m for m in self.found if m in ITEM_NAMES]) / len(OFFICIAL)

    def as_dict(self) -> dict:
        return {"period": f"{self.period:%Y-%m}", "share": round(self.share, 4), "found": len(self.found),
                "items": [{"item": m, "name": ITEM_NAMES.get(m, m), "url": u} for m, u in self.found.items()],
                "missing": [{"item": m, "name": ITEM_NAMES[m]} for m in self.missing],
                "suspect": self.suspect, "not_understood": self.not_understood, "estimated": self.estimated}


@dataclass
class InstitutionCoverage:
    institution_id: int
    name: str
    uscc: str
    periods: list[PeriodCoverage] = field(default_factory=list)  # oldest first
    unreadable: list[dict] = field(default_factory=list)  # pages that name items but gave none: {url, why}

    @property
    def drop(self) -> tuple[PeriodCoverage, PeriodCoverage] | None:
        """(previous, latest) when the latest period covers ``DROP_SHARE`` or more fewer items."""
        if len(self.periods) < 2:
            return None
        prev, last = self.periods[-2], self.periods[-1]
        return (prev, last) if prev.share - last.share >= DROP_SHARE - 1e-9 else None

    def as_dict(self) -> dict:
        drop = self.drop
        return {"institution": self.name, "uscc": self.uscc, "periods": [p.as_dict() for p in self.periods],
                "unreadable": self.unreadable,
                "drop": None if drop is None else {"from": f"{drop[0].period:%Y-%m}", "to": f"{drop[1].period:%Y-%m}",
                                                   "before": round(drop[0].share, 4),
                                                   "after": round(drop[1].share, 4)}}


def _labels(parse_error: str | None) -> list[str]:
    if not parse_error or NOT_UNDERSTOOD not in parse_error:
        return []
    text = parse_error.split(NOT_UNDERSTOOD, 1)[1].split(";", 1)[0]
    return [x for x in text.split("、") if x]


def coverage(session, institution_ids: Iterable[int] | None = None) -> list[InstitutionCoverage]:
    """Coverage of every institution with disclosure pages (or of ``institution_ids``), by name."""
    from sqlmodel import select

    from monitor.models import DisclosureFact, Document, Institution

    q = select(Institution)
    if institution_ids is not None:
        q = q.where(Institution.id.in_(list(institution_ids)))
    institutions = {i.id: i for i in session.exec(q)}
    if not institutions:
        return []
    ids = list(institutions)
    rows = session.exec(select(DisclosureFact, Document.url, Document.parse_error)
                        .join(Document, DisclosureFact.document_id == Document.id, isouter=True)
                        .where(DisclosureFact.institution_id.in_(ids))
                        .order_by(DisclosureFact.period, DisclosureFact.available_at, DisclosureFact.id))
    periods: dict[int, dict[date, PeriodCoverage]] = defaultdict(dict)
    for fact, url, error in rows:
        pc = periods[fact.institution_id].setdefault(fact.period, PeriodCoverage(fact.period))
        if fact.suspect:
            pc.suspect.append({"item": fact.metric, "name": ITEM_NAMES.get(fact.metric, fact.metric),
                               "raw_label": fact.raw_label, "raw_value": fact.raw_value, "why": fact.suspect,
                               "url": url})
        else:
            pc.found.setdefault(fact.metric, url)
        pc.estimated = pc.estimated or bool(fact.estimated)
        for label in _labels(error):
            if label not in pc.not_understood:
                pc.not_understood.append(label)
    unreadable: dict[int, list[dict]] = defaultdict(list)
    for iid, url, why in session.exec(select(Document.institution_id, Document.url, Document.parse_error)
                                      .where(Document.institution_id.in_(ids), Document.parse_status == "unreadable")
                                      .order_by(Document.id)):
        if not any(u["url"] == url for u in unreadable[iid]):
            unreadable[iid].append({"url": url, "why": why})
    out = []
    for iid, inst in sorted(institutions.items(), key=lambda x: x[1].name):
        if iid not in periods and iid not in unreadable:
            continue
        out.append(InstitutionCoverage(iid, inst.name, inst.uscc, [periods[iid][p] for p in sorted(periods[iid])],
                                       unreadable[iid]))
    return out


def drop_fingerprint(uscc: str, period: date) -> str:
    return hashlib.sha256(f"coverage|{uscc}|{period:%Y-%m}".encode()).hexdigest()[:32]


def coverage_alerts(session, reports: list[InstitutionCoverage], seen_at: datetime) -> dict[str, int]:
    """A ``coverage_drop`` alert (one per institution and period) for each platform whose coverage dropped.

    A drop already alerted is refreshed (``seen``), never raised twice nor reopened once closed.
    Returns the counts: drops, created, seen."""
    from monitor.alerts import raise_alert

    counts = {"drops": 0, "created": 0, "seen": 0}
    for r in reports:
        drop = r.drop
        if drop is None:
            continue
        prev, last = drop
        title = (f"信息披露覆盖下降：{last.period:%Y-%m} 读到 {len(last.found)} 项，"
                 f"上期 {prev.period:%Y-%m} {len(prev.found)} 项（共 {len(OFFICIAL)} 项）")
        _, action = raise_alert(session, fingerprint=drop_fingerprint(r.uscc, last.period),
                                institution_id=r.institution_id, kind=COVERAGE_DROP, title=title,
                                severity="medium", seen_at=seen_at)
        counts["drops"] += 1
        counts[action] += 1
    return counts


def raise_coverage_alerts(session, reports: list[InstitutionCoverage], seen_at: datetime) -> int:
    """:func:`coverage_alerts`; returns how many alerts were created."""
    return coverage_alerts(session, reports, seen_at)["created"]


def format_text(reports: list[InstitutionCoverage]) -> str:
    """The report as plain lines for the terminal."""
    lines = []
    for r in reports:
        lines.append(f"{r.name} ({r.uscc})")
        for p in r.periods:
            lines.append(f"  {p.period:%Y-%m}  {len(p.found)}/{len(OFFICIAL)} items"
                         + ("  (dated by deadline)" if p.estimated else ""))
            if p.missing:
                lines.append("    missing: " + "、".join(ITEM_NAMES[m] for m in p.missing))
            for s in p.suspect:
                lines.append(f"    suspect: {s['raw_label']}={s['raw_value']} ({s['why']}) {s['url']}")
            if p.not_understood:
                lines.append("    not understood: " + "、".join(p.not_understood))
        for u in r.unreadable:
            lines.append(f"  unreadable: {u['url']}: {u['why']}")
        drop = r.drop
        if drop:
            lines.append(f"  ALERT coverage dropped {drop[0].period:%Y-%m} {drop[0].share:.0%} → "
                         f"{drop[1].period:%Y-%m} {drop[1].share:.0%}")
    return "\n".join(lines)
