"""The accounts a page shows are read at once: the flow explorer's holders and the institution page's
masking ask the account table a fixed number of times, however many accounts they draw."""

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
