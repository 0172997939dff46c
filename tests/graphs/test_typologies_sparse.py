"""Sparse layering groups (shapes AMLSim draws with few edges) and files that give dates only."""

from __future__ import annotations

import networkx as nx

from graphs.detectors.typologies import ledger
from graphs.detectors.typologies.layering import bipartite_layering, stacked_layering
from graphs.detectors.typologies.temporal_cycle import layering_chains, temporal_cycles
from tests.graphs.test_typologies import DAY, T0, accounts, at, background


def test_sparse_stack_with_a_one_in_one_out_middle_account():
    # 2 -> 2 -> 2 with five edges: M2 receives once and pays once (two counterparties), M1 has four.
    G = background(nx.MultiDiGraph())
    G.add_edge("S1", "M1", amount=47_512.0, time=at(150, 13))
    G.add_edge("S2", "M1", amount=50_527.0, time=at(151, 11))
    G.add_edge("S2", "M2", amount=46_135.0, time=at(151, 14))
    G.add_edge("M1", "Z1", amount=34_450.0, time=at(154, 9))
    G.add_edge("M1", "Z2", amount=56_394.0, time=at(154, 22))
    G.add_edge("M2", "Z1", amount=42_222.0, time=at(154, 23))
    found = stacked_layering(G)
    assert accounts(found) == {"S1", "S2", "M1", "M2", "Z1", "Z2"}
    assert accounts(found, "intermediary") == {"M1", "M2"}


def test_a_cycle_of_one_in_one_out_accounts_is_not_a_stack():
    # Every member receives once and pays on 96 %: pass-through accounts paying one another, but
    # none shares its payer and payee with another; that is the cycle detector's shape.
    G = background(nx.MultiDiGraph())
    amount = 30_000.0
    for k in range(6):
        G.add_edge(f"c{k}", f"c{(k + 1) % 6}", amount=round(amount, 2), time=at(100 + k))
        amount *= 0.96
    assert stacked_layering(G) == []
    assert len(temporal_cycles(G)) == 1


def test_sparse_two_by_three_of_large_sums_in_a_day_is_bipartite():
    # P1 pays three new accounts, P2 one of them, all large, within a day: no two payers share two payees.
    G = background(nx.MultiDiGraph())
    G.add_edge("P1", "R3", amount=92_043.0, time=at(300, 9))
    G.add_edge("P1", "R2", amount=100_294.0, time=at(300, 21))
    G.add_edge("P2", "R4", amount=125_070.0, time=at(300, 22))
    G.add_edge("P1", "R4", amount=127_227.0, time=at(300, 22.5))
    found = bipartite_layering(G)
    assert accounts(found, "source") == {"P1", "P2"} and accounts(found, "sink") == {"R2", "R3", "R4"}
    # the same four transfers spread over three weeks are not a burst
    H = background(nx.MultiDiGraph())
    planted = [(u, v, d) for u, v, d in G.edges(data=True) if u in ("P1", "P2")]
    for n, (u, v, d) in enumerate(planted):
        H.add_edge(u, v, amount=d["amount"], time=d["time"] + n * 7 * DAY)
    assert bipartite_layering(H) == []


def test_two_fan_ins_sharing_one_payer_with_sums_under_a_reporting_line():
    # five payers, two payees; only P3 pays both (5 x 2 with six edges), sums of 47-50 thousand
    G = background(nx.MultiDiGraph())
    edges = [("P2", "R5", 48_493), ("P3", "R5", 48_071), ("P4", "R6", 49_926), ("P1", "R5", 49_489),
             ("P0", "R6", 49_053), ("P3", "R6", 47_366)]
    for n, (u, v, a) in enumerate(edges):
        G.add_edge(u, v, amount=float(a), time=at(60 + 3 * n))
    found = bipartite_layering(G)
    assert accounts(found) == {"P0", "P1", "P2", "P3", "P4", "R5", "R6"}
    # sums of widely different sizes are not one group
    for u, v, k, d in list(G.edges(keys=True, data=True)):
        if u == "P4":
            G.remove_edge(u, v, k)
            G.add_edge(u, v, amount=d["amount"] * 2.5, time=d["time"])
    assert bipartite_layering(G) == []


def test_a_payer_paying_one_more_payee_of_the_group_is_named():
    G = background(nx.MultiDiGraph())
    for n, (u, v) in enumerate([("P1", "R1"), ("P2", "R1"), ("P2", "R2"), ("P1", "R2"), ("P1", "R3")]):
        G.add_edge(u, v, amount=47_000.0 + 400 * n, time=at(27 + n * 0.6))
    found = bipartite_layering(G)
    assert accounts(found, "sink") == {"R1", "R2", "R3"}


def dates_only(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The same transfers with their times cut to the day (as AMLSim writes them)."""
    H = nx.MultiDiGraph()
    for u, v, d in G.edges(data=True):
        H.add_edge(u, v, amount=d["amount"], time=T0 + ((d["time"] - T0) // DAY) * DAY)
    return H


def test_a_cycle_within_one_day_of_a_dates_only_file():
    G = background(nx.MultiDiGraph())
    amount = 40_000.0
    for k in range(5):
        G.add_edge(f"c{k}", f"c{(k + 1) % 5}", amount=round(amount, 2), time=at(120, 9 + k))
        amount *= 0.97
    H = dates_only(G)
    assert ledger(H).days_only and not ledger(G).days_only
    found = temporal_cycles(H)
    assert [sorted(a.account_no for a in f.evidence.accounts) for f in found] == [[f"c{k}" for k in range(5)]]
    chains = layering_chains(H)
    assert {f"c{k}" for k in range(5)} <= accounts(chains)


def test_dates_only_still_refuses_a_hop_from_an_earlier_day():
    G = background(nx.MultiDiGraph())
    amount = 40_000.0
    days = [120, 121, 122, 119]  # the closing hop is dated before the first
    for k in range(4):
        G.add_edge(f"c{k}", f"c{(k + 1) % 4}", amount=round(amount, 2), time=at(days[k]))
        amount *= 0.97
    assert temporal_cycles(dates_only(G)) == []
