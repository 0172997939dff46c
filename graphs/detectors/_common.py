"""What the detectors share: their inputs, parameter merging, evidence builders and the finding maker.

Private to ``graphs.detectors``: detector modules import from here; other code
imports :class:`Inputs` and :class:`RunningMonth` from ``graphs.detectors``.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Mapping

import networkx as nx

from graphs.flows import FlowEdge
from graphs.platform import PlatformFlows
from monitor.findings import (Evidence, EvidenceAccount, EvidenceDocument, EvidenceEdge, FindingResult, Param,
                              default_points)


@dataclass
class Inputs:
    """What the detectors see about one institution at one ``as_of``.

    Attributes
    ----------
    uscc, name : the institution.
    flows : the platform's flows with roles (``None`` when no transfers are known).
    registry : the related-party graph (``None`` when the registry is unknown).
    facts : disclosure facts available at ``as_of``: dicts with ``period``
        (date), ``metric``, ``value``, ``available_at``, ``url``, ``document_id``, ``raw_label``.
    peers : city-wide context, e.g. ``{"median_yield": 0.09}``.
    city_registry : the whole city's related-party graph (read-only, shared by all partitions), for
        patterns that reach beyond the institution's component (guarantee circles among its borrowers).
    running : the month still running at ``as_of``, as far as the bank has reported it
        (:class:`RunningMonth`; ``None`` when nothing of it is in). ``flows`` never holds it.
    """

    uscc: str | None
    name: str | None = None
    flows: PlatformFlows | None = None
    registry: nx.MultiDiGraph | None = None
    facts: list[dict] = field(default_factory=list)
    peers: dict[str, Any] = field(default_factory=dict)
    city_registry: nx.MultiDiGraph | None = None
    running: RunningMonth | None = None


@dataclass
class RunningMonth:
    """The month running at ``as_of``: its transfers reported so far, summed per account pair.

    Most detectors judge whole months and never read it. A detector may use it
    where part of a month suffices: a sum that has already crossed a bound can
    only grow (an outflow spike), whereas a shortfall (lending stopped) cannot
    be told from a month not yet over.
    """

    period: str  # YYYY-MM
    through: str  # ISO day: transfers of this day and before are in (the bank reports T+1)
    edges: list[FlowEdge]


def merged(defaults: Mapping[str, Any], params: Mapping[str, Any] | None) -> dict[str, Any]:
    """Defaults overridden by ``params`` (unknown keys are an error, not silently ignored)."""
    out = dict(defaults)
    for key, value in (params or {}).items():
        if key not in defaults:
            raise KeyError(f"unknown parameter {key!r} (known: {', '.join(sorted(defaults))})")
        out[key] = value
    return out


def account_evidence(flows: PlatformFlows, account: str, role: str) -> EvidenceAccount:
    info = flows.holder(account)
    return EvidenceAccount(account, info.get("holder_name"), info.get("holder_id"), role)


def edge_evidence(e: FlowEdge) -> EvidenceEdge:
    return EvidenceEdge(e.src, e.dst, round(e.amount, 2), e.count, e.first, e.last, "transfer")


def summed_edges(edges: list[FlowEdge], limit: int = 20) -> list[EvidenceEdge]:
    """Evidence edges summed over periods per account pair, largest first."""
    acc: dict[tuple[str, str], list] = {}
    for e in edges:
        a = acc.setdefault((e.src, e.dst), [0.0, 0, e.first, e.last])
        a[0] += e.amount
        a[1] += e.count
        a[2] = min(a[2], e.first)
        a[3] = max(a[3], e.last)
    rows = sorted(acc.items(), key=lambda kv: -kv[1][0])[:limit]
    return [EvidenceEdge(s, d, round(a[0], 2), a[1], a[2], a[3], "transfer") for (s, d), a in rows]


def fact_documents(facts: list[dict], metrics: set[str] | None = None, limit: int = 6) -> list[EvidenceDocument]:
    seen, docs = set(), []
    for f in sorted(facts, key=lambda f: str(f.get("period")), reverse=True):
        if metrics and f.get("metric") not in metrics:
            continue
        key = (f.get("url"), f.get("document_id"))
        if key in seen or not f.get("url"):
            continue
        seen.add(key)
        docs.append(EvidenceDocument(f["url"], f.get("document_id"), f.get("fetched_at"), f.get("sha256"),
                                     f.get("raw_label") or f.get("metric")))
        if len(docs) >= limit:
            break
    return docs


def owed_in_flows(flows: PlatformFlows, accounts, upto: str) -> dict[str, float]:
    """Per account, custody's loans to it minus its repayments into custody, months up to ``upto``.

    Repayments include interest, so the figure errs low (negative when more
    came back than went out).
    """
    custody = flows.custody
    lent = dict.fromkeys(accounts, 0.0)
    repaid = dict.fromkeys(accounts, 0.0)
    for e in flows.custody_edges:
        if e.period > upto:
            continue
        if e.src == custody and e.dst in lent:
            lent[e.dst] += e.amount
        elif e.dst == custody and e.src in repaid:
            repaid[e.src] += e.amount
    return {a: lent[a] - repaid[a] for a in lent}


def month_end(period: str) -> str:
    """Last day of a ``YYYY-MM`` period, ISO."""
    y, m = int(period[:4]), int(period[5:7])
    return f"{period}-{calendar.monthrange(y, m)[1]:02d}"


def as_of_period(as_of: datetime | None) -> str | None:
    return None if as_of is None else f"{as_of.year:04d}-{as_of.month:02d}"


def complete_periods(flows: PlatformFlows, as_of: datetime | None) -> list[str]:
    """Months with flows that were complete at ``as_of`` (the running month is left out)."""
    current = as_of_period(as_of)
    return [p for p in flows.periods() if current is None or p < current]


def flow_window(inputs: Inputs, as_of: datetime | None, months: int | None = None, *, custody: bool = True,
                min_periods: int = 1) -> tuple[PlatformFlows, list[str]] | None:
    """The preamble of the flow detectors: the platform's flows and the complete months to examine.

    ``months`` keeps the last ones only (``None``: all). ``None`` is returned — nothing to
    examine — without flows, without a custody account (when ``custody``), or with fewer than
    ``min_periods`` months.
    """
    flows = inputs.flows
    if flows is None or (custody and flows.custody is None):
        return None
    periods = complete_periods(flows, as_of)
    if months:
        periods = periods[-months:]
    if len(periods) < max(1, min_periods):
        return None
    return flows, periods


def bump(severity: str, levels: int = 1) -> str:
    order = ["low", "medium", "high", "critical"]
    return order[max(0, min(len(order) - 1, order.index(severity) + levels))]


def finding(name: str, kind: str, uscc: str | None, severity: str, title: str, evidence: Evidence,
            key: str) -> FindingResult:
    """A :class:`FindingResult` whose window is taken from the evidence and whose ``score`` is what it adds
    to the risk index under the default rules (:func:`monitor.findings.default_points`)."""
    return FindingResult(name, kind, uscc, severity, default_points(kind, severity), title, evidence,
                         window_start=date.fromisoformat(evidence.window_start) if evidence.window_start else None,
                         window_end=date.fromisoformat(evidence.window_end) if evidence.window_end else None,
                         key=key)


def defaults(params: Mapping[str, Param]) -> dict[str, Any]:
    """Parameter name → default value (a detector module's ``DEFAULTS``)."""
    return {name: p.default for name, p in params.items()}
