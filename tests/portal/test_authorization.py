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
    "users.index": "admin", "users.create": "admin", "users.update": "admin", "users.set_active": "admin",
    "users.create_jurisdiction": "admin",
    "exports.download": "inspector",
    "handover.institution_ftm": "inspector",
    "coverage.index": "inspector",
    "briefings.index": "inspector", "briefings.download": "inspector", "briefings.city": "inspector",
    "briefings.dossier": "inspector",
    "institutions.events": "inspector", "institutions.documents": "inspector",
    "institutions.finding_evidence": "inspector",
}
RANK = {"inspector": 0, "supervisor": 1, "admin": 2}
FORMS = {
    "alerts.transition": {"status": "investigating"},
    "alerts.assign": {"username": "inspector"},
    "alerts.note": {"body": "checked the custody statements"},
    "sweeps.queue": {"kind": "light"},
    "settings.update": {"t.red": "61"},
    "users.create": {"username": "newbie", "password": "long enough pass", "role": "inspector", "jurisdiction": "A"},
    "users.update": {"display_name": "检查员甲"},
    "users.set_active": {"active": "1"},
    "users.create_jurisdiction": {"code": "A-2", "name": "甲市西区", "parent": "A"},
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
        elif arg == "user_id":
            values[arg] = ids["foreign_user" if foreign else "user"]
        else:
            key = {"inst_id": "red", "doc_id": "doc", "alert_id": "alert", "briefing_id": "briefing"}[arg]
            values[arg] = ids[("foreign_" + key) if foreign and key != "red" else ("foreign" if foreign else key)]
    path = rule.build(values, append_unknown=False)[1]
    return path


@pytest.fixture
def portal(portal):
    """The portal fixture, with the ids of the A inspector (``user``) and the B inspector (``foreign_user``)."""
    from sqlmodel import Session, select

    from monitor.db import get_engine
    from monitor.models import User

    app, ids = portal
    with Session(get_engine(app.extensions["monitor_config"])) as s:
        names = dict(s.exec(select(User.username, User.id)).all())
    return app, dict(ids, user=names["inspector"], foreign_user=names["foreign"])


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
    assert "外地发现" in client.get("/alerts").get_data(as_text=True)  # the title of the newest finding
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


# --------------------------------------------------------------------------- the jurisdiction tree
# Seen from city A: own (A), child (district A-1), parent (province P, above A and B), sibling (city B).
RELATIONS = ("own", "child", "parent", "sibling")
CODE = {"own": "A", "child": "A-1", "parent": "P", "sibling": "B"}
VISIBLE = {"own": True, "child": True, "parent": False, "sibling": False}


def _session(app):
    from sqlmodel import Session

    from monitor.db import get_engine

    return Session(get_engine(app.extensions["monitor_config"]))


@pytest.fixture
def tree(portal):
    """Province P above cities A and B; per relation an institution, alert, document, sweep and inspector."""
    from datetime import datetime, timezone

    from sqlmodel import select

    from monitor.models import Alert, Document, Institution, Jurisdiction, SweepRun, User
    from monitor.portal.users import add_user
    from tests.conftest import uscc_for
    from tests.portal.conftest import PASSWORD

    app, ids = portal
    t0 = datetime(2018, 6, 1, tzinfo=timezone.utc)
    out = {"inst": {}, "alert": {}, "doc": {}, "sweep": {}, "user": {}}
    with _session(app) as s:
        jur = {j.code: j for j in s.exec(select(Jurisdiction))}
        province = Jurisdiction(code="P", name="甲省", level="province")
        s.add(province)
        s.flush()
        for code in ("A", "B"):
            jur[code].parent_id = province.id
            s.add(jur[code])
        jur["P"] = province
        out["inst"].update(own=ids["calm"], child=ids["red"], sibling=ids["foreign"])
        out["alert"].update(child=ids["alert"], sibling=ids["foreign_alert"])
        out["doc"].update(child=ids["doc"], sibling=ids["foreign_doc"])
        for rel, n in (("own", 11), ("parent", 12)):
            if rel not in out["inst"]:
                inst = Institution(name=f"省属{rel}平台", name_norm=f"省属{rel}平台", uscc=uscc_for(n),
                                   jurisdiction_id=jur[CODE[rel]].id)
                s.add(inst)
                s.flush()
                out["inst"][rel] = inst.id
            alert = Alert(institution_id=out["inst"][rel], fingerprint=f"{rel:x<32}", kind="finding",
                          title=f"{rel} 预警", severity="high", first_raised_at=t0, last_seen_at=t0)
            doc = Document(url=f"http://{rel}.example/", institution_id=out["inst"][rel], sha256="3" * 64,
                           body=b"x", fetched_at=t0, available_at=t0)
            s.add_all([alert, doc])
            s.flush()
            out["alert"][rel], out["doc"][rel] = alert.id, doc.id
        for rel in RELATIONS:
            run = SweepRun(kind="light", status="succeeded", requested_at=t0, requested_by=f"sweeper-{rel}",
                           jurisdiction_id=jur[CODE[rel]].id)
            s.add(run)
            s.flush()
            out["sweep"][rel] = run.id
            if rel != "own":
                user = add_user(s, f"inspector-{rel}", PASSWORD, "inspector", CODE[rel], actor="test")
                out["user"][rel] = user.id
        out["user"]["own"] = s.exec(select(User.id).where(User.username == "inspector")).one()
        out["whole_store_sweep"] = ids["sweep"]
        s.commit()
    return app, out


def _refusals(app) -> int:
    from sqlmodel import func, select

    from monitor.models import AuditEntry

    with _session(app) as s:
        return s.exec(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "refused")).one()


@pytest.mark.parametrize("role", ["inspector", "supervisor", "admin"])
def test_every_role_sees_its_own_and_child_jurisdictions_not_parent_or_sibling(tree, role):
    app, t = tree
    client = app.test_client()
    login(client, role)
    for rel in RELATIONS:
        for path in (f"/institutions/{t['inst'][rel]}", f"/alerts/{t['alert'][rel]}",
                     f"/documents/{t['doc'][rel]}"):
            resp = client.get(path)
            assert resp.status_code == (200 if VISIBLE[rel] else 404), (role, rel, path, resp.status_code)
        listing = client.get("/sweeps").get_data(as_text=True)
        assert (f"sweeper-{rel}" in listing) == VISIBLE[rel], (role, rel)
    # A is no longer a root: the whole-store sweep is not listed, and no sweep may be queued
    listing = client.get("/sweeps").get_data(as_text=True)
    assert "<td>test</td>" not in listing and f"<td>{t['whole_store_sweep']}</td>" not in listing
    if role != "inspector":
        token = csrf_token(client)
        before = _refusals(app)
        assert client.post("/sweeps", data={"kind": "light", "csrf_token": token}).status_code == 403
        assert _refusals(app) == before + 1


def test_the_province_sees_every_sweep_the_district_only_its_own(tree):
    from tests.portal.conftest import PASSWORD

    app, t = tree
    province, district = app.test_client(), app.test_client()
    login(province, "inspector-parent", PASSWORD)
    login(district, "inspector-child", PASSWORD)
    top = province.get("/sweeps").get_data(as_text=True)
    assert all(f"sweeper-{rel}" in top for rel in RELATIONS) and f"<td>{t['whole_store_sweep']}</td>" in top
    low = district.get("/sweeps").get_data(as_text=True)
    assert [rel for rel in RELATIONS if f"sweeper-{rel}" in low] == ["child"]
    assert province.get(f"/institutions/{t['inst']['sibling']}").status_code == 200
    assert district.get(f"/institutions/{t['inst']['own']}").status_code == 404


@pytest.mark.parametrize("role", ["inspector", "supervisor", "admin"])
def test_user_management_by_relation(tree, role):
    """Every POST of user management, per relation of the target: admins act on own and child only."""
    from sqlmodel import select

    from monitor.models import User

    app, t = tree
    client = app.test_client()
    login(client, role)
    token = csrf_token(client)
    for rel in RELATIONS:
        target = t["user"][rel]
        posts = ((f"/users/{target}", {"display_name": f"改名{rel}"}),
                 (f"/users/{target}/active", {"active": "0"}),
                 ("/users", {"username": f"new-{rel}", "password": "long enough pass", "role": "inspector",
                             "jurisdiction": CODE[rel]}))
        for path, form in posts:
            before = _refusals(app)
            resp = client.post(path, data=dict(form, csrf_token=token))
            body = resp.get_data(as_text=True)
            if role != "admin":
                assert resp.status_code == 403, (role, rel, path)
            elif VISIBLE[rel]:
                assert resp.status_code == 302, (role, rel, path, resp.status_code)
            else:
                assert resp.status_code == 404, (role, rel, path, resp.status_code)
                assert "乙市" not in body and "甲省" not in body and CODE[rel] not in body.split("<main")[-1]
                assert _refusals(app) == before + 1, (rel, path)
    with _session(app) as s:
        users = {u.username: u for u in s.exec(select(User))}
    for rel in RELATIONS:
        changed = role == "admin" and VISIBLE[rel]
        name = "inspector" if rel == "own" else f"inspector-{rel}"
        assert (users[name].display_name == f"改名{rel}") == changed, (role, rel)
        assert users[name].active == (not changed), (role, rel)
        assert (f"new-{rel}" in users) == changed, (role, rel)


def test_an_admin_of_a_sibling_cannot_list_create_edit_or_deactivate_ours(portal):
    """The admin of city B (created by the operator's CLI function) against city A's users."""
    from sqlmodel import select

    from monitor.models import User
    from monitor.portal.users import add_user
    from tests.portal.conftest import PASSWORD

    app, ids = portal
    with _session(app) as s:
        add_user(s, "admin-b", PASSWORD, "admin", "B", actor="test")
        s.commit()
    client = app.test_client()
    login(client, "admin-b")
    listing = client.get("/users").get_data(as_text=True)
    assert ">foreign<" in listing and ">admin-b<" in listing
    for name in (">inspector<", ">supervisor<", ">admin<", "甲市", 'value="A"', 'value="A-1"'):
        assert name not in listing, name
    token = csrf_token(client, "/users")
    before = _refusals(app)
    for role in ("admin", "inspector"):
        resp = client.post("/users", data={"username": f"mole-{role}", "password": "long enough pass", "role": role,
                                           "jurisdiction": "A", "csrf_token": token})
        assert resp.status_code == 404 and "甲市" not in resp.get_data(as_text=True)
    assert client.post("/users", data={"username": "mole-district", "password": "long enough pass",
                                       "role": "admin", "jurisdiction": "A-1", "csrf_token": token}).status_code == 404
    assert client.post(f"/users/{ids['user']}", data={"role": "admin", "jurisdiction": "B",
                                                      "csrf_token": token}).status_code == 404
    assert client.post(f"/users/{ids['user']}/active", data={"active": "0", "csrf_token": token}).status_code == 404
    assert _refusals(app) == before + 5
    with _session(app) as s:
        users = {u.username: u for u in s.exec(select(User))}
    assert not any(name.startswith("mole") for name in users)
    assert users["inspector"].active and users["inspector"].role == "inspector"
    # inside B the admin still works
    assert client.post(f"/users/{ids['foreign_user']}", data={"display_name": "乙检查员",
                                                              "csrf_token": token}).status_code == 302


def test_an_admin_cannot_give_a_role_above_their_own(portal):
    """A supervisor is refused by role; an admin may give any role, but only down to the scope's users."""
    from sqlmodel import select

    from monitor.access import roles_up_to
    from monitor.models import User

    assert roles_up_to("supervisor") == ["inspector", "supervisor"]
    assert roles_up_to("admin") == ["inspector", "supervisor", "admin"]
    app, ids = portal
    client = app.test_client()
    login(client, "admin")
    token = csrf_token(client, "/users")
    before = _refusals(app)
    resp = client.post("/users", data={"username": "root", "password": "long enough pass", "role": "superuser",
                                       "jurisdiction": "A", "csrf_token": token})
    assert resp.status_code == 403 and _refusals(app) == before + 1
    with _session(app) as s:
        assert s.exec(select(User).where(User.username == "root")).first() is None


@pytest.mark.parametrize("role", ["inspector", "supervisor", "admin"])
def test_rules_by_relation(tree, role):
    """GET and POST /settings per relation: own and child change their own rule set; parent and sibling 404."""
    from sqlmodel import select

    from monitor.models import Jurisdiction, RuleSet

    app, t = tree
    client = app.test_client()
    login(client, role)
    token = csrf_token(client)
    for n, rel in enumerate(RELATIONS):
        page = client.get(f"/settings?jurisdiction={CODE[rel]}")
        post = client.post("/settings", data={"jurisdiction": CODE[rel], "t.red": str(70 + n), "csrf_token": token})
        if role == "inspector":
            assert (page.status_code, post.status_code) == (403, 403), rel
        elif VISIBLE[rel]:
            assert (page.status_code, post.status_code) == (200, 302), (role, rel)
        else:
            assert (page.status_code, post.status_code) == (404, 404), (role, rel)
            assert "甲省" not in page.get_data(as_text=True) and "乙市" not in page.get_data(as_text=True)
    with _session(app) as s:
        codes = {j.id: j.code for j in s.exec(select(Jurisdiction))}
        own = {codes.get(r.jurisdiction_id) for r in s.exec(select(RuleSet).where(RuleSet.active == True))}  # noqa: E712
    expected = {None} | ({"A", "A-1"} if role != "inspector" else set())
    assert own <= expected and ({"A", "A-1"} <= own) == (role != "inspector")


def test_only_a_top_level_admin_creates_jurisdictions_and_only_below_their_own(portal):
    from sqlmodel import select

    from monitor.models import Jurisdiction

    app, _ = portal
    client = app.test_client()
    login(client, "admin")
    assert "440305" in client.get("/users").get_data(as_text=True)  # the form's placeholder: A is a root
    token = csrf_token(client, "/users")
    before = _refusals(app)
    ok = client.post("/jurisdictions", data={"code": "A-2", "name": "甲市西区", "parent": "A", "csrf_token": token})
    assert ok.status_code == 302
    again = client.post("/jurisdictions", data={"code": "A-2", "name": "甲市西区", "parent": "A", "csrf_token": token},
                        follow_redirects=True)
    assert "该代码的辖区已存在" in again.get_data(as_text=True)
    beside = client.post("/jurisdictions", data={"code": "B-9", "name": "乙市新区", "parent": "B", "csrf_token": token})
    assert beside.status_code == 404 and "乙市" not in beside.get_data(as_text=True)
    assert _refusals(app) == before + 1
    with _session(app) as s:
        codes = {j.code: j.parent_id for j in s.exec(select(Jurisdiction))}
        a_id = s.exec(select(Jurisdiction.id).where(Jurisdiction.code == "A")).one()
    assert codes["A-2"] == a_id and "B-9" not in codes


def test_an_admin_below_the_root_creates_no_jurisdiction(tree):
    from sqlmodel import select

    from monitor.models import Jurisdiction

    app, _ = tree
    client = app.test_client()
    login(client, "admin")  # of city A, now under province P
    assert "440305" not in client.get("/users").get_data(as_text=True)
    token = csrf_token(client, "/users")
    before = _refusals(app)
    resp = client.post("/jurisdictions", data={"code": "A-2", "name": "甲市西区", "parent": "A", "csrf_token": token})
    assert resp.status_code == 403 and _refusals(app) == before + 1
    with _session(app) as s:
        assert s.exec(select(Jurisdiction).where(Jurisdiction.code == "A-2")).first() is None
