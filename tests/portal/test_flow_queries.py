"""What the flow explorer and the institution page read: the accounts they show at once (the explorer's
holders, the page's masking ask the account table a fixed number of times, however many accounts they
draw), and an institution's flow graph once until its transfer files change."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlmodel import Session

from monitor.db import get_engine
from tests.portal.conftest import login
from tests.portal.test_flow_explorer import _flows_with_a_finding


@pytest.fixture
def account_queries(portal):
    """The statements that read the account table, as the portal sends them."""
    app, _ = portal
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        if "FROM account" in statement:
            seen.append(statement)

    engine = get_engine(app.extensions["monitor_config"])
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_flow_explorer_reads_the_holders_of_its_accounts_at_once(portal, tmp_path, account_queries):
    app, ids = portal
    finding = _flows_with_a_finding(app, ids["red"], tmp_path)
    client = app.test_client()
    login(client, "inspector")
    account_queries.clear()
    data = client.get(f"/graph/{ids['red']}/flows.json?finding={finding}").get_json()
    assert len({n["data"]["id"] for n in data["nodes"]}) > 25
    # the institution's own accounts, the holders of those drawn, which of them are organisations'
    assert len(account_queries) == 3, account_queries


def test_institution_page_looks_up_the_evidence_accounts_at_once(portal, account_queries):
    from monitor.models import Finding
    from monitor.privacy import mask_account

    app, ids = portal
    accounts = [f"62220000000{i:05d}" for i in range(20)]
    with Session(get_engine(app.extensions["monitor_config"])) as s:
        f = s.get(Finding, ids["finding"])
        f.evidence = {**f.evidence, "accounts": [{"account_no": a, "role": "borrower"} for a in accounts]}
        s.add(f)
        s.commit()
    client = app.test_client()
    login(client, "inspector")
    account_queries.clear()
    html = client.get(f"/institutions/{ids['red']}").get_data(as_text=True)
    assert mask_account(accounts[1]) in html and accounts[1] not in html  # shown, masked
    assert len(account_queries) == 1, account_queries


def test_account_numbers_of_evidence():
    from monitor.portal.institutions import account_numbers

    evidence = {"accounts": [{"account_no": "6222021234567890123", "holder_id": "110101199001011234"}],
                "edges": [{"src": "6228000000000002", "dst": "12345", "amount": 6222021234567890}],
                "note": "6222021234567890999 in a sentence"}
    assert account_numbers(evidence) == {"6222021234567890123", "110101199001011234", "6228000000000002"}


def test_flow_graph_kept_between_requests_is_read_again_after_an_ingest(portal, tmp_path):
    from monitor.ingest import ingest_paths
    from monitor.models import Institution
    from monitor.portal import graph
    from tests.portal.test_flow_explorer import CUSTODY, HEADER

    app, ids = portal
    with Session(get_engine(app.extensions["monitor_config"])) as s:
        inst = s.get(Institution, ids["red"])
        uscc, name = inst.uscc, inst.name
    client = app.test_client()
    login(client, "inspector")

    def ingest(i: int):
        statement = tmp_path / f"s{i}.csv"
        statement.write_text(f"{HEADER}\nK{i},2018-05-0{1 + i} 10:00:00,{1000 * (i + 1)}.00,62229900000{i:05d},"
                             f"出借人{i},,{CUSTODY},{name}（存管账户）,{uscc},出借\n", encoding="utf-8")
        [res] = ingest_paths(app.extensions["monitor_config"], [statement], institution=uscc)
        assert res.status == "ok", res.error

    def lenders():
        data = client.get(f"/graph/{ids['red']}/flows.json").get_json()
        return sorted(n["data"]["label"] for n in data["nodes"] if n["data"]["label"].startswith("出借人"))

    ingest(0)
    assert lenders() == ["出借人0"]
    kept = next(reversed(graph._FLOW_TABLES.values()))
    assert lenders() == ["出借人0"]
    assert next(reversed(graph._FLOW_TABLES.values())) is kept  # the same tables, not read again
    ingest(1)
    assert lenders() == ["出借人0", "出借人1"]  # new files: read again


def test_requests_that_want_the_same_flow_graph_wait_for_one_build(portal, tmp_path, monkeypatch):
    import threading

    from monitor.models import Institution
    from monitor.portal import graph

    app, ids = portal
    _flows_with_a_finding(app, ids["red"], tmp_path)
    with Session(get_engine(app.extensions["monitor_config"])) as s:
        inst = s.get(Institution, ids["red"])
    builds = []
    real = graph.flow_tables
    monkeypatch.setattr(graph, "flow_tables", lambda *a, **k: builds.append(1) or real(*a, **k))
    start = threading.Barrier(6)
    got = []

    def request():
        with app.app_context():
            start.wait()
            got.append(graph._flow_tables(inst))

    threads = [threading.Thread(target=request) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(got) == 6 and all(G is got[0] for G in got)
    assert len(builds) == 1
