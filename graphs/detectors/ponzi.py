"""Ponzi / 借新还旧: lender payouts funded by new lenders' money, with rising dependence.

Catches
    Months in which the platform pays its lenders (principal and interest)
    more than its borrowers repaid, so the difference can only come from new
    lenders' money (or the platform's own cash); flagged when that *funding
    gap* is a share of the payouts above ``min_gap_share`` in each of the
    last ``window`` months, or above ``single_gap_share`` in the latest one;
    stronger when it is large and rising. A disclosed yield well above the peers' median is
    added as supporting evidence (never enough on its own).
    Baseline first: nothing is judged before the platform has ``min_history``
    complete months of flows (6) of which at least ``min_baseline`` (3) with
    payouts come before the examined window. A young platform pays its first
    lenders before its first loans fall due, so its early months always show
    a gap; "rising" means above the mean gap of those baseline months, never
    "no baseline".
Misses
    Ponzi schemes whose payouts run outside the custody account we see, or
    that fake borrower repayments from new money through other accounts
    (round-tripping catches some of these); any scheme in its first
    ``min_history`` months of flows (no baseline yet); a platform that has
    been a ponzi from its first month is found (gap above the thresholds)
    but never judged rising, so stays *medium*.
Complexity
    O(M) over the platform's months once roles are inferred (O(E log E)).
"""

from __future__ import annotations

from datetime import datetime

from graphs.detectors._common import (Inputs, account_evidence, bump, complete_periods, defaults, fact_documents,
                                      finding, merged, month_end, summed_edges)
from monitor.findings import Detector, Evidence, FindingResult, Param

NAME = "ponzi"
PARAMS = {
    "min_history": Param(6, "months", "complete months of flows before anything is judged (a baseline)"),
    "min_baseline": Param(3, "months", "months with payouts before the window, to judge \"rising\""),
    "window": Param(2, "months", "recent months that must all show the gap"),
    "min_gap_share": Param(0.08, "share", "payouts not covered by repayments / payouts, in each month of the window"),
    "single_gap_share": Param(0.15, "share", "... or in the latest month alone"),
    "high_gap_share": Param(0.3, "share", "mean gap share over the window for severity high"),
    "min_payout": Param(10_000.0, "元", "payouts per month below which the month is ignored"),
    "yield_excess": Param(0.03, "share", "disclosed yield above peers' median that counts as supporting evidence"),
}
DEFAULTS = defaults(PARAMS)


def gap_series(flows) -> dict[str, float | None]:
    """Per month: share of lender payouts not covered by borrower repayments (None when payouts are tiny)."""
    out = {}
    for period, m in sorted(flows.months.items()):
        covered = m.repay_in + m.platform_in + m.other_in  # anything but lenders' money
        out[period] = None if m.payout_out <= 0 else max(0.0, m.payout_out - covered) / m.payout_out
    return out


def detect(inputs: Inputs, params=None, as_of: datetime | None = None) -> list[FindingResult]:
    p = merged(DEFAULTS, params)
    flows = inputs.flows
    if flows is None:
        return []
    history = complete_periods(flows, as_of)
    if len(history) < p["min_history"]:
        return []
    periods = [q for q in history if flows.months[q].payout_out >= p["min_payout"]]
    if len(periods) < p["window"] + p["min_baseline"]:
        return []
    series = gap_series(flows)
    recent = periods[-p["window"]:]
    gaps = [series[q] for q in recent]
    if min(gaps) < p["min_gap_share"] and gaps[-1] < p["single_gap_share"]:
        return []
    earlier = [series[q] for q in periods[:-p["window"]] if series[q] is not None]
    mean_recent = sum(gaps) / len(gaps)
    mean_earlier = sum(earlier) / len(earlier)
    rising = mean_recent > mean_earlier
    severity = "high" if mean_recent >= p["high_gap_share"] and rising else "medium"
    metrics = {"gap_share_by_month": {q: round(series[q], 4) for q in recent},
               "gap_share_mean": round(mean_recent, 4),
               "gap_share_earlier_mean": round(mean_earlier, 4), "baseline_months": len(earlier),
               "rising": rising,
               "payouts": round(sum(flows.months[q].payout_out for q in recent), 2),
               "borrower_repayments": round(sum(flows.months[q].repay_in for q in recent), 2),
               "new_lender_inflows": round(sum(flows.months[q].lender_in for q in recent), 2)}
    yields = [f for f in inputs.facts if f.get("metric") == "avg_yield"]
    median = inputs.peers.get("median_yield")
    if yields and median is not None:
        latest = max(yields, key=lambda f: str(f["period"]))
        metrics["disclosed_yield"] = latest["value"]
        metrics["peer_median_yield"] = median
        if latest["value"] - median >= p["yield_excess"]:
            metrics["yield_above_peers"] = True
            if severity == "medium" and mean_recent >= (p["min_gap_share"] + p["high_gap_share"]) / 2:
                severity = bump(severity)
    window_edges = [e for e in flows.platform_out if e.period in recent and e.src in flows.platform_accounts
                    and e.dst in flows.lenders]
    evidence = Evidence(
        accounts=[account_evidence(flows, flows.custody, "custody")] if flows.custody else [],
        edges=summed_edges(window_edges, limit=10),
        window_start=f"{recent[0]}-01", window_end=month_end(recent[-1]), metrics=metrics,
        documents=fact_documents(inputs.facts, {"avg_yield"}, limit=2),
        note="兑付资金主要来自新出借人资金而非借款人还款")
    title = f"借新还旧迹象：近{len(recent)}个月兑付资金平均{mean_recent:.0%}无借款人还款支撑"
    return [finding(NAME, NAME, inputs.uscc, severity, title, evidence, key="payout-gap")]


DETECTOR = Detector(name=NAME, zh="借新还旧（庞氏）", en="Ponzi (new money repays old)", source="flows", weight=1.4,
                    params=PARAMS, detect=detect)
