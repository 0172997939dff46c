"""Capital flight (跑路 precursor): outflow spikes to controller or offshore-like accounts, new lending collapsing.

Catches
    Recent months in each of which the platform's accounts pay the controller's
    persons (related persons in the registry, or insiders: persons on the
    platform's payroll-like outflows) or offshore-like firms much more
    than before (each of the last ``recent`` months ≥ ``spike_factor`` × the
    receiver's earlier median, together ≥ ``min_amount`` above it); stronger
    when new lending (disbursals to borrowers) collapses at the same time (the
    recent months' mean below half of before, or the latest month below a
    fifth: a sudden stop), or when the spiking outflows reach ``drain_share_high``
    of what lenders paid in over the same months (a runaway that keeps lending
    to keep up appearances while a fifth or more of the lenders' money leaves;
    judged on complete months), or when lenders' payouts are held back while
    borrowers still repay (payouts per 元 repaid, over the recent months or in
    the latest one, below ``payout_ratio`` × the prior months': withdrawals
    delayed, 提现困难).
    A one-month jump (a yearly dividend) is not enough.
    Precursors (``drain``): even without a per-receiver spike, the platform's
    total outflows to controller-tied persons, offshore-like firms, insiders
    and *new* receivers (accounts that are neither lenders, borrowers nor the
    platform's own, first paid in the recent months, each paid at least
    ``new_receiver_min`` over them) rising to at least ``drain_factor`` ×
    their earlier monthly mean while new lending dries up (disbursals below
    ``collapse_ratio`` × before, or the latest month below ``stop_ratio``) or
    lender payouts are held back (payouts / borrower repayments below
    ``payout_ratio`` × that ratio before: repayments come in, lenders are not
    paid): *medium* with one of the two, *high* with both. The runaway's months
    before the collapse, not its end.
    Month to date: when the complete months show no flight yet, the month
    still running counts as the latest recent month as soon as what the bank
    has reported of it already reaches the spike (a sum that can only grow),
    so the daily sweep warns during the month the draining happens, not after
    it. Such a finding says how far the month is in (``month_to_date``); the
    collapse of lending is judged on complete months only.
Misses
    Flight through nominees the registry does not show and that are not
    offshore-like by name; cash withdrawals; slow drains without a spike
    (fund_pool may catch those). Month to date, only receivers already known
    from complete months count (ties are read from them), and a flight that
    starts in the running month waits for a second month, as on whole months.
    A runaway that keeps lending and paying out as usual until the day it
    vanishes, and drains no more than before through accounts we can see,
    shows no precursor; neither does one with under ``min_history`` + ``recent``
    months of flows. ``stop_ratio`` and ``spike_factor`` were chosen by
    looking at simulated runaways (tuned, see docs/scoring.md).
Complexity
    O(E + M) over the platform's edges and months.
"""

from __future__ import annotations

from datetime import datetime
from statistics import median

from graphs.detectors._common import (Inputs, account_evidence, defaults, finding, flow_window, merged, month_end,
                                      summed_edges)
from graphs.flows import FlowEdge
from monitor.findings import Detector, Evidence, FindingResult, Param

NAME = "capital_flight"
PARAMS = {
    "recent": Param(2, "months", "months examined for a spike"),
    "spike_factor": Param(3.0, "factor", "a receiver's recent month / its earlier median"),
    "min_amount": Param(150_000.0, "元", "above the receivers' usual amounts, over the recent months"),
    "min_share_of_inflows": Param(0.03, "share", "outflows to spiking receivers / lender inflows, recent months"),
    # No controller is paid a fifth of what lenders bring in: a drain that size is the money leaving,
    # whether or not the platform still lends to keep up appearances.
    "drain_share_high": Param(0.2, "share", "the same share for severity high without lending collapsing"),
    "collapse_ratio": Param(0.5, "ratio", "disbursals in the recent months / their earlier mean"),
    # A sudden stop counts as a collapse even when the month before still lent as usual (the recent
    # mean would hide it).
    "stop_ratio": Param(0.2, "ratio", "disbursals in the latest month / their earlier mean"),
    "min_history": Param(3, "months", "months before the recent ones, to know what is normal"),
    "drain_factor": Param(2.0, "factor", "precursors: outflows to tied and new receivers, recent mean / earlier mean"),
    "payout_ratio": Param(0.6, "ratio", "payouts held back: recent payouts-to-repayments ratio / the earlier one"),
    "new_receiver_min": Param(200_000.0, "元", "over the recent months, for a new receiver to count (not a supplier)"),
}
DEFAULTS = defaults(PARAMS)

FLIGHT_TIES = ("related_person", "offshore", "insider")


def detect(inputs: Inputs, params=None, as_of: datetime | None = None) -> list[FindingResult]:
    p = merged(DEFAULTS, params)
    ready = flow_window(inputs, as_of, min_periods=2)
    if ready is None:
        return []
    flows, periods = ready
    if len(periods) - p["recent"] < p["min_history"]:
        return []
    targets = {a for a, (why, _) in flows.tied.items() if why in FLIGHT_TIES}
    examined = set(periods)
    edges = [e for e in flows.platform_out if e.src in flows.platform_accounts and e.dst in targets
             and e.period in examined and e.dst not in flows.lenders]
    inflows = {q: flows.months[q].lender_in for q in periods}
    found = _spike(edges, periods, inflows, p)
    if found is None:
        drained = _drain(flows, periods, targets, p)
        if drained is not None:
            return [_drain_finding(inputs, flows, drained, p)]
    running = inputs.running
    if found is None and running is not None and running.edges and running.period > periods[-1]:
        # The running month as the latest recent one (see Catches): the whole months before it
        # are the history, as they will be once it is over.
        now = [e for e in running.edges if e.src in flows.platform_accounts and e.dst in targets
               and e.dst not in flows.lenders]
        inflows[running.period] = sum(e.amount for e in running.edges
                                      if e.src in flows.lenders and e.dst in flows.platform_accounts)
        found = _spike(edges + now, periods + [running.period], inflows, p)
        return [] if found is None else [_finding(inputs, flows, found, periods, p, running)]
    return [] if found is None else [_finding(inputs, flows, found, periods, p)]


def _spike(edges: list[FlowEdge], periods: list[str], inflows: dict[str, float], p: dict) -> dict | None:
    """The spike test over ``periods`` (the last ``recent`` of them examined), or ``None``."""
    recent, earlier = periods[-p["recent"]:], periods[:-p["recent"]]
    by_target: dict[str, dict[str, float]] = {}
    for e in edges:
        months = by_target.setdefault(e.dst, {})
        months[e.period] = months.get(e.period, 0.0) + e.amount
    # Each receiver against its own history: payroll-like payments stay flat, flight jumps — and
    # keeps going (a once-a-year dividend is one month, not every recent month).
    spiking = {}
    for target, months in by_target.items():
        base = median([months.get(q, 0.0) for q in earlier])
        amounts = [months.get(q, 0.0) for q in recent]
        if min(amounts) > 0 and min(amounts) >= p["spike_factor"] * base:
            spiking[target] = (sum(amounts) - base * len(amounts), base)
    increase = sum(v for v, _ in spiking.values())
    if not spiking or increase < p["min_amount"]:
        return None
    by_month = {q: sum(by_target[t].get(q, 0.0) for t in spiking) for q in periods}
    inflow = sum(inflows[q] for q in recent)
    share = sum(by_month[q] for q in recent) / inflow if inflow else None
    if share is not None and share < p["min_share_of_inflows"]:
        return None
    return {"recent": recent, "spiking": spiking, "increase": increase, "by_month": by_month, "share": share,
            "edges": [e for e in edges if e.dst in spiking and e.period in recent]}


def _drain(flows, periods: list[str], targets: set[str], p: dict) -> dict | None:
    """The precursor test (see Catches), or ``None``."""
    recent, earlier = periods[-p["recent"]:], periods[:-p["recent"]]
    roles = flows.lenders | flows.borrowers | flows.platform_accounts
    first_paid: dict[str, str] = {}
    for e in flows.platform_out:
        if e.dst not in roles and (e.dst not in first_paid or e.period < first_paid[e.dst]):
            first_paid[e.dst] = e.period
    paid_recently: dict[str, float] = {}
    for e in flows.platform_out:
        if e.period in recent and first_paid.get(e.dst, "") >= recent[0] and e.dst not in flows.tied:
            paid_recently[e.dst] = paid_recently.get(e.dst, 0.0) + e.amount
    new = {a for a, v in paid_recently.items() if v >= p["new_receiver_min"]}
    drains = targets | new
    by_month = {q: 0.0 for q in periods}
    receivers: set[str] = set()
    for e in flows.platform_out:
        if e.dst in drains and e.period in by_month:
            by_month[e.period] += e.amount
            if e.period in recent:
                receivers.add(e.dst)
    mean = lambda qs, f: sum(f(q) for q in qs) / len(qs)  # noqa: E731
    before, now = mean(earlier, by_month.get), mean(recent, by_month.get)
    inflow = sum(flows.months[q].lender_in for q in recent)
    if now * len(recent) - before * len(recent) < p["min_amount"] or now < p["drain_factor"] * before \
            or not inflow or now * len(recent) / inflow < p["min_share_of_inflows"]:
        return None
    prior = earlier[-3:]
    disb_prior = mean(prior, lambda q: flows.months[q].disburse_out)
    drying = disb_prior > 0 and (mean(recent, lambda q: flows.months[q].disburse_out) < p["collapse_ratio"] * disb_prior
                                 or flows.months[recent[-1]].disburse_out < p["stop_ratio"] * disb_prior)
    def passed_on(qs):  # payouts to lenders per 元 borrowers repaid
        repaid = sum(flows.months[q].repay_in for q in qs)
        return sum(flows.months[q].payout_out for q in qs) / repaid if repaid else None

    before_ratio, now_ratio = passed_on(prior), passed_on(recent)
    held = bool(before_ratio and now_ratio is not None and now_ratio < p["payout_ratio"] * before_ratio)
    if not (drying or held):
        return None
    return {"recent": recent, "by_month": by_month, "before": before, "now": now, "drying": drying, "held": held,
            "receivers": sorted(receivers), "new": sorted(new & receivers),
            "edges": [e for e in flows.platform_out if e.dst in receivers and e.period in recent]}


def _payout_ratio(flows, periods: list[str]) -> float | None:
    """Payouts to lenders per 元 of borrower repayments over ``periods``."""
    repaid = sum(flows.months[q].repay_in for q in periods)
    return sum(flows.months[q].payout_out for q in periods) / repaid if repaid else None


def _held_back(flows, recent: list[str], prior: list[str], p: dict) -> bool:
    """Lenders' payouts held back while borrowers still repay: the recent months' payouts per 元
    repaid, or the latest month's (a sudden hold, as a sudden stop of lending), below
    ``payout_ratio`` × the prior months' ratio."""
    before = _payout_ratio(flows, prior) if prior else None
    if not before:
        return False
    now = [r for r in (_payout_ratio(flows, recent), _payout_ratio(flows, recent[-1:])) if r is not None]
    return any(r < p["payout_ratio"] * before for r in now)


def _drain_finding(inputs: Inputs, flows, found: dict, p: dict) -> FindingResult:
    recent, by_month = found["recent"], found["by_month"]
    severity = "high" if found["drying"] and found["held"] else "medium"
    receivers = found["receivers"]
    metrics = {"precursor": True, "drain_recent_mean": round(found["now"], 2),
               "drain_earlier_mean": round(found["before"], 2), "receivers_new": len(found["new"]),
               "receivers_draining": len(receivers),
               "outflows_by_month": {q: round(v, 2) for q, v in by_month.items() if v},
               "new_lending_collapsing": found["drying"], "payouts_held_back": found["held"]}
    role = lambda a: flows.tied[a][0] if a in flows.tied else "new_receiver"  # noqa: E731
    evidence = Evidence(
        accounts=[account_evidence(flows, flows.custody, "custody")]
        + [account_evidence(flows, a, role(a)) for a in receivers[:10]],
        edges=summed_edges(found["edges"], 15),
        paths=[flows.tied[a][1] for a in receivers if a in flows.tied and flows.tied[a][1]][:5],
        window_start=f"{recent[0]}-01", window_end=month_end(recent[-1]), metrics=metrics,
        note="流向控制人、境外或新开账户的资金上升" + ("，新增放款骤降" if found["drying"] else "")
        + ("，兑付延迟" if found["held"] else ""))
    title = (f"资金外逃前兆：近{len(recent)}个月流向控制人/境外/新账户月均{found['now'] / 10000:,.0f}万元"
             f"（此前{found['before'] / 10000:,.0f}万元）" + ("，新增放款骤降" if found["drying"] else "")
             + ("，兑付延迟" if found["held"] else ""))
    return finding(NAME, NAME, inputs.uscc, severity, title, evidence, key="flight")


def _finding(inputs: Inputs, flows, found: dict, periods: list[str], p: dict, running=None) -> FindingResult:
    """The finding of a spike; ``periods`` are the complete months (lending is judged on them alone)."""
    recent, spiking, by_month = found["recent"], found["spiking"], found["by_month"]
    base = sum(b for _, b in spiking.values())
    spike_month = max(recent, key=lambda q: by_month[q])
    spike = by_month[spike_month]
    whole = periods[-p["recent"]:]
    disb_recent = sum(flows.months[q].disburse_out for q in whole) / len(whole)
    prior = periods[-p["recent"] - 3:-p["recent"]]
    disb_prior = sum(flows.months[q].disburse_out for q in prior) / len(prior) if prior else 0.0
    disb_last = flows.months[whole[-1]].disburse_out
    collapsing = disb_prior > 0 and (disb_recent < p["collapse_ratio"] * disb_prior
                                     or disb_last < p["stop_ratio"] * disb_prior)
    held = _held_back(flows, whole, prior, p)
    share = found["share"]
    # On complete months only, as the lending collapse: a running month's lender inflows are partial.
    draining = running is None and share is not None and share >= p["drain_share_high"]
    severity = "high" if collapsing or draining or held else "medium"
    spike_edges = found["edges"]
    receivers = sorted({e.dst for e in spike_edges})
    metrics = {"spike_month": spike_month, "spike_amount": round(spike, 2), "increase": round(found["increase"], 2),
               "baseline_median": round(base, 2), "receivers_spiking": len(spiking),
               "outflows_by_month": {q: round(v, 2) for q, v in by_month.items() if v},
               "disbursals_recent_mean": round(disb_recent, 2), "disbursals_prior_mean": round(disb_prior, 2),
               "disbursals_last_month": round(disb_last, 2),
               "new_lending_collapsing": collapsing, "payouts_held_back": held}
    if share is not None:
        metrics["share"] = round(share, 4)
    if running is not None:
        metrics["month_to_date"] = running.through
    evidence = Evidence(
        accounts=[account_evidence(flows, flows.custody, "custody")]
        + [account_evidence(flows, a, flows.tied[a][0]) for a in receivers[:10]],
        edges=summed_edges(spike_edges, 15), paths=[flows.tied[a][1] for a in receivers if flows.tied[a][1]][:5],
        window_start=f"{recent[0]}-01", window_end=running.through if running is not None else month_end(recent[-1]),
        metrics=metrics,
        note="资金集中流向实际控制人或境外关联账户" + ("，新增放款骤降" if collapsing else "")
        + (f"（{running.period}截至{running.through}）" if running is not None else ""))
    so_far = (f"，{running.period}截至{running.through[5:]}已{by_month[running.period] / 10000:,.0f}万元"
              if running is not None else "")
    title = (f"资金外逃迹象：{spike_month}流向控制人/境外账户{spike / 10000:,.0f}万元{so_far}"
             + ("，新增放款骤降" if collapsing else ""))
    return finding(NAME, NAME, inputs.uscc, severity, title, evidence, key="flight")


DETECTOR = Detector(name=NAME, zh="资金外逃（跑路前兆）", en="capital flight (exit warning)", source="flows", weight=1.4,
                    params=PARAMS, detect=detect)
