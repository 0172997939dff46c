"""No page lost quietly: failed fetches are retried with backoff, the rest listed by URL and fetched
again by the next crawl."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlmodel import select

from monitor.db import session_scope
from monitor.models import Document
from tests.conftest import uscc_for

from crawlers.backoff import backoff_delay
from crawlers.run import crawl, crawl_failures

PAGES = 20


class Flaky(BaseHTTPRequestHandler):
    """Each page answers 503 to its first ``fail_first`` requests; ``/p/broken.html`` while ``broken`` is set."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        srv = self.server
        with srv.lock:
            srv.seen[self.path].append(time.monotonic())
            tries = len(srv.seen[self.path])
        if self.path == "/p/index.html":
            body = "".join(f'<a href="r{i}.html">r{i}</a>' for i in range(PAGES)) + '<a href="broken.html">x</a>'
        elif (self.path == "/p/broken.html" and srv.broken.is_set()) or \
                (self.path != "/p/broken.html" and tries <= srv.fail_first):
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        else:
            body = f"<html><body><h1>{self.path}</h1><p>页面</p></body></html>"
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def flaky(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Flaky)  # a plain server: default listen backlog
    server.daemon_threads = True
    server.lock, server.seen, server.fail_first = threading.Lock(), defaultdict(list), 2
    server.broken = threading.Event()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sources = tmp_path / "sources.csv"
    sources.write_text(f"institution_name,uscc,kind,url\n甲网络科技有限公司,{uscc_for(1)},disclosure,/p/index.html\n",
                       encoding="utf-8")
    yield server, f"http://127.0.0.1:{server.server_address[1]}", sources
    server.shutdown()
    server.server_close()


def test_fast_crawl_retries_with_backoff_and_loses_nothing(sqlite_store, flaky):
    server, base, sources = flaky
    summary = crawl(sqlite_store, sources_csv=sources, base_url=base, fast=True,
                    overrides={"crawl_obey_robots": False})
    assert summary["totals"]["errors"] == 0 and summary["lost_pages"] == []
    assert all(len(server.seen[f"/p/r{i}.html"]) == 3 for i in range(PAGES))
    # each retry waited, the second longer than the first
    gaps = [(t[1] - t[0], t[2] - t[1]) for p, t in server.seen.items() if p.startswith("/p/r")]
    assert all(first >= 0.2 and second >= 0.45 for first, second in gaps), gaps[:3]


def test_a_page_still_failing_is_listed_and_fetched_by_the_next_crawl(sqlite_store, flaky):
    server, base, sources = flaky
    server.fail_first = 0
    server.broken.set()
    first = crawl(sqlite_store, sources_csv=sources, base_url=base, fast=True,
                  overrides={"crawl_obey_robots": False, "crawl_retries": 2, "retry_backoff_ms": 10})
    assert [p["url"] for p in first["lost_pages"]] == [f"{base}/p/broken.html"]
    assert f"{base}/p/broken.html" in crawl_failures(first)
    server.broken.clear()
    second = crawl(sqlite_store, base_url=base, fast=True, overrides={"crawl_obey_robots": False})
    assert second["lost_pages"] == []
    with session_scope(sqlite_store) as s:
        statuses = [d.http_status for d in s.exec(select(Document).where(Document.url.like("%broken.html"))
                                                  .order_by(Document.id))]
    assert statuses == [503, 200]


def test_backoff_doubles_and_is_capped():
    assert [backoff_delay(n, 0.5) for n in (1, 2, 3)] == [0.5, 1.0, 2.0]
    assert backoff_delay(20, 1.0) == 30.0
