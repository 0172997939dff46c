"""Layering through intermediaries: scatter–gather, gather–scatter, stacked and bipartite layering.

Catches
    *Scatter–gather* (``scatter_gather``, kind ``scatter_gather_relay``): one source pays at least
    ``min_intermediaries`` accounts, each of which later (within
    ``window_days``) pays one and the same sink ``keep_min``..100 % of what it
    received.
    *Gather–scatter* (``gather_scatter``): an account collects from at least
    ``min_sources`` new counterparties, then — after the last receipt, within
    ``window_days`` of the first — pays out ``keep_min``..100 % of the total to
    at least ``min_sinks`` new counterparties.
    *Stacked layering* (``stacked_layering``): two or more pass-through
    accounts (money in from ≥ ``min_in`` accounts, then ``keep_min``..100 % of
    it out to ≥ ``min_out`` accounts, ≥ ``min_counterparties`` in all) sharing ``min_shared`` payers or payees
    or paying one another, i.e. layers of accounts paying layers of accounts. A
    pass-through account with only ``min_member_counterparties`` (one payer, one
    payee) joins a group when it shares both with one of the group's fuller
    members (a sparse layer); chains of such accounts are cycles and walks, not
    stacks.
    *Bipartite layering* (``bipartite_layering``): at least two payers that each
    pay the same ≥ ``min_shared`` payees over novel pairs within
    ``window_days``, with amounts within a factor ``spread`` (a group paying a
    group, with no forwarding needed). Sparse groups whose payers share one
    payee count when every sum is at or above the file's ``burst_quantile`` and
    either they pay ≥ ``burst_payees`` payees within ``burst_days``, or, linked
    payer by payer, ≥ 2 payees get ≥ 2 of them in ≥ ``sparse_transfers``
    transfers within a factor ``sparse_spread``. A group then takes in its
    payers' other new payees (and its payees' other new payers) of its span
    ± ``burst_days`` and amounts.
    Only novel pairs count (see :mod:`graphs.detectors.typologies`).
    Parameters were tuned on the benchmark's seeds 1, 2, 3 and 5
    (``benchmarks/typologies.py``).
Misses
    Intermediaries that keep more than ``1 - keep_min`` (fees above 10 % by
    default) or forward only part; gathering interleaved with unrelated new
    transfers large enough to move the total out of tolerance; sparse bipartite
    groups (no two payers sharing ``min_shared`` payees) of sums below the
    ``burst_quantile`` or spread over more than ``burst_days``;
    layers spread over more than ``window_days``; in gather–scatter and stacked
    layering, transfers below the file's ``min_amount_quantile`` (0.25) are
    left out (card-like spending would otherwise join the episode), so
    layering of very small sums is missed.
Hard negatives
    An employee forwarding part of a monthly salary to family is a routine
    pair and only part of the money; a shop does not pay its takings on to new
    counterparties; AA bill splitting pays one friend (not a group paying a
    group) among friends who also transfer at other times.
Complexity
    Scatter–gather: O(Σ in·out) over the novel transfers of each account,
    bounded by the window. Gather–scatter and pass-through: O(n² log n) per
    account with n novel transfers in and out (accounts with more than
    ``max_events`` are skipped and counted in the report). Bipartite: O(Σ d²)
    over the payers d of each payee within the window, above the amount floor.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from itertools import combinations
from typing import Any, Mapping

import networkx as nx

from graphs.detectors._common import finding
from graphs.detectors.typologies import DAY, Ledger, day, keeps, ledger, merged
from monitor.findings import Evidence, FindingResult

SCATTER_GATHER_DEFAULTS = {
    "window_days": 30.0,
    "min_intermediaries": 3,
    "keep_min": 0.9,
    "tolerance": 0.02,
    "high_intermediaries": 8,
}

GATHER_SCATTER_DEFAULTS = {
    "window_days": 30.0,
    "min_sources": 5,
    "min_sinks": 5,
    "keep_min": 0.9,
    "tolerance": 0.02,
    "max_events": 400,
    "max_pair_transfers": 1,
    "min_amount_quantile": 0.25,  # smaller transfers (card-like spending) are left out of an episode
    "high_count": 10,
}

STACK_DEFAULTS = {
    "window_days": 30.0,
    "min_in": 1,
    "min_out": 1,
    "min_counterparties": 3,  # payers and payees of one pass-through account together (a core member)
    "min_member_counterparties": 2,  # a 1-in-1-out pass-through joins a group that has a core member
    "min_intermediaries": 2,
    "min_shared": 2,  # payers or payees two pass-through accounts share to be one group
    "keep_min": 0.9,
    "tolerance": 0.02,
    "max_events": 400,
    "max_pair_transfers": 1,
    "min_amount_quantile": 0.25,
}

BIPARTITE_DEFAULTS = {
    "window_days": 30.0,
    "min_shared": 2,
    "min_payers": 2,
    "spread": 3.0,
    "min_amount_quantile": 0.4,
    "max_pair_transfers": 1,
    "max_payers": 200,  # payees with more new payers in a window are skipped (a shop, not a group)
    # Two payers sharing one payee are a group when, within burst_days, they pay >= burst_payees
    # payees in all, every amount at or above the file's burst_quantile (a sparse 2 x 3 of large sums).
    "burst_days": 2.0,
    "burst_payees": 3,
    "burst_quantile": 0.9,
    # Payers linked through one shared payee each (all sums >= burst_quantile) are a group when,
    # within the window, >= 2 payees get >= 2 of them, in >= sparse_transfers transfers of sums
    # within a factor sparse_spread (two fan-ins sharing a payer, e.g. sums just under a reporting line).
    "sparse_transfers": 5,
    "sparse_spread": 1.5,
}


def scatter_gather(G, params: Mapping[str, Any] | None = None,
                   report: dict | None = None) -> list[FindingResult]:
    """One source → many intermediaries → one sink, each intermediary forwarding what it got, later.

    Parameters
    ----------
    G : Ledger or networkx.MultiDiGraph
        Transfers (edge attributes ``amount`` and ``time``). Not modified.
    params : mapping, optional
        Overrides of :data:`SCATTER_GATHER_DEFAULTS` (and ``novelty_days``).
    report : dict, optional
        Filled with the thresholds used and the closest (source, sink) pair.

    Returns
    -------
    list of FindingResult
        One per (source, sink) pair (kind ``scatter_gather_relay``); roles ``source``,
        ``intermediary``, ``sink``.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> for k in range(4):
    ...     _ = G.add_edge("S", f"m{k}", amount=5000.0 + k, time=86400.0 * (1 + k))
    ...     _ = G.add_edge(f"m{k}", "D", amount=4800.0 + k, time=86400.0 * (10 + k))
    >>> [(f.key, f.evidence.metrics["intermediaries"]) for f in scatter_gather(G)]
    [('S>D', 4)]

    Notes
    -----
    See the module docstring; O(Σ in·out) per account within the window.
    """
    p = merged(SCATTER_GATHER_DEFAULTS, params)
    L = ledger(G, novelty_days=p["novelty_days"])
    tr = L.transfers
    window = p["window_days"] * DAY
    groups: dict[tuple[str, str], dict[str, tuple[int, int]]] = defaultdict(dict)
    for m, outs in L.out_novel.items():
        ins = L.in_novel.get(m)
        if not ins:
            continue
        in_times = [tr[i].time for i in ins]
        for j in outs:
            tj = tr[j]
            lo = bisect.bisect_left(in_times, tj.time - window)
            hi = bisect.bisect_left(in_times, tj.time)
            for i in ins[lo:hi]:
                ti = tr[i]
                if ti.src != tj.dst and ti.src != m and keeps(ti.amount, tj.amount, p["keep_min"], p["tolerance"]):
                    groups[(ti.src, tj.dst)].setdefault(m, (i, j))
    out, closest = [], None
    for (s, d), mids in groups.items():
        pairs = sorted(mids.items(), key=lambda kv: tr[kv[1][0]].time)
        best = _densest_pairs(tr, pairs, window)
        if len(best) < p["min_intermediaries"]:
            if closest is None or len(best) > closest["intermediaries"]:
                closest = {"source": s, "sink": d, "intermediaries": len(best)}
            continue
        idx = sorted(k for _, ij in best for k in ij)
        received = sum(tr[i].amount for _, (i, _) in best)
        gathered = sum(tr[j].amount for _, (_, j) in best)
        start, end = day(tr[idx[0]].time), day(tr[idx[-1]].time)
        evidence = Evidence(
            accounts=[L.account(s, "source")] + [L.account(m, "intermediary") for m, _ in best]
            + [L.account(d, "sink")],
            edges=[L.edge(k) for k in idx], window_start=start, window_end=end,
            metrics={"intermediaries": len(best), "scattered": round(received, 2), "gathered": round(gathered, 2),
                     "kept": round(gathered / received, 4) if received else None},
            note="一个账户分散转给多个中间账户，中间账户随后将基本等额资金转给同一账户")
        severity = "high" if len(best) >= p["high_intermediaries"] else "medium"
        title = f"分散–归集：{start}至{end}经{len(best)}个中间账户转移{gathered:,.2f}"
        out.append(finding("scatter_gather_relay", "scatter_gather_relay", None, severity, title, evidence,
                           key=f"{s}>{d}"))
    if report is not None:
        report.update({"window_days": p["window_days"], "min_intermediaries": p["min_intermediaries"],
                       "keep_min": p["keep_min"], "tolerance": p["tolerance"], "novelty_days": p["novelty_days"],
                       "closest": closest if not out else None})
    return out


def _densest_pairs(tr, pairs, window: float):
    """The largest run of (intermediary, (in, out)) whose transfers all lie within ``window``."""
    best: list = []
    j = 0
    for k in range(len(pairs)):
        while True:
            span_end = max(tr[ij[1]].time for _, ij in pairs[j:k + 1])
            if span_end - tr[pairs[j][1][0]].time <= window or j == k:
                break
            j += 1
        run = pairs[j:k + 1]
        if max(tr[ij[1]].time for _, ij in run) - tr[run[0][1][0]].time <= window and len(run) > len(best):
            best = run
    return best


def _pass_through(L: Ledger, account: str, p, min_in: int, min_out: int, min_total: int = 0):
    """The best gather-then-scatter episode of ``account``: (ins, outs) indexes, or ``None``.

    Gathering is a run of novel incoming transfers from ≥ ``min_in`` payers; scattering the run of
    novel outgoing transfers after the last receipt to ≥ ``min_out`` payees, all within the window,
    paying out ``keep_min``..100 % of what was gathered. The episode with the most counterparties wins.
    """
    tr = L.transfers
    most = p["max_pair_transfers"]
    floor = L.quantile(p["min_amount_quantile"]) if p["min_amount_quantile"] > 0 else 0.0
    ins = [i for i in L.in_novel.get(account, []) if L.pair_transfers[i] <= most and tr[i].amount >= floor]
    outs = [j for j in L.out_novel.get(account, []) if L.pair_transfers[j] <= most and tr[j].amount >= floor]
    if len(ins) < min_in or len(outs) < min_out:
        return None
    window = p["window_days"] * DAY
    out_times = [tr[j].time for j in outs]
    best, best_size = None, 0
    for a in range(len(ins)):
        t_start = tr[ins[a]].time
        total, payers = 0.0, set()
        for b in range(a, len(ins)):
            i = ins[b]
            if tr[i].time - t_start > window:
                break
            total += tr[i].amount
            payers.add(tr[i].src)
            if len(payers) < min_in or b + 1 < len(ins) and tr[ins[b + 1]].time == tr[i].time:
                continue
            # scatter: outs strictly after this receipt and before the next receipt (or the window's end)
            t_last = tr[i].time
            k0 = bisect.bisect_right(out_times, t_last)
            paid, payees = 0.0, set()
            for k in range(k0, len(outs)):
                j = outs[k]
                if tr[j].time - t_start > window:
                    break
                paid += tr[j].amount
                payees.add(tr[j].dst)
                if paid > total * (1 + p["tolerance"]):
                    break
                if len(payees) >= min_out and len(payers) + len(payees) >= min_total \
                        and keeps(total, paid, p["keep_min"], p["tolerance"]):
                    size = len(payers) + len(payees)
                    if size > best_size:
                        best, best_size = (ins[a:b + 1], outs[k0:k + 1]), size
    return best


def gather_scatter(G, params: Mapping[str, Any] | None = None,
                   report: dict | None = None) -> list[FindingResult]:
    """Many new payers into one account, then the same money out to many new payees.

    Parameters
    ----------
    G : Ledger or networkx.MultiDiGraph
        Transfers (edge attributes ``amount`` and ``time``). Not modified.
    params : mapping, optional
        Overrides of :data:`GATHER_SCATTER_DEFAULTS` (and ``novelty_days``).
    report : dict, optional
        Filled with the thresholds used and how many accounts were skipped.

    Returns
    -------
    list of FindingResult
        One per hub (kind ``gather_scatter``); roles ``source``, ``intermediary``
        (the hub), ``sink``.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> for k in range(5):
    ...     _ = G.add_edge(f"s{k}", "H", amount=2000.0, time=3600.0 * (1 + k))
    ...     _ = G.add_edge("H", f"d{k}", amount=1900.0, time=3600.0 * (20 + k))
    >>> [f.key for f in gather_scatter(G)]
    ['H']

    Notes
    -----
    See the module docstring; O(n² log n) per account.
    """
    p = merged(GATHER_SCATTER_DEFAULTS, params)
    L = ledger(G, novelty_days=p["novelty_days"])
    out, skipped = [], 0
    for account in L.in_novel:
        if len(L.in_novel[account]) + len(L.out_novel.get(account, [])) > p["max_events"]:
            skipped += 1
            continue
        ep = _pass_through(L, account, p, p["min_sources"], p["min_sinks"])
        if ep is None:
            continue
        out.append(_hub_finding(L, account, ep, p))
    if report is not None:
        report.update({"window_days": p["window_days"], "min_sources": p["min_sources"],
                       "min_sinks": p["min_sinks"], "keep_min": p["keep_min"], "tolerance": p["tolerance"],
                       "amount_floor": round(L.quantile(p["min_amount_quantile"]), 2),
                       "novelty_days": p["novelty_days"], "accounts_skipped_as_too_busy": skipped})
    return out


def _hub_finding(L: Ledger, hub: str, ep, p) -> FindingResult:
    tr = L.transfers
    ins, outs = ep
    sources = list(dict.fromkeys(tr[i].src for i in ins))
    sinks = list(dict.fromkeys(tr[j].dst for j in outs))
    got, paid = sum(tr[i].amount for i in ins), sum(tr[j].amount for j in outs)
    start, end = day(tr[ins[0]].time), day(tr[outs[-1]].time)
    evidence = Evidence(
        accounts=[L.account(hub, "intermediary")] + [L.account(a, "source") for a in sources]
        + [L.account(a, "sink") for a in sinks],
        edges=[L.edge(k) for k in ins + outs], window_start=start, window_end=end,
        metrics={"sources": len(sources), "sinks": len(sinks), "gathered": round(got, 2), "paid_out": round(paid, 2),
                 "kept": round(paid / got, 4)},
        note="账户先从多个新交易对手归集资金，随后将基本等额资金分散转出")
    severity = "high" if len(sources) + len(sinks) >= 2 * p["high_count"] else "medium"
    title = f"归集–分散：{start}至{end}从{len(sources)}个账户收取{got:,.2f}后转给{len(sinks)}个账户{paid:,.2f}"
    return finding("gather_scatter", "gather_scatter", None, severity, title, evidence, key=hub)


def stacked_layering(G, params: Mapping[str, Any] | None = None,
                     report: dict | None = None) -> list[FindingResult]:
    """Layers of accounts paying layers of accounts through pass-through intermediaries.

    Parameters
    ----------
    G : Ledger or networkx.MultiDiGraph
        Transfers (edge attributes ``amount`` and ``time``). Not modified.
    params : mapping, optional
        Overrides of :data:`STACK_DEFAULTS` (and ``novelty_days``).
    report : dict, optional
        Filled with the thresholds used and the number of lone pass-through accounts.

    Returns
    -------
    list of FindingResult
        One per group of linked pass-through accounts (kind ``stacked_layering``);
        roles ``source`` (pays the group only), ``intermediary``, ``sink``.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> for n, (a, m) in enumerate([(a, m) for a in "AB" for m in "MN"]):
    ...     _ = G.add_edge(a, m, amount=1000.0, time=3600.0 * (1 + n))
    >>> for n, (m, z) in enumerate([(m, z) for m in "MN" for z in "YZ"]):
    ...     _ = G.add_edge(m, z, amount=980.0, time=3600.0 * (10 + n))
    >>> [sorted(a.account_no for a in f.evidence.accounts if a.role == "intermediary")
    ...  for f in stacked_layering(G)]
    [['M', 'N']]

    Notes
    -----
    Pass-through accounts are found as in :func:`gather_scatter` with small
    degrees; they are linked when one pays another or they share
    ``min_shared`` payers or payees in their episodes (connected components,
    ``networkx``).
    """
    p = merged(STACK_DEFAULTS, params)
    L = ledger(G, novelty_days=p["novelty_days"])
    tr = L.transfers
    window = p["window_days"] * DAY
    episodes = {}
    for account in L.in_novel:
        if len(L.in_novel[account]) + len(L.out_novel.get(account, [])) > p["max_events"]:
            continue
        ep = _pass_through(L, account, p, p["min_in"], p["min_out"],
                           min(p["min_counterparties"], p["min_member_counterparties"]))
        if ep is not None:
            episodes[account] = ep
    core = {m for m, (ins, outs) in episodes.items()
            if len({tr[k].src for k in ins}) + len({tr[k].dst for k in outs}) >= p["min_counterparties"]}
    # Two pass-through accounts are linked when one pays the other in its episode or they share at
    # least min_shared payers or payees (one shared counterparty is too common to chain groups).
    touches: dict[tuple[str, str], set[str]] = defaultdict(set)
    link = nx.Graph()
    for m, (ins, outs) in episodes.items():
        link.add_node(m)
        for k in ins:
            touches[("in", tr[k].src)].add(m)
        for k in outs:
            touches[("out", tr[k].dst)].add(m)
            if tr[k].dst in episodes and (m in core and tr[k].dst in core):
                link.add_edge(m, tr[k].dst)
    shared: dict[tuple[str, str], int] = defaultdict(int)
    for mids in touches.values():
        for a, b in combinations(sorted(mids), 2):
            shared[(a, b)] += 1
    # A 1-in-1-out member joins only by sharing its payer and payee with a core member: a chain of
    # such accounts paying one another is a cycle or a walk (other detectors), and two of them alone
    # are any two people forwarding one payment each.
    link.add_edges_from((a, b) for (a, b), n in shared.items() if n >= p["min_shared"] and (a in core or b in core))
    out, lone = [], 0
    for comp in nx.connected_components(link):
        mids = sorted(comp)
        if len(mids) < p["min_intermediaries"] or not core & comp:
            lone += len(mids) if core & comp else 0
            continue
        idx = sorted({k for m in mids for part in episodes[m] for k in part})
        if len(core & comp) < p["min_intermediaries"] and tr[idx[-1]].time - tr[idx[0]].time > window:
            continue
        mid_set = set(mids)
        payers = list(dict.fromkeys(tr[k].src for k in idx if tr[k].src not in mid_set))
        payees = list(dict.fromkeys(tr[k].dst for k in idx if tr[k].dst not in mid_set))
        start, end = day(tr[idx[0]].time), day(tr[idx[-1]].time)
        evidence = Evidence(
            accounts=[L.account(a, "source") for a in payers] + [L.account(m, "intermediary") for m in mids]
            + [L.account(a, "sink") for a in payees if a not in payers],
            edges=[L.edge(k) for k in idx], window_start=start, window_end=end,
            metrics={"intermediaries": len(mids), "sources": len(payers), "sinks": len(payees),
                     "moved": round(sum(tr[k].amount for k in idx if tr[k].dst in mid_set), 2)},
            note="多个账户层层转账：中间层账户收款后将基本等额资金转给下一层")
        title = f"分层转移：{start}至{end}{len(payers)}个账户经{len(mids)}个中间账户转给{len(payees)}个账户"
        out.append(finding("stacked_layering", "stacked_layering", None, "high" if len(mids) >= 4 else "medium",
                           title, evidence, key=",".join(mids[:5])))
    if report is not None:
        report.update({"window_days": p["window_days"], "min_in": p["min_in"], "min_out": p["min_out"],
                       "min_counterparties": p["min_counterparties"],
                       "min_intermediaries": p["min_intermediaries"], "min_shared": p["min_shared"],
                       "keep_min": p["keep_min"], "tolerance": p["tolerance"],
                       "amount_floor": round(L.quantile(p["min_amount_quantile"]), 2),
                       "novelty_days": p["novelty_days"],
                       "closest": {"lone_pass_through_accounts": lone} if not out and lone else None})
    return out


def bipartite_layering(G, params: Mapping[str, Any] | None = None,
                       report: dict | None = None) -> list[FindingResult]:
    """A group of payers each paying the same group of payees, over new pairs within a window.

    Parameters
    ----------
    G : Ledger or networkx.MultiDiGraph
        Transfers (edge attributes ``amount`` and ``time``). Not modified.
    params : mapping, optional
        Overrides of :data:`BIPARTITE_DEFAULTS` (and ``novelty_days``).
    report : dict, optional
        Filled with the thresholds used.

    Returns
    -------
    list of FindingResult
        One per group (kind ``bipartite_layering``); roles ``source`` and ``sink``.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> for n, (a, z) in enumerate([(a, z) for a in "ABC" for z in "XY"]):
    ...     _ = G.add_edge(a, z, amount=5000.0 + n, time=3600.0 * (1 + n))
    >>> [f.evidence.metrics["sources"] for f in bipartite_layering(G, {"min_amount_quantile": 0.0})]
    [3]

    Notes
    -----
    Payer pairs that share payees are counted per payee within the window
    (O(Σ d²)); payer pairs sharing ≥ ``min_shared`` payees are joined into
    groups (connected components).
    """
    p = merged(BIPARTITE_DEFAULTS, params)
    L = ledger(G, novelty_days=p["novelty_days"])
    tr = L.transfers
    floor = L.quantile(p["min_amount_quantile"])
    window = p["window_days"] * DAY
    shared: dict[tuple[str, str], dict[str, list[int]]] = defaultdict(dict)
    skipped = 0
    for payee, idx in L.in_novel.items():
        idx = [i for i in idx if tr[i].amount >= floor and L.pair_transfers[i] <= p["max_pair_transfers"]]
        if len(idx) < 2:
            continue
        if len({tr[i].src for i in idx}) > p["max_payers"]:
            skipped += 1
            continue
        for a, b in combinations(idx, 2):
            ta, tb = tr[a], tr[b]
            if ta.src == tb.src or abs(tb.time - ta.time) > window or ta.src == payee or tb.src == payee:
                continue
            if max(ta.amount, tb.amount) > p["spread"] * min(ta.amount, tb.amount):
                continue
            key = (ta.src, tb.src) if ta.src < tb.src else (tb.src, ta.src)
            shared[key].setdefault(payee, []).extend((a, b))
    def usable(k: int) -> bool:
        return tr[k].amount >= floor and L.pair_transfers[k] <= p["max_pair_transfers"]

    groups, sparse = nx.Graph(), nx.Graph()
    burst, high = p["burst_days"] * DAY, L.quantile(p["burst_quantile"])
    for (u, v), payees in shared.items():
        idx = sorted({k for ks in payees.values() for k in ks})
        if tr[idx[-1]].time - tr[idx[0]].time > window:
            continue
        if len(payees) >= p["min_shared"]:
            groups.add_edge(u, v, idx=idx)
        elif burst > 0 and all(tr[k].amount >= high for k in idx):
            lo, hi = tr[idx[-1]].time - burst, tr[idx[0]].time + burst
            more = [k for a in (u, v) for k in L.out_novel.get(a, ()) if lo <= tr[k].time <= hi
                    and k not in idx and usable(k) and tr[k].amount >= high and tr[k].dst not in (u, v)]
            if len({tr[k].dst for k in idx + more}) >= p["burst_payees"]:
                groups.add_edge(u, v, idx=sorted(idx + more))
            else:
                sparse.add_edge(u, v, idx=idx)
    for comp in nx.connected_components(sparse):
        sub = sparse.subgraph(comp)
        idx = sorted({k for _, _, d in sub.edges(data="idx") for k in d})
        amounts = [tr[k].amount for k in idx]
        per_payee: dict[str, set] = defaultdict(set)
        for k in idx:
            per_payee[tr[k].dst].add(tr[k].src)
        if (len(idx) >= p["sparse_transfers"] and max(amounts) <= p["sparse_spread"] * min(amounts)
                and tr[idx[-1]].time - tr[idx[0]].time <= window
                and sum(len(v) >= 2 for v in per_payee.values()) >= 2):
            groups.add_edges_from(sub.edges(data=True))
    out = []
    for comp in nx.connected_components(groups):
        idx = sorted({k for u, v, d in groups.subgraph(comp).edges(data="idx") for k in d})
        idx = _attach(L, idx, usable, burst, p["spread"])
        payers = list(dict.fromkeys(tr[k].src for k in idx))
        payees = list(dict.fromkeys(tr[k].dst for k in idx if tr[k].dst not in payers))
        if len(payers) < p["min_payers"]:
            continue
        start, end = day(tr[idx[0]].time), day(tr[idx[-1]].time)
        evidence = Evidence(
            accounts=[L.account(a, "source") for a in payers] + [L.account(a, "sink") for a in payees],
            edges=[L.edge(k) for k in idx], window_start=start, window_end=end,
            metrics={"sources": len(payers), "sinks": len(payees), "transfers": len(idx),
                     "total": round(sum(tr[k].amount for k in idx), 2), "amount_floor": round(floor, 2)},
            note="一组账户在短期内分别向同一组新交易对手转账")
        title = f"多对多转账：{start}至{end}{len(payers)}个账户分别转给同一组{len(payees)}个账户"
        out.append(finding("bipartite_layering", "bipartite_layering", None,
                           "high" if len(payers) * len(payees) >= 9 else "medium", title, evidence,
                           key=",".join(sorted(payers)[:5])))
    if report is not None:
        report.update({"window_days": p["window_days"], "min_shared": p["min_shared"], "spread": p["spread"],
                       "amount_floor": round(floor, 2), "novelty_days": p["novelty_days"],
                       "payees_skipped_as_too_busy": skipped})
    return out


def _attach(L: Ledger, idx: list[int], usable, slack: float, spread: float) -> list[int]:
    """``idx`` plus the group's other new transfers: its payers' to further payees and its payees'
    from further payers, during the group's span (± ``slack``) and within ``spread`` of its amounts
    (a payer that pays only one of the group's payees belongs to the group too)."""
    tr = L.transfers
    payers = {tr[k].src for k in idx}
    payees = {tr[k].dst for k in idx}
    amounts = sorted(tr[k].amount for k in idx)
    low, high = amounts[-1] / spread, amounts[0] * spread
    lo, hi = tr[idx[0]].time - slack, tr[idx[-1]].time + slack
    seen = set(idx)
    more = [k for a in payers for k in L.out_novel.get(a, ()) if tr[k].dst not in payers]
    more += [k for a in payees for k in L.in_novel.get(a, ()) if tr[k].src not in payees]
    extra = {k for k in more if k not in seen and lo <= tr[k].time <= hi and low <= tr[k].amount <= high
             and usable(k) and tr[k].src != tr[k].dst}
    return sorted(seen | extra)
