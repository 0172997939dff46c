"""Scatter–gather: custody fans out loans to many borrowers whose money fans in to one collector.

Catches
    Several borrowers (``min_borrowers``) that each forward most of their loan
    (``min_forward_share``) to the same account within the window — the
    shape of nominal borrowers fronting for one real user of the money,
    whether or not the registry shows the collector as related (the
    self-financing detector adds the related-party path when it does).
    Only material sums count: together at least ``min_gathered`` 元 over the
    window.
Misses
    Gathering below ``min_gathered``: a few borrowers of a large platform
    paying the same merchant small sums happens by chance (on the default
    city a look-alike's 4 borrowers sent 230,000 元 to one furniture shop in
    six months; the planted frauds had gathered 0.8–3.0 million when first
    found); gathering spread over several collectors each below ``min_borrowers``;
    gathering through more than one intermediate hop (only the first onward
    hop of borrowers is in custody files); borrowers whose statements are not
    supplied.
Complexity
    O(E) in the platform's aggregated edges of the window.
"""

from __future__ import annotations

from datetime import datetime

from graphs.detectors._convergence import collectors
from graphs.detectors._common import (Inputs, account_evidence, defaults, finding, flow_window, merged, month_end,
                                      summed_edges)
from monitor.findings import Detector, Evidence, FindingResult, Param

NAME = "scatter_gather"
PARAMS = {
    "window": Param(6, "months", "months examined"),
    "min_borrowers": Param(4, "count", "borrowers forwarding their loans to one collector"),
    "min_forward_share": Param(0.6, "share", "part of its loan a borrower forwards to the collector"),
    "min_gathered": Param(500_000.0, "元", "forwarded to the collector over the window, all borrowers together"),
    "high_borrowers": Param(10, "count", "borrowers for severity high"),
}
DEFAULTS = defaults(PARAMS)


def detect(inputs: Inputs, params=None, as_of: datetime | None = None) -> list[FindingResult]:
    p = merged(DEFAULTS, params)
    ready = flow_window(inputs, as_of, p["window"])
    if ready is None:
        return []
    flows, periods = ready
    out = []
    for c in collectors(flows, set(periods), p["min_forward_share"], p["min_borrowers"]):
        if c.gathered < p["min_gathered"]:
            continue
        severity = "high" if len(c.borrowers) >= p["high_borrowers"] else "medium"
        holder = flows.holder(c.account)
        evidence = Evidence(
            accounts=[account_evidence(flows, flows.custody, "custody"),
                      account_evidence(flows, c.account, "collector")]
            + [account_evidence(flows, b, "borrower") for b in c.borrowers[:20]],
            edges=summed_edges(c.gather_edges, 15) + summed_edges(c.loan_edges, 15),
            window_start=f"{periods[0]}-01", window_end=month_end(periods[-1]),
            metrics={"borrowers": len(c.borrowers), "gathered": round(c.gathered, 2),
                     "loans": round(c.loans, 2), "gathered_share": round(c.share, 4),
                     "collector_tied": flows.tied.get(c.account, (None,))[0]},
            note="多名借款人将借款转入同一账户")
        name = holder.get("holder_name") or c.account
        title = f"资金归集：{len(c.borrowers)}名借款人将借款的{c.share:.0%}转入同一账户（{name}）"
        out.append(finding(NAME, NAME, inputs.uscc, severity, title, evidence, key=c.account))
    return out


DETECTOR = Detector(name=NAME, zh="分散转入集中转出", en="scattered in, gathered out", source="flows", weight=1.2,
                    params=PARAMS, detect=detect)
