"""Fan-in and fan-out: many new counterparties paying one account (or paid by it) in a short window.

Catches
    An account that, within ``window_days``, receives from (fan-in) or pays
    (fan-out) at least ``min_count`` distinct counterparties over novel pairs
    (pairs not seen outside one short span, see :mod:`graphs.detectors.typologies`),
    with similar amounts (all within a factor ``spread`` of each other: the
    same sum split or collected), each at least the file's
    ``min_amount_quantile`` amount, when that burst is at least ``burst``
    times the account's usual rate of meeting new counterparties (first
    transfers with them elsewhere in the file) over the fan's duration, at
    least ``burst_days``, and more than it met in any other span that long
    (the file's first ``novelty_days`` aside): a lender meeting a batch of
    new borrowers every month is not bursting.
Misses
    Fans whose amounts differ by more than ``spread`` (weights drawn widely),
    fans of small amounts (below the quantile floor, e.g. many tiny card-like
    payments), fans through counterparties that also deal with the hub every
    month, and fans at accounts whose ordinary business is a steady stream of
    new counterparties of similar size (a shop, a busy freelancer): there the
    burst test cannot see the fan.
Hard negatives
    Payroll (the same staff every month) and rent or utility collection (the
    same payers every month) are routine pairs and never counted; shops take
    small payments from a steady stream of new payers, which fails both the
    amount floor and the burst test; red packets and gift money between
    relatives recur yearly but are often round and identical, so they can pass
    (a known source of false positives).
Complexity
    O(T log T) for T novel transfers: per hub, transfers are bucketed by
    log-amount and each pair of adjacent buckets is swept once in time.
"""

from __future__ import annotations

import bisect
import math
from typing import Any, Mapping

from graphs.detectors._common import finding
from graphs.detectors.typologies import DAY, Ledger, day, ledger, merged
from monitor.findings import Evidence, FindingResult

DEFAULTS = {
    "window_days": 30.0,
    "min_count": 5,
    "spread": 2.25,  # largest / smallest amount within one fan
    "min_amount_quantile": 0.4,  # of all amounts in the file
    "burst": 3.0,  # times the account's usual rate of new counterparties
    "burst_days": 7.0,  # shortest duration the usual rate is taken over
    "max_pair_transfers": 1,  # a counterparty counts when it deals with the hub this many times at most
    "high_count": 10,
}


def fan_in(G, params: Mapping[str, Any] | None = None, report: dict | None = None) -> list[FindingResult]:
    """Accounts collecting from many new counterparties within a window.

    Parameters
    ----------
    G : Ledger or networkx.MultiDiGraph
        Transfers (edge attributes ``amount`` and ``time``). Not modified.
    params : mapping, optional
        Overrides of :data:`DEFAULTS` (and ``novelty_days``).
    report : dict, optional
        Filled with the thresholds used and the closest candidate below them.

    Returns
    -------
    list of FindingResult
        One per account (kind ``fan_in``); evidence: the hub (``sink``), the
        counterparties (``source``), every transfer of the fan, the window.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> for i in range(6):
    ...     _ = G.add_edge(f"s{i}", "hub", amount=10_000 + 100 * i, time=86400.0 * (100 + i))
    >>> [f.key for f in fan_in(G, {"min_amount_quantile": 0.0})]
    ['hub']

    Notes
    -----
    See the module docstring for what it catches and misses; O(T log T).
    """
    return _fans(G, params, report, "fan_in")


def fan_out(G, params: Mapping[str, Any] | None = None, report: dict | None = None) -> list[FindingResult]:
    """Accounts paying many new counterparties within a window (see :func:`fan_in`).

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> for i in range(6):
    ...     _ = G.add_edge("hub", f"d{i}", amount=10_000 + 100 * i, time=86400.0 * (100 + i))
    >>> [f.key for f in fan_out(G, {"min_amount_quantile": 0.0})]
    ['hub']
    """
    return _fans(G, params, report, "fan_out")


def _fans(G, params, report, kind: str) -> list[FindingResult]:
    p = merged(DEFAULTS, params)
    L = ledger(G, novelty_days=p["novelty_days"])
    floor = L.quantile(p["min_amount_quantile"])
    window = p["window_days"] * DAY
    transfers = L.transfers
    span = (transfers[-1].time - transfers[0].time) if transfers else 0.0
    start = transfers[0].time if transfers else 0.0
    index = L.in_novel if kind == "fan_in" else L.out_novel
    step = math.log(math.sqrt(p["spread"]))
    anchor = L.quantile(0.5) or 1.0
    closest: tuple | None = None
    out = []
    for hub, idx in index.items():
        if len(idx) < 2:  # below min_count still counts towards the closest candidate
            continue
        cp_of = (lambda i: transfers[i].src) if kind == "fan_in" else (lambda i: transfers[i].dst)
        eligible = [i for i in idx if transfers[i].amount >= floor and transfers[i].amount > 0
                    and L.pair_transfers[i] <= p["max_pair_transfers"]]
        if len(eligible) < 2:
            continue
        buckets: dict[int, list[int]] = {}
        for i in eligible:
            # Buckets anchored at the file's median, not at 1: the same buckets at any scale.
            buckets.setdefault(math.floor(math.log(transfers[i].amount / anchor) / step), []).append(i)
        best: tuple[int, list[int]] = (0, [])
        for b in buckets:
            group = sorted(buckets[b] + buckets.get(b + 1, []))
            count, members = _densest(transfers, group, window, cp_of)
            if count > best[0]:
                best = (count, members)
        count, members = best
        met = (L.first_met_in if kind == "fan_in" else L.first_met_out)[hub]
        lo, hi = transfers[members[0]].time, transfers[members[-1]].time
        inside = bisect.bisect_right(met, hi) - bisect.bisect_left(met, lo)
        # The usual rate of meeting new counterparties, over the fan's own duration (at least burst_days).
        duration = max(hi - lo, p["burst_days"] * DAY)
        expected = (len(met) - inside) * duration / max(span - (hi - lo), duration)
        # Lumpy routine (a lender's monthly batch of new borrowers): never more new counterparties
        # in so short a span elsewhere in the file (its first novelty_days, when all is new, aside).
        elsewhere = [t for t in met if not lo <= t <= hi and t >= start + p["novelty_days"] * DAY]
        peak = _peak(elsewhere, duration)
        ok = count >= p["min_count"] and count >= p["burst"] * expected and count > peak
        if not ok:
            score = (count / p["min_count"], -expected)
            if closest is None or score > closest[0]:
                closest = (score, {"account": hub, "counterparties": count, "expected": round(expected, 2),
                                   "peak_elsewhere": peak})
            continue
        out.append(_finding(L, kind, hub, members, count, expected, p, cp_of))
    if report is not None:
        report.update({"window_days": p["window_days"], "min_count": p["min_count"], "amount_floor": round(floor, 2),
                       "spread": p["spread"], "burst": p["burst"], "burst_days": p["burst_days"],
                       "novelty_days": p["novelty_days"],
                       "closest": closest[1] if closest else None})
    return out


def _peak(times: list[float], duration: float) -> int:
    """Most of the sorted ``times`` within any span of ``duration``."""
    best, j = 0, 0
    for k, t in enumerate(times):
        while t - times[j] > duration:
            j += 1
        best = max(best, k - j + 1)
    return best


def _densest(transfers, group: list[int], window: float, cp_of) -> tuple[int, list[int]]:
    """Most distinct counterparties among ``group`` (time-ordered indexes) within ``window``."""
    best, best_range = 0, (0, -1)
    counts: dict[str, int] = {}
    j = 0
    for k, i in enumerate(group):
        counts[cp_of(i)] = counts.get(cp_of(i), 0) + 1
        while transfers[i].time - transfers[group[j]].time > window:
            c = cp_of(group[j])
            counts[c] -= 1
            if not counts[c]:
                del counts[c]
            j += 1
        if len(counts) > best:
            best, best_range = len(counts), (j, k)
    return best, group[best_range[0]:best_range[1] + 1]


def _finding(L: Ledger, kind: str, hub: str, members: list[int], count: int, expected: float, p, cp_of):
    transfers = L.transfers
    hub_role, cp_role = ("sink", "source") if kind == "fan_in" else ("source", "sink")
    cps = list(dict.fromkeys(cp_of(i) for i in members))
    total = sum(transfers[i].amount for i in members)
    start, end = day(transfers[members[0]].time), day(transfers[members[-1]].time)
    evidence = Evidence(
        accounts=[L.account(hub, hub_role)] + [L.account(c, cp_role) for c in cps],
        edges=[L.edge(i) for i in members], window_start=start, window_end=end,
        metrics={"counterparties": count, "total": round(total, 2), "expected_new_counterparties": round(expected, 2),
                 "window_days": p["window_days"], "amount_floor": round(L.quantile(p["min_amount_quantile"]), 2)},
        note="短期内与多个新交易对手发生金额相近的转账" if kind == "fan_out" else "短期内收到多个新交易对手金额相近的转账")
    severity = "high" if count >= p["high_count"] else "medium"
    verb = "收到" if kind == "fan_in" else "转给"
    title = f"{'分散转入' if kind == 'fan_in' else '分散转出'}：{start}至{end}{verb}{count}个新交易对手共{total:,.2f}"
    return finding(kind, kind, None, severity, title, evidence, key=hub)
