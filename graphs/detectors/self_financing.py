"""Self-financing / 自融: loan money reaching related parties of the platform.

Catches
    (1) Loans whose money, through several nominal borrowers, converges on an
    account held by a related party of the platform (within ``k`` control
    hops in the registry: shareholders, controllers, executives, their
    firms) or by the platform itself or an offshore-like firm; (2) loans paid
    from custody straight to a related *firm*, unless the platform discloses
    related-party lending that covers them (low), or has disclosed nothing yet
    while no report covering the loans is due (low, "pending"). The related-party path from the
    registry is part of the evidence.
Misses
    Related parties the registry does not show (nominees, hidden
    controllers) — the scatter_gather detector still reports the convergence
    there; money moved on through more than one hop.
Complexity
    O(E) in the platform's edges for the window, plus the related-party BFS
    (O(V + E) of the k-hop neighbourhood) done when inputs are built.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from graphs.detectors._convergence import collectors
from graphs.detectors._common import (Inputs, account_evidence, defaults, fact_documents, finding, flow_window, merged,
                                      month_end, owed_in_flows, summed_edges)
from monitor.findings import Detector, Evidence, FindingResult, Param

NAME = "self_financing"
PARAMS = {
    "window": Param(6, "months", "months examined"),
    "min_borrowers": Param(3, "count", "nominal borrowers forwarding their loans to one tied account"),
    "min_forward_share": Param(0.6, "share", "part of its loan a borrower forwards to count as nominal"),
    "min_direct_amount": Param(500_000.0, "元", "custody loans to related firms over the window"),
    # One notion of "disclosed" with disclosure_mismatch's ``related_floor`` (understating the magnitude
    # is disclosure_mismatch's finding, not this one's).
    "disclosed_cover": Param(0.2, "share", "disclosed related-party balance / what flows show still owed, "
                                           "from which the loans count as disclosed"),
    # As the disclosure_late indicator: before any report covering a related loan is due, the loan is
    # "pending", not "undisclosed".
    "disclosure_grace_days": Param(25, "days", "the report of month M is due by the end of M plus this"),
}
DEFAULTS = defaults(PARAMS)


def _report_due(period: str, grace_days: int) -> date:
    """The day the monthly report of ``period`` (``YYYY-MM``) is due."""
    return date.fromisoformat(month_end(period)) + timedelta(days=grace_days)


def _disclosed_related(facts: list[dict]) -> tuple[float, str | None]:
    """Latest disclosed related-party balance and its period (``YYYY-MM``)."""
    values = [f for f in facts if f.get("metric") == "related_party_balance"]
    if not values:
        return 0.0, None
    latest = max(values, key=lambda f: str(f["period"]))
    return latest["value"], str(latest["period"])[:7]


def detect(inputs: Inputs, params=None, as_of: datetime | None = None) -> list[FindingResult]:
    p = merged(DEFAULTS, params)
    ready = flow_window(inputs, as_of, p["window"])
    if ready is None:
        return []
    flows, periods = ready
    window = dict(window_start=f"{periods[0]}-01", window_end=month_end(periods[-1]))
    disclosed, disclosed_period = _disclosed_related(inputs.facts)
    out = []
    for c in collectors(flows, set(periods), p["min_forward_share"], p["min_borrowers"]):
        why, path = flows.tied.get(c.account, (None, []))
        if why is None:
            continue
        severity = "critical" if why.startswith("related") and len(c.borrowers) >= 5 else "high"
        evidence = Evidence(
            accounts=[account_evidence(flows, flows.custody, "custody"),
                      account_evidence(flows, c.account, "collector")]
            + [account_evidence(flows, b, "nominal_borrower") for b in c.borrowers[:20]],
            edges=summed_edges(c.gather_edges, 15) + summed_edges(c.loan_edges, 15),
            paths=[path] if path else [], **window,
            metrics={"borrowers": len(c.borrowers), "gathered": round(c.gathered, 2),
                     "gathered_share": round(c.share, 4), "tie": why,
                     "disclosed_related_party_balance": disclosed},
            documents=fact_documents(inputs.facts, {"related_party_balance"}, 2),
            note="借款经多名名义借款人归集至平台关联方账户")
        name = flows.holder(c.account).get("holder_name") or c.account
        title = f"疑似自融：{len(c.borrowers)}名借款人的借款归集至关联方（{name}）"
        out.append(finding(NAME, NAME, inputs.uscc, severity, title, evidence, key=c.account))
    # Direct loans to related firms.
    direct: dict[str, list] = {}
    for e in flows.custody_edges:
        if e.period in periods and e.src == flows.custody:
            why, path = flows.tied.get(e.dst, (None, []))
            if why == "related_company":
                direct.setdefault(e.dst, []).append(e)
    # What each related firm still owed at the disclosed period, from flows (loans out − repayments in).
    upto = disclosed_period or periods[-1]
    owed_at = owed_in_flows(flows, direct, upto)
    for account, edges in sorted(direct.items()):
        amount = sum(e.amount for e in edges)
        if amount < p["min_direct_amount"]:
            continue
        owed = owed_at[account]
        covered = disclosed_period is not None and disclosed >= p["disclosed_cover"] * max(owed, 0.0)
        due = _report_due(min(e.period for e in edges), int(p["disclosure_grace_days"]))
        pending = disclosed_period is None and as_of is not None and as_of.date() < due
        severity = "low" if covered or pending else "high"
        state = "已披露" if covered else ("待披露" if pending else "未披露")
        path = flows.tied[account][1]
        evidence = Evidence(
            accounts=[account_evidence(flows, flows.custody, "custody"), account_evidence(flows, account, "related")],
            edges=summed_edges(edges, 10), paths=[path] if path else [], **window,
            metrics={"amount": round(amount, 2), "owed_in_flows": round(owed, 2), "owed_at": upto,
                     "disclosed_related_party_balance": disclosed,
                     "disclosed": covered, "disclosure_due": due.isoformat()},
            documents=fact_documents(inputs.facts, {"related_party_balance"}, 2),
            note="存管资金直接流向平台关联企业" + {"已披露": "（已披露关联借款）", "待披露": "（首期披露期限未到）",
                                                  "未披露": "（未披露）"}[state])
        name = flows.holder(account).get("holder_name") or account
        title = f"{state}关联借款：存管资金{amount / 10000:,.0f}万元流向关联企业（{name}）"
        out.append(finding(NAME, NAME, inputs.uscc, severity, title, evidence, key=f"direct:{account}"))
    return out


DETECTOR = Detector(name=NAME, zh="自融", en="self-financing", source="flows", weight=1.4,
                    params=PARAMS, detect=detect)
