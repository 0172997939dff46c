"""A platform's own about page and its registry page name the same controller: the store holds the same
relations whichever process (disclosure or registry) gets its pages first. The controllers of about pages
are stored by the crawl's parent when every process is done (``crawlers.pipelines.store_about``)."""

from __future__ import annotations

import functools
import shutil
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlmodel import select

from monitor.db import session_scope
from monitor.models import Company, Person, Relation

from crawlers.run import crawl

CORPUS = Path(__file__).with_name("corpus")
FAST = {"crawl_obey_robots": False, "crawl_timeout": 30.0, "crawl_retries": 0, "crawl_max_page_bytes": 400_000}
FIRM, USCC = "上海沣谷网络科技有限公司", "91310115324567812A"


def _server(root: Path, slow: str):
    class Slow(SimpleHTTPRequestHandler):
        """Pages under ``/<slow>/`` answer late: that process finishes after the other."""

        def do_GET(self):  # noqa: N802 - http.server's naming
            if self.path.startswith(f"/{slow}/"):
                time.sleep(1.5)
            super().do_GET()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Slow, directory=str(root)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.mark.parametrize("slow", ["registry", "site"])
def test_controllers_the_same_whichever_process_comes_first(store, tmp_path, slow):
    root = tmp_path / "www"
    (root / "site").mkdir(parents=True)
    (root / "registry").mkdir()
    shutil.copy(CORPUS / "about" / "fenggu_about.html", root / "site" / "about.html")
    (root / "site" / "index.html").write_text('<a href="about.html">关于我们</a>', encoding="utf-8")
    shutil.copy(CORPUS / "registry" / "fenggu_registry.html", root / "registry" / "fenggu.html")
    sources = tmp_path / "sources.csv"
    sources.write_text(f"institution_name,uscc,kind,url\n{FIRM},{USCC},disclosure,/site/index.html\n"
                       f"{FIRM},{USCC},registry,/registry/fenggu.html\n", encoding="utf-8")
    server = _server(root, slow)
    try:
        summary = crawl(store, sources_csv=sources, base_url=f"http://127.0.0.1:{server.server_address[1]}",
                        fast=True, overrides=FAST)
    finally:
        server.shutdown()
        server.server_close()
    assert summary["processes"] == 2 and summary["totals"]["errors"] == 0
    with session_scope(store) as s:
        people = {p.id: p.name for p in s.exec(select(Person))}
        firms = {c.id: c.name for c in s.exec(select(Company))}
        controllers = [(people[r.subject_id], firms[r.object_id]) for r in s.exec(
            select(Relation).where(Relation.kind == "controller", Relation.valid_to.is_(None)))]
        relations = len(s.exec(select(Relation)).all())
    # the registry page and the about page name 王建华: one person, one controller relation
    assert controllers == [("王建华", FIRM)]
    assert sorted(people.values()).count("王建华") == 1
    assert relations == 11, relations  # the registry page's roles (ended ones with their dates), the controller


def test_controllers_of_a_page_not_in_the_store_are_not_stored(store):
    """A batch that failed is rolled back with its pages: controllers read off one of them name no document."""
    from datetime import datetime, timezone

    from crawlers.pipelines import store_about

    with session_scope(store) as s:
        s.add(Company(name=FIRM, name_norm=FIRM, uscc=USCC, available_at=datetime(2018, 1, 1, tzinfo=timezone.utc)))
    pending = [{"name": FIRM, "uscc": USCC, "controllers": [{"kind": "person", "name": "王建华"}],
                "document_id": 987654, "available_at": "2018-01-02T00:00:00+00:00"}]
    assert store_about(store, pending) == 0
    with session_scope(store) as s:
        assert s.exec(select(Relation)).all() == []
