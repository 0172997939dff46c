"""The simulated web over real HTTP: charsets, 404s, robots.txt, injected faults, as-of replay."""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.request

import pytest

from monitor.sim.serve import Faults, start_server


@pytest.fixture(scope="module")
def truth(small_city):
    return json.loads((small_city / "truth.json").read_text(encoding="utf-8"))


def get(url: str):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.status, r.headers, r.read()


def status_of(url: str) -> int:
    try:
        return get(url)[0]
    except urllib.error.HTTPError as exc:
        return exc.code


def test_content_type_carries_each_page_charset(served_small_city, truth):
    seen = set()
    for inst in truth["institutions"]:
        for month, rec in list(truth["published_disclosures"][inst["uscc"]].items())[:1]:
            status, headers, body = get(served_small_city.base_url + rec["url"])
            ctype = headers["Content-Type"]
            site = inst["site"]
            if site["charset_declared"]:
                assert ctype == f"text/html; charset={site['charset']}"
                text = body.decode(site["charset"])
            else:
                assert ctype == "text/html"
                text = body.decode("gb18030")
            assert "发布时间：" + rec["published_at"] in text
            seen.add(site["charset"])
    assert {"utf-8", None} <= seen and seen & {"gb18030", "gbk"}


def test_missing_pages_and_folders_are_404_and_robots_is_served(served_small_city, truth):
    base = served_small_city.base_url
    assert status_of(base + "/no/such/page.html") == 404
    assert status_of(base + "/p/") == 404  # no directory listings
    assert status_of(base + "/_manifest.json") == 404  # for the server only
    assert status_of(base + "/../truth.json") == 404
    status, headers, body = get(base + "/robots.txt")
    assert status == 200 and headers["Content-Type"].startswith("text/plain") and b"User-agent" in body
    slug = truth["institutions"][0]["slug"]
    with urllib.request.urlopen(f"{base}/p/{slug}", timeout=10) as r:  # follows the 301 to the folder
        assert r.geturl().endswith(f"/p/{slug}/") and r.status == 200


def test_faults_slow_error_truncate_redirect_huge(small_city, truth):
    inst = truth["institutions"][0]
    home = inst["site"]["home"]
    faults = Faults(slow_paths={"/court/*": 0.4}, error_paths={"/news/*": 500},
                    truncate_paths=(home + "about.html",), redirect_loop_paths=("/complaints/*",),
                    huge_paths=("/registry/index.html",), huge_bytes=3 * 1024 * 1024)
    with start_server(small_city / "www", faults=faults) as srv:
        t = time.perf_counter()
        assert status_of(srv.base_url + "/court/index.html") == 200
        assert time.perf_counter() - t >= 0.4
        t = time.perf_counter()
        assert status_of(srv.base_url + "/registry/list_2.html") in (200, 404)
        assert status_of(srv.base_url + "/news/index.html") == 500
        with pytest.raises(http.client.IncompleteRead):
            get(srv.base_url + home + "about.html")
        conn = http.client.HTTPConnection(srv.host, srv.port, timeout=10)
        conn.request("GET", "/complaints/index.html")
        r = conn.getresponse()
        assert r.status == 302 and r.getheader("Location").startswith("/complaints/index.html?loop=")
        r.read()
        with pytest.raises(urllib.error.HTTPError):  # urllib gives up on the endless loop
            get(srv.base_url + "/complaints/index.html")
        conn.request("GET", "/registry/index.html")
        r = conn.getresponse()
        assert int(r.getheader("Content-Length")) == 3 * 1024 * 1024 and len(r.read()) == 3 * 1024 * 1024
        conn.close()


def test_as_of_hides_later_pages_and_downed_sites(small_city, truth):
    fraud = next(i for i in truth["institutions"] if i["label"] == "fraud" and i["site_down"])
    pubs = truth["published_disclosures"][fraud["uscc"]]
    month, rec = next(iter(pubs.items()))
    from datetime import date, timedelta

    day = date.fromisoformat(rec["published_at"])
    with start_server(small_city / "www", as_of=day - timedelta(days=1)) as before:
        assert status_of(before.base_url + rec["url"]) == 404
    with start_server(small_city / "www", as_of=day) as on_day:
        assert status_of(on_day.base_url + rec["url"]) == 200
    with start_server(small_city / "www", as_of=date.fromisoformat(fraud["site_down"])) as after:
        assert status_of(after.base_url + rec["url"]) == 503
