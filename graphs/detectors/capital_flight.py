"""Capital flight (跑路 precursor): outflow spikes to controller or offshore-like accounts, new lending collapsing.

Catches
    Recent months in each of which the platform's accounts pay the controller's
    persons (related persons in the registry, or insiders: persons on the
    platform's payroll-like outflows) or offshore-like firms much more
    than before (each of the last ``recent`` months ≥ ``spike_factor`` × the
    receiver's earlier median, together ≥ ``min_amount`` above it); stronger
    when new lending (disbursals to borrowers) collapses at the same time (the
    recent months' mean below half of before, or the latest month below a
    fifth: a sudden stop).
    A one-month jump (a yearly dividend) is not enough.
Misses
    Flight through nominees the registry does not show and that are not
    offshore-like by name; cash withdrawals; slow drains without a spike
    (fund_pool may catch those).
Complexity
    O(E + M) over the platform's edges and months.
"""

from __future__ import annotations

from datetime import datetime
from statistics import median

from graphs.detectors import (Inputs, account_evidence, flow_window, finding, merged, month_end,
                              summed_edges)
from monitor.findings import Evidence, FindingResult

NAME = "capital_flight"
DEFAULTS = {
    "recent": 2,  # months examined for a spike
    "spike_factor": 3.0,
    "min_amount": 150_000.0,  # 元 above the receivers' usual amounts, over the recent months
    "min_share_of_inflows": 0.03,  # outflows to spiking receivers / lender inflows, recent months
    "collapse_ratio": 0.5,  # disbursals in the recent months / earlier mean
    # disbursals in the latest month / earlier mean: a sudden stop counts as a collapse even when the
    # month before still lent as usual (the recent mean would hide it)
    "stop_ratio": 0.2,
    "min_history": 3,  # months before the recent ones, to know what is normal
}

FLIGHT_TIES = ("related_person", "offshore", "insider")


def detect(inputs: Inputs, params=None, as_of: datetime | None = None) -> list[FindingResult]:
    p = merged(DEFAULTS, params)
    ready = flow_window(inputs, as_of, min_periods=2)
    if ready is None:
        return []
    flows, periods = ready
    targets = {a for a, (why, _) in flows.tied.items() if why in FLIGHT_TIES}
    recent, earlier = periods[-p["recent"]:], periods[:-p["recent"]]
    if len(earlier) < p["min_history"]:
        return []
    by_target: dict[str, dict[str, float]] = {}
    edges = [e for e in flows.platform_out if e.src in flows.platform_accounts and e.dst in targets
             and e.period in set(periods) and e.dst not in flows.lenders]
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
    by_month = {q: sum(by_target[t].get(q, 0.0) for t in spiking) for q in periods}
    base = sum(b for _, b in spiking.values())
    spike_month = max(recent, key=lambda q: by_month[q])
    spike = by_month[spike_month]
    inflow = sum(flows.months[q].lender_in for q in recent)
    if not spiking or increase < p["min_amount"]:
        return []
    if inflow and sum(by_month[q] for q in recent) / inflow < p["min_share_of_inflows"]:
        return []
    edges = [e for e in edges if e.dst in spiking]
    disb_recent = sum(flows.months[q].disburse_out for q in recent) / len(recent)
    prior = periods[-p["recent"] - 3:-p["recent"]]
    disb_prior = sum(flows.months[q].disburse_out for q in prior) / len(prior) if prior else 0.0
    disb_last = flows.months[recent[-1]].disburse_out
    collapsing = disb_prior > 0 and (disb_recent < p["collapse_ratio"] * disb_prior
                                     or disb_last < p["stop_ratio"] * disb_prior)
    severity = "high" if collapsing else "medium"
    spike_edges = [e for e in edges if e.period in recent]
    receivers = sorted({e.dst for e in spike_edges})
    evidence = Evidence(
        accounts=[account_evidence(flows, flows.custody, "custody")]
        + [account_evidence(flows, a, flows.tied[a][0]) for a in receivers[:10]],
        edges=summed_edges(spike_edges, 15), paths=[flows.tied[a][1] for a in receivers if flows.tied[a][1]][:5],
        window_start=f"{recent[0]}-01", window_end=month_end(recent[-1]),
        metrics={"spike_month": spike_month, "spike_amount": round(spike, 2), "increase": round(increase, 2), "baseline_median": round(base, 2), "receivers_spiking": len(spiking),
                 "outflows_by_month": {q: round(v, 2) for q, v in by_month.items() if v},
                 "disbursals_recent_mean": round(disb_recent, 2), "disbursals_prior_mean": round(disb_prior, 2),
                 "disbursals_last_month": round(disb_last, 2),
                 "new_lending_collapsing": collapsing},
        note="资金集中流向实际控制人或境外关联账户" + ("，新增放款骤降" if collapsing else ""))
    title = f"资金外逃迹象：{spike_month}流向控制人/境外账户{spike / 10000:,.0f}万元" + ("，新增放款骤降" if collapsing else "")
    return [finding(NAME, NAME, inputs.uscc, severity, title, evidence, key="flight")]
