"""Guarantee circles (担保圈): firms guaranteeing each other in cycles, around the platform.

Catches
    Cycles of length 2..``max_length`` in the registry's guarantee edges
    (guarantor → guaranteed) that pass through the platform's company, a
    firm within ``k`` control hops of it (its shareholders' and controllers'
    firms), or firms borrowing from the platform (borrower accounts whose
    holder USCC is a registry company): one default then cascades around the
    circle and into the platform's book.
Misses
    Guarantees not published in the registry; circles closed only through
    personal guarantees; circles with no tie to the platform.
Complexity
    Bounded-length cycle enumeration on the guarantee subgraph,
    O((V + E)(C + 1)); guarantee graphs are small and sparse.
"""

from __future__ import annotations

from datetime import datetime
from itertools import islice

import networkx as nx

from graphs.detectors._common import Inputs, defaults, finding, merged
from graphs.detectors.round_tripping import sorted_cycle
from graphs.registry import institution_key, label, related_parties
from monitor.findings import Detector, Evidence, EvidenceAccount, EvidenceEdge, FindingResult, Param

NAME = "guarantee_circle"
PARAMS = {
    "max_length": Param(6, "count", "longest guarantee cycle searched (firms)"),
    "k": Param(2, "hops", "control hops from the platform within which a firm is related"),
    "max_cycles": Param(1000, "count", "cycles enumerated at most"),
    "high_amount": Param(10_000_000.0, "元", "guaranteed in the circles, for severity high"),
}
DEFAULTS = defaults(PARAMS)


def guarantee_graph(registry: nx.MultiDiGraph) -> nx.DiGraph:
    """Guarantee edges only (a new DiGraph, amounts summed)."""
    G = nx.DiGraph()
    for u, v, d in registry.edges(data=True):
        if d.get("kind") == "guarantee":
            amount = d.get("amount") or 0.0
            if G.has_edge(u, v):
                G[u][v]["amount"] += amount
            else:
                G.add_edge(u, v, amount=amount, document_id=d.get("document_id"))
    return G


def _reach(G: nx.DiGraph, nodes: set[str]) -> set[str]:
    """Nodes in the same weakly connected guarantee component as any of ``nodes``."""
    out: set[str] = set()
    U = G.to_undirected(as_view=True)
    for n in nodes:
        if n in G and n not in out:
            out |= nx.node_connected_component(U, n)
    return out


def detect(inputs: Inputs, params=None, as_of: datetime | None = None) -> list[FindingResult]:
    p = merged(DEFAULTS, params)
    R = inputs.city_registry if inputs.city_registry is not None else inputs.registry
    if R is None or not inputs.uscc:
        return []
    near = set(related_parties(R, institution_key(inputs.uscc), k=p["k"]))
    borrowers: dict[str, str] = {}  # registry node → borrower account
    if inputs.flows is not None:
        by_uscc = {d.get("uscc"): n for n, d in R.nodes(data=True) if d.get("uscc")}
        for account in sorted(inputs.flows.borrowers):
            node = by_uscc.get(inputs.flows.holder(account).get("holder_id"))
            if node is not None:
                borrowers.setdefault(node, account)
    tied = near | set(borrowers)
    G = guarantee_graph(R)
    if not tied & set(G):
        return []
    found = []
    for cycle in islice(nx.simple_cycles(G.subgraph(_reach(G, tied)), length_bound=p["max_length"]),
                        p["max_cycles"]):
        if tied & set(cycle):
            found.append(tuple(sorted_cycle(cycle)))
    found = sorted(set(found))
    if not found:
        return []
    edges, paths, total = [], [], 0.0
    for c in found:
        for u, v in zip(c, c[1:] + c[:1]):
            amount = G[u][v]["amount"]
            total += amount
            edges.append(EvidenceEdge(label(R, u), label(R, v), amount, None, None, None, "guarantee"))
        paths.append([label(R, n) for n in c + (c[0],)])
    severity = "high" if total >= p["high_amount"] else "medium"
    members = {n for c in found for n in c}
    accounts = [EvidenceAccount(borrowers[n], R.nodes[n].get("name"), R.nodes[n].get("uscc"), "borrower")
                for n in sorted(members & set(borrowers))]
    evidence = Evidence(accounts=accounts, edges=edges[:30], paths=paths[:10],
                        metrics={"circles": len(found), "firms": len(members),
                                 "related_firms_in_circles": len(members & near),
                                 "borrowers_in_circles": len(members & set(borrowers)),
                                 "guaranteed_amount": total},
                        note="平台或其关联企业处于互保/循环担保链中")
    title = f"担保圈：平台关联企业或借款企业处于{len(found)}个循环担保链中"
    key = "|".join(found[0])
    return [finding(NAME, NAME, inputs.uscc, severity, title, evidence, key=key)]


DETECTOR = Detector(name=NAME, zh="担保圈", en="guarantee circle", source="registry", weight=1.0,
                    params=PARAMS, detect=detect)
