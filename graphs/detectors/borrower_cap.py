"""Borrowers above the legal caps on one platform (20万 natural person, 100万 legal person).

Catches
    Borrowers whose outstanding on the platform, read from custody flows
    (loans received from custody − repayments paid to custody, never gross
    inflows), exceeds the cap of the 2016 interim measures
    (网络借贷信息中介机构业务活动管理暂行办法 art. 17): 200,000 元 for a
    natural person, 1,000,000 元 for a legal person. The platform's own
    accounts (custody, general, operating: its USCC or registered name) are
    never borrowers (:func:`graphs.platform.is_own_account`). Needs no
    baseline: one complete month of flows is enough.
    Several violators, or violators holding a large share of the balance,
    are a sign of fake borrowers or of lending to the platform's own projects.
Misses
    Borrowers split over several accounts or names; the cross-platform caps
    (1,000,000 / 5,000,000 元 over all platforms: one borrower across many
    platforms needs the city-wide view, not checked); caps breached only by
    interest (repayments include interest, so balances are slightly low).
Complexity
    O(E) over the platform's edges.
"""

from __future__ import annotations

from datetime import datetime

from graphs.detectors._borrowers import holder_kind, outstanding
from graphs.detectors._common import (Inputs, account_evidence, defaults, finding, flow_window, merged, month_end,
                                      summed_edges)
from monitor.findings import Detector, Evidence, FindingResult, Param

NAME = "borrower_cap"
PARAMS = {
    "person_cap": Param(200_000.0, "元", "outstanding cap of a natural person on one platform"),
    "company_cap": Param(1_000_000.0, "元", "outstanding cap of a legal person on one platform"),
    "min_violators": Param(3, "count", "borrowers above their cap"),
    "min_share": Param(0.2, "share", "... or violators holding this share of the outstanding balance"),
    "high_violators": Param(10, "count", "violators for severity high"),
}
DEFAULTS = defaults(PARAMS)


def detect(inputs: Inputs, params=None, as_of: datetime | None = None) -> list[FindingResult]:
    p = merged(DEFAULTS, params)
    ready = flow_window(inputs, as_of)
    if ready is None:
        return []
    flows, periods = ready
    owed = outstanding(flows, periods[-1])
    total = sum(owed.values())
    over = {}
    for b, v in owed.items():
        cap = p["company_cap"] if holder_kind(flows.holder(b)) == "company" else p["person_cap"]
        if v > cap:
            over[b] = (v, cap)
    amount = sum(v for v, _ in over.values())
    share = amount / total if total else 0.0
    if len(over) < p["min_violators"] and not (over and share >= p["min_share"]):
        return []
    severity = "high" if len(over) >= p["high_violators"] else "medium"
    worst = sorted(over, key=lambda b: -over[b][0])[:20]
    evidence = Evidence(
        accounts=[account_evidence(flows, b, "borrower") for b in worst],
        edges=summed_edges([e for e in flows.custody_edges if e.src == flows.custody and e.dst in set(worst)], 20),
        window_start=f"{periods[0]}-01", window_end=month_end(periods[-1]),
        metrics={"violators": len(over), "amount_over_cap_holders": round(amount, 2),
                 "share_of_balance": round(share, 4),
                 "outstanding_by_borrower": {b: round(over[b][0], 2) for b in worst}},
        note="单一借款人借款余额超过监管上限（自然人20万元，法人100万元）")
    title = f"借款超限：{len(over)}名借款人在本平台借款余额超过监管上限"
    return [finding(NAME, NAME, inputs.uscc, severity, title, evidence, key="caps")]


DETECTOR = Detector(name=NAME, zh="借款超限额", en="borrowing over the cap", source="flows", weight=0.8,
                    params=PARAMS, detect=detect)
