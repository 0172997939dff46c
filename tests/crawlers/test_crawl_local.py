"""The crawl machinery against small sites served on localhost: evidence, versions, diffs, hostile pages."""

from __future__ import annotations

import functools
import os
import shutil
import threading
from datetime import date
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlmodel import func, select

from monitor.db import session_scope
from monitor.errors import InputError
from monitor.models import DisclosureFact, Document, Institution, Source
from tests.conftest import uscc_for

from crawlers.run import crawl, document_diff

PAGES = Path(__file__).with_name("pages")
# The timeout is generous: a healthy page never reaches it, even on a loaded machine. Only the hostile
# test lowers it, for slow.html, which the server holds until the test ends.
FAST = {"crawl_obey_robots": False, "crawl_timeout": 30.0, "crawl_retries": 0, "crawl_max_page_bytes": 200_000}


class Hostile(SimpleHTTPRequestHandler):
    """Static files plus misbehaving paths."""

    def log_message(self, *args):  # keep test output quiet
        pass

    def do_GET(self):
        path = self.path.split("?")[0]
        if path.endswith("/slow.html"):
            self.server.release.wait(timeout=120)
        if path.endswith("/e500.html"):
            self.send_error(500, "boom")
            return
        if path.endswith("/loop.html"):
            self.send_response(302)
            self.send_header("Location", path)
            self.end_headers()
            return
        if path.endswith("/huge.html"):
            body = b"<html><body>" + b"<p>x</p>" * 100_000 + b"</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if path.endswith("/cut.html"):
            body = "<html><body><h1>2018年6月</h1><p>借贷余额：3.2亿元</p>".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body) + 500))
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
            self.connection.shutdown(2)
            return
        super().do_GET()


class Server(ThreadingHTTPServer):
    request_queue_size = 128  # the default backlog of 5 drops bursts of connections
    daemon_threads = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.release = threading.Event()  # set when the test ends: slow.html answers then


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "www"
    d = root / "p" / "demo" / "disclosure"
    d.mkdir(parents=True)
    shutil.copy(PAGES / "table_rows.html", d / "2018-06.html")
    shutil.copy(PAGES / "dl_gbk.gb18030.html", d / "2017-12.html")
    shutil.copy(PAGES / "kv_nocharset.gb18030.html", d / "2018-03.html")
    shutil.copy(PAGES / "unreadable.html", d / "2018-05.html")
    (d / "index.html").write_text('<a href="2018-06.html">6月</a><a href="2018-05.html">5月</a>'
                                  '<a href="2017-12.html">12月</a><a href="2018-03.html">3月</a>'
                                  '<a href="../../other/x.html">elsewhere</a>', encoding="utf-8")
    (root / "p" / "demo" / "index.html").write_text(
        '<a href="disclosure/">信息披露</a><a href="missing.html">gone</a>', encoding="utf-8")
    (root / "p" / "other").mkdir()
    (root / "p" / "other" / "x.html").write_text("<p>借贷余额：1元 2018年6月</p>", encoding="utf-8")
    hostile = root / "p" / "bad"
    hostile.mkdir()
    links = "".join(f'<a href="{n}">{n}</a>' for n in (  # slow.html: linked by the hostile test only
        "e500.html", "loop.html", "huge.html", "cut.html", "malformed.html", "script.html",
        "invalid.html"))
    (hostile / "index.html").write_text(links, encoding="utf-8")
    (hostile / "malformed.html").write_text(
        "<html><body><div><table><tr><td>2018年4月<td>借贷余额<td>1,000万元</tr><p><b>unclosed", encoding="utf-8")
    (hostile / "script.html").write_text(
        "<html><head><title>2018年4月运营报告</title><script>document.write('借贷余额：5亿元')</script></head>"
        "<body><div id=app></div></body></html>", encoding="utf-8")
    (hostile / "invalid.html").write_bytes(
        b'<meta charset="utf-8"><h1>2018\xe5\xb9\xb44\xe6\x9c\x88</h1><p>\xff\xfe\xe9\x80\xbe\xe6\x9c\x9f'
        b'\xe9\x87\x91\xe9\xa2\x9d\xef\xbc\x9a12\xe4\xb8\x87\xe5\x85\x83</p>')
    handler = functools.partial(Hostile, directory=str(root))
    server = Server(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sources = tmp_path / "sources.csv"
    sources.write_text("institution_name,uscc,kind,url\n"
                       f"演示网络科技有限公司,{uscc_for(1)},disclosure,/p/demo/index.html\n"
                       f"坏站科技有限公司,{uscc_for(2)},disclosure,/p/bad/index.html\n", encoding="utf-8")
    yield root, f"http://127.0.0.1:{server.server_address[1]}", sources
    server.release.set()
    server.shutdown()
    server.server_close()


def facts_of(config, uscc):
    with session_scope(config) as s:
        inst = s.exec(select(Institution).where(Institution.uscc == uscc)).one()
        return {(f.metric, f.period): f.value for f in s.exec(
            select(DisclosureFact).where(DisclosureFact.institution_id == inst.id))}


def test_crawl_stores_evidence_and_facts_then_is_incremental(store, site):
    config = store
    root, base, sources = site
    first = crawl(config, sources_csv=sources, base_url=base, fast=True, overrides=FAST)
    demo = next(s for s in first["sources"] if s["url"] == "/p/demo/index.html")
    assert demo["pages"] == 7  # home, index, 4 reports, missing; /p/other/ is another site
    facts = facts_of(config, uscc_for(1))
    assert facts[("outstanding_balance", date(2018, 6, 1))] == 12_345_600.0
    assert facts[("outstanding_balance", date(2017, 12, 1))] == 320_000_000.0
    assert facts[("current_lenders", date(2018, 3, 1))] == 321.0
    assert len(facts) == 7 + 4 + 7
    assert [u["url"].endswith("2018-05.html") for u in demo["unreadable_detail"]] == [True]
    assert any(e["reason"] == "HTTP 404" for e in demo["errors_detail"])
    with session_scope(config) as s:
        doc = s.exec(select(Document).where(Document.url.like("%2017-12.html"))).one()
        assert doc.encoding == "gb18030" and doc.parse_status == "ok" and doc.version == 1
        assert doc.published_at.date() == date(2018, 1, 15) and doc.available_at == doc.published_at
        assert len(doc.sha256) == 64 and doc.size == len(doc.body)
        fact = s.exec(select(DisclosureFact).where(DisclosureFact.document_id == doc.id,
                                                   DisclosureFact.metric == "outstanding_balance")).one()
        assert (fact.raw_label, fact.raw_value, fact.unit) == ("在贷余额", "3.20亿元", "元")
        missing = s.exec(select(Document).where(Document.url.like("%missing.html"))).one()
        assert (missing.http_status, missing.parse_status) == (404, "error")
        n_docs = s.exec(select(func.count()).select_from(Document)).one()
        assert s.exec(select(func.count()).select_from(Source)).one() == 2

    # Change one report; the second crawl re-fetches all, parses only the changed page.
    page = root / "p" / "demo" / "disclosure" / "2018-06.html"
    page.write_text(page.read_text("utf-8").replace("1,234.56", "1,300.00"), encoding="utf-8")
    # Last-Modified has one-second resolution: move it on, or a crawl within the same second gets a 304.
    mtime = page.stat().st_mtime_ns + 2_000_000_000
    os.utime(page, ns=(mtime, mtime))
    second = crawl(config, sources_csv=sources, base_url=base, fast=True, overrides=FAST)
    demo2 = next(s for s in second["sources"] if s["url"] == "/p/demo/index.html")
    assert demo2["pages"] == 7 and demo2["unchanged"] == 5 and demo2["facts"] == 1
    assert second["sources_loaded"] == 0
    facts2 = facts_of(config, uscc_for(1))
    assert len(facts2) == len(facts)  # same keys; the changed value is a new observation
    with session_scope(config) as s:
        versions = s.exec(select(Document).where(Document.url.like("%2018-06.html"), Document.parse_status == "ok")
                          .order_by(Document.version)).all()
        assert [d.version for d in versions] == [1, 2] and versions[1].previous_id == versions[0].id
        unchanged = s.exec(select(Document).where(Document.url.like("%2017-12.html"),
                                                  Document.parse_status == "unchanged")).all()
        assert len(unchanged) == 1 and unchanged[0].body is None
        inst = s.exec(select(Institution).where(Institution.uscc == uscc_for(1))).one()
        values = sorted(f.value for f in s.exec(select(DisclosureFact).where(
            DisclosureFact.institution_id == inst.id, DisclosureFact.metric == "outstanding_balance",
            DisclosureFact.period == date(2018, 6, 1))))
        assert values == [12_345_600.0, 13_000_000.0]
        assert s.exec(select(func.count()).select_from(Document)).one() == 2 * n_docs
        new_id = versions[1].id
    diff = document_diff(config, new_id)
    assert "-<tr><td>借贷余额（万元）</td><td>1,234.56</td><td></td></tr>" in diff
    assert "+<tr><td>借贷余额（万元）</td><td>1,300.00</td><td></td></tr>" in diff


def test_a_crawl_links_accounts_ingested_before_their_firm_was_known(sqlite_store, site, tmp_path):
    from monitor.ingest import ingest_paths
    from monitor.models import Account

    _root, base, sources = site
    firm, platform = uscc_for(1), uscc_for(9)
    statement = tmp_path / "statement.csv"
    statement.write_text("交易流水号,交易时间,交易金额,付款账号,付款户名,付款方证件号,收款账号,收款户名,收款方证件号\n"
                         f"T1,2018-06-01 10:00:00,100.00,6222000000000001,张三,110101199001011234,"
                         f"6228000000000009,演示网络科技有限公司,{firm}\n", encoding="utf-8")
    [res] = ingest_paths(sqlite_store, [statement], institution=platform)
    assert res.status == "ok", res.error

    def linked() -> int | None:
        with session_scope(sqlite_store) as s:
            return s.exec(select(Account.institution_id).where(Account.account_no == "6228000000000009")).one()

    assert linked() is None  # the firm is not known yet
    summary = crawl(sqlite_store, sources_csv=sources, base_url=base, fast=True, overrides=FAST,
                    kinds=["disclosure"])
    with session_scope(sqlite_store) as s:
        firm_id = s.exec(select(Institution.id).where(Institution.uscc == firm)).one()
    assert linked() == firm_id and summary["accounts_linked"] == 1


def test_hostile_pages_do_not_stop_the_crawl_and_are_reported(sqlite_store, site):
    config = sqlite_store
    root, base, sources = site
    index = root / "p" / "bad" / "index.html"
    index.write_text(index.read_text(encoding="utf-8") + '<a href="slow.html">slow.html</a>', encoding="utf-8")
    summary = crawl(config, sources_csv=sources, base_url=base, fast=True, overrides={**FAST, "crawl_timeout": 5.0},
                    kinds=["disclosure"])
    bad = next(s for s in summary["sources"] if s["url"] == "/p/bad/index.html")
    reasons = {e["url"].rsplit("/", 1)[-1]: e["reason"] for e in bad["errors_detail"]}
    assert reasons["e500.html"] == "HTTP 500"
    assert "redirect" in reasons["loop.html"].lower() or "IgnoreRequest" in reasons["loop.html"]
    assert "larger than" in reasons["huge.html"]
    assert "Timeout" in reasons["slow.html"] or "timeout" in reasons["slow.html"].lower()
    assert "cut off" in reasons["cut.html"]
    # The readable hostile pages still gave their figures; the script-only page is unreadable.
    facts = facts_of(config, uscc_for(2))
    assert facts[("outstanding_balance", date(2018, 4, 1))] == 10_000_000.0
    assert facts[("overdue_amount", date(2018, 4, 1))] == 120_000.0
    unreadable = {u["url"].rsplit("/", 1)[-1] for u in bad["unreadable_detail"]}
    assert unreadable == {"script.html"}
    # The other source was crawled completely despite its neighbour's trouble.
    demo = next(s for s in summary["sources"] if s["url"] == "/p/demo/index.html")
    assert demo["facts"] == 18
    with session_scope(config) as s:
        e500 = s.exec(select(Document).where(Document.url.like("%e500.html"))).one()
        assert (e500.http_status, e500.parse_status, e500.parse_error) == (500, "error", "HTTP 500")
        invalid = s.exec(select(Document).where(Document.url.like("%invalid.html"))).one()
        assert invalid.parse_status == "ok" and "replaced" in invalid.parse_error


def test_source_is_abandoned_after_too_many_errors(sqlite_store, site):
    _root, base, sources = site
    summary = crawl(sqlite_store, sources_csv=sources, base_url=base, fast=True,
                    overrides={**FAST, "crawl_max_errors_per_source": 2, "crawl_concurrency_per_host": 1})
    bad = next(s for s in summary["sources"] if s["url"] == "/p/bad/index.html")
    assert bad["stopped"] == "stopped after 2 errors"
    assert bad["pages"] < 8  # the index and 7 pages when nothing is abandoned


def test_bad_input_is_one_clear_error(sqlite_store, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("institution_name,uscc,kind,url\nx,91440300000000000X,disclosure,/p/x/\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.csv:2: invalid USCC"):
        crawl(sqlite_store, sources_csv=bad)
    ok = tmp_path / "ok.csv"
    ok.write_text(f"institution_name,uscc,kind,url\nx,{uscc_for(5)},disclosure,/p/x/\n", encoding="utf-8")
    with pytest.raises(InputError, match="give --base-url"):
        crawl(sqlite_store, sources_csv=ok)
    with pytest.raises(InputError, match="unknown crawl override"):
        crawl(sqlite_store, overrides={"nope": 1})


def test_cli_crawl_prints_json_summary(sqlite_store, site, monkeypatch):
    import json

    from monitor.cli import main

    _root, base, sources = site
    monkeypatch.setenv("MONITOR_INSTANCE_DIR", str(sqlite_store.instance_path))
    out, err = [], []
    monkeypatch.setattr("click.echo", lambda msg="", **kw: (err if kw.get("err") else out).append(str(msg)))
    code = main(["crawl", "--sources", str(sources), "--base-url", base, "--fast", "--kind", "disclosure",
                 "--set", "crawl_obey_robots=false", "--set", "crawl_timeout=30", "--json"])
    assert code == 1 and err  # the hostile source's pages failed; the summary is printed all the same
    summary = json.loads("".join(out))
    # demo: 18; bad: the malformed and the invalid-bytes pages give one figure each (the cut-off page none)
    assert summary["totals"]["facts"] == 18 + 2 and summary["sources_loaded"] == 2
    assert main(["crawl", "--set", "nonsense"]) == 2
