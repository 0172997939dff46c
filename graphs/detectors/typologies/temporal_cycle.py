"""Temporal cycles and layering chains: the same money passed on hop after hop, later each time.

Catches
    *Cycles* (``temporal_cycles``): a0 → a1 → … → a0 over 3..``max_length``
    (10) accounts whose transfers follow each other in time, all within
    ``window_days`` of the first, each hop keeping ``keep_min``..100 % of the
    previous hop's amount (± ``tolerance``), over novel pairs.
    *Chains* (``layering_chains``): time-respecting walks of at least
    ``min_hops`` such hops through at least ``min_accounts`` accounts, closed
    or not (a random walk of laundering among a group, revisits allowed).
Misses
    Cycles and chains whose hops split or merge the money (a hop keeping less
    than ``keep_min``, or fed by two transfers), hops more than ``window_days``
    apart, hops over pairs that also trade every month, and longer cycles.
    A transfer going back in time breaks the cycle: that is the point.
Hard negatives
    A loan repaid (a 2-cycle) is too short. Friends passing money round are
    excluded when they also transfer to each other at other times (routine
    pairs); a friendly cycle among accounts that never otherwise deal with one
    another and keeps 90–100 % per hop looks exactly like laundering and is
    reported when its amounts reach ``min_amount_quantile``.
Complexity
    Cycles: a depth-first search from every novel transfer as the first hop,
    following only later transfers within the window whose amount fits, to
    depth ``max_length``; each cycle is found once (from its earliest hop).
    The amount and time constraints keep the branching small; at most
    ``max_expansions`` search steps are taken in all (the report says when
    the bound was hit). Chains: O(T · s) dynamic programming backwards in
    time, s the number of fitting successors of a transfer.
"""

from __future__ import annotations

import bisect
from typing import Any, Mapping

from graphs.detectors._common import finding
from graphs.detectors.typologies import DAY, Ledger, day, keeps, ledger, merged
from monitor.findings import Evidence, FindingResult

CYCLE_DEFAULTS = {
    "window_days": 30.0,
    "min_length": 3,
    "max_length": 10,
    "keep_min": 0.9,  # share of the previous hop's amount a hop keeps at least
    "tolerance": 0.02,
    "min_amount_quantile": 0.0,
    "short_length": 5,  # cycles this short or shorter must move at least short_amount_quantile
    "short_amount_quantile": 0.5,
    "max_expansions": 2_000_000,
    "high_length": 5,
}

CHAIN_DEFAULTS = {
    "window_days": 30.0,  # longest gap between two hops
    "min_hops": 4,
    "min_accounts": 4,
    "keep_min": 0.9,
    "tolerance": 0.02,
    "min_amount_quantile": 0.0,
    "short_hops": 5,  # chains this short or shorter must move at least short_amount_quantile
    "short_amount_quantile": 0.5,
    "high_hops": 8,
}


def _successors(L: Ledger, times: dict[str, list[float]], i: int, window_end: float, keep_min: float,
                tolerance: float, floor: float, *, rank: list[int] | None = None):
    """Novel transfers leaving the payee of transfer ``i`` after it, by ``window_end``, keeping its amount.

    In a file of dates only (``L.days_only``) a transfer of the same day may follow (its order is
    unknown); with ``rank`` only one ranked after ``i`` (keeps a walk acyclic).
    """
    t = L.transfers[i]
    idx = L.out_novel.get(t.dst)
    if not idx:
        return
    tl = times[t.dst]
    k = bisect.bisect_left(tl, t.time) if L.days_only else bisect.bisect_right(tl, t.time)
    while k < len(idx) and tl[k] <= window_end:
        j = idx[k]
        nxt = L.transfers[j]
        if (j != i and (rank is None or rank[j] > rank[i]) and nxt.amount >= floor
                and keeps(t.amount, nxt.amount, keep_min, tolerance)):
            yield j
        k += 1


def _times(L: Ledger) -> dict[str, list[float]]:
    return {a: [L.transfers[i].time for i in idx] for a, idx in L.out_novel.items()}


def temporal_cycles(G, params: Mapping[str, Any] | None = None,
                    report: dict | None = None) -> list[FindingResult]:
    """Time-respecting cycles of 3..10 accounts that keep the amount hop after hop.

    Parameters
    ----------
    G : Ledger or networkx.MultiDiGraph
        Transfers (edge attributes ``amount`` and ``time``). Not modified.
    params : mapping, optional
        Overrides of :data:`CYCLE_DEFAULTS` (and ``novelty_days``).
    report : dict, optional
        Filled with the thresholds used and the closest candidate (the
        longest time-respecting path that did not close).

    Returns
    -------
    list of FindingResult
        One per cycle (kind ``temporal_cycle``); evidence: members in order
        (role ``member``, the origin first), the hops with amounts and times.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> hops = [("a", "b", 100.0), ("b", "c", 97.0), ("c", "d", 95.0), ("d", "a", 93.0)]
    >>> for n, (u, v, amount) in enumerate(hops):
    ...     _ = G.add_edge(u, v, amount=amount, time=86400.0 * (10 + n))
    >>> [f.evidence.metrics["length"] for f in temporal_cycles(G)]
    [4]
    >>> H = nx.MultiDiGraph()  # the same hops, but the last one before the first
    >>> for u, v, amount, d in [("a", "b", 100.0, 10), ("b", "c", 97.0, 11), ("c", "d", 95.0, 12),
    ...                         ("d", "a", 93.0, 5)]:
    ...     _ = H.add_edge(u, v, amount=amount, time=86400.0 * d)
    >>> temporal_cycles(H)
    []

    Notes
    -----
    Unlike ``nx.simple_cycles``, which enumerates every cycle of the static
    graph, the search only follows transfers later than the previous hop and
    within the window, so its cost grows with the number of *temporal*
    candidates, not with the number of static cycles.
    """
    p = merged(CYCLE_DEFAULTS, params)
    L = ledger(G, novelty_days=p["novelty_days"])
    floor = L.quantile(p["min_amount_quantile"]) if p["min_amount_quantile"] > 0 else 0.0
    times = _times(L)
    window = p["window_days"] * DAY
    budget = [p["max_expansions"]]
    found: list[list[int]] = []
    longest: list[int] = []
    for i0, t0 in enumerate(L.transfers):
        if not L.novel[i0] or t0.amount < floor or budget[0] <= 0:
            continue
        origin, end = t0.src, t0.time + window
        path = [i0]
        on_path = {origin, t0.dst}

        def dfs(i: int) -> None:
            nonlocal longest
            if len(path) > len(longest):
                longest = list(path)
            for j in _successors(L, times, i, end, p["keep_min"], p["tolerance"], floor):
                budget[0] -= 1
                if budget[0] <= 0:
                    return
                dst = L.transfers[j].dst
                if dst == origin:
                    if len(path) + 1 >= p["min_length"]:
                        found.append(path + [j])
                    continue
                if dst in on_path or len(path) + 1 >= p["max_length"]:
                    continue
                path.append(j)
                on_path.add(dst)
                dfs(j)
                path.pop()
                on_path.discard(dst)

        if t0.dst != origin:
            dfs(i0)
    out = []
    seen: set[frozenset] = set()
    short_floor = L.quantile(p["short_amount_quantile"])
    for cyc in found:
        if len(cyc) <= p["short_length"] and L.transfers[cyc[0]].amount < short_floor:
            continue
        members = frozenset(L.transfers[i].src for i in cyc)
        if members in seen:  # the same accounts going round twice: one finding
            continue
        seen.add(members)
        out.append(_cycle_finding(L, cyc, p))
    if report is not None:
        report.update({"window_days": p["window_days"], "length": [p["min_length"], p["max_length"]],
                       "keep_min": p["keep_min"], "tolerance": p["tolerance"], "amount_floor": round(floor, 2),
                       "short_cycle_amount_floor": round(short_floor, 2),
                       "novelty_days": p["novelty_days"], "search_bound_hit": budget[0] <= 0,
                       "closest": ({"open_path": [L.transfers[longest[0]].src] + [L.transfers[i].dst for i in longest],
                                    "hops": len(longest)} if longest and not out else None)})
    return out


def _cycle_finding(L: Ledger, cyc: list[int], p) -> FindingResult:
    tr = L.transfers
    members = [tr[i].src for i in cyc]
    start, end = day(tr[cyc[0]].time), day(tr[cyc[-1]].time)
    kept = tr[cyc[-1]].amount / tr[cyc[0]].amount
    evidence = Evidence(
        accounts=[L.account(a, "member") for a in members], edges=[L.edge(i) for i in cyc],
        window_start=start, window_end=end, paths=[members + [members[0]]],
        metrics={"length": len(cyc), "first_amount": round(tr[cyc[0]].amount, 2),
                 "last_amount": round(tr[cyc[-1]].amount, 2), "kept": round(kept, 4),
                 "days": round((tr[cyc[-1]].time - tr[cyc[0]].time) / DAY, 2)},
        note="资金按时间顺序经多个账户流转后回到起点，每一跳金额基本不变")
    severity = "high" if len(cyc) >= p["high_length"] else "medium"
    title = f"资金闭环：{len(cyc)}个账户于{start}至{end}依次转账后回到起点，留存{kept:.0%}"
    return finding("temporal_cycle", "temporal_cycle", None, severity, title, evidence,
                   key=f"{members[0]}@{tr[cyc[0]].txn_id or start}")


def layering_chains(G, params: Mapping[str, Any] | None = None,
                    report: dict | None = None) -> list[FindingResult]:
    """Time-respecting walks of many hops that keep the amount (layering through a group).

    Parameters
    ----------
    G : Ledger or networkx.MultiDiGraph
        Transfers (edge attributes ``amount`` and ``time``). Not modified.
    params : mapping, optional
        Overrides of :data:`CHAIN_DEFAULTS` (and ``novelty_days``).
    report : dict, optional
        Filled with the thresholds used and the longest chain below them.

    Returns
    -------
    list of FindingResult
        One per maximal chain (kind ``layering_chain``); evidence: the
        accounts (role ``member``) and the hops in order.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> walk = ["a", "b", "c", "d", "b", "e"]
    >>> for n, (u, v) in enumerate(zip(walk, walk[1:])):
    ...     _ = G.add_edge(u, v, amount=1000.0 * 0.97 ** n, time=3600.0 * (1 + n))
    >>> [f.evidence.metrics["hops"] for f in layering_chains(G)]
    [5]

    Notes
    -----
    Dynamic programming over transfers from the latest to the earliest: the
    longest fitting continuation of a transfer is one plus the longest of its
    successors', O(T · s).
    """
    p = merged(CHAIN_DEFAULTS, params)
    L = ledger(G, novelty_days=p["novelty_days"])
    floor = L.quantile(p["min_amount_quantile"]) if p["min_amount_quantile"] > 0 else 0.0
    times = _times(L)
    window = p["window_days"] * DAY
    tr = L.transfers
    best = [0] * len(tr)
    nxt = [-1] * len(tr)
    has_pred = [False] * len(tr)
    # Walks run forward in this order. Within one day of a dates-only file, larger sums first: each
    # hop keeps at most 100 % (+ tolerance), so the money's own order is by decreasing amount.
    order = sorted(range(len(tr)), key=lambda k: (tr[k].time, -tr[k].amount, k)) if L.days_only \
        else list(range(len(tr)))
    rank = [0] * len(tr)
    for r, k in enumerate(order):
        rank[k] = r
    for i in reversed(order):
        if not L.novel[i] or tr[i].amount < floor:
            continue
        best[i] = 1
        for j in _successors(L, times, i, tr[i].time + window, p["keep_min"], p["tolerance"], floor, rank=rank):
            has_pred[j] = True
            if best[j] + 1 > best[i]:
                best[i], nxt[i] = best[j] + 1, j
    out, used, longest = [], set(), 0
    short_floor = L.quantile(p["short_amount_quantile"])
    for i in order:
        if best[i] == 0 or has_pred[i] and best[i] < p["min_hops"] or i in used:
            continue
        chain = [i]
        while nxt[chain[-1]] >= 0:
            chain.append(nxt[chain[-1]])
        accounts = list(dict.fromkeys([tr[chain[0]].src] + [tr[j].dst for j in chain]))
        if len(chain) < p["min_hops"] or len(accounts) < p["min_accounts"]:
            longest = max(longest, len(chain))
            continue
        if used.intersection(chain):
            continue
        if len(chain) <= p["short_hops"] and tr[chain[0]].amount < short_floor:
            continue
        used.update(chain)
        out.append(_chain_finding(L, chain, accounts, p))
    if report is not None:
        report.update({"window_days": p["window_days"], "min_hops": p["min_hops"], "min_accounts": p["min_accounts"],
                       "keep_min": p["keep_min"], "tolerance": p["tolerance"], "amount_floor": round(floor, 2),
                       "novelty_days": p["novelty_days"],
                       "closest": {"longest_chain_hops": longest} if not out and longest else None})
    return out


def _chain_finding(L: Ledger, chain: list[int], accounts: list[str], p) -> FindingResult:
    tr = L.transfers
    start, end = day(tr[chain[0]].time), day(tr[chain[-1]].time)
    kept = tr[chain[-1]].amount / tr[chain[0]].amount
    evidence = Evidence(
        accounts=[L.account(a, "member") for a in accounts], edges=[L.edge(i) for i in chain],
        window_start=start, window_end=end, paths=[[tr[chain[0]].src] + [tr[j].dst for j in chain]],
        metrics={"hops": len(chain), "accounts": len(accounts), "first_amount": round(tr[chain[0]].amount, 2),
                 "last_amount": round(tr[chain[-1]].amount, 2), "kept": round(kept, 4)},
        note="资金按时间顺序在多个账户间逐跳转移，每一跳金额基本不变")
    severity = "high" if len(chain) >= p["high_hops"] else "medium"
    title = f"多层转移：{start}至{end}资金经{len(accounts)}个账户{len(chain)}跳，留存{kept:.0%}"
    return finding("layering_chain", "layering_chain", None, severity, title, evidence,
                   key=f"{tr[chain[0]].src}@{tr[chain[0]].txn_id or start}")
