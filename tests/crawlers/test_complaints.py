"""Complaint list pages of the independent corpus: one event per inline post (date, title, text) and
the platform it names, linked by registered name, brand or short name."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlmodel import select

from monitor.db import session_scope
from monitor.models import Institution
from monitor.text import nfkc, normalize_name

from crawlers.extract.encoding import decode_body
from crawlers.extract.events import inline_posts
from crawlers.extract.registry import short_names, site_brands
from crawlers.pipelines import StorePipeline

CORPUS = Path(__file__).with_name("corpus")
PAGES = sorted((CORPUS / "complaints").glob("*.html"))
PLATFORMS = json.loads((CORPUS / "platforms.json").read_text("utf-8"))


def _text(path: Path) -> str:
    return decode_body(path.read_bytes())[0]


def _expected(path: Path) -> dict:
    return json.loads(path.with_name(path.stem + ".expected.json").read_text("utf-8"))


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_every_inline_post_with_its_date_title_and_text(path):
    posts = inline_posts(_text(path), f"http://board.example/{path.name}")
    expected = _expected(path)["posts"]
    assert [(str(p["occurred_on"]), p["title"]) for p in posts] == [(e["date"], nfkc(e["title"])) for e in expected]
    assert all(nfkc(e["text_contains"]) in p["body"] for p, e in zip(posts, expected))
    assert len({p["external_id"] for p in posts}) == len(posts)


def test_a_list_of_links_is_not_a_list_of_posts():
    pages = Path(__file__).with_name("pages")
    assert inline_posts((pages / "complaint_list.html").read_text("utf-8"), "http://x/complaints/") == []


def test_short_names_from_the_registered_name():
    assert short_names("重庆渝麦网络科技有限公司") == ["渝麦"]
    assert short_names("深圳市前海汇溪互联网金融服务有限公司") == ["汇溪"]
    assert short_names("济南米仓互联网金融信息服务有限公司") == ["米仓"]


def _brands_from_sites() -> dict[str, list[str]]:
    """What each platform's own pages in the corpus (disclosures, about pages) state as its brand."""
    out: dict[str, list[str]] = {}
    for folder in ("disclosure", "about"):
        for page in (CORPUS / folder).glob("*.html"):
            platform = (_expected(page).get("platform") or {}).get("name")
            if platform:
                out.setdefault(platform, []).extend(site_brands(_text(page)))
    return {k: list(dict.fromkeys(v)) for k, v in out.items()}


def test_posts_linked_to_platforms_by_name_brand_or_short_name(sqlite_store):
    brands = _brands_from_sites()
    with session_scope(sqlite_store) as s:
        for p in PLATFORMS:
            s.add(Institution(name=p["name"], name_norm=normalize_name(p["name"]), uscc=p["uscc"],
                              aliases=brands.get(p["name"], [])))
    with session_scope(sqlite_store) as s:
        names = {i.id: i.name for i in s.exec(select(Institution))}
    store = StorePipeline(SimpleNamespace(spider=SimpleNamespace(state=SimpleNamespace(config=sqlite_store))))
    store._load()
    right, wrong, missed = 0, [], []
    for path in PAGES:
        for post, exp in zip(inline_posts(_text(path), f"http://board.example/{path.name}"), _expected(path)["posts"]):
            iid = store.link_institution(None, post["parties"], f"{post['title']}\n{post['body']}", brands=True)
            got = names.get(iid)
            if got == exp["platform"]:
                right += 1
            elif got is None:
                missed.append(exp["platform_as_named"])
            else:
                wrong.append((exp["platform_as_named"], got))
    assert wrong == []  # never attached to the wrong platform, nor a platform outside the corpus to one in it
    assert (right, missed) == (47, ["塘栈理财", "塘栈"])  # nicknames of 钱塘栈 that no page of its own states
