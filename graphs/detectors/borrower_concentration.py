"""Borrower concentration: top-10 borrowers' share of the outstanding balance, high and rising.

Catches
    A top-10 share (from flows) above ``min_share`` that rose by at least
    ``min_rise`` over ``lookback`` months. Concentration alone is a watch
    item (*low*); it becomes *medium* only when the platform's disclosed
    top-10 share understates what the flows show by more than
    ``disclosure_tolerance`` (honest big borrowers are not a warning).
    Minimum history: ``lookback`` + 1 complete months (the share then and
    now) and ``min_borrowers`` with a balance; the platform's own accounts
    are never borrowers.
Misses
    Concentration hidden behind many nominal borrowers (scatter_gather and
    self_financing look for that); platforms with very few borrowers.
Complexity
    O(E) per examined month.
"""

from __future__ import annotations

from datetime import datetime

from graphs.detectors._borrowers import outstanding, top_share
from graphs.detectors._common import (Inputs, account_evidence, defaults, fact_documents, finding, flow_window, merged,
                                      month_end)
from monitor.findings import Detector, Evidence, FindingResult, Param

NAME = "borrower_concentration"
PARAMS = {
    "min_share": Param(0.5, "share", "top-10 borrowers' share of the outstanding balance"),
    "min_rise": Param(0.1, "share", "rise of that share over the lookback"),
    "lookback": Param(3, "months", "months over which the share rose"),
    "disclosure_tolerance": Param(0.1, "share", "disclosed top-10 share below the flows' by more: understated"),
    "min_borrowers": Param(15, "count", "borrowers with a balance, below which nothing is judged"),
}
DEFAULTS = defaults(PARAMS)


def detect(inputs: Inputs, params=None, as_of: datetime | None = None) -> list[FindingResult]:
    p = merged(DEFAULTS, params)
    ready = flow_window(inputs, as_of, min_periods=p["lookback"] + 1)
    if ready is None:
        return []
    flows, periods = ready
    now = outstanding(flows, periods[-1])
    if len(now) < p["min_borrowers"]:
        return []
    share_now = top_share(now)
    share_then = top_share(outstanding(flows, periods[-1 - p["lookback"]]))
    if share_now < p["min_share"] or share_now - share_then < p["min_rise"]:
        return []
    disclosed = [f for f in inputs.facts if f.get("metric") == "top10_borrower_share"]
    latest = max(disclosed, key=lambda f: str(f["period"]))["value"] if disclosed else None
    honest = latest is None or latest >= share_now - p["disclosure_tolerance"]
    severity = "low" if honest else "medium"
    top = sorted(now, key=lambda b: -now[b])[:10]
    evidence = Evidence(
        accounts=[account_evidence(flows, b, "borrower") for b in top],
        window_start=f"{periods[-1 - p['lookback']]}-01", window_end=month_end(periods[-1]),
        documents=fact_documents(inputs.facts, {"top10_borrower_share"}, 2),
        metrics={"top10_share": round(share_now, 4), "top10_share_before": round(share_then, 4),
                 "disclosed_top10_share": latest, "not_understated": honest,
                 "top10_outstanding": {b: round(now[b], 2) for b in top}},
        note="前十大借款人待还占比高且上升" + ("" if honest else "（披露明显偏低）"))
    title = f"借款集中：前十大借款人占比{share_then:.0%}→{share_now:.0%}"
    return [finding(NAME, NAME, inputs.uscc, severity, title, evidence, key="top10")]


DETECTOR = Detector(name=NAME, zh="借款人集中度高", en="concentrated borrowers", source="flows", weight=0.6,
                    params=PARAMS, detect=detect)
