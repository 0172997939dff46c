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


# --------------------------------------------------------------------------- sign-in hardening
def _cookie(client) -> str:
    return client.get_cookie("session").value


def test_failed_sign_ins_from_one_address_are_limited_across_user_names(portal):
    app, _ = portal
    app.config["LOGIN_RATE_LIMIT"] = "3 per 15 minutes"
    here = app.test_client()
    for name in ("inspector", "supervisor", "nobody"):  # three different accounts, one address
        assert login(here, name, "wrong password!").status_code == 401
    # the fourth attempt from the address is refused, even with a right password of another account
    assert login(here, "admin").status_code == 429
    assert here.get("/").status_code == 302
    # another address is not limited by it, and the accounts are not locked
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    assert login(elsewhere, "admin").status_code == 302


def test_successful_sign_ins_do_not_count_towards_the_address_limit(portal):
    app, _ = portal
    app.config["LOGIN_RATE_LIMIT"] = "2 per 15 minutes"
    for _ in range(4):
        assert login(app.test_client(), "inspector").status_code == 302


def test_cookie_flags_follow_the_configuration(portal, tmp_path):
    from monitor.portal import create_app

    app, _ = portal
    config = app.extensions["monitor_config"]
    for secure in (True, False):
        other = create_app(config.replace(portal_secure_cookies=secure), test_config={"TESTING": True})
        cookie = login(other.test_client(), "inspector").headers["Set-Cookie"]
        flags = [part.strip() for part in cookie.split(";")]
        assert "HttpOnly" in flags and "SameSite=Lax" in flags
        assert ("Secure" in flags) is secure, cookie


def test_a_copied_cookie_is_refused_after_sign_out(portal):
    app, _ = portal
    mine, thief = app.test_client(), app.test_client()
    login(mine, "inspector")
    thief.set_cookie("session", _cookie(mine))
    assert thief.get("/").status_code == 200  # the copy works while the sign-in lasts
    assert mine.post("/logout", data={"csrf_token": csrf_token(mine)}).status_code == 302
    assert thief.get("/").status_code == 302  # ... and no longer after sign-out
    assert mine.get("/").status_code == 302


def test_deactivation_and_password_change_end_sign_ins(portal):
    from sqlmodel import Session, select

    from monitor.db import get_engine
    from monitor.models import User
    from monitor.portal.auth import hash_password

    app, _ = portal
    a, b = app.test_client(), app.test_client()
    login(a, "inspector")
    login(b, "supervisor")
    with Session(get_engine(app.extensions["monitor_config"])) as s:
        inspector = s.exec(select(User).where(User.username == "inspector")).one()
        supervisor = s.exec(select(User).where(User.username == "supervisor")).one()
        inspector.active = False
        s.add(inspector)
        s.commit()  # expires both: the changes below compare with values not loaded yet
        inspector.active = True  # reactivated: the cookie from before still does not work
        supervisor.password_hash = hash_password("another long password")
        s.add_all([inspector, supervisor])
        s.commit()
    assert a.get("/").status_code == 302
    assert b.get("/").status_code == 302
    assert login(app.test_client(), "inspector").status_code == 302


def test_idle_timeout_and_lifetime_on_the_app_clock(portal):
    from datetime import timedelta

    app, _ = portal
    now = [1_000_000.0]
    app.config.update(MONITOR_CLOCK=lambda: now[0], MONITOR_IDLE_SECONDS=600,
                      PERMANENT_SESSION_LIFETIME=timedelta(hours=1))
    client = app.test_client()
    login(client, "inspector")
    now[0] += 590
    assert client.get("/").status_code == 200  # active: each request restarts the idle clock
    now[0] += 590
    assert client.get("/").status_code == 200
    now[0] += 601
    resp = client.get("/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    # a sign-in in use all along still ends after its lifetime
    login(client, "inspector")
    statuses = []
    for _ in range(8):
        now[0] += 500
        statuses.append(client.get("/").status_code)
    assert statuses == [200] * 7 + [302]  # 3,500 s in: still signed in; 4,000 s: over the hour


def test_web_on_a_loopback_address_drops_secure_unless_the_setting_is_given(portal, monkeypatch):
    from click.testing import CliRunner
    from flask import Flask

    from monitor.commands.context import Context
    from monitor.commands.web import web_command

    app, _ = portal
    served = []
    monkeypatch.setattr(Flask, "run", lambda self, **_kw: served.append(self.config["SESSION_COOKIE_SECURE"]))
    instance = str(app.extensions["monitor_config"].instance_path)
    for host, given in (("127.0.0.1", None), ("0.0.0.0", None), ("127.0.0.1", "true")):
        env = {"MONITOR_INSTANCE_DIR": instance, "MONITOR_PORTAL_SECURE_COOKIES": given}
        result = CliRunner().invoke(web_command, ["--host", host], obj=Context(None), env=env)
        assert result.exit_code == 0, result.output
    assert served == [False, True, True]  # the demo's http://127.0.0.1:5000/ can sign in


def test_sign_in_migration_goes_down_and_up_with_users_in_place(store):
    """Revision 0004 (permission and epoch columns) on SQLite and PostgreSQL, with rows pointing at users."""
    from alembic import command
    from sqlalchemy import inspect, text

    from monitor.db import _alembic_config, get_engine, session_scope
    from monitor.models import Jurisdiction
    from monitor.portal.users import add_user

    with session_scope(store) as s:
        s.add(Jurisdiction(code="A", name="甲市"))
        s.flush()
        add_user(s, "keeper", PASSWORD, "inspector", "A", actor="test")  # journaled: audit_entry → user
    command.downgrade(_alembic_config(store), "0003")
    columns = {c["name"] for c in inspect(get_engine(store)).get_columns("user")}
    assert {"can_view_personal", "session_epoch"}.isdisjoint(columns)
    command.upgrade(_alembic_config(store), "head")
    with get_engine(store).connect() as conn:
        row = conn.execute(text('SELECT username, can_view_personal, session_epoch FROM "user"')).one()
    assert (row[0], bool(row[1]), row[2]) == ("keeper", False, 0)
