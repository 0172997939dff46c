"""Graph builders: as-of filtering, node keys, aggregation, no mutation of inputs."""

from __future__ import annotations

from datetime import date, datetime, timezone

import networkx as nx
import pyarrow as pa
import pytest

from graphs.build import (collapse_periods, entity_flow_graph, flow_edges, flow_graph, neighbourhood,
                          related_parties, related_party_graph)
from graphs.platform import build_platform_flows, id_compatible, purpose_code, related_index
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


def test_id_compatible_and_purpose_codes():
    assert id_compatible("440301********1234", "440301198001011234")
    assert not id_compatible("440301********1234", "440301198001011235")
    assert not id_compatible(None, "440301198001011234")
    assert purpose_code("出借") == "invest" and purpose_code(" 兑付 ") == "payout"
    assert purpose_code("payout") == "payout" and purpose_code("午餐") is None


def test_neighbourhood_and_collapse_do_not_mutate_the_input():
    G = registry_with_controller()
    before = (set(G.nodes), set(G.edges(keys=True)))
    H = neighbourhood(G, f"institution:{PLATFORM}", k=1)
    H.add_node("x")
    assert (set(G.nodes), set(G.edges(keys=True))) == before
    assert set(H.nodes) == {f"institution:{PLATFORM}", "person:7", "x"}
    F = flow_graph([{"src": "A", "dst": "B", "period": "2018-01", "amount": 1.0, "count": 1, "first": "2018-01-02"}])
    C = collapse_periods(F)
    C["A"]["B"]["amount"] = 99.0
    assert F["A"]["B"]["2018-01"]["amount"] == 1.0


def test_flow_graph_from_aggregate_edges_table_and_entity_level():
    table = pa.table({
        "payer_account": ["A1", "A1", "A2", "B"], "payee_account": ["B", "B", "B", "A1"],
        "period": [date(2018, 1, 1), date(2018, 2, 1), date(2018, 1, 1), date(2018, 3, 1)],
        "amount": [100.0, 50.0, 25.0, 10.0], "count": [2, 1, 1, 1],
        "first_time": [datetime(2018, 1, 3), datetime(2018, 2, 4), datetime(2018, 1, 9), datetime(2018, 3, 1)],
        "last_time": [datetime(2018, 1, 20), datetime(2018, 2, 4), datetime(2018, 1, 9), datetime(2018, 3, 1)],
        "purposes": [["出借"], ["出借", "转账"], [None], []],
    })
    edges = list(flow_edges(table))
    assert edges[0].period == "2018-01" and edges[0].first == "2018-01-03T00:00:00"
    assert edges[1].purposes == ("出借", "转账")
    G = flow_graph(table, start="2018-01", end="2018-02")
    assert G.number_of_edges() == 3  # March left out
    C = collapse_periods(G)
    assert C["A1"]["B"]["amount"] == 150.0 and C["A1"]["B"]["count"] == 3
    assert C["A1"]["B"]["first"] == "2018-01-03T00:00:00" and C["A1"]["B"]["last"] == "2018-02-04T00:00:00"
    holders = {"A1": {"holder_name": "张三", "holder_id": "X1"}, "A2": {"holder_name": "张三", "holder_id": "X1"},
               "B": {"holder_name": "平台", "holder_id": "P"}}
    E = entity_flow_graph(C, holders)
    assert E["id:X1"]["id:P"]["amount"] == 175.0
    assert sorted(E.nodes["id:X1"]["accounts"]) == ["A1", "A2"]


def test_platform_roles_from_labels_and_structure():
    edges = [
        # labelled
        {"src": "L1", "dst": "C", "period": "2018-01", "amount": 100.0, "count": 1, "first": "2018-01-02",
         "purposes": ["出借"]},
        {"src": "C", "dst": "B1", "period": "2018-01", "amount": 80.0, "count": 1, "first": "2018-01-03",
         "purposes": ["放款"]},
        # a pre-existing borrower: pays custody first, but labelled 还款 — a borrower, not a lender
        {"src": "B0", "dst": "C", "period": "2018-01", "amount": 30.0, "count": 1, "first": "2018-01-01",
         "purposes": ["还款"]},
        # unlabelled: structure decides
        {"src": "U1", "dst": "C", "period": "2018-01", "amount": 10.0, "count": 1, "first": "2018-01-05"},
        {"src": "C", "dst": "U2", "period": "2018-01", "amount": 10.0, "count": 1, "first": "2018-01-06"},
        # the platform's general account pays a person: an insider
        {"src": "G", "dst": "P1", "period": "2018-01", "amount": 5.0, "count": 1, "first": "2018-01-10"},
    ]
    accounts = {"C": {"holder_id": PLATFORM}, "G": {"holder_id": PLATFORM},
                "P1": {"holder_name": "王五", "holder_id": "440301198001019999"}}
    pf = build_platform_flows(edges, accounts, uscc=PLATFORM)
    assert pf.custody == "C" and pf.platform_accounts == {"C", "G"}
    assert pf.lenders == {"L1", "U1"} and pf.borrowers == {"B1", "B0", "U2"}
    assert pf.tied["P1"][0] == "insider"
    m = pf.months["2018-01"]
    assert (m.lender_in, m.repay_in, m.disburse_out) == (110.0, 30.0, 90.0)


def test_namesakes_are_matched_the_same_whatever_the_graph_order():
    """Two related persons of one name, both compatible with a masked ID: the match does not depend
    on the order the registry graph was built in (the Spark engine ships it to its workers)."""
    import networkx as nx

    def graph(order):
        G = nx.MultiDiGraph()
        G.add_node(f"institution:{PLATFORM}", kind="institution", name="甲平台", uscc=PLATFORM)
        people = {"person:143": "440301********1234", "person:1128": "440301********1234"}
        for node in order:
            G.add_node(node, kind="person", name="宋婷秀", name_norm="宋婷秀", id_key=people[node])
            G.add_edge(node, f"institution:{PLATFORM}", "shareholder", kind="shareholder")
        return G

    a = related_index(graph(["person:143", "person:1128"]), PLATFORM).match("宋婷秀", "440301199001011234")
    b = related_index(graph(["person:1128", "person:143"]), PLATFORM).match("宋婷秀", "440301199001011234")
    assert a is not None and a == b
