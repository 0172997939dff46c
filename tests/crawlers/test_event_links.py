"""Complaints and news of the independent corpus, crawled after the platforms' own sites: each post and
each platform an article names is linked to the right institution through its registered name, brand or
short name (the alias table the crawl learns from the platforms' pages); none to a wrong one, and a
platform outside the corpus to none."""

from __future__ import annotations

import functools
import json
import threading
from collections import Counter
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlmodel import select

from monitor.db import session_scope
from monitor.models import Event, Institution
from monitor.status import operating_status
from monitor.text import nfkc

from crawlers.run import crawl

CORPUS = Path(__file__).with_name("corpus")
MANIFEST = json.loads((CORPUS / "manifest.json").read_text("utf-8"))
PLATFORMS = json.loads((CORPUS / "platforms.json").read_text("utf-8"))
FAST = {"crawl_obey_robots": False, "crawl_timeout": 30.0, "crawl_retries": 0, "crawl_max_page_bytes": 400_000,
        "max_depth": 1}


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def corpus_sites(tmp_path):
    """Each platform's disclosure and about pages in a folder of its own, the complaint boards and the news
    in theirs (a source crawls its folder), served as they are; a sources file naming them. The pages'
    own links lead nowhere here: one hop from each index."""
    www = tmp_path / "www"
    rows = ["institution_name,uscc,kind,url"]

    def folder(name: str, pages: list[str]) -> str:
        root = www / name
        root.mkdir(parents=True)
        for page in pages:
            (root / Path(page).name).symlink_to(CORPUS / page)
        (root / "index.html").write_text("".join(f'<a href="{Path(x).name}">{x}</a>' for x in pages), "utf-8")
        return f"/{name}/index.html"

    for n, p in enumerate(PLATFORMS):
        pages = [m["page"] for m in MANIFEST if m.get("platform") == p["name"]
                 and m["page_type"] in ("disclosure", "about")]
        rows.append(f"{p['name']},{p['uscc']},disclosure,{folder(f'site{n}', pages)}")
    for kind in ("complaints", "news"):
        rows.append(f",,{kind},{folder(kind, sorted(m['page'] for m in MANIFEST if m['page_type'] == kind))}")
    sources = tmp_path / "sources.csv"
    sources.write_text("\n".join(rows) + "\n", encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(www)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", sources
    server.shutdown()
    server.server_close()


def _expected(kind: str) -> dict[str, list[dict]]:
    out = {}
    for m in MANIFEST:
        if m["page_type"] == kind:
            page = CORPUS / m["page"]
            out[page.name] = json.loads(page.with_name(page.stem + ".expected.json").read_text("utf-8"))
    return out


@pytest.mark.parametrize("crawls", [[["disclosure"], ["complaints", "news"]], [None]],
                         ids=["sites-first", "one-crawl"])
def test_complaints_and_news_linked_by_name_brand_or_short_name(sqlite_store, corpus_sites, crawls):
    """Whether the platforms' sites are crawled first or in the same crawl as the boards and the news
    (then a post may be read before its platform's brand: it is linked at the end of the crawl)."""
    base, sources = corpus_sites
    for kinds in crawls:
        crawl(sqlite_store, sources_csv=sources, base_url=base, kinds=kinds, fast=True, overrides=FAST)
    with session_scope(sqlite_store) as s:
        names = {i.id: i.name for i in s.exec(select(Institution))}
        events = list(s.exec(select(Event).where(Event.kind.in_(("complaint", "news")))))
    # complaints: one event per inline post, matched to its expected post by page, date and title
    tally = Counter()
    stored = {(e.url.rsplit("/", 1)[1], str(e.occurred_on), e.title): names.get(e.institution_id)
              for e in events if e.kind == "complaint"}
    for page, exp in _expected("complaints").items():
        for post in exp["posts"]:
            got = stored.pop((page, post["date"], nfkc(post["title"])), "absent")
            tally["absent" if got == "absent" else "right" if got == post["platform"]
                  else "missed" if got is None else "wrong"] += 1
    assert stored == {}  # no post stored that the pages do not show
    assert tally == Counter(right=47, missed=2)  # 塘栈理财 and 塘栈: nicknames no page of 钱塘栈 states
    # news: every corpus platform an article names gets the article, none other does
    linked: dict[str, set] = {}
    for e in events:
        if e.kind == "news":
            linked.setdefault(e.url.rsplit("/", 1)[1], set()).add(names.get(e.institution_id))
    for page, exp in _expected("news").items():
        want = {m["platform"] for m in exp["mentions"] if m["platform"]}
        assert linked.get(page, set()) - {None} == want, page
    assert sum(len(v - {None}) for v in linked.values()) == 15
    # an article about several platforms tells each one's status by the sentences naming it
    ranking = {names[e.institution_id]: e for e in events if e.url.endswith("news_201808_ranking.html")}
    assert operating_status([ranking["上海沣谷网络科技有限公司"]]).code == "operating"  # 成交量保持稳定
    assert operating_status([ranking["重庆渝麦网络科技有限公司"]]).code == "troubled"  # 兑付困难说明
    assert operating_status([ranking["杭州钱塘栈信息技术有限公司"]]).code == "filed"  # 被警方立案侦查
