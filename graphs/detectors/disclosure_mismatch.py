"""Disclosure vs flows: what the platform publishes against what custody flows show.

Catches, for the latest disclosed month that flows cover:
    * ``outstanding_balance`` differing from loans − repayments seen in flows
      by more than ``balance_tolerance`` (relative);
    * ``related_party_balance`` disclosed (near) zero while custody money
      reaches related parties (directly or through converging borrowers);
    * ``overdue_amount`` far below the outstanding of borrowers that stopped
      repaying for ``overdue_months``.
    The disclosure pages (source documents) are part of the evidence.
Misses
    Lies on metrics flows cannot check (lender counts, yields); platforms
    whose flows start long after their first loans (balances then differ for
    an honest reason — the tolerance absorbs only part of that).
Complexity
    O(E + F) in the platform's edges and disclosure facts.
"""

from __future__ import annotations

from datetime import datetime

from graphs.detectors import Inputs, complete_periods, fact_documents, finding, merged, month_end
from graphs.detectors._borrowers import outstanding
from graphs.detectors._convergence import collectors
from monitor.findings import Evidence, FindingResult

NAME = "disclosure_mismatch"
DEFAULTS = {
    "balance_tolerance": 0.35,
    "min_amount": 500_000.0,  # 元: differences below this are ignored
    "related_floor": 0.2,  # disclosed related balance below this share of what flows show = not disclosed
    "overdue_months": 3,
    "overdue_understated": 0.4,  # disclosed overdue below this share of the flow estimate
    "window": 6,
}


def _latest(facts: list[dict], metric: str, upto: str) -> dict | None:
    rows = [f for f in facts if f.get("metric") == metric and str(f["period"])[:7] <= upto]
    return max(rows, key=lambda f: str(f["period"])) if rows else None


def detect(inputs: Inputs, params=None, as_of: datetime | None = None) -> list[FindingResult]:
    p = merged(DEFAULTS, params)
    flows = inputs.flows
    if flows is None or flows.custody is None or not inputs.facts:
        return []
    periods = complete_periods(flows, as_of)
    if not periods:
        return []
    upto = periods[-1]
    checks: dict[str, dict] = {}
    bal = _latest(inputs.facts, "outstanding_balance", upto)
    if bal:
        period = str(bal["period"])[:7]
        est = sum(outstanding(flows, period).values())
        diff = abs(bal["value"] - est)
        if diff >= p["min_amount"] and diff / max(bal["value"], est) > p["balance_tolerance"]:
            checks["outstanding_balance"] = {"period": period, "disclosed": bal["value"], "flows": round(est, 2)}
    rel = _latest(inputs.facts, "related_party_balance", upto)
    window = set(periods[-p["window"]:])
    related_flow = sum(e.amount for e in flows.edges if e.period in window and e.src == flows.custody
                       and flows.tied.get(e.dst, ("",))[0].startswith("related"))
    related_flow += sum(c.gathered for c in collectors(flows, window)
                        if flows.tied.get(c.account, ("",))[0].startswith("related"))
    if rel is not None and related_flow >= p["min_amount"] and rel["value"] < p["related_floor"] * related_flow:
        checks["related_party_balance"] = {"period": str(rel["period"])[:7], "disclosed": rel["value"],
                                           "flows": round(related_flow, 2)}
    over = _latest(inputs.facts, "overdue_amount", upto)
    if over is not None:
        period = str(over["period"])[:7]
        quiet = [q for q in periods if q <= period][-p["overdue_months"]:]
        if len(quiet) == p["overdue_months"]:
            owed = outstanding(flows, period)
            repaid = {e.src for e in flows.edges if e.dst == flows.custody and e.period in set(quiet)}
            started = {e.dst for e in flows.edges if e.src == flows.custody and e.period < quiet[0]}
            est = sum(v for b, v in owed.items() if b not in repaid and b in started)
            if est >= p["min_amount"] and over["value"] < p["overdue_understated"] * est:
                checks["overdue_amount"] = {"period": period, "disclosed": over["value"], "flows": round(est, 2)}
    if not checks:
        return []
    severity = "high" if len(checks) >= 2 else "medium"
    evidence = Evidence(window_start=f"{periods[-p['window']:][0]}-01", window_end=month_end(upto),
                        documents=fact_documents(inputs.facts, set(checks), 6), metrics=checks,
                        note="披露数据与资金流水不符")
    names = {"outstanding_balance": "借贷余额", "related_party_balance": "关联借款余额", "overdue_amount": "逾期金额"}
    title = "披露与流水不符：" + "、".join(names[k] for k in sorted(checks))
    return [finding(NAME, NAME, inputs.uscc, severity, title, evidence, key="mismatch")]
