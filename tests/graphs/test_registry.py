"""The related-party graph: as-of filtering, node keys, k-hop parties, no mutation of inputs."""

from __future__ import annotations

from datetime import datetime, timezone

from graphs.platform import related_index
from graphs.registry import component, neighbourhood, related_parties, related_party_graph
from tests.graphs.builders import COLLECTOR_FIRM, PLATFORM, registry_with_controller

T0 = datetime(2017, 1, 1, tzinfo=timezone.utc)
T1 = datetime(2017, 6, 1, tzinfo=timezone.utc)


def test_related_party_graph_as_of_leaves_out_later_rows():
    companies = [{"id": 1, "name": "甲平台有限公司", "uscc": PLATFORM, "available_at": T0},
                 {"id": 2, "name": "乙公司", "uscc": COLLECTOR_FIRM, "available_at": T1}]
    persons = [{"id": 7, "name": "张三", "available_at": T0}]
    relations = [
        {"kind": "shareholder", "subject_kind": "person", "subject_id": 7, "object_kind": "company", "object_id": 1,
         "share": 0.6, "available_at": T0},
        {"kind": "executive", "subject_kind": "person", "subject_id": 7, "object_kind": "company", "object_id": 2,
         "role": "董事长", "available_at": T1}]
    insts = [{"uscc": PLATFORM, "name": "甲平台"}]
    early = related_party_graph(companies, persons, relations, insts, as_of=datetime(2017, 3, 1, tzinfo=timezone.utc))
    late = related_party_graph(companies, persons, relations, insts, as_of=T1)
    assert f"institution:{PLATFORM}" in early and "company:2" not in early
    assert early.number_of_edges() == 1 and late.number_of_edges() == 2
    assert late.nodes[f"institution:{PLATFORM}"]["company_id"] == 1
    assert late["person:7"]["company:2"]["executive"]["role"] == "董事长"
    # naive datetimes from SQLite are read as UTC
    naive = [dict(r, available_at=r["available_at"].replace(tzinfo=None)) for r in relations]
    assert related_party_graph(companies, persons, naive, insts, as_of=T1).number_of_edges() == 2


def test_related_parties_within_k_hops_with_paths():
    G = registry_with_controller()
    within1 = related_parties(G, f"institution:{PLATFORM}", k=1)
    within2 = related_parties(G, f"institution:{PLATFORM}", k=2)
    assert set(within1) == {f"institution:{PLATFORM}", "person:7"}
    assert within2["company:2"] == [f"institution:{PLATFORM}", "person:7", "company:2"]
    idx = related_index(G, PLATFORM, k=2)
    kind, path = idx.match("李氏投资有限公司", None)
    assert kind == "company" and "张三" in path[1]
    # a person matches by name only when the masked ID is compatible
    assert idx.match("张三", "440301198001011234")[0] == "person"
    assert idx.match("张三", "110101198001015678") is None


def test_neighbourhood_does_not_mutate_the_input():
    G = registry_with_controller()
    before = (set(G.nodes), set(G.edges(keys=True)))
    H = neighbourhood(G, f"institution:{PLATFORM}", k=1)
    H.add_node("x")
    assert (set(G.nodes), set(G.edges(keys=True))) == before
    assert set(H.nodes) == {f"institution:{PLATFORM}", "person:7", "x"}


def test_component_is_a_copy_of_the_institution_s_weak_component():
    G = registry_with_controller()
    G.add_edge("person:99", "company:98", "shareholder", kind="shareholder")  # another group
    C = component(G, PLATFORM)
    assert set(C) == set(G) - {"person:99", "company:98"}
    C.add_node("x")
    assert "x" not in G
    assert component(G, "91440300MA5XXXXX00") is None  # not in the graph
