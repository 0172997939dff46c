"""Disclosure vs flows: what the platform publishes against what custody flows show.

Catches, for the latest disclosed month that flows cover:
    * ``outstanding_balance`` growing faster than net lending seen in flows
      (loans out − repayments in) over ``balance_months`` months, by more
      than ``balance_excess`` of the balance (an inflated balance);
    * ``related_party_balance`` disclosed below ``related_floor`` of what
      related parties owe according to the flows: custody loans to them not
      yet repaid at the disclosed month (:func:`related_owed`), plus what
      converging borrowers gathered on related accounts;
    * (``check_overdue=True`` only) ``overdue_amount`` far below the
      outstanding of regular repayers that stopped repaying for
      ``overdue_months`` (:func:`stopped_repaying`) — off by default, too
      many false alarms on honest platforms that compensate defaults.
    The disclosure pages (source documents) are part of the evidence.
Misses
    Lies on metrics flows cannot check (lender counts, yields); a balance
    inflated once and then kept steady (only growth is compared, since flows
    start after a platform's first loans and levels cannot be); months
    missing from the flows (a window with a missing month is skipped).
Complexity
    O(E + F) in the platform's edges and disclosure facts.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from graphs.detectors._borrowers import outstanding
from graphs.detectors._convergence import collectors
from graphs.detectors._common import (Inputs, defaults, fact_documents, finding, flow_window, merged, month_end,
                                      owed_in_flows)
from graphs.platform import purpose_code
from monitor.findings import Detector, Evidence, FindingResult, Param

NAME = "disclosure_mismatch"
PARAMS = {
    "balance_months": Param(3, "months", "growth of the disclosed balance over this many months"),
    "balance_excess": Param(0.08, "share", "(disclosed growth − net lending in flows) / disclosed balance"),
    "min_amount": Param(500_000.0, "元", "differences below this are ignored"),
    "related_floor": Param(0.2, "share", "disclosed related balance below this share of what flows show: undisclosed"),
    # Off by default: on the simulated city the flow estimate of overdue (regular repayers that stopped)
    # also counts defaults the platform compensated from its own account and raised false alarms.
    "check_overdue": Param(False, "flag", "compare the disclosed overdue amount with the flows"),
    "overdue_months": Param(2, "months", "months without repayment after which a regular repayer has stopped"),
    "min_stopped": Param(3, "count", "borrowers that stopped repaying"),
    "overdue_understated": Param(0.4, "share", "disclosed overdue below this share of the flow estimate"),
    "window": Param(6, "months", "months of related-party flows examined"),
}
DEFAULTS = defaults(PARAMS)


def _lending(flows, period: str) -> float:
    """Loans out of custody minus repayments into it in one month (any non-lender counterparty)."""
    net = 0.0
    for e in flows.in_period(period):
        codes = {purpose_code(x) for x in e.purposes}
        if e.src == flows.custody and e.dst not in flows.platform_accounts and e.dst not in flows.lenders \
                and (e.dst in flows.borrowers or "disburse" in codes):
            net += e.amount
        elif e.dst == flows.custody and e.src not in flows.platform_accounts and e.src not in flows.lenders \
                and (e.src in flows.borrowers or "repay" in codes):
            net -= e.amount
    return net


def balance_growth_excess(flows, facts: list[dict], upto: str, months: int) -> dict | None:
    """Disclosed balance growth over ``months`` minus net lending seen in flows, for the latest disclosure.

    Levels cannot be compared (flows start after the first loans); changes can.
    Repayments include interest, so honest platforms show a small positive
    excess (about the interest of the period).
    """
    rows = {str(f["period"])[:7]: f for f in facts if f.get("metric") == "outstanding_balance"}
    periods = [q for q in flows.periods() if q <= upto]
    for i in range(len(periods) - 1, months - 1, -1):
        end, start = periods[i], periods[i - months]
        window = periods[i - months + 1:i + 1]
        if end in rows and start in rows and _consecutive(start, end, months):
            d1, d0 = rows[end]["value"], rows[start]["value"]
            if d1 <= 0:
                return None
            net = sum(_lending(flows, q) for q in window)
            excess = (d1 - d0) - net
            return {"period": end, "from": start, "disclosed": d1, "disclosed_before": d0,
                    "net_lending_in_flows": round(net, 2), "excess": round(excess, 2),
                    "excess_share": round(excess / d1, 4)}
    return None


def _consecutive(start: str, end: str, months: int) -> bool:
    y0, m0, y1, m1 = int(start[:4]), int(start[5:]), int(end[:4]), int(end[5:])
    return (y1 - y0) * 12 + m1 - m0 == months


def stopped_repaying(flows, upto: str, quiet_months: int, horizon_months: int = 3) -> tuple[float, int]:
    """Outstanding of borrowers who repaid in ≥ 2 months, then not at all in the last ``quiet_months``.

    Only borrowers whose last repayment falls in the ``horizon_months`` before
    the quiet months count (recent stops).

    A regular repayer going silent while still owing at least a third of
    what it borrowed is read as overdue. Returns (amount, borrowers).
    """
    periods = [q for q in flows.periods() if q <= upto]
    if len(periods) <= quiet_months:
        return 0.0, 0
    quiet = set(periods[-quiet_months:])
    recent = set(periods[-quiet_months - 1:])  # a new loan there has no instalment due yet
    lent: dict[str, float] = defaultdict(float)
    repaid: dict[str, float] = defaultdict(float)
    months: dict[str, set[str]] = defaultdict(set)
    fresh: set[str] = set()
    for e in flows.borrower_edges:
        if e.period > upto:
            continue
        if e.src == flows.custody and e.dst in flows.borrowers:
            lent[e.dst] += e.amount
            if e.period in recent:
                fresh.add(e.dst)
        elif e.dst == flows.custody and e.src in flows.borrowers:
            repaid[e.src] += e.amount
            months[e.src].add(e.period)
    amount, n = 0.0, 0
    # Stopped recently: older defaults are compensated or written off and leave the disclosed figure.
    horizon = set(periods[-quiet_months - horizon_months:-quiet_months])
    for b, loan in lent.items():
        if b in fresh:
            continue
        owed = loan - repaid[b]
        if len(months[b]) >= 2 and not months[b] & quiet and months[b] & horizon and owed >= loan / 3:
            amount += owed
            n += 1
    return amount, n


def related_owed(flows, window: set[str], upto: str) -> float:
    """What the related parties custody paid in ``window`` still owed at ``upto`` (:func:`owed_in_flows`).

    Over all months up to ``upto`` (a loan of the window may be repaid since, or
    be the latest of several). Same reading as ``self_financing``'s ``owed_in_flows``.
    """
    related = {e.dst for e in flows.custody_edges if e.period in window and e.src == flows.custody
               and flows.tied.get(e.dst, ("",))[0].startswith("related")}
    return sum(max(v, 0.0) for v in owed_in_flows(flows, related, upto).values())


def _latest(facts: list[dict], metric: str, upto: str) -> dict | None:
    rows = [f for f in facts if f.get("metric") == metric and str(f["period"])[:7] <= upto]
    return max(rows, key=lambda f: str(f["period"])) if rows else None


def detect(inputs: Inputs, params=None, as_of: datetime | None = None) -> list[FindingResult]:
    p = merged(DEFAULTS, params)
    ready = flow_window(inputs, as_of) if inputs.facts else None
    if ready is None:
        return []
    flows, periods = ready
    upto = periods[-1]
    checks: dict[str, dict] = {}
    growth = balance_growth_excess(flows, inputs.facts, upto, p["balance_months"])
    if growth and growth["excess_share"] >= p["balance_excess"] and growth["excess"] >= p["min_amount"]:
        checks["outstanding_balance"] = growth
    rel = _latest(inputs.facts, "related_party_balance", upto)
    window = set(periods[-p["window"]:])
    if rel is not None:
        # A balance against a balance: what related parties still owed at the disclosed month.
        related_flow = related_owed(flows, window, str(rel["period"])[:7])
        related_flow += sum(c.gathered for c in collectors(flows, window)
                            if flows.tied.get(c.account, ("",))[0].startswith("related"))
        if related_flow >= p["min_amount"] and rel["value"] < p["related_floor"] * related_flow:
            checks["related_party_balance"] = {"period": str(rel["period"])[:7], "disclosed": rel["value"],
                                               "flows": round(related_flow, 2)}
    over = _latest(inputs.facts, "overdue_amount", upto) if p["check_overdue"] else None
    if over is not None:
        period = str(over["period"])[:7]
        est, stopped = stopped_repaying(flows, period, p["overdue_months"])
        if stopped >= p["min_stopped"] and est >= p["min_amount"] and over["value"] < p["overdue_understated"] * est:
            checks["overdue_amount"] = {"period": period, "disclosed": over["value"], "flows": round(est, 2),
                                        "borrowers_stopped": stopped}
    if not checks:
        return []
    severity = "high" if len(checks) >= 2 else "medium"
    evidence = Evidence(window_start=f"{periods[-p['window']:][0]}-01", window_end=month_end(upto),
                        documents=fact_documents(inputs.facts, set(checks), 6), metrics=checks,
                        note="披露数据与资金流水不符")
    names = {"outstanding_balance": "借贷余额", "related_party_balance": "关联借款余额", "overdue_amount": "逾期金额"}
    title = "披露与流水不符：" + "、".join(names[k] for k in sorted(checks))
    return [finding(NAME, NAME, inputs.uscc, severity, title, evidence, key="mismatch")]


DETECTOR = Detector(name=NAME, zh="披露与资金流不符", en="disclosure contradicts the flows", source="flows", weight=1.0,
                    params=PARAMS, detect=detect)
