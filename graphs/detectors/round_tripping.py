"""Round-tripping: money that returns to where it came from through a chain of accounts.

Catches
    Cycles of length 3..``max_length`` in the account graph of a window
    (``nx.simple_cycles(G, length_bound=...)``) whose every edge carries at
    least ``min_amount`` and whose smallest edge is at least
    ``min_conservation`` of the largest (the same money going round, not
    unrelated payments), e.g. custody → borrower → third party → custody
    (fake repayments) or firm A → B → C → A (fake volume).
    Two-account back-and-forth (lender ↔ custody, borrower ↔ custody) is how
    lending works and is not reported.
Misses
    Cycles longer than ``max_length``, cycles spanning more than the window,
    cycles leaving the accounts the bureau sees.
Complexity
    Accounts that cannot lie on a cycle (no in- or no out-edge) are pruned
    first; Johnson-style enumeration with a length bound is then
    O((V + E)(C + 1)) for C cycles of bounded length. At most ``max_cycles``
    cycles are enumerated (a generator is consumed lazily). Two-account cycles
    are counted, not enumerated: the search runs on the accounts with two
    distinct counterparties or more (the 2-core), so a custody account's star
    of lenders costs O(V + E).
"""

from __future__ import annotations

from datetime import datetime
from itertools import islice
from typing import Any

import networkx as nx

from graphs.detectors._common import Inputs, account_evidence, defaults, finding, flow_window, merged, month_end
from monitor.findings import Detector, Evidence, EvidenceEdge, FindingResult, Param

NAME = "round_tripping"
PARAMS = {
    "window": Param(3, "months", "months examined"),
    "max_length": Param(5, "count", "longest cycle searched (accounts)"),
    "min_length": Param(3, "count", "shortest cycle that counts (accounts)"),
    "min_amount": Param(50_000.0, "元", "each edge of a cycle, summed over the window"),
    "min_conservation": Param(0.5, "share", "each edge of a cycle / the cycle's largest edge"),
    "min_cycles": Param(2, "count", "distinct cycles needed for a finding (three times this: high)"),
    "max_cycles": Param(20_000, "count", "cycles enumerated at most"),
}
DEFAULTS = defaults(PARAMS)


def _prune(G: nx.DiGraph) -> nx.DiGraph:
    """A copy without nodes that cannot be on a cycle (repeatedly)."""
    H = G.copy()
    while True:
        dead = [n for n in H if H.in_degree(n) == 0 or H.out_degree(n) == 0]
        if not dead:
            return H
        H.remove_nodes_from(dead)


def strong_pairs(edges, min_amount: float) -> nx.DiGraph:
    """``collapse_periods(flow_graph(edges))`` keeping only pairs that moved ≥ ``min_amount``.

    Same sums in the same order and the same node and edge order as the full collapsed graph
    (so cycle enumeration is unchanged), without building a graph edge per monthly edge: in a
    window most pairs are small lender payments that can never be on a qualifying cycle.
    """
    nodes: dict[str, None] = {}  # first appearance, payer before payee, as graph insertion
    adj: dict[str, dict[str, dict[str, Any]]] = {}  # payer → payee → period → edge (a later duplicate wins)
    for e in edges:
        nodes.setdefault(e.src)
        nodes.setdefault(e.dst)
        adj.setdefault(e.src, {}).setdefault(e.dst, {})[e.period] = e
    G = nx.DiGraph()
    for u in nodes:
        for v, by_period in adj.get(u, {}).items():
            amount, count, first, last = 0.0, 0, None, None
            for i, e in enumerate(by_period.values()):
                if i == 0:
                    amount, count, first, last = e.amount, e.count, e.first, e.last
                else:
                    amount += e.amount
                    count += e.count
                    first, last = min(first, e.first), max(last, e.last)
            if amount >= min_amount:
                G.add_edge(u, v, amount=amount, count=count, first=first, last=last)
    return G


def cycles(G: nx.DiGraph, p: dict):
    """Yield qualifying cycles (lists of nodes) of a collapsed account graph."""
    strong = nx.DiGraph((u, v, d) for u, v, d in G.edges(data=True) if d["amount"] >= p["min_amount"])
    H = _prune(strong)
    for cycle in islice(nx.simple_cycles(H, length_bound=p["max_length"]), p["max_cycles"]):
        if len(cycle) < p["min_length"]:
            continue
        amounts = [H[u][v]["amount"] for u, v in zip(cycle, cycle[1:] + cycle[:1])]
        if min(amounts) >= p["min_conservation"] * max(amounts):
            yield cycle


def _core(H: nx.DiGraph) -> nx.DiGraph:
    """The part of ``H`` where cycles of three accounts or more can lie: the 2-core of its undirected
    simple graph (each account of such a cycle has two distinct neighbours on it)."""
    U = nx.Graph()
    U.add_edges_from((u, v) for u, v in H.edges() if u != v)
    return H.subgraph(nx.k_core(U, 2)).copy()


def found_cycles(G: nx.DiGraph, p: dict) -> list[tuple[str, ...]]:
    """``sorted(set(sorted_cycle(c) for c in cycles(G, p)))``, without enumerating the short cycles.

    A custody account and the lenders and borrowers paying it back and forth form a star of
    two-account cycles, where ``nx.simple_cycles`` spends time quadratic in the star's size and finds
    nothing of three accounts or more. Those are counted instead (they count towards ``max_cycles``)
    and the enumeration runs on :func:`_core`; when the count could reach ``max_cycles``, the cycles
    kept depend on the enumeration order of the whole graph, which :func:`cycles` then follows.
    """
    strong = nx.DiGraph((u, v, d) for u, v, d in G.edges(data=True) if d["amount"] >= p["min_amount"])
    H = _prune(strong)
    limit = p["max_cycles"]
    if p["max_length"] < 3 or p["min_length"] < 3 or limit < 1:  # short cycles wanted: the full search
        return sorted({tuple(sorted_cycle(c)) for c in cycles(G, p)})
    short = nx.number_of_selfloops(H) + sum(1 for u, v in H.edges() if u < v and H.has_edge(v, u))
    found, total = set(), short
    for cycle in nx.simple_cycles(_core(H), length_bound=p["max_length"]):
        if len(cycle) < 3:
            continue  # counted in ``short``
        total += 1
        if total >= limit:  # enumeration order matters from here on
            return sorted({tuple(sorted_cycle(c)) for c in cycles(G, p)})
        if len(cycle) < p["min_length"]:
            continue
        amounts = [H[u][v]["amount"] for u, v in zip(cycle, cycle[1:] + cycle[:1])]
        if min(amounts) >= p["min_conservation"] * max(amounts):
            found.add(tuple(sorted_cycle(cycle)))
    return sorted(found)


def detect(inputs: Inputs, params=None, as_of: datetime | None = None) -> list[FindingResult]:
    p = merged(DEFAULTS, params)
    ready = flow_window(inputs, as_of, p["window"], custody=False)
    if ready is None:
        return []
    flows, periods = ready
    window = set(periods)
    G = strong_pairs(flows.in_periods(window), p["min_amount"])
    found = found_cycles(G, p)
    if len(found) < p["min_cycles"]:
        return []
    edges, nodes = [], []
    for c in found[:10]:
        for u, v in zip(c, c[1:] + c[:1]):
            d = G[u][v]
            edges.append(EvidenceEdge(u, v, round(d["amount"], 2), d["count"], d["first"], d["last"], "transfer"))
            if u not in nodes:
                nodes.append(u)
    severity = "high" if len(found) >= 3 * p["min_cycles"] else "medium"
    evidence = Evidence(accounts=[account_evidence(flows, n, "cycle") for n in nodes[:20]], edges=edges,
                        window_start=f"{periods[0]}-01", window_end=month_end(periods[-1]),
                        paths=[list(c) + [c[0]] for c in found[:10]],
                        metrics={"cycles": len(found), "max_length": p["max_length"]},
                        note="资金经多个账户循环回流")
    title = f"资金循环：{periods[0]}至{periods[-1]}发现{len(found)}个资金闭环"
    return [finding(NAME, NAME, inputs.uscc, severity, title, evidence, key="cycles")]


def sorted_cycle(cycle: list[str]) -> list[str]:
    """Rotate a cycle to start at its smallest node (one spelling per cycle)."""
    i = cycle.index(min(cycle))
    return cycle[i:] + cycle[:i]


DETECTOR = Detector(name=NAME, zh="资金回流/循环交易", en="round-tripping / circular flows", source="flows", weight=1.2,
                    params=PARAMS, detect=detect)
