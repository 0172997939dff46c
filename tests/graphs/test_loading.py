"""Reading the stores: registry rows, facts and accounts as of a date; partitions cut from one load."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from graphs.loading import load_accounts, load_city, load_facts, load_registry
from monitor.db import session_scope
from monitor.models import Account, Company, DisclosureFact, Document, Institution, Person, Relation
from tests.graphs.builders import COLLECTOR_FIRM, PLATFORM

T0 = datetime(2017, 1, 1, tzinfo=timezone.utc)
T1 = datetime(2017, 6, 1, tzinfo=timezone.utc)
MID = datetime(2017, 3, 1, tzinfo=timezone.utc)
HEADER = "交易流水号,交易时间,交易金额,付款账号,付款户名,付款方证件号,收款账号,收款户名,收款方证件号,摘要\n"


@pytest.fixture
def registry(sqlite_store):
    """A platform, its controller from T0 and a second firm of the controller known from T1."""
    with session_scope(sqlite_store) as s:
        inst = Institution(name="甲平台", name_norm="甲平台", uscc=PLATFORM)
        platform = Company(name="甲平台有限公司", name_norm="甲平台有限公司", uscc=PLATFORM, available_at=T0)
        firm = Company(name="李氏投资有限公司", name_norm="李氏投资有限公司", uscc=COLLECTOR_FIRM, available_at=T1)
        person = Person(name="张三", available_at=T0)
        s.add_all([inst, platform, firm, person])
        s.flush()
        s.add_all([Relation(kind="shareholder", subject_kind="person", subject_id=person.id, object_id=platform.id,
                            share=0.6, available_at=T0),
                   Relation(kind="shareholder", subject_kind="person", subject_id=person.id, object_id=firm.id,
                            share=1.0, available_at=T1)])
        ids = {"institution": inst.id, "person": person.id, "firm": firm.id}
    return sqlite_store, ids


def test_load_registry_keeps_the_rows_available_at_as_of(registry):
    config, ids = registry
    early, whole = load_registry(config, MID), load_registry(config)
    assert [c["uscc"] for c in early.companies] == [PLATFORM]
    assert len(early.relations) == 1 and len(whole.relations) == 2
    assert {c["uscc"] for c in whole.companies} == {PLATFORM, COLLECTOR_FIRM}
    assert [i["uscc"] for i in early.institutions] == [PLATFORM]  # the supervised list is not dated
    G = early.graph(MID)
    assert list(G.edges(keys=True)) == [(f"person:{ids['person']}", f"institution:{PLATFORM}", "shareholder")]
    assert f"company:{ids['firm']}" in whole.graph(T1)


def test_load_facts_leaves_out_suspect_and_later_values(registry):
    config, ids = registry
    with session_scope(config) as s:
        doc = Document(url="https://p.example/disclosure", sha256="0" * 64, fetched_at=T0)
        s.add(doc)
        s.flush()
        common = dict(institution_id=ids["institution"], period=date(2016, 12, 1), unit="ratio",
                      document_id=doc.id)
        s.add_all([DisclosureFact(metric="avg_yield", value=0.1, available_at=T0, **common),
                   DisclosureFact(metric="overdue_rate", value=9.0, available_at=T0, suspect="over 100 %", **common),
                   DisclosureFact(metric="bad_debt_rate", value=0.02, available_at=T1, **common)])
    facts = load_facts(config, MID)
    assert [(f["metric"], f["url"]) for f in facts[ids["institution"]]] == [
        ("avg_yield", "https://p.example/disclosure")]
    assert {f["metric"] for f in load_facts(config, None)[ids["institution"]]} == {"avg_yield", "bad_debt_rate"}


def test_load_accounts_reads_only_accounts_tied_to_an_institution(registry):
    config, ids = registry
    with session_scope(config) as s:
        s.add_all([Account(account_no="C1", holder_name="甲平台有限公司", holder_id_no=PLATFORM, holder_kind="company",
                           institution_id=ids["institution"], is_custody=True),
                   Account(account_no="F1", holder_name="李氏投资有限公司", holder_id_no=COLLECTOR_FIRM,
                           holder_kind="company")])
    info, owned = load_accounts(config)
    assert info == {"C1": {"holder_name": "甲平台有限公司", "holder_id": PLATFORM, "holder_kind": "company"}}
    assert owned == {ids["institution"]: {"C1"}}


@pytest.fixture
def city(registry, tmp_path):
    """The registry above and the platform's custody transfers, 2017-01-10 .. 2017-04-19, one a day."""
    from monitor.ingest import ingest_paths

    config, ids = registry
    start = datetime(2017, 1, 10, 10, 0)
    rows = []
    for i in range(100):
        payer, payee, purpose = ((f"L{i % 7}", "C1", "出借") if i % 2 == 0 else ("C1", f"B{i % 5}", "放款"))
        rows.append(f"T{i:05d},{start + timedelta(days=i):%Y-%m-%d %H:%M:%S},{1000 + i:.2f},{payer},,,{payee},,,"
                    f"{purpose}\n")
    path = tmp_path / "transfers" / PLATFORM / "custody.csv"
    path.parent.mkdir(parents=True)
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    results = ingest_paths(config, [tmp_path / "transfers"])
    assert [r.status for r in results] == ["ok"], [r.error for r in results]
    return config, ids


def test_load_city_cuts_complete_months_and_the_running_one(city):
    config, ids = city
    as_of = datetime(2017, 3, 15, 4, 0, tzinfo=timezone.utc)  # 12:00 in China: 3-01 .. 3-14 reported
    eager, lazy = load_city(config), load_city(config, as_of, lazy=True)
    assert [i["uscc"] for i in eager.institutions] == [PLATFORM]
    assert eager.edges[PLATFORM] and not lazy.edges  # lazy reads each partition's edges when cut
    [a], [b] = eager.partitions(as_of), lazy.partitions(as_of)
    assert a.flows.edges == b.flows.edges
    assert {e.period for e in a.flows.edges} == {"2017-01", "2017-02"}  # March is still running
    assert a.running.period == "2017-03" and a.running.through == "2017-03-14"
    assert a.running == b.running
    assert sum(e.count for e in a.running.edges) == 14
    assert [n for n in a.registry if n.startswith("person:")] == [f"person:{ids['person']}"]
    assert f"company:{ids['firm']}" not in a.city_registry  # known from June only


def test_load_city_restricted_to_institutions_the_store_does_not_hold(city):
    config, _ids = city
    data = load_city(config, institutions=["91440300MA5XXXXX00"])
    assert data.institutions == [] and list(data.partitions(T1)) == []
