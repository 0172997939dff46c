"""Every registered route, as every role, anonymously and across jurisdictions: no route can be forgotten."""

from __future__ import annotations

import re

import pytest

from tests.portal.conftest import csrf_token, login

# Each endpoint's lowest role; None = public. A new route fails test_every_route_is_classified until added here.
REQUIRED = {
    "static": None, "auth.login": None, "auth.set_language": None,
    "auth.logout": "inspector",
    "dashboard.index": "inspector",
    "institutions.index": "inspector", "institutions.show": "inspector", "institutions.history": "inspector",
    "institutions.document": "inspector", "institutions.document_raw": "inspector",
    "graph.explorer": "inspector", "graph.related": "inspector", "graph.flows": "inspector",
    "alerts.index": "inspector", "alerts.show": "inspector", "alerts.transition": "inspector",
    "alerts.assign": "inspector", "alerts.note": "inspector",
    "sweeps.index": "inspector", "sweeps.queue": "supervisor",
    "settings.index": "supervisor", "settings.update": "supervisor",
    "users.index": "admin", "users.create": "admin",
    "exports.download": "inspector",
    "briefings.index": "inspector", "briefings.download": "inspector", "briefings.city": "inspector",
    "briefings.dossier": "inspector",
}
RANK = {"inspector": 0, "supervisor": 1, "admin": 2}
FORMS = {
    "alerts.transition": {"status": "investigating"},
    "alerts.assign": {"username": "inspector"},
    "alerts.note": {"body": "checked the custody statements"},
    "sweeps.queue": {"kind": "light"},
    "settings.update": {"t.red": "61"},
    "users.create": {"username": "newbie", "password": "long enough pass", "role": "inspector", "jurisdiction": "A"},
    "auth.set_language": {"lang": "en"},
}


def _routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def _url(rule, ids, foreign: bool) -> str:
    values = {}
    for arg in rule.arguments:
        if arg == "filename":
            values[arg] = "portal.css"
        elif arg == "what":
            values[arg] = "institutions"
        elif arg == "fmt":
            values[arg] = "csv"
        else:
            key = {"inst_id": "red", "doc_id": "doc", "alert_id": "alert", "briefing_id": "briefing"}[arg]
            values[arg] = ids[("foreign_" + key) if foreign and key != "red" else ("foreign" if foreign else key)]
    path = rule.build(values, append_unknown=False)[1]
    return path


def test_every_route_is_classified(portal):
    app, _ = portal
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(REQUIRED) == set(), "classify new routes in REQUIRED"
    assert set(REQUIRED) - endpoints == set()


def test_anonymous_gets_the_login_page_for_everything_private(portal):
    app, ids = portal
    client = app.test_client()
    for rule, method in _routes(app):
        url = _url(rule, ids, foreign=False)
        resp = client.open(url, method=method, data=FORMS.get(rule.endpoint, {}))
        if REQUIRED[rule.endpoint] is None:
            # public: the form and static files answer; a POST without CSRF token is refused
            assert resp.status_code in ((200,) if method == "GET" else (400,)), (method, url, resp.status_code)
        else:
            assert resp.status_code == 302, (method, url)
            assert "/login" in resp.headers["Location"], (method, url)


@pytest.mark.parametrize("role", ["inspector", "supervisor", "admin"])
def test_each_role_gets_what_it_may_and_403_otherwise(portal, role):
    app, ids = portal
    client = app.test_client()
    assert login(client, role).status_code == 302
    token = csrf_token(client)
    for rule, method in _routes(app):
        if rule.endpoint == "auth.logout":
            continue  # would end the session of the loop; tested separately
        url = _url(rule, ids, foreign=False)
        data = dict(FORMS.get(rule.endpoint, {}), csrf_token=token) if method == "POST" else None
        resp = client.open(url, method=method, data=data)
        needed = REQUIRED[rule.endpoint]
        if needed is not None and RANK[role] < RANK[needed]:
            assert resp.status_code == 403, (role, method, url, resp.status_code)
        elif rule.endpoint == "auth.login" and method == "POST":
            assert resp.status_code == 401  # no credentials in the form
        elif method == "POST" and rule.endpoint.startswith("briefings."):
            assert resp.status_code == 200 and resp.mimetype == "application/pdf", (role, url, resp.status_code)
        elif method == "POST":
            assert resp.status_code == 302, (role, method, url, resp.status_code)
        else:
            assert resp.status_code in (200, 302), (role, method, url, resp.status_code)
            if rule.endpoint == "auth.login":
                assert resp.status_code == 302  # already signed in


@pytest.mark.parametrize("who", ["foreign", "inspector"])
def test_objects_of_another_jurisdiction_are_404(portal, who):
    """The B inspector asks for A's objects, and the A inspector for B's: both get 404 on every object route."""
    app, ids = portal
    client = app.test_client()
    login(client, who)
    token = csrf_token(client)
    if who == "foreign":
        # A's objects seen from B
        target = {"red": ids["red"], "foreign": ids["red"], "foreign_doc": ids["doc"], "foreign_alert": ids["alert"],
                  "foreign_briefing": ids["briefing"]}
    else:
        target = ids
    checked = 0
    for rule, method in _routes(app):
        if not ({"inst_id", "doc_id", "alert_id", "briefing_id"} & set(rule.arguments)):
            continue
        url = _url(rule, target, foreign=True)
        data = dict(FORMS.get(rule.endpoint, {}), csrf_token=token) if method == "POST" else None
        resp = client.open(url, method=method, data=data)
        assert resp.status_code == 404, (who, method, url, resp.status_code)
        checked += 1
    assert checked >= 13
    # the finding of the other city cannot be used to highlight either
    other_finding = ids["finding"] if who == "foreign" else ids["foreign_finding"]
    own_inst = ids["foreign"] if who == "foreign" else ids["red"]
    assert client.get(f"/graph/{own_inst}?finding={other_finding}").status_code == 404
    assert client.get(f"/graph/{own_inst}/flows.json?finding={other_finding}").status_code == 404


def test_lists_and_exports_show_only_the_users_jurisdiction(portal):
    app, ids = portal
    client = app.test_client()
    login(client, "foreign")
    for path in ("/", "/institutions", "/alerts?status=all", "/exports/institutions.csv", "/exports/alerts.csv",
                 "/exports/findings.csv"):
        body = client.get(path).get_data(as_text=True)
        assert "红利宝" not in body and "稳稳贷" not in body, path
    assert "乙市外地平台" in client.get("/institutions").get_data(as_text=True)
    assert "外地预警" in client.get("/alerts").get_data(as_text=True)
    # the district below city A is inside the A users' scope
    client2 = app.test_client()
    login(client2, "inspector")
    listing = client2.get("/institutions").get_data(as_text=True)
    assert "红利宝" in listing and "乙市外地平台" not in listing


def test_related_graph_expansion_stays_near_the_root(portal):
    app, ids = portal
    client = app.test_client()
    login(client, "inspector")
    data = client.get(f"/graph/{ids['red']}/related.json").get_json()
    labels = {n["data"]["label"] for n in data["nodes"]}
    assert "张三" in labels and any(e["data"]["kind"] == "shareholder" for e in data["edges"])
    # a node not connected to the root cannot be used to browse elsewhere
    from tests.conftest import uscc_for

    far = f"institution:{uscc_for(4)}"
    assert client.get(f"/graph/{ids['red']}/related.json?node={far}").status_code == 404


def test_logout_ends_the_session(portal):
    app, _ = portal
    client = app.test_client()
    login(client, "inspector")
    token = csrf_token(client)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302
    assert re.search(r"/login", client.get("/").headers["Location"])
