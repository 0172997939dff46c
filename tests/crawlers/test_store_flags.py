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
    base, sources = site
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
