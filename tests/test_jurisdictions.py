"""``monitor jurisdictions add/list/show/assign`` through ``monitor.cli.main``, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from monitor.cli import main
from tests.conftest import uscc_for


@pytest.fixture
def cli_store(store, monkeypatch):
    """The initialised store, reached by ``main([...])`` through the environment."""
    monkeypatch.setenv("MONITOR_INSTANCE_DIR", str(store.instance_path))
    monkeypatch.setenv("MONITOR_DATABASE_URL", store.database_url)
    return store


def _run(capsys, *args) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_add_list_show_assign(cli_store, capsys):
    from sqlmodel import select

    from monitor.db import session_scope
    from monitor.models import AuditEntry, Institution, Jurisdiction

    assert _run(capsys, "jurisdictions", "add", "440000", "--name", "广东省")[0] == 0
    assert _run(capsys, "jurisdictions", "add", "440300", "--name", "深圳市", "--parent", "440000")[0] == 0
    code, out, _ = _run(capsys, "jurisdictions", "add", "440305", "--name", "南山区", "--parent", "440300")
    assert code == 0 and "440305 南山区 (district)" in out
    assert _run(capsys, "jurisdictions", "add", "440306", "--name", "宝安区", "--parent", "440300",
                "--level", "district")[0] == 0
    assert _run(capsys, "jurisdictions", "add", "440100", "--name", "广州市", "--parent", "440000")[0] == 0
    code, out, _ = _run(capsys, "jurisdictions", "list")
    assert code == 0
    assert out.splitlines() == ["440000  广东省  (province)", "  440100  广州市  (city)", "  440300  深圳市  (city)",
                                "    440305  南山区  (district)", "    440306  宝安区  (district)"]
    with session_scope(cli_store) as s:
        city = s.exec(select(Jurisdiction).where(Jurisdiction.code == "440300")).one()
        s.add_all([Institution(name="甲平台", name_norm="甲平台", uscc=uscc_for(1), jurisdiction_id=city.id),
                   Institution(name="乙平台", name_norm="乙平台", uscc=uscc_for(2), jurisdiction_id=city.id)])
    with session_scope(cli_store) as s:
        first_id = s.exec(select(Institution.id).where(Institution.uscc == uscc_for(1))).one()
    code, out, _ = _run(capsys, "jurisdictions", "assign", uscc_for(1), "440305")
    assert code == 0 and "440300 -> 440305" in out
    assert _run(capsys, "jurisdictions", "assign", str(first_id), "440305")[0] == 0  # by id, already there
    code, out, _ = _run(capsys, "jurisdictions", "show", "440300")
    assert code == 0
    assert "path: 广东省 (440000) > 深圳市 (440300)" in out
    assert "children: 南山区 (440305), 宝安区 (440306)" in out
    assert "institutions: 1 (with sub-jurisdictions: 2)" in out
    code, out, _ = _run(capsys, "jurisdictions", "show", "440305")
    assert "institutions: 1 (with sub-jurisdictions: 1)" in out and "children: none" in out
    with session_scope(cli_store) as s:
        audit = list(s.exec(select(AuditEntry).where(AuditEntry.object_type.in_(["jurisdiction", "institution"]))))
    assert sorted(a.new for a in audit if a.action == "create") == ["440000", "440100", "440300", "440305", "440306"]
    assert [(a.object_id, a.old, a.new) for a in audit if a.action == "assign_jurisdiction"] == \
        [(first_id, "440300", "440305")]


@pytest.mark.parametrize("args, message", [
    (("add", "440305", "--name", "南山区", "--parent", "440300"), "jurisdiction '440300' does not exist"),
    (("add", "440000", "--name", "广东省"), "jurisdiction '440000' already exists"),
    (("add", "44030", "--name", "深圳市"), "a numeric code has 6 digits"),
    (("add", "450300", "--name", "柳州市", "--parent", "440000"), "does not lie under its parent '440000'"),
    (("add", "440300", "--name", "深圳市", "--level", "district"), "is a city code"),
    (("add", "440300", "--name", "Shenzhen"), "give the Chinese name"),
    (("add", "bad code!", "--name", "某区"), "use a 6-digit GB/T 2260 code"),
    (("show", "449900"), "jurisdiction '449900' does not exist (known: 440000)"),
    (("assign", "999", "440000"), "institution '999' does not exist"),
    (("assign", "not-a-uscc", "440000"), "neither an institution id nor a valid USCC"),
])
def test_failures_exit_2_with_a_clear_message(cli_store, capsys, args, message):
    from sqlmodel import func, select

    from monitor.db import session_scope
    from monitor.models import Jurisdiction

    assert _run(capsys, "jurisdictions", "add", "440000", "--name", "广东省")[0] == 0
    code, out, err = _run(capsys, "jurisdictions", *args)
    assert code == 2 and message in err, err
    with session_scope(cli_store) as s:
        assert s.exec(select(func.count()).select_from(Jurisdiction)).one() == 1


def test_local_codes_are_not_checked_against_their_parent(cli_store, capsys):
    """Codes that are not GB/T 2260 (a store's own) nest freely, a level below their parent."""
    assert _run(capsys, "jurisdictions", "add", "A", "--name", "甲市")[0] == 0
    code, out, _ = _run(capsys, "jurisdictions", "add", "A-1", "--name", "甲市东区", "--parent", "A")
    assert code == 0 and "(district)" in out
    code, _, err = _run(capsys, "jurisdictions", "add", "A-2", "--name", "甲市西区", "--parent", "A-1")
    assert code == 2 and "a district cannot be under the district A-1" in err


def test_the_crawl_puts_new_institutions_in_the_district_of_their_registration(sqlite_store):
    """A USCC's division code (characters 3-8) names its district: used when the store holds it under the city."""
    from sqlmodel import select

    from crawlers.run import load_sources
    from monitor import jurisdictions
    from monitor.db import session_scope
    from monitor.models import Institution

    with session_scope(sqlite_store) as s:
        city = jurisdictions.add(s, "CITY", sqlite_store.city)  # the demo's city: a local code, named by the setting
        jurisdictions.add(s, "440305", "南山区", parent_code="CITY")
        jurisdictions.add(s, "450100", "南宁市")  # not under the city: never used for the city's institutions
    rows = [{"name": name, "uscc": uscc_for(n, region), "kind": "disclosure", "url": f"http://p{n}.example/"}
            for n, (name, region) in enumerate((("南山平台", "440305"), ("福田平台", "440304"),
                                                ("南宁平台", "450100")), start=1)]
    assert load_sources(sqlite_store, rows) == 3
    with session_scope(sqlite_store) as s:
        placed = {i.name: jurisdictions.path(s, s.get(type(city), i.jurisdiction_id))[-1].code
                  for i in s.exec(select(Institution))}
    assert placed == {"南山平台": "440305", "福田平台": "CITY", "南宁平台": "CITY"}


def test_scope_of_users_sweeps_and_jurisdictions(store):
    """The access layer's admin and sweep selects, on both databases: own and child in, parent and sibling out."""
    from monitor import jurisdictions
    from monitor.access import OutOfScope, Scope
    from monitor.db import session_scope
    from monitor.models import SweepRun, User, UserJurisdiction

    with session_scope(store) as s:
        tree = {"parent": jurisdictions.add(s, "440000", "广东省"),
                "own": jurisdictions.add(s, "440300", "深圳市", parent_code="440000"),
                "sibling": jurisdictions.add(s, "440100", "广州市", parent_code="440000")}
        tree["child"] = jurisdictions.add(s, "440305", "南山区", parent_code="440300")
        users = {}
        for rel, j in tree.items():
            for role in ("inspector", "admin"):
                u = User(username=f"{role}-{rel}", password_hash="x", role=role)
                s.add(u)
                s.flush()
                s.add(UserJurisdiction(user_id=u.id, jurisdiction_id=j.id))
                users[role, rel] = u
            s.add(SweepRun(kind="light", requested_by=f"sweep-{rel}", jurisdiction_id=j.id))
        s.add(SweepRun(kind="full", requested_by="sweep-store"))
        s.flush()
        # a user of two jurisdictions, one outside the city: not the city admin's to manage
        straddler = User(username="straddler", password_hash="x", role="inspector")
        s.add(straddler)
        s.flush()
        s.add_all([UserJurisdiction(user_id=straddler.id, jurisdiction_id=tree["child"].id),
                   UserJurisdiction(user_id=straddler.id, jurisdiction_id=tree["sibling"].id)])
        s.flush()
        city = Scope.for_user(s, users["admin", "own"])
        assert not city.top_level
        assert sorted(u.username for u in s.exec(city.users())) == \
            ["admin-child", "admin-own", "inspector-child", "inspector-own"]
        assert sorted(r.requested_by for r in s.exec(city.sweeps())) == ["sweep-child", "sweep-own"]
        assert sorted(j.code for j in s.exec(city.jurisdictions())) == ["440300", "440305"]
        assert city.managed_user(users["inspector", "child"].id).username == "inspector-child"
        for target in (users["inspector", "parent"], users["admin", "sibling"], straddler):
            with pytest.raises(OutOfScope):
                city.managed_user(target.id)
        for code in ("440000", "440100", "999999"):
            with pytest.raises(OutOfScope):
                city.jurisdiction(code)
        # an inspector manages nobody above them, even in their own city
        with pytest.raises(OutOfScope):
            Scope.for_user(s, users["inspector", "own"]).managed_user(users["admin", "own"].id)
        province = Scope.for_user(s, users["admin", "parent"])
        assert province.top_level
        assert len(list(s.exec(province.sweeps()))) == 5 and len(list(s.exec(province.users()))) == 9
