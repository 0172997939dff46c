"""The flow explorer's tables give each account's flows exactly as the whole collapsed graph has them."""

from __future__ import annotations

import random
from datetime import datetime

import pyarrow as pa

from graphs.flows import accounts_from_edges, collapse_periods, flow_graph, flow_neighbourhood, flow_tables


def _aggregated(seed: int) -> pa.Table:
    """Rows as ``aggregate_edges(freq="all")`` gives them: one per pair, by payer then payee."""
    rng = random.Random(seed)
    accounts = [f"62{rng.randrange(10**6):06d}" for _ in range(30)]
    pairs = sorted({(rng.choice(accounts), rng.choice(accounts)) for _ in range(120)})
    named = {a: (f"户{a[-3:]}" if rng.random() < 0.6 else None, "9133" + a if rng.random() < 0.3 else None)
             for a in accounts}
    rows = []
    for src, dst in pairs:
        first = datetime(2018, rng.randint(1, 6), rng.randint(1, 28), rng.randint(0, 23), 0, 0,
                         rng.choice([0, 0, 250000]))
        rows.append({"payer_account": src, "payee_account": dst, "period": None,
                     "amount": float(rng.choice([1000, 2500, 5000, rng.randint(1, 10**6)])),  # ties on purpose
                     "count": rng.randint(1, 9), "first_time": first, "last_time": first.replace(month=7),
                     "purposes": rng.choice([["出借"], ["放款", "出借"], [], ["还款", ""]]),
                     "payer_name": named[src][0], "payee_name": named[dst][0],
                     "payer_id": named[src][1], "payee_id": named[dst][1]})
    schema = pa.schema([("payer_account", pa.string()), ("payee_account", pa.string()), ("period", pa.date32()),
                        ("amount", pa.float64()), ("count", pa.int64()), ("first_time", pa.timestamp("us")),
                        ("last_time", pa.timestamp("us")), ("purposes", pa.list_(pa.string())),
                        ("payer_name", pa.string()), ("payee_name", pa.string()),
                        ("payer_id", pa.string()), ("payee_id", pa.string())])
    return pa.Table.from_pylist(rows, schema=schema)


def test_neighbourhood_has_each_accounts_flows_as_the_whole_graph():
    for seed in range(5):
        table = _aggregated(seed)
        whole = collapse_periods(flow_graph(table, accounts_from_edges(table)))
        flows, accounts = flow_tables(table)
        assert accounts.column("account").to_pylist() == list(whole.nodes)
        assert accounts.column("partners").to_pylist() == [len(set(whole.predecessors(a)) | set(whole.successors(a)))
                                                            for a in whole]
        for node in whole:
            part = flow_neighbourhood(flows, accounts, [node])
            assert list(part.in_edges(node, data=True)) == list(whole.in_edges(node, data=True))
            assert list(part.out_edges(node, data=True)) == list(whole.out_edges(node, data=True))
            for other in part:
                assert part.nodes[other] == whole.nodes[other]
        two = list(whole)[:2]
        part = flow_neighbourhood(flows, accounts, two + ["unknown"])
        assert "unknown" not in part
        assert {e for a in two for e in part.in_edges(a)} == {e for a in two for e in whole.in_edges(a)}


def test_empty_tables():
    flows, accounts = flow_tables(_aggregated(0).slice(0, 0))
    assert flows.num_rows == accounts.num_rows == 0
    assert len(flow_neighbourhood(flows, accounts, ["6200"])) == 0


def test_flow_tables_are_built_once_in_a_file_every_process_reads(portal, tmp_path, monkeypatch):
    from sqlmodel import Session

    from monitor.db import get_engine
    from monitor.ingest import ingest_paths
    from monitor.models import Institution
    from monitor.portal import graph
    from tests.portal.conftest import login
    from tests.portal.test_flow_explorer import CUSTODY, HEADER

    app, ids = portal
    config = app.extensions["monitor_config"]
    with Session(get_engine(config)) as s:
        inst = s.get(Institution, ids["red"])
        uscc, name = inst.uscc, inst.name

    def ingest(i: int):
        statement = tmp_path / f"w{i}.csv"
        statement.write_text(f"{HEADER}\nW{i},2018-06-0{1 + i} 10:00:00,{1000 * (i + 1)}.00,62229800000{i:05d},"
                             f"出借人{i},,{CUSTODY},{name}（存管账户）,{uscc},出借\n", encoding="utf-8")
        [res] = ingest_paths(config, [statement], institution=uscc)
        assert res.status == "ok", res.error

    builds = []
    real = graph.flow_tables
    monkeypatch.setattr(graph, "flow_tables", lambda *a, **k: builds.append(1) or real(*a, **k))
    ingest(0)
    assert graph.warm_flow_files(config) >= 1  # what a portal process does as it starts
    assert graph.warm_flow_files(config) == 0  # nothing missing any more
    built = len(builds)
    client = app.test_client()
    login(client, "inspector")

    def lenders():
        graph._FLOW_TABLES.clear()  # as a worker that never read them
        data = client.get(f"/graph/{ids['red']}/flows.json").get_json()
        return sorted(n["data"]["label"] for n in data["nodes"] if n["data"]["label"].startswith("出借人"))

    assert lenders() == ["出借人0"]
    assert lenders() == ["出借人0"]
    assert len(builds) == built  # read from the file, not built on the request
    folders = sorted(graph.flow_cache_dir(config).glob("*-*"))
    ingest(1)
    assert lenders() == ["出借人0", "出借人1"]  # new transfer files: new tables
    assert len(builds) == built + 1
    now = sorted(graph.flow_cache_dir(config).glob("*-*"))
    assert len(now) == len(folders) and set(now) != set(folders)  # the stale file is gone


def test_explorer_draws_from_the_biggest_flows_what_it_draws_from_the_whole_graph():
    from monitor.portal.graph import flow_json

    for seed in range(5):
        rng = random.Random(seed)
        table = _aggregated(seed)
        whole = collapse_periods(flow_graph(table, accounts_from_edges(table)))
        flows, accounts = flow_tables(table)
        for node in whole:
            highlight = set(rng.sample(list(whole), 6)) | {node}
            extras = sorted(highlight - {node})[:3]
            part = flow_neighbourhood(flows, accounts, {node: 3, **{x: 2 for x in extras}}, highlight)
            assert part.number_of_edges() < whole.number_of_edges()
            assert flow_json(part, node, {}, highlight, limit=3) == flow_json(whole, node, {}, highlight, limit=3)
            for x in extras:
                assert flow_json(part, x, {}, highlight, limit=2) == flow_json(whole, x, {}, highlight, limit=2)
