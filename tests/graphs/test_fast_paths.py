"""The fast paths of detection agree with their row-by-row references (same edges, holders, findings)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import networkx as nx
import pyarrow as pa
import pytest

from graphs.detectors.round_tripping import strong_pairs
from graphs.flows import (_table_edges, _table_edges_rows, _table_holders, accounts_from_edges, collapse_periods,
                          flow_edges, flow_graph)
from tests.graphs.builders import Platform

T = datetime(2018, 3, 4, 10, 11, 12)


def _table(purposes):
    n = len(purposes)
    return pa.table({
        "payer_account": pa.array([f"A{i % 3}" for i in range(n)]),
        "payee_account": pa.array([f"B{i % 2}" for i in range(n)]),
        "period": pa.array([T.date().replace(day=1)] * n, pa.date32()),
        "amount": pa.array([float(i) + 0.5 for i in range(n)]),
        "count": pa.array(list(range(1, n + 1)), pa.int64()),
        # whole seconds, microseconds and a NULL: isoformat() prints microseconds only when not zero
        "first_time": pa.array([T, T + timedelta(microseconds=5), None, T][:n] + [T] * max(0, n - 4),
                               pa.timestamp("us")),
        "last_time": pa.array([T + timedelta(seconds=i, microseconds=120000 * (i % 2)) for i in range(n)],
                              pa.timestamp("us")),
        "purposes": pa.array(purposes, pa.list_(pa.string())),
        "payer_name": pa.array(["甲", None, "", "乙", None][:n] + [None] * max(0, n - 5)),
        "payee_name": pa.array([None, "丙", None, "", "丁"][:n] + [None] * max(0, n - 5)),
        "payer_id": pa.array([None, "X1", None, None, ""][:n] + [None] * max(0, n - 5)),
        "payee_id": pa.array([None, None, "", "Y2", None][:n] + [None] * max(0, n - 5)),
    })


@pytest.mark.parametrize("purposes", [
    [["出借"], [], None, ["放款", "出借"], ["兑付", ""]],
    [["出借", None], [], None, ["放款"], ["兑付"]],  # a NULL inside a list: the per-row branch
])
def test_arrow_edges_and_holders_match_the_row_by_row_conversion(purposes):
    table = _table(purposes)
    fast, rows = list(_table_edges(table)), list(_table_edges_rows(table))
    assert fast == rows
    assert [e.first for e in fast[:3]] == ["2018-03-04T10:11:12", "2018-03-04T10:11:12.000005", ""]
    assert fast[3].purposes == tuple(sorted(purposes[3]))
    assert fast[1].purposes == fast[2].purposes == ()
    reference = accounts_from_edges(table.to_pylist())  # the row loop over dicts
    holders = _table_holders(table)
    assert holders == reference and list(holders) == list(reference)
    assert holders["A0"] == {"holder_name": "甲", "holder_id": None}


def test_strong_pairs_is_the_collapsed_graph_without_small_pairs():
    edges = list(flow_edges(Platform(borrowers=4, lenders=3).edges))
    full = collapse_periods(flow_graph(edges))
    expected = [(u, v, d) for u, v, d in full.edges(data=True) if d["amount"] >= 50_000]
    got = strong_pairs(edges, 50_000)
    assert [(u, v) for u, v, _ in got.edges(data=True)] == [(u, v) for u, v, _ in expected]
    for u, v, d in expected:
        assert {k: got[u][v][k] for k in ("amount", "count", "first", "last")} == \
            {k: d[k] for k in ("amount", "count", "first", "last")}
    assert list(got.nodes) == list(nx.DiGraph((u, v) for u, v, _ in expected).nodes)


def test_platform_edge_indices_are_the_scans_they_replace():
    flows = Platform(borrowers=5, lenders=4).flows()
    own, c, b = flows.platform_accounts, flows.custody, flows.borrowers
    assert flows.platform_out == [e for e in flows.edges if e.src in own]
    assert flows.platform_in == [e for e in flows.edges if e.dst in own]
    assert flows.custody_edges == [e for e in flows.edges if c in (e.src, e.dst)]
    assert flows.borrower_edges == [e for e in flows.edges if (e.src == c and e.dst in b) or e.src in b]
    window = {"2017-03", "2017-07"}
    assert flows.in_periods(window) == [e for e in flows.edges if e.period in window]
    assert flows.in_period("2017-05") == [e for e in flows.edges if e.period == "2017-05"]
    assert flows.in_period("2030-01") == []


@pytest.mark.slow
def test_detect_in_two_worker_processes_equals_one_process_and_the_row_path(small_city, tmp_path):
    from graphs.loading import load_city
    from graphs.run import detect
    from monitor.db import dispose_engines
    from monitor.evaluate import build_store_from_city
    from monitor.transfers import TransferStore
    from tests.conftest import make_config

    cfg = make_config(tmp_path)
    try:
        build_store_from_city(cfg, small_city, crawl=False)
        store = TransferStore(cfg)
        for uscc in store.institutions():
            table = store.aggregate_edges([uscc])
            assert list(_table_edges(table)) == list(_table_edges_rows(table))
            assert _table_holders(table) == accounts_from_edges(table.to_pylist())
        as_of = datetime(2018, 1, 6, tzinfo=timezone.utc)  # after the small city's last month
        one = [f.to_dict() for f in detect(cfg, as_of, workers=1, across=False)]  # phase 1 only
        two = [f.to_dict() for f in detect(cfg, as_of, workers=2, across=False)]
        assert one and one == two
        # The eager path (replays) cuts the same partitions as the lazy one.
        data = load_city(cfg)
        from graphs.run import detect_partition
        eager = [f.to_dict() for inputs in data.partitions(as_of) for f in detect_partition(inputs, None, as_of)]
        assert eager == one
    finally:
        dispose_engines()
