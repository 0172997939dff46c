"""Login, rate limiting, CSRF, cookies, headers, and hostile crawled content kept inert."""

from __future__ import annotations

import re

from tests.portal.conftest import PASSWORD, XSS, csrf_token, login


def test_passwords_are_argon2_hashes(portal):
    from sqlmodel import Session, select

    from monitor.db import get_engine
    from monitor.models import User

    app, _ = portal
    with Session(get_engine(app.extensions["monitor_config"])) as s:
        hashes = s.exec(select(User.password_hash)).all()
    assert hashes and all(h.startswith("$argon2id$") and PASSWORD not in h for h in hashes)


def test_wrong_password_then_lockout_after_repeated_failures(portal):
    app, _ = portal
    client = app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert login(client, "inspector", "wrong password!").status_code == 401
    # even the right password is refused while locked
    resp = login(client, "inspector")
    assert resp.status_code == 429
    assert client.get("/").status_code == 302
    # another user is not locked by it
    assert login(app.test_client(), "supervisor").status_code == 302


def test_post_without_csrf_token_is_refused(portal):
    app, ids = portal
    client = app.test_client()
    login(client, "inspector")
    resp = client.post(f"/alerts/{ids['alert']}/note", data={"body": "x"})
    assert resp.status_code == 400
    page = client.get(f"/alerts/{ids['alert']}").get_data(as_text=True)
    assert "No note yet" in page or "暂无备注" in page


def test_login_without_csrf_token_is_refused(portal):
    app, _ = portal
    assert app.test_client().post("/login", data={"username": "inspector", "password": PASSWORD}).status_code == 400


def test_session_cookie_flags_in_the_default_configuration(portal, tmp_path):
    from monitor.portal import create_app

    app, _ = portal
    default = create_app(app.extensions["monitor_config"])
    assert default.config["SESSION_COOKIE_SECURE"] and default.config["SESSION_COOKIE_HTTPONLY"]
    client = app.test_client()
    resp = login(client, "inspector")
    cookie = resp.headers.get("Set-Cookie")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_open_redirect_after_login_is_ignored(portal):
    app, _ = portal
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    resp = client.post("/login?next=//evil.example/x", data={"username": "inspector", "password": PASSWORD,
                                                             "csrf_token": token})
    assert resp.headers["Location"] == "/"


def _tags(html: str) -> list[tuple[str, list]]:
    """Every start tag with its attributes, as a browser's tokenizer sees them."""
    from html.parser import HTMLParser

    found = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Collect().feed(html)
    return found


def test_security_headers_and_no_inline_script_on_any_page(portal):
    app, ids = portal
    client = app.test_client()
    login(client, "admin")
    pages = ["/", "/institutions", f"/institutions/{ids['red']}", f"/institutions/{ids['hostile']}",
             f"/documents/{ids['doc']}", f"/graph/{ids['red']}", "/alerts", f"/alerts/{ids['alert']}", "/sweeps",
             "/settings", "/users", "/login"]
    for path in pages:
        resp = client.get(path)
        csp = resp.headers["Content-Security-Policy"]
        script_src = re.search(r"script-src ([^;]+)", csp).group(1)
        assert script_src.strip() == "'self'", path
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["X-Frame-Options"] == "SAMEORIGIN"
        html = resp.get_data(as_text=True)
        tags = _tags(html)
        assert all(dict(attrs).get("src") for tag, attrs in tags if tag == "script"), path  # external files only
        handlers = [(tag, name) for tag, attrs in tags for name, _ in attrs if name.startswith("on")]
        assert handlers == [], path


def test_hostile_crawled_content_is_escaped(portal):
    app, ids = portal
    client = app.test_client()
    login(client, "inspector")
    for path in (f"/institutions/{ids['red']}", f"/institutions/{ids['hostile']}", "/institutions", "/",
                 f"/alerts/{ids['alert']}", "/alerts", f"/documents/{ids['doc']}"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>window.__pwned" not in html, path
        assert "<img src=x onerror" not in html, path
        tags = _tags(html)
        assert not any(tag == "img" and dict(attrs).get("src") == "x" for tag, attrs in tags), path
    html = client.get(f"/institutions/{ids['red']}").get_data(as_text=True)
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html  # shown as text, not dropped
    assert 'href="javascript:' not in html  # event URLs are not turned into links


def test_raw_page_is_plain_text_in_a_sandbox(portal):
    app, ids = portal
    client = app.test_client()
    login(client, "inspector")
    raw = client.get(f"/documents/{ids['doc']}/raw")
    assert raw.mimetype == "text/plain"
    assert raw.headers["Content-Security-Policy"].startswith("sandbox")
    assert XSS in raw.get_data(as_text=True)  # the evidence is kept byte for byte
    page = client.get(f"/documents/{ids['doc']}").get_data(as_text=True)
    assert re.search(r"<iframe[^>]*\bsandbox\b[^>]*>", page)
    assert "allow-scripts" not in page


def test_exports_neutralise_spreadsheet_formulas():
    from monitor.portal.exports import to_csv

    body = to_csv(["name"], [["=HYPERLINK(\"http://x\")"], ["+1"], ["平台"]]).decode("utf-8-sig")
    assert "'=HYPERLINK" in body and "'+1" in body and "\n平台" in body.replace("\r", "")
