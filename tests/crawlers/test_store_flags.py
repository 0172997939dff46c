"""What the store keeps of a crawl beyond plain figures: suspect values flagged, notices with their
kind, undated reports dated by their regulatory deadline."""

from __future__ import annotations

import functools
import shutil
import threading
from datetime import date, datetime, timezone
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlmodel import select

from monitor.db import session_scope
from monitor.models import DisclosureFact, Document, Event, Institution
from tests.conftest import uscc_for

from crawlers.deadlines import disclosure_deadline, estimated_available
from crawlers.run import crawl

CORPUS = Path(__file__).with_name("corpus")
FAST = {"crawl_obey_robots": False, "crawl_timeout": 30.0, "crawl_retries": 0, "crawl_max_page_bytes": 400_000}
PAGES = {  # served name: corpus page
    "lufu_201903.html": "disclosure/lufu_201903.html",  # 借贷余额 2019-03 suspect, dated 2019-04-02
    "hongxin_201806.html": "disclosure/hongxin_201806.html",  # no publication date, period 2018-06
    "winddown.html": "notices/jinjie_20181120_winddown.html",
    "distress.html": "notices/maitian_20180709_distress.html",
    "deferred.html": "notices/chuhuitong_20180806_deferred.html",
    "suspend.html": "notices/hongxin_20181015_suspend.html",
    "exit.html": "notices/micang_20190318_exit.html",
    "about.html": "about/fenggu_about.html",  # 组织信息: 实际控制人 王建华
}


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "www" / "p"
    root.mkdir(parents=True)
    for name, page in PAGES.items():
        shutil.copy(CORPUS / page, root / name)
    (root / "index.html").write_text("".join(f'<a href="{n}">{n}</a>' for n in PAGES), encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(tmp_path / "www")))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sources = tmp_path / "sources.csv"
    sources.write_text(f"institution_name,uscc,kind,url\n演示网络科技有限公司,{uscc_for(1)},disclosure,/p/index.html\n",
                       encoding="utf-8")
    yield f"http://127.0.0.1:{server.server_address[1]}", sources
    server.shutdown()
    server.server_close()


def test_suspect_kept_flagged_notices_with_kinds_undated_by_deadline(store, site):
    from monitor.models import Company

    base, sources = site
    with session_scope(store) as s:  # the platform's firm, as the registry crawl stores it
        s.add(Company(name="上海沣谷网络科技有限公司", name_norm="上海沣谷网络科技", uscc="91310115324567812A"))
    crawl(store, sources_csv=sources, base_url=base, fast=True, overrides=FAST)
    with session_scope(store) as s:
        inst = s.exec(select(Institution).where(Institution.uscc == uscc_for(1))).one()
        facts = list(s.exec(select(DisclosureFact, Document.url).join(Document).where(
            DisclosureFact.institution_id == inst.id)))
        # the suspect balance is stored, flagged with its reason; plausible figures are not flagged
        lufu = [(f, u) for f, u in facts if u.endswith("lufu_201903.html")]
        suspect = [f for f, _ in lufu if f.suspect]
        assert [(f.metric, f.period) for f in suspect] == [("outstanding_balance", date(2019, 3, 1))]
        assert len(lufu) > 20 and all(f.confidence for f, _ in lufu)
        # an undated report is available by its deadline (5th working day of July 2018), marked estimated
        hongxin = [f for f, u in facts if u.endswith("hongxin_201806.html")]
        deadline = estimated_available(date(2018, 6, 1), datetime.now(timezone.utc))[0]
        assert hongxin and all(f.estimated and f.available_at.replace(tzinfo=timezone.utc) == deadline
                               for f in hongxin)
        assert all(not f.estimated for f, _ in lufu)
        doc = s.exec(select(Document).where(Document.url.like("%hongxin_201806.html"))).one()
        assert doc.estimated and doc.published_at is None
        # every notice is an event of its kind, its family kept
        events = {e.url.rsplit("/", 1)[1]: (e.kind, e.family, e.occurred_on, e.institution_id)
                  for e in s.exec(select(Event))}
        # the platform's own 组织信息 page gives its controller to the related-party graph
        from monitor.models import Company, Person, Relation
        ctl = s.exec(select(Person.name, Company.name).join(Relation, Relation.subject_id == Person.id).join(
            Company, Relation.object_id == Company.id).where(Relation.kind == "controller",
                                                             Relation.subject_kind == "person")).all()
        assert ctl == [("王建华", "上海沣谷网络科技有限公司")]
    assert events == {
        "winddown.html": ("closure", "wind_down", date(2018, 11, 20), inst.id),
        "distress.html": ("distress", "distress", date(2018, 7, 9), inst.id),
        "deferred.html": ("deferred_payment", "deferred_payment", date(2018, 8, 6), inst.id),
        "suspend.html": ("suspended_lending", "suspended_lending", date(2018, 10, 15), inst.id),
        "exit.html": ("closure", "benign_exit", date(2019, 3, 18), inst.id),
    }


def test_suspect_facts_are_left_out_of_the_indicators(store):
    from monitor.indicators import load_snapshot

    with session_scope(store) as s:
        inst = Institution(name="甲网络科技有限公司", name_norm="甲网络科技", uscc=uscc_for(3))
        s.add(inst)
        s.flush()
        for value, suspect in ((1e8, None), (1e12, "10000 times the neighbouring months")):
            s.add(DisclosureFact(institution_id=inst.id, period=date(2018, 6, 1), metric="outstanding_balance",
                                 value=value, unit="元", suspect=suspect,
                                 available_at=datetime(2018, 7, 1, tzinfo=timezone.utc)))
    with session_scope(store) as s:
        snap = load_snapshot(s, datetime(2019, 1, 1, tzinfo=timezone.utc))
        assert [f.value for f in snap.facts] == [1e8]


@pytest.mark.parametrize("period, deadline", [
    (date(2018, 1, 1), date(2018, 2, 7)),  # plain weekdays
    (date(2018, 9, 1), date(2018, 10, 12)),  # National Day week skipped
    (date(2019, 1, 1), date(2019, 2, 14)),  # Spring Festival skipped
    (date(2018, 6, 1), date(2018, 7, 6)),  # weekend skipped
])
def test_disclosure_deadline_is_the_fifth_working_day(period, deadline):
    assert disclosure_deadline(period) == deadline


def test_a_live_crawl_keeps_its_fetch_time():
    fetched = datetime(2018, 7, 3, 8, tzinfo=timezone.utc)
    assert estimated_available(date(2018, 6, 1), fetched) == (fetched, False)
    late = estimated_available(date(2018, 6, 1), datetime(2020, 1, 1, tzinfo=timezone.utc))
    assert late[1] and late[0].date() == date(2018, 7, 6)


def test_registry_roles_stored_with_their_dates_and_read_as_of_a_date(store, tmp_path):
    from monitor.models import Company, Person, Relation
    from tests.graphs.loaders import load_related_party_graph

    root = tmp_path / "reg" / "registry"
    root.mkdir(parents=True)
    shutil.copy(CORPUS / "registry" / "fenggu_registry.html", root / "fenggu.html")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(tmp_path / "reg")))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sources = tmp_path / "sources.csv"
    sources.write_text("institution_name,uscc,kind,url\n"
                       "上海沣谷网络科技有限公司,91310115324567812A,registry,/registry/fenggu.html\n", encoding="utf-8")
    try:
        crawl(store, sources_csv=sources, base_url=f"http://127.0.0.1:{server.server_address[1]}", fast=True,
              overrides=FAST)
    finally:
        server.shutdown()
        server.server_close()
    with session_scope(store) as s:
        people = {p.id: p.name for p in s.exec(select(Person))}
        firms = {c.id: c.name for c in s.exec(select(Company))}
        rows = {(r.kind, people.get(r.subject_id) if r.subject_kind == "person" else firms[r.subject_id], r.role,
                 r.valid_from, r.valid_to) for r in s.exec(select(Relation))}
    changed = date(2017, 3, 20)
    assert ("legal_representative", "王建华", None, None, changed) in rows
    assert ("legal_representative", "周海燕", None, changed, None) in rows
    assert ("shareholder", "王建华", None, None, changed) in rows
    assert ("executive", "周海燕", "监事", None, changed) in rows
    assert ("executive", "周海燕", "执行董事兼总经理", changed, None) in rows
    before = load_related_party_graph(store, datetime(2017, 3, 1, tzinfo=timezone.utc))
    after = load_related_party_graph(store, datetime(2018, 1, 1, tzinfo=timezone.utc))

    def reps(G):
        return {G.nodes[u]["name"] for u, _v, k in G.edges(keys=True) if k == "legal_representative"}

    # the registry page became public at its latest change (2017-11-02): read the graph after it
    assert reps(after) == {"周海燕"}
    assert before.number_of_edges() == 0  # nothing of the page was public before it changed last


def test_the_graph_as_of_a_date_holds_the_roles_of_that_date():
    from graphs.registry import related_party_graph

    t0 = datetime(2016, 1, 1, tzinfo=timezone.utc)
    companies = [{"id": 1, "name": "甲公司", "available_at": t0}]
    persons = [{"id": 1, "name": "王建华", "available_at": t0}, {"id": 2, "name": "周海燕", "available_at": t0}]
    relations = [
        {"kind": "legal_representative", "subject_kind": "person", "subject_id": 1, "object_kind": "company",
         "object_id": 1, "valid_to": date(2017, 3, 20), "available_at": t0},
        {"kind": "legal_representative", "subject_kind": "person", "subject_id": 2, "object_kind": "company",
         "object_id": 1, "valid_from": date(2017, 3, 20), "available_at": t0}]

    def reps(as_of):
        G = related_party_graph(companies, persons, relations, as_of=as_of)
        return {G.nodes[u]["name"] for u, _v in G.edges()}

    assert reps(datetime(2017, 1, 1, tzinfo=timezone.utc)) == {"王建华"}
    assert reps(datetime(2018, 1, 1, tzinfo=timezone.utc)) == {"周海燕"}
    assert reps(None) == {"王建华", "周海燕"}  # no date: every role ever stated, with its dates on the edge


def test_migration_0006_goes_down_and_up_keeping_rows(store):
    from alembic import command
    from sqlalchemy import inspect

    from monitor.db import _alembic_config, current_revision, get_engine

    with session_scope(store) as s:
        inst = Institution(name="甲网络科技有限公司", name_norm="甲网络科技", uscc=uscc_for(9), aliases=["甲贷"])
        s.add(inst)
        s.flush()
        s.add(DisclosureFact(institution_id=inst.id, period=date(2018, 6, 1), metric="outstanding_balance",
                             value=1.0, unit="元", suspect="why", estimated=True,
                             available_at=datetime(2018, 7, 6, tzinfo=timezone.utc)))
    command.downgrade(_alembic_config(store), "0005")
    assert current_revision(store) == "0005"
    columns = {c["name"] for c in inspect(get_engine(store)).get_columns("disclosurefact")}
    assert not columns & {"suspect", "confidence", "estimated"}
    command.upgrade(_alembic_config(store), "head")
    with session_scope(store) as s:
        fact = s.exec(select(DisclosureFact)).one()
        inst = s.exec(select(Institution)).one()
        assert (fact.suspect, fact.estimated, inst.aliases) == (None, False, [])  # defaults after the round trip
