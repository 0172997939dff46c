"""Personal numbers never leave the monitor in full for a user without the permission.

A store seeded with a borrower's full ID number, phone and debit card number in accounts, relations,
evidence, crawled text, transfers, alert notes; every page, JSON endpoint, export, PDF and CLI output
that could show them is read as bytes and searched.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile

from stdnum.cn import ric

from tests.portal.conftest import csrf_token, login

ID_BODY = "11010119900307123"
PERSON_ID = ID_BODY + ric.calc_check_digit(ID_BODY)
OLD_ID = "110101900307123"  # a 15-character number, as before 1999
PHONE = "13912345678"
CARD = "6222021234567890123"
FIRM_ACCOUNT = "4410000000123456789"  # a company's account: not personal data, stays in full
SECRETS = (PERSON_ID, OLD_ID, PHONE, CARD)


def _plant(app, ids) -> None:
    """The borrower 李四 everywhere the store can hold him."""
    from sqlmodel import Session, select

    from monitor.db import get_engine
    from monitor.models import (Account, AlertNote, Company, Document, Event, Finding, Institution, Person,
                                Relation)

    config = app.extensions["monitor_config"]
    with Session(get_engine(config)) as s:
        red = s.get(Institution, ids["red"])
        company = s.exec(select(Company).where(Company.uscc == red.uscc)).one()
        person = Person(name="李四", id_key=PERSON_ID)
        s.add(person)
        s.flush()
        s.add(Relation(kind="executive", subject_kind="person", subject_id=person.id, object_kind="company",
                       object_id=company.id, role=f"监事 {PHONE}"))
        s.add(Account(account_no=CARD, holder_name="李四", holder_id_no=PERSON_ID, holder_kind="person"))
        s.add(Account(account_no=FIRM_ACCOUNT, holder_name="某贸易有限公司", holder_id_no=red.uscc,
                      holder_kind="company"))
        finding = s.get(Finding, ids["finding"])
        evidence = dict(finding.evidence)
        evidence["accounts"] = evidence["accounts"] + [
            {"account_no": CARD, "holder_name": "李四", "holder_id": PERSON_ID, "role": "borrower"},
            {"account_no": FIRM_ACCOUNT, "holder_name": "某贸易有限公司", "holder_id": red.uscc, "role": "collector"}]
        evidence["edges"] = evidence["edges"] + [{"src": CARD, "dst": FIRM_ACCOUNT, "amount": 1e6, "count": 3,
                                                 "first": "2018-03-01T00:00:00", "last": "2018-05-30T00:00:00"}]
        evidence["note"] = f"借款人李四 身份证 {PERSON_ID} 旧证 {OLD_ID} 手机 {PHONE}"
        finding.evidence = evidence
        finding.title = f"资金池：借款人 {PERSON_ID} 的资金流向归集账户"
        s.add(finding)
        from monitor.models import Alert

        alert = s.get(Alert, ids["alert"])
        alert.title = finding.title
        s.add(alert)
        s.add(AlertNote(alert_id=ids["alert"], body=f"已联系借款人，电话 +86 {PHONE}，卡号 {CARD}"))
        doc = s.get(Document, ids["doc"])
        doc.body = (f"<html><body><p>借款人：李四，身份证号 {PERSON_ID}，手机 {PHONE}，"
                    f"收款卡号 {CARD[:4]} {CARD[4:8]} {CARD[8:12]} {CARD[12:16]} {CARD[16:]}</p></body></html>").encode()
        s.add(doc)
        s.add(Event(kind="complaint", institution_id=ids["red"], title=f"投诉人 {PHONE}：无法提现",
                    body=f"身份证 {PERSON_ID}", external_id="c-personal", available_at=finding.as_of))
        s.commit()


def _ingest_transfers(app, ids, tmp_path):
    """A custody statement where the borrower's card pays in (so the flow explorer draws it)."""
    from monitor.ingest import ingest_paths
    from monitor.models import Institution

    from sqlmodel import Session

    from monitor.db import get_engine

    config = app.extensions["monitor_config"]
    with Session(get_engine(config)) as s:
        inst = s.get(Institution, ids["red"])
        uscc, name = inst.uscc, inst.name
    custody = "6228000000000002"
    rows = [f"T{i},2018-06-0{1 + i} 10:00:00,1000.00,{CARD},李四,{PERSON_ID},{custody},{name}（存管账户）,{uscc},出借"
            for i in range(3)]
    rows.append(f"T9,2018-06-09 10:00:00,300.00,{custody},{name}（存管账户）,{uscc},{FIRM_ACCOUNT},某贸易有限公司,{uscc},提现")
    statement = tmp_path / "custody.csv"
    statement.write_text("交易流水号,交易时间,交易金额,付款账号,付款户名,付款方证件号,收款账号,收款户名,收款方证件号,摘要\n"
                         + "\n".join(rows) + "\n", encoding="utf-8")
    [res] = ingest_paths(config, [statement], institution=uscc)
    assert res.status == "ok", res.error
    return statement


def _texts(name: str, body: bytes) -> list[tuple[str, str]]:
    """What a reader of ``body`` sees: the bytes as text, an XLSX's XML parts, a PDF's text."""
    if body[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            return [(f"{name}!{part}", z.read(part).decode("utf-8", "replace")) for part in z.namelist()]
    if body[:5] == b"%PDF-":
        text = subprocess.run(["pdftotext", "-", "-"], input=body, capture_output=True, check=True).stdout
        return [(name, text.decode("utf-8", "replace").replace(" ", "").replace("\n", ""))]
    return [(name, body.decode("utf-8", "replace"))]


def _fetch_everything(client, ids) -> dict[str, bytes]:
    red = ids["red"]
    paths = ["/", "/institutions", f"/institutions/{red}", f"/institutions/{red}/history.json", "/alerts",
             f"/alerts/{ids['alert']}", f"/graph/{red}", f"/graph/{red}?finding={ids['finding']}",
             f"/graph/{red}/related.json", f"/graph/{red}/flows.json",
             f"/graph/{red}/flows.json?finding={ids['finding']}", f"/documents/{ids['doc']}",
             f"/documents/{ids['doc']}/raw", "/briefings"]
    paths += [f"/exports/{what}.{fmt}" for what in ("institutions", "alerts", "findings") for fmt in ("csv", "xlsx")]
    out = {}
    for path in paths:
        resp = client.get(path)
        assert resp.status_code == 200, path
        out[path] = resp.get_data()
    # every node of the explorer, expanded
    related = client.get(f"/graph/{red}/related.json").get_json()
    for node in related["nodes"]:
        out[f"related:{node['data']['id']}"] = client.get(f"/graph/{red}/related.json",
                                                           query_string={"node": node["data"]["id"]}).get_data()
    flows = client.get(f"/graph/{red}/flows.json").get_json()
    assert len(flows["nodes"]) >= 3
    for node in flows["nodes"]:
        resp = client.get(f"/graph/{red}/flows.json", query_string={"node": node["data"]["id"]})
        assert resp.get_json()["nodes"], node  # a masked account can still be expanded
        out[f"flows:{node['data']['id']}"] = resp.get_data()
    token = csrf_token(client, f"/institutions/{red}")
    for path in (f"/institutions/{red}/dossier", "/briefings/city"):
        resp = client.post(path, data={"csrf_token": token})
        assert resp.status_code == 200 and resp.mimetype == "application/pdf", path
        out[path] = resp.get_data()
    return out


def _cli(app, *args) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env["MONITOR_INSTANCE_DIR"] = str(app.extensions["monitor_config"].instance_path)
    result = subprocess.run([sys.executable, "-m", "monitor", *args], capture_output=True, text=True, env=env,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_no_full_personal_number_leaves_for_a_user_without_the_permission(portal, tmp_path):
    from sqlmodel import Session, select

    from monitor.db import get_engine
    from monitor.models import AuditEntry

    app, ids = portal
    _plant(app, ids)
    statement = _ingest_transfers(app, ids, tmp_path)
    client = app.test_client()
    login(client, "inspector")
    bodies = _fetch_everything(client, ids)
    for args in (["alerts", "list"], ["alerts", "list", "--json"], ["alerts", "show", str(ids["alert"])],
                 ["alerts", "show", str(ids["alert"]), "--json"], ["scan", str(statement)],
                 ["scan", str(statement), "--json"]):
        bodies["monitor " + " ".join(args)] = _cli(app, *args).encode()

    leaks = [(name, secret) for path, body in bodies.items() for name, text in _texts(path, body)
             for secret in SECRETS if secret in text]
    assert leaks == []
    # not vacuous: the numbers are there, masked, and a company's account stays readable
    page = bodies[f"/institutions/{ids['red']}"].decode()
    assert PERSON_ID[:6] + "********" + PERSON_ID[-4:] in page
    assert FIRM_ACCOUNT in page
    assert "个人信息完整显示" not in page
    assert "139****5678" in bodies[f"/alerts/{ids['alert']}"].decode()
    assert "6222***********0123" in bodies[f"/documents/{ids['doc']}/raw"].decode()
    assert any("6222***********0123" in text for _, text in _texts("x", bodies[f"/institutions/{ids['red']}/dossier"]))
    with Session(get_engine(app.extensions["monitor_config"])) as s:
        assert s.exec(select(AuditEntry).where(AuditEntry.action == "view_unmasked")).all() == []


def test_a_permitted_user_sees_numbers_in_full_and_the_view_is_journaled(portal):
    from sqlmodel import Session, select

    from monitor.db import get_engine
    from monitor.models import AuditEntry, User

    app, ids = portal
    _plant(app, ids)
    with Session(get_engine(app.extensions["monitor_config"])) as s:
        user = s.exec(select(User).where(User.username == "supervisor")).one()
        user.can_view_personal = True
        s.add(user)
        s.commit()
    client = app.test_client()
    login(client, "supervisor")
    page = client.get(f"/institutions/{ids['red']}").get_data(as_text=True)
    assert PERSON_ID in page and PHONE in page
    assert "个人信息完整显示" in page  # the user is told, in the header of every page
    with Session(get_engine(app.extensions["monitor_config"])) as s:
        entries = s.exec(select(AuditEntry).where(AuditEntry.action == "view_unmasked")).all()
    assert [(e.actor, e.object_type, e.object_id, e.field) for e in entries] == [
        ("supervisor", "personal_data", ids["red"], "institutions.show")]
    # a page without personal numbers is not journaled
    client.get("/institutions")
    with Session(get_engine(app.extensions["monitor_config"])) as s:
        assert len(s.exec(select(AuditEntry).where(AuditEntry.action == "view_unmasked")).all()) == 1


def test_the_permission_is_granted_and_revoked_from_the_command_line(portal):
    from sqlmodel import Session, select

    from monitor.db import get_engine
    from monitor.models import AuditEntry, User

    app, _ = portal
    assert "shown in full" in _cli(app, "users", "grant-personal", "inspector")
    engine = get_engine(app.extensions["monitor_config"])
    with Session(engine) as s:
        assert s.exec(select(User.can_view_personal).where(User.username == "inspector")).one() is True
    assert "masked" in _cli(app, "users", "revoke-personal", "inspector")
    with Session(engine) as s:
        assert s.exec(select(User.can_view_personal).where(User.username == "inspector")).one() is False
        changes = s.exec(select(AuditEntry.new).where(AuditEntry.field == "can_view_personal")
                         .order_by(AuditEntry.id)).all()
    assert changes == ["True", "False"]


def test_scan_prints_personal_numbers_masked(tmp_path):
    from tests.graphs.builders import converging_platform
    from tests.test_scan import run, write_statement

    statement = write_statement(tmp_path / "statement.csv",
                                converging_platform(collector=CARD, holder=("李四", PERSON_ID)))
    for args in (["scan", str(statement)], ["scan", str(statement), "--json"]):
        out = run(args, tmp_path)
        assert out.returncode == 0, out.stderr
        assert "scatter_gather" in out.stdout  # the collector is in the finding ...
        assert CARD not in out.stdout and PERSON_ID not in out.stdout  # ... masked
        assert CARD[:4] + "*" * 11 + CARD[-4:] in out.stdout
