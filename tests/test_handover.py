"""Hand-over exports as FollowTheMoney entities: schema, round trip through FtM's tooling, masking, ids, scope."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from datetime import date, datetime, timezone
from pathlib import Path

import networkx as nx
import pytest
from followthemoney import model

from tests.conftest import uscc_for

PLATFORM, FIRM = uscc_for(1), uscc_for(50)
CONTROLLER_ID = "110101199003071235"
BORROWER_IDS = ("440303198512124562", "440303199201017891")
CUSTODY, COLLECTOR = "6228480000000000001", "6228480000000000099"
BORROWER_ACCOUNTS = ("6222021234567890123", "6217001234567890")
T0 = datetime(2018, 1, 5, tzinfo=timezone.utc)
AS_OF = "2018-07-31"
HEADER = "交易流水号,交易时间,交易金额,付款账号,付款户名,付款方证件号,收款账号,收款户名,收款方证件号,摘要\n"


def _seed(cfg, tmp_path: Path) -> dict:
    """A platform whose controller owns a firm; nominal borrowers forward the loans to the firm's account."""
    from monitor.db import session_scope
    from monitor.ingest import ingest_paths
    from monitor.models import Account, Company, Document, Finding, Institution, Jurisdiction, Person, Relation

    with session_scope(cfg) as s:
        city = Jurisdiction(code="440300", name="示范市", level="city")
        other = Jurisdiction(code="440100", name="邻市", level="city")
        s.add_all([city, other])
        s.flush()
        inst = Institution(name="汇溪贷网络借贷有限公司", name_norm="汇溪贷", uscc=PLATFORM, kind="p2p",
                           jurisdiction_id=city.id, aliases=["汇溪贷"], website="http://hx.example.cn/")
        s.add(inst)
        s.flush()
        platform = Company(name=inst.name, name_norm=inst.name_norm, uscc=PLATFORM, address="福田区深南大道1号",
                           established_on=date(2016, 3, 1), registered_capital=5e7, available_at=T0)
        firm = Company(name="深圳鑫融控股有限公司", name_norm="鑫融控股", uscc=FIRM, available_at=T0)
        boss = Person(name="王伟", id_key=CONTROLLER_ID, available_at=T0)
        s.add_all([platform, firm, boss])
        s.flush()
        s.add_all([
            Relation(kind="controller", subject_kind="person", subject_id=boss.id, object_id=platform.id,
                     valid_from=date(2016, 3, 1), available_at=T0),
            Relation(kind="legal_representative", subject_kind="person", subject_id=boss.id,
                     object_id=platform.id, valid_from=date(2016, 3, 1), available_at=T0),
            Relation(kind="shareholder", subject_kind="person", subject_id=boss.id, object_id=firm.id, share=0.9,
                     valid_from=date(2017, 2, 1), available_at=T0),
            # known only after the as-of date: not in the export
            Relation(kind="executive", subject_kind="person", subject_id=boss.id, object_id=firm.id,
                     role="总经理", valid_from=date(2018, 9, 1), available_at=datetime(2018, 9, 2, tzinfo=timezone.utc)),
        ])
        s.add(Account(account_no=CUSTODY, bank="某商业银行", holder_name=inst.name, holder_id_no=PLATFORM,
                      holder_kind="company", institution_id=inst.id, is_custody=True))
        body = b"<html>disclosure</html>"
        doc = Document(url="http://hx.example.cn/disclosure/2018-06.html", institution_id=inst.id,
                       sha256="ab" * 32, size=len(body), body=body, content_type="text/html; charset=utf-8",
                       fetched_at=datetime(2018, 7, 3, 8, tzinfo=timezone.utc), available_at=T0)
        s.add(doc)
        s.flush()
        evidence = {"accounts": [{"account_no": COLLECTOR, "holder_name": firm.name, "holder_id": FIRM,
                                  "role": "collector"}],
                    "edges": [], "paths": [],
                    "documents": [{"url": doc.url, "document_id": doc.id, "label": "信息披露 2018-06"}]}
        s.add(Finding(detector="self_financing", kind="self_financing", institution_id=inst.id, severity="critical",
                      score=40, title="自融：借款流向实际控制人关联企业", evidence=evidence,
                      as_of=datetime(2018, 7, 1, tzinfo=timezone.utc), fingerprint="s" * 32))
        ids = {"institution": inst.id, "city": city.code, "other": other.code}

    lines = []
    for n, (no, pid) in enumerate(zip(BORROWER_ACCOUNTS, BORROWER_IDS)):
        for month in (5, 6):
            lines.append(f"L{n}{month},2018-0{month}-10 10:00:00,100000.00,{CUSTODY},汇溪贷网络借贷有限公司,{PLATFORM},"
                         f"{no},借款人{n},{pid},放款\n")
            lines.append(f"F{n}{month},2018-0{month}-10 15:00:00,99000.00,{no},借款人{n},{pid},"
                         f"{COLLECTOR},深圳鑫融控股有限公司,{FIRM},转账\n")
    path = tmp_path / "transfers" / PLATFORM / "flows.csv"
    path.parent.mkdir(parents=True)
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    results = ingest_paths(cfg, [tmp_path / "transfers"])
    assert [r.status for r in results] == ["ok"], [r.error for r in results]
    return ids


@pytest.fixture
def case(store, tmp_path, monkeypatch):
    ids = _seed(store, tmp_path)
    monkeypatch.setenv("MONITOR_INSTANCE_DIR", str(store.instance_path))
    monkeypatch.setenv("MONITOR_DATABASE_URL", store.database_url)
    return store, ids


def _export(tmp_path, *args, name="out.ftm.json") -> tuple[int, Path]:
    from monitor.cli import main

    out = tmp_path / name
    return main(["export", "ftm", *args, "--out", str(out)]), out


def _entities(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _by(entities, schema):
    return [e for e in entities if e["schema"] == schema]


def test_every_line_is_a_valid_ftm_entity_with_dataset_and_date(case, tmp_path):
    _cfg, ids = case
    code, out = _export(tmp_path, "--institution", PLATFORM, "--as-of", AS_OF)
    assert code == 0
    entities = _entities(out)
    assert entities
    for data in entities:
        proxy = model.get_proxy(data, cleaned=False)
        proxy.schema.validate(data)  # raises InvalidData
        assert set(data["properties"]) <= set(proxy.schema.properties), data
        assert set(proxy.schema.required) <= set(data["properties"]), data
        assert data["datasets"] == ["monitor_440300"] and data["last_seen"].startswith("2018-07-31")
    schemata = {e["schema"] for e in entities}
    assert {"Company", "Person", "Ownership", "Directorship", "BankAccount", "Payment", "Document",
            "Documentation"} <= schemata
    [platform] = [e for e in _by(entities, "Company") if e["properties"].get("registrationNumber") == [PLATFORM]]
    assert platform["properties"]["uscCode"] == [PLATFORM] and "福田区深南大道1号" in platform["properties"]["address"]
    shares = [e for e in _by(entities, "Ownership") if e["properties"].get("percentage")]
    assert [(s["properties"]["percentage"], s["properties"]["startDate"]) for s in shares] == [(["90"], ["2017-02-01"])]
    # the executive post known only in September is not there
    assert all("总经理" not in json.dumps(e, ensure_ascii=False) for e in entities)
    [doc] = _by(entities, "Document")
    assert doc["properties"]["notes"] == ["sha256:" + "ab" * 32]
    assert doc["properties"]["contentHash"] == [hashlib.sha1(b"<html>disclosure</html>").hexdigest()]
    assert doc["properties"]["sourceUrl"] == ["http://hx.example.cn/disclosure/2018-06.html"]
    assert doc["properties"]["retrievedAt"][0].startswith("2018-07-03")


def test_round_trip_through_ftm_tooling_finds_ownership_path_and_collector(case, tmp_path):
    from followthemoney import ValueEntity
    from followthemoney.graph import Graph
    from followthemoney.types import registry

    code, out = _export(tmp_path, "--institution", PLATFORM, "--as-of", AS_OF)
    assert code == 0
    ftm = Path(sys.executable).with_name("ftm")
    checked = tmp_path / "validated.ftm.json"
    subprocess.run([str(ftm), "validate", "-i", str(out), "-o", str(checked)], check=True, timeout=120)
    merged = tmp_path / "aggregated.ftm.json"
    subprocess.run([str(ftm), "aggregate", "-i", str(checked), "-o", str(merged)], check=True, timeout=120)
    proxies = [ValueEntity.from_dict(d) for d in _entities(merged)]
    assert len(proxies) == len(_entities(out))
    graph = Graph()
    for proxy in proxies:
        graph.add(proxy)
    G = nx.Graph()
    for edge in graph.iteredges():
        G.add_edge(edge.source_id, edge.target_id, kind=edge.type_name)
    by_id = {p.id: p for p in proxies}
    platform = next(p.id for p in proxies if p.schema.name == "Company" and p.first("registrationNumber") == PLATFORM)
    collector = next(p.id for p in proxies if p.schema.name == "BankAccount" and p.first("accountNumber") == COLLECTOR)
    node = registry.entity.node_id  # the graph's node ids carry their type
    path = [by_id[n.split(":", 1)[1]] for n in nx.shortest_path(G, node(platform), node(collector))]
    assert [p.schema.name for p in path] == ["Company", "Person", "Company", "BankAccount"]
    assert path[1].first("name") == "王伟" and path[2].first("registrationNumber") == FIRM
    # the nominal borrowers forward into the collector account
    into = [p for p in proxies if p.schema.name == "Payment" and p.first("beneficiaryAccount") == collector]
    assert len(into) == 4 and sum(float(p.first("amount")) for p in into) == 4 * 99000
    assert {by_id[p.first("payer")].schema.name for p in into} == {"Person"}
    assert any("self_financing: collector" in n for n in by_id[collector].get("notes"))


def test_personal_numbers_stay_masked_unless_asked_and_exports_are_journaled(case, tmp_path):
    from sqlmodel import select

    from monitor.db import session_scope
    from monitor.models import AuditEntry

    cfg, ids = case
    code, out = _export(tmp_path, "--institution", str(ids["institution"]), "--as-of", AS_OF)
    assert code == 0
    data = out.read_bytes()
    for number in (CONTROLLER_ID, *BORROWER_IDS, *BORROWER_ACCOUNTS):
        assert number.encode() not in data, number
    assert b"110101********1235" in data and b"6222***********0123" in data
    assert CUSTODY.encode() in data and COLLECTOR.encode() in data  # organisations' accounts stay in full
    code, full = _export(tmp_path, "--institution", PLATFORM, "--as-of", AS_OF, "--personal-data",
                         "--actor", "operator1", name="full.ftm.json")
    assert code == 0
    assert all(n.encode() in full.read_bytes() for n in (CONTROLLER_ID, *BORROWER_IDS, *BORROWER_ACCOUNTS))
    # the same entities either way: ids never hash a full personal number
    assert {e["id"] for e in _entities(out)} == {e["id"] for e in _entities(full)}
    with session_scope(cfg) as s:
        entries = s.exec(select(AuditEntry).where(AuditEntry.action == "export", AuditEntry.field == "ftm")
                         .order_by(AuditEntry.id)).all()
        assert [(e.actor, e.object_id) for e in entries] == [("system", ids["institution"]),
                                                             ("operator1", ids["institution"])]
        assert "masked" in entries[0].new and "in full" in entries[1].new


def test_ids_are_stable_across_exports(case, tmp_path):
    _cfg, ids = case
    _, first = _export(tmp_path, "--institution", PLATFORM, "--as-of", AS_OF, name="a.ftm.json")
    _, second = _export(tmp_path, "--jurisdiction", ids["city"], "--as-of", AS_OF, name="b.ftm.json")
    assert first.read_bytes() == second.read_bytes()
    _, later = _export(tmp_path, "--institution", PLATFORM, "--as-of", "2018-09-30", name="c.ftm.json")
    before, after = {e["id"] for e in _entities(first)}, {e["id"] for e in _entities(later)}
    assert before < after  # the September executive post is new; nothing else changed its id
    assert [e["schema"] for e in _entities(later) if e["id"] in after - before] == ["Directorship"]


def test_flows_none_and_raw_with_a_cap(case, tmp_path, capsys):
    _, none = _export(tmp_path, "--institution", PLATFORM, "--as-of", AS_OF, "--flows", "none", name="n.ftm.json")
    assert not _by(_entities(none), "Payment")
    # the evidence still names the collector account
    assert [e for e in _by(_entities(none), "BankAccount") if e["properties"]["accountNumber"] == [COLLECTOR]]
    code, raw = _export(tmp_path, "--institution", PLATFORM, "--as-of", AS_OF, "--flows", "raw", "--raw-cap", "5",
                        name="r.ftm.json")
    assert code == 0
    payments = _by(_entities(raw), "Payment")
    assert len(payments) == 5 and all(len(p["properties"]["transactionNumber"]) == 1 for p in payments)
    assert "raw flows capped at 5 of 8 transfers" in capsys.readouterr().err


def test_unknown_institution_or_jurisdiction_is_a_usage_error(case, tmp_path, capsys):
    code, out = _export(tmp_path, "--institution", uscc_for(999))
    assert code == 2 and not out.exists()
    assert f"--institution '{uscc_for(999)}': no institution with that id or USCC" in capsys.readouterr().err
    code, _ = _export(tmp_path, "--jurisdiction", "999999")
    assert code == 2 and "--jurisdiction '999999': no jurisdiction" in capsys.readouterr().err
    code, _ = _export(tmp_path)
    assert code == 2 and "exactly one of" in capsys.readouterr().err
    code, _ = _export(tmp_path, "--institution", PLATFORM, name="missing/dir/out.ftm.json")
    assert code == 2 and "missing/dir/out.ftm.json: cannot write (No such file or directory)" in capsys.readouterr().err
    from sqlmodel import select

    from monitor.db import session_scope
    from monitor.models import AuditEntry

    with session_scope(case[0]) as s:  # nothing was handed over: nothing journaled
        assert s.exec(select(AuditEntry).where(AuditEntry.field == "ftm")).all() == []


# --------------------------------------------------------------------------- the portal download
from tests.portal.conftest import compiled_catalogues, login, portal, seeded_store  # noqa: E402,F401


def test_portal_download_in_scope_masked_and_journaled(portal):
    from sqlmodel import select

    from monitor.db import get_engine
    from monitor.models import AuditEntry, User
    from sqlmodel import Session

    app, ids = portal
    url = f"/institutions/{ids['red']}/export.ftm.json"
    with app.test_client() as client:
        login(client, "foreign")
        assert client.get(url).status_code == 404
    with app.test_client() as client:
        login(client, "inspector")
        page = client.get(f"/institutions/{ids['red']}").get_data(as_text=True)
        assert f'id="handover" href="{url}"' in page
        res = client.get(url)
        assert res.status_code == 200 and "attachment" in res.headers["Content-Disposition"]
        entities = [json.loads(line) for line in res.get_data(as_text=True).splitlines()]
    for data in entities:
        model.get_proxy(data, cleaned=False).schema.validate(data)
    assert {e["schema"] for e in entities} >= {"Company", "Person", "Ownership", "Document", "Documentation"}
    assert all(e["datasets"] == ["monitor_a_1"] for e in entities)
    engine = get_engine(app.extensions["monitor_config"])
    with Session(engine) as s:
        entry = s.exec(select(AuditEntry).where(AuditEntry.action == "export", AuditEntry.field == "ftm")).one()
        assert (entry.actor, entry.object_id) == ("inspector", ids["red"]) and "masked" in entry.new
        supervisor = s.exec(select(User).where(User.username == "supervisor")).one()
        supervisor.can_view_personal = True
        s.add(supervisor)
        s.commit()
    with app.test_client() as client:
        login(client, "supervisor")
        assert client.get(url).status_code == 200
    with Session(engine) as s:
        entries = s.exec(select(AuditEntry).where(AuditEntry.action == "export", AuditEntry.field == "ftm")
                         .order_by(AuditEntry.id)).all()
        assert [(e.actor, "in full" in e.new) for e in entries] == [("inspector", False), ("supervisor", True)]
