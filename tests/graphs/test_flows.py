"""The fund-flow graph: aggregation per period, windows, entity level, no mutation of inputs."""

from __future__ import annotations

from datetime import date, datetime

import pyarrow as pa

from graphs.flows import collapse_periods, entity_flow_graph, flow_edges, flow_graph


def test_collapse_does_not_mutate_the_input():
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
