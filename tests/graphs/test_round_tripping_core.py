"""round_tripping counts two-account cycles instead of enumerating them, and finds the same cycles."""

from __future__ import annotations

import random

import networkx as nx
import pytest

from graphs.detectors import round_tripping as rt


def reference(G, p):
    """What detect kept before: every enumerated cycle, rotated, as a sorted set."""
    return sorted({tuple(rt.sorted_cycle(c)) for c in rt.cycles(G, p)})


def city_like(seed: int, lenders: int = 120) -> nx.DiGraph:
    """Custody stars (lenders and borrowers back and forth), self-payments, and chains and cycles
    among a few firms, with amounts around the thresholds."""
    rng = random.Random(seed)
    G = nx.DiGraph()

    def pay(u, v):
        G.add_edge(u, v, amount=float(rng.choice([20_000, 60_000, 80_000, 120_000, 400_000])), count=1,
                   first=None, last=None)

    for custody in ("custody:A", "custody:B"):
        for i in range(lenders):
            person = f"p{rng.randrange(lenders * 2):05d}"
            pay(person, custody)
            if rng.random() < 0.8:
                pay(custody, person)
    firms = [f"firm{i:02d}" for i in range(25)]
    for _ in range(60):
        u, v = rng.sample(firms + ["custody:A", "custody:B", "p00001", "p00002"], 2)
        pay(u, v)
    for f in rng.sample(firms, 3):
        pay(f, f)
    return G


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("max_cycles", [20_000, 400, 40, 1])
def test_found_cycles_are_those_of_the_full_enumeration(seed, max_cycles):
    p = dict(rt.DEFAULTS, max_cycles=max_cycles)
    G = city_like(seed)
    assert rt.found_cycles(G, p) == reference(G, p)
    for min_length, max_length in ((4, 5), (3, 3), (2, 4)):
        q = dict(p, min_length=min_length, max_length=max_length)
        assert rt.found_cycles(G, q) == reference(G, q)


def test_some_cases_have_cycles_and_some_reach_the_cap():
    p = dict(rt.DEFAULTS)
    assert any(rt.found_cycles(city_like(s), p) for s in range(12))
    capped = dict(p, max_cycles=40)
    assert any(rt.found_cycles(city_like(s), capped) != rt.found_cycles(city_like(s), p) for s in range(12))


def test_a_custody_star_leaves_no_core_to_search():
    G = nx.DiGraph()
    for i in range(300):
        G.add_edge("custody", f"p{i}", amount=60_000.0)
        G.add_edge(f"p{i}", "custody", amount=60_000.0)
    G.add_edges_from([("a", "b"), ("b", "c"), ("c", "a")], amount=60_000.0)
    H = rt._core(G)
    assert sorted(H) == ["a", "b", "c"]
    assert rt.found_cycles(G, dict(rt.DEFAULTS)) == [("a", "b", "c")]
    # 300 two-account and one three-account cycles: over a cap of 300 the full search decides.
    assert rt.found_cycles(G, dict(rt.DEFAULTS, max_cycles=300)) == reference(G, dict(rt.DEFAULTS, max_cycles=300))
