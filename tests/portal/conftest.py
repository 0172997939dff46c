"""Portal fixtures: a store seeded directly with the models (two cities, hostile crawled content)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from tests.conftest import uscc_for

PASSWORD = "correct horse battery"
XSS = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'


def _seed(cfg) -> dict:
    """Users of every role in city A, an inspector of city B, institutions, findings, scores, alerts."""
    from monitor.db import init_db, session_scope
    from monitor.models import (Alert, Briefing, Company, DisclosureFact, Document, Event, Finding, Institution,
                                Jurisdiction, Person, Relation, Score, SweepRun)
    from monitor.portal.users import add_user
    from monitor.text import normalize_name

    init_db(cfg)
    ids: dict = {}
    t0 = datetime(2018, 6, 1, 2, tzinfo=timezone.utc)
    with session_scope(cfg) as s:
        city_a = Jurisdiction(code="A", name="甲市", level="city")
        city_b = Jurisdiction(code="B", name="乙市", level="city")
        s.add_all([city_a, city_b])
        s.flush()
        district = Jurisdiction(code="A-1", name="甲市东区", level="district", parent_id=city_a.id)
        s.add(district)
        s.flush()
        for role in ("inspector", "supervisor", "admin"):
            add_user(s, role, PASSWORD, role, "A", actor="test")
        add_user(s, "foreign", PASSWORD, "inspector", "B", actor="test")

        def inst(n, name, jur, district_name):
            i = Institution(name=name, name_norm=normalize_name(name), uscc=uscc_for(n), kind="p2p",
                            jurisdiction_id=jur.id, district=district_name)
            s.add(i)
            s.flush()
            return i

        red = inst(1, "红利宝金融信息服务有限公司", district, "东区")
        calm = inst(2, "稳稳贷网络科技有限公司", city_a, "西区")
        hostile = inst(3, "恶意" + XSS, city_a, "西区")
        foreign = inst(4, "乙市外地平台有限公司", city_b, "北区")
        company = Company(name=red.name, name_norm=red.name_norm, uscc=red.uscc, registered_capital=5e7,
                          paid_in_capital=1e6, legal_representative="张三", address="东区一路1号" + XSS,
                          available_at=t0)
        boss = Person(name="张三", id_key="k1", available_at=t0)
        s.add_all([company, boss])
        s.flush()
        s.add(Relation(kind="shareholder", subject_kind="person", subject_id=boss.id, object_kind="company",
                       object_id=company.id, share=0.8, available_at=t0))
        run = SweepRun(kind="full", status="succeeded", requested_at=t0, started_at=t0, finished_at=t0,
                       stages={"scores": {"status": "ok"}})
        s.add(run)
        s.flush()
        doc = Document(url="http://p2p.example/disclosure", institution_id=red.id, sha256="0" * 64,
                       body=("<html><body>" + XSS + "<p>借款余额 1000 万元</p></body></html>").encode(),
                       encoding="utf-8", content_type="text/html", size=100, fetched_at=t0, available_at=t0)
        foreign_doc = Document(url="http://b.example/", institution_id=foreign.id, sha256="1" * 64,
                               body=b"secret", fetched_at=t0, available_at=t0)
        s.add_all([doc, foreign_doc])
        s.flush()
        for m in range(6):
            s.add(DisclosureFact(institution_id=red.id, period=date(2018, m + 1, 1), metric="loan_balance",
                                 value=1e7 * (1 + m), unit="元", document_id=doc.id, available_at=t0))
        s.add(Event(kind="complaint", institution_id=red.id, title="投诉：无法提现" + XSS, occurred_on=date(2018, 5, 20),
                    external_id="c1", url="javascript:alert(1)", available_at=t0, document_id=doc.id))
        evidence = {"accounts": [{"account_no": "6222001", "holder_name": "归集户" + XSS, "role": "collector"}],
                    "edges": [{"src": "6222000", "dst": "6222001", "amount": 2.5e8, "count": 40,
                               "first": "2018-03-01T00:00:00", "last": "2018-05-30T00:00:00"}],
                    "documents": [{"url": doc.url, "document_id": doc.id, "label": "披露页" + XSS}],
                    "metrics": {"share_to_collector": 0.62, "collector_tied": "related_company", "rising": True,
                                "outstanding_balance": {"disclosed": 1e7, "excess_share": 0.3}},
                    "note": "资金池" + XSS, "paths": []}
        finding = Finding(sweep_id=run.id, detector="fund_pool", kind="fund_pool", institution_id=red.id,
                          severity="critical", score=56, title="资金池：出借资金流向归集账户" + XSS,
                          evidence=evidence, as_of=t0, fingerprint="f" * 32)
        foreign_finding = Finding(sweep_id=run.id, detector="ponzi", kind="ponzi", institution_id=foreign.id,
                                  severity="high", score=35, title="外地发现", evidence={}, as_of=t0,
                                  fingerprint="g" * 32)
        s.add_all([finding, foreign_finding])
        s.flush()
        week_ago = t0 - timedelta(days=8)
        for inst_, old, new, band_old, band_new in ((red, 20.0, 70.0, "yellow", "red"), (calm, 5.0, 5.0, "green", "green"),
                                                    (hostile, 10.0, 35.0, "green", "orange"),
                                                    (foreign, 0.0, 80.0, "green", "red")):
            s.add(Score(institution_id=inst_.id, as_of=week_ago, score=old, band=band_old, rule_version=1,
                        contributions=[]))
            s.add(Score(institution_id=inst_.id, sweep_id=run.id, as_of=t0, score=new, band=band_new, rule_version=1,
                        contributions=[{"key": "fund_pool", "points": new, "reason": "资金池" + XSS,
                                        "finding_id": finding.id}]))
        alert = Alert(institution_id=red.id, fingerprint="f" * 32, kind="finding", title=finding.title,
                      severity="critical", finding_id=finding.id, first_raised_at=t0, last_seen_at=t0)
        foreign_alert = Alert(institution_id=foreign.id, fingerprint="g" * 32, kind="finding", title="外地预警",
                              severity="high", finding_id=foreign_finding.id, first_raised_at=t0, last_seen_at=t0)
        s.add_all([alert, foreign_alert])
        s.flush()
        folder = cfg.briefing_path
        folder.mkdir(parents=True, exist_ok=True)
        briefings = []
        for name, inst_, jur in (("red", red, district), ("foreign", foreign, city_b)):
            path = folder / f"institution-{name}.pdf"
            path.write_bytes(b"%PDF-1.4\n% test\n")
            b = Briefing(kind="institution", institution_id=inst_.id, jurisdiction_id=jur.id, path=str(path),
                         sha256="2" * 64, pages=1, created_at=t0, created_by="test")
            s.add(b)
            briefings.append(b)
        s.flush()
        ids.update(briefing=briefings[0].id, foreign_briefing=briefings[1].id)
        ids.update(red=red.id, calm=calm.id, hostile=hostile.id, foreign=foreign.id, doc=doc.id,
                   foreign_doc=foreign_doc.id, finding=finding.id, foreign_finding=foreign_finding.id,
                   alert=alert.id, foreign_alert=foreign_alert.id, sweep=run.id)
    return ids


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogues():
    """Compile the message catalogues when `make setup` has not (the .mo files are build output)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    from monitor.portal import TRANSLATIONS

    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as fh:
                catalog = read_po(fh)
            with mo.open("wb") as fh:
                write_mo(fh, catalog)


@pytest.fixture(scope="session")
def seeded_store(tmp_path_factory):
    """A seeded SQLite file built once per session (migrations and argon2 hashes are slow); tests copy it."""
    from monitor.db import dispose_engines
    from tests.conftest import make_config

    root = tmp_path_factory.mktemp("portal-seed")
    ids = _seed(make_config(root))
    dispose_engines()  # checkpoints the WAL into the file
    return root / "instance" / "monitor.db", ids


@pytest.fixture
def portal(seeded_store, tmp_path):
    """(app, ids): the portal over a fresh copy of the seeded store; cookies allowed over plain HTTP in tests."""
    import shutil

    from monitor.db import dispose_engines
    from monitor.portal import create_app
    from tests.conftest import make_config

    db_file, ids = seeded_store
    shutil.copytree(db_file.parent, tmp_path / "instance")
    cfg = make_config(tmp_path)
    _relocate_briefings(cfg, db_file.parent)
    app = create_app(cfg, test_config={"TESTING": True, "SESSION_COOKIE_SECURE": False})
    yield app, ids
    dispose_engines()


def _relocate_briefings(cfg, old_instance) -> None:
    """Archived briefing paths are absolute: point the copy's rows at the copied files."""
    from sqlalchemy import text

    from monitor.db import get_engine

    with get_engine(cfg).begin() as conn:
        conn.execute(text("UPDATE briefing SET path = replace(path, :old, :new)"),
                     {"old": str(old_instance), "new": str(cfg.instance_path)})


def login(client, username, password=PASSWORD):
    """Sign in through the real form (fetching its CSRF token first)."""
    import re

    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


def csrf_token(client, path="/"):
    import re

    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
