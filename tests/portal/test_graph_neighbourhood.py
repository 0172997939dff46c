"""The explorer's related-party graph read around one institution agrees with the city's whole graph."""

from __future__ import annotations

import networkx as nx
from sqlmodel import select

from graphs.registry import institution_key, neighbourhood
from monitor.db import session_scope
from monitor.models import Company, Institution, Relation
from monitor.portal.graph import MAX_HOPS_FROM_ROOT, node_exists, related_graph
from tests.graphs.loaders import load_related_party_graph


def _edges(G):
    return sorted((u, v, k, tuple(sorted((a, str(b)) for a, b in d.items()))) for u, v, k, d in G.edges(keys=True, data=True))


def _chain(session, start_company_id: int, length: int) -> None:
    """Companies c1..cN each a shareholder of the previous one, and at the chain's 5th link two companies that
    guarantee each other (an edge between two parties five hops out)."""
    previous = start_company_id
    for n in range(1, length + 1):
        c = Company(name=f"链上公司{n}", name_norm=f"链上公司{n}")
        session.add(c)
        session.flush()
        session.add(Relation(kind="shareholder", subject_kind="company", subject_id=c.id, object_id=previous,
                             share=0.5))
        if n == 4:
            x, y = Company(name="甲担保", name_norm="甲担保"), Company(name="乙担保", name_norm="乙担保")
            session.add_all([x, y])
            session.flush()
            session.add_all([Relation(kind="shareholder", subject_kind="company", subject_id=x.id, object_id=c.id),
                             Relation(kind="shareholder", subject_kind="company", subject_id=y.id, object_id=c.id),
                             Relation(kind="guarantee", subject_kind="company", subject_id=x.id, object_id=y.id,
                                      amount=1e6)])
        previous = c.id


def test_neighbourhood_graph_matches_the_whole_registry(portal):
    app, ids = portal
    config = app.extensions["monitor_config"]
    with session_scope(config) as s:
        red = s.get(Institution, ids["red"])
        _chain(s, s.exec(select(Company.id).where(Company.uscc == red.uscc)).one(), 8)
    whole = load_related_party_graph(config)
    checked = 0
    with session_scope(config) as s:
        for inst in s.exec(select(Institution)).all():
            root = institution_key(inst.uscc)
            near = related_graph(s, inst)
            assert root in near
            hops = nx.single_source_shortest_path_length(whole.to_undirected(as_view=True), root,
                                                         cutoff=MAX_HOPS_FROM_ROOT)
            for node in hops:
                a, b = neighbourhood(whole, node, k=1), neighbourhood(near, node, k=1)
                assert dict(a.nodes(data=True)) == dict(b.nodes(data=True))
                assert _edges(a) == _edges(b)
                checked += 1
            for node in set(whole) - set(near):
                assert node_exists(s, node)  # what the neighbourhood leaves out still answers 404, not "empty"
        assert not node_exists(s, "person:999999") and not node_exists(s, "nonsense")
    assert checked > len(whole.nodes) / 10
    assert whole.has_edge("company:" + str(_company_id(config, "甲担保")), "company:" + str(_company_id(config, "乙担保")))


def _company_id(config, name: str) -> int:
    with session_scope(config) as s:
        return s.exec(select(Company.id).where(Company.name == name)).one()
