"""Fund pool / custody bypass (资金池): lender money leaving custody to non-borrower accounts tied to the platform.

Catches
    Custody outflows to accounts that are not borrowers or lenders and are
    tied to the platform — its own general account, a related firm or an
    offshore-like firm — when they are a large share of what lenders paid
    in (lenders' and borrowers' money) over the recent months; and lenders paying straight into the
    platform's own non-custody accounts (bypassing custody). Ordinary fee
    withdrawals (a few percent of volume) stay below the share threshold.
Misses
    Pools held in accounts whose holder the bureau cannot tie to the
    platform (nominee persons) unless they also behave as collectors
    (scatter_gather); pooling inside the custody account itself.
Complexity
    O(E) over the platform's edges.
"""

from __future__ import annotations

from datetime import datetime

from graphs.detectors._common import (Inputs, account_evidence, defaults, finding, flow_window, merged, month_end,
                                      summed_edges)
from monitor.findings import Detector, Evidence, FindingResult, Param

NAME = "fund_pool"
PARAMS = {
    "window": Param(3, "months", "months examined"),
    "min_share": Param(0.08, "share", "tied outflows / all money paid in (lenders and borrowers) over the window"),
    "high_share": Param(0.2, "share", "the same share for severity high"),
    "min_amount": Param(200_000.0, "元", "tied outflows and bypassing inflows over the window"),
    "bypass_min_payers": Param(5, "count", "distinct lenders paying the platform's own non-custody accounts"),
}
DEFAULTS = defaults(PARAMS)


def detect(inputs: Inputs, params=None, as_of: datetime | None = None) -> list[FindingResult]:
    p = merged(DEFAULTS, params)
    ready = flow_window(inputs, as_of, p["window"])
    if ready is None:
        return []
    flows, periods = ready
    window = set(periods)
    out_edges = [e for e in flows.custody_edges if e.period in window and e.src == flows.custody and e.dst in flows.tied
                 and flows.tied[e.dst][0] in ("platform", "related_company", "offshore")
                 and e.dst not in flows.lenders]
    bypass = [e for e in flows.platform_in if e.period in window and e.dst in flows.platform_accounts
              and e.dst != flows.custody and e.src in flows.lenders]
    lender_in = sum(flows.months[q].lender_in for q in periods)
    # Fees follow volume: compare with everything paid in, not only new lenders' money.
    paid_in = lender_in + sum(flows.months[q].repay_in + flows.months[q].other_in for q in periods)
    tied_amount = sum(e.amount for e in out_edges)
    bypass_amount = sum(e.amount for e in bypass)
    bypass_payers = len({e.src for e in bypass})
    share = (tied_amount + bypass_amount) / paid_in if paid_in else (1.0 if tied_amount else 0.0)
    by_bypass = bypass_payers >= p["bypass_min_payers"] and bypass_amount >= p["min_amount"]
    if not by_bypass and (share < p["min_share"] or tied_amount + bypass_amount < p["min_amount"]):
        return []
    severity = "high" if share >= p["high_share"] or by_bypass else "medium"
    targets = sorted({e.dst for e in out_edges} | {e.dst for e in bypass})
    paths = [flows.tied[t][1] for t in targets if t in flows.tied and flows.tied[t][1]]
    evidence = Evidence(
        accounts=[account_evidence(flows, flows.custody, "custody")]
        + [account_evidence(flows, t, flows.tied.get(t, ("platform",))[0]) for t in targets[:10]],
        edges=summed_edges(out_edges + bypass, 15), paths=paths[:5],
        window_start=f"{periods[0]}-01", window_end=month_end(periods[-1]),
        metrics={"tied_outflows": round(tied_amount, 2), "bypass_inflows": round(bypass_amount, 2),
                 "bypass_payers": bypass_payers, "lender_inflows": round(lender_in, 2), "paid_in": round(paid_in, 2), "share": round(share, 4)},
        note="出借资金流出存管账户至平台自有或关联账户")
    title = f"疑似资金池：近{len(periods)}个月存管资金的{share:.0%}流向平台自有/关联账户"
    return [finding(NAME, NAME, inputs.uscc, severity, title, evidence, key="custody-bypass")]


DETECTOR = Detector(name=NAME, zh="资金池/绕开存管", en="fund pool / custody bypassed", source="flows", weight=1.4,
                    params=PARAMS, detect=detect)
