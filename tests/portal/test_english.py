"""The English portal: no Chinese in its chrome. Names and quoted source text are data: templates mark
them with ``translate="no"`` (the HTML attribute for text that is not to be translated); every other
text of every page must be English."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from tests.portal.conftest import csrf_token, login

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]+")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class ChromeText(HTMLParser):
    """Text outside ``translate="no"`` elements, scripts and styles, with the tag path it sits in."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.found: list[tuple[str, str]] = []

    def _data(self) -> bool:
        return any(skip for _, skip in self.stack)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        # <title> holds the page's subject (an institution's name) and cannot carry markup
        skip = a.get("translate") == "no" or tag in ("script", "style", "title")
        for name in ("placeholder", "title", "aria-label"):
            if a.get(name) and not skip and not self._data() and CJK.search(a[name]):
                self.found.append((f"{tag}@{name}", a[name]))
        if tag not in VOID:
            self.stack.append((tag, skip))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if not self._data() and CJK.search(data):
            self.found.append(("/".join(t for t, _ in self.stack[-3:]), data.strip()[:80]))


def chrome_cjk(html: str) -> list[tuple[str, str]]:
    parser = ChromeText()
    parser.feed(html)
    return parser.found


def test_the_scanner_sees_chrome_and_skips_marked_data():
    assert chrome_cjk('<p>Risk <b>红</b></p>') == [("p/b", "红")]
    assert chrome_cjk('<p>Bank <span translate="no">红利宝 <i>公司</i></span> ok<br>fine</p>') == []
    assert chrome_cjk('<input placeholder="名称">') == [("input@placeholder", "名称")]


def _english(client):
    client.post("/language", data={"lang": "en", "csrf_token": csrf_token(client), "next": "/"})


def test_every_page_in_english_has_no_chinese_chrome(portal):
    app, ids = portal
    client = app.test_client()
    login(client, "admin")
    _english(client)
    red = ids["red"]
    pages = ["/", "/institutions", f"/institutions/{red}", f"/institutions/{red}/events",
             f"/institutions/{red}/documents", "/alerts", "/alerts?status=all", f"/alerts/{ids['alert']}",
             "/sweeps", "/briefings", "/settings", "/users", f"/graph/{red}", f"/documents/{ids['doc']}"]
    problems = {}
    for path in pages:
        resp = client.get(path)
        assert resp.status_code == 200, path
        html = resp.get_data(as_text=True)
        assert '<html lang="en">' in html or path.endswith(("/events", "/documents")), path
        found = chrome_cjk(html)
        if found:
            problems[path] = found
    assert problems == {}, "\n".join(f"{p}: {f}" for p, f in problems.items())


def test_english_names_codes_and_constants(portal):
    app, ids = portal
    client = app.test_client()
    login(client, "inspector")
    client.get("/")  # the Chinese page first: a constant translated at compile time would stick
    _english(client)
    html = client.get("/").get_data(as_text=True)
    assert '<th class="num">red</th><th class="num">orange</th><th class="num">yellow</th>' in html
    page = client.get(f"/institutions/{ids['red']}").get_data(as_text=True)
    assert "<td>fund pool / custody bypassed</td>" in page and "fund_pool" not in page
    assert "62.0%" in page and "250,000,000" in page  # a share as a percentage; yuan with separators
    alerts = client.get("/alerts").get_data(as_text=True)
    assert "Fund pool / custody bypassed" in alerts and "资金池：" not in alerts
