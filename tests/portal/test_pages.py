"""What inspectors, supervisors and admins see and do, through the Flask test client."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timezone

import pytest
from sqlmodel import Session, select

from monitor.db import get_engine
from monitor.models import Alert, AlertNote, AuditEntry, RuleSet, SweepRun, User
from tests.portal.conftest import csrf_token, login


def _session(app):
    return Session(get_engine(app.extensions["monitor_config"]))


# --------------------------------------------------------------------------- pure formats
def test_amounts_in_wan_and_yi_and_chinese_dates():
    from monitor.portal.common import format_day, format_moment, format_money

    assert format_money(2.5e8) == "2.50 亿元"
    assert format_money(123456) == "12.35 万元"
    assert format_money(999) == "999.00 元"
    assert format_money(None) == "—"
    assert format_day(date(2018, 6, 1)) == "2018年6月1日"
    assert format_day(date(2018, 6, 1), "en") == "2018-06-01"
    # 23:30 UTC is the next morning in Shanghai
    assert format_moment(datetime(2018, 6, 1, 23, 30, tzinfo=timezone.utc)) == "2018年6月2日 07:30"


def test_flow_json_keeps_the_biggest_flows_and_highlights_finding_accounts():
    import networkx as nx

    from monitor.portal.graph import flow_json

    G = nx.DiGraph()
    for i in range(10):
        G.add_edge(f"L{i}", "C", amount=float(i), count=1, first="2018-01-01T00:00", last="2018-02-01T00:00")
    G.add_edge("C", "X", amount=0.5, count=3, first="2018-03-01T00:00", last="2018-03-02T00:00")
    data = flow_json(G, "C", {"C": {"holder_name": "平台存管", "is_custody": True}}, {"C", "X"}, limit=3)
    ids = {e["data"]["id"] for e in data["edges"]}
    assert ids == {"L9>C", "L8>C", "L7>C", "C>X"}  # top 3 by amount + the highlighted pair
    assert data["hidden"] == 8
    custody = next(n for n in data["nodes"] if n["data"]["id"] == "C")
    assert custody["data"]["kind"] == "custody" and custody["data"]["highlight"]
    assert next(e for e in data["edges"] if e["data"]["id"] == "C>X")["data"]["highlight"]


def test_flow_json_names_holders_the_registry_does_not_know_from_the_transfers():
    import networkx as nx

    from monitor.portal.graph import flow_json

    G = nx.DiGraph()
    G.add_node("P", holder_name="张三", holder_id="110101199001011234")
    G.add_node("C", holder_name="旧名", holder_id="91440300MA5F000012")
    G.add_edge("P", "C", amount=5.0, count=1, first="2018-01-01T00:00", last="2018-01-01T00:00")
    data = flow_json(G, "C", {"C": {"holder_name": "平台存管", "is_custody": True}}, set())
    nodes = {n["data"]["id"]: n["data"] for n in data["nodes"]}
    assert (nodes["P"]["holder"], nodes["P"]["kind"]) == ("张三", "person")  # from the transfers
    assert (nodes["C"]["holder"], nodes["C"]["kind"]) == ("平台存管", "custody")  # the registry wins


def test_flows_start_at_the_custody_account_and_draw_it_as_one(portal, tmp_path):
    """No account is marked as custody: the explorer reads it as the detectors do (most counterparties)."""
    from monitor.ingest import ingest_paths
    from monitor.models import Institution

    app, ids = portal
    with _session(app) as s:
        inst = s.get(Institution, ids["red"])
        uscc, name = inst.uscc, inst.name
    custody, general = "6228000000000002", "6228000000000001"  # the general account is registered first
    rows = [f"T0,2018-06-01 09:00:00,500.00,{general},{name},{uscc},6222900000000001,某供应商,,转账",
            f"T1,2018-06-01 09:30:00,800.00,{general},{name},{uscc},6222900000000002,另一供应商,,转账"]
    rows += [f"T{2 + i},2018-06-0{2 + i} 10:00:00,1000.00,622200000000000{i},出借人{i},,{custody},"
             f"{name}（存管账户）,{uscc},出借" for i in range(6)]
    rows.append(f"T9,2018-06-09 10:00:00,300.00,{custody},{name}（存管账户）,{uscc},{general},{name},{uscc},提现")
    statement = tmp_path / "custody.csv"
    statement.write_text("交易流水号,交易时间,交易金额,付款账号,付款户名,付款方证件号,收款账号,收款户名,收款方证件号,摘要\n"
                         + "\n".join(rows) + "\n", encoding="utf-8")
    [res] = ingest_paths(app.extensions["monitor_config"], [statement], institution=uscc)
    assert res.status == "ok", res.error
    client = app.test_client()
    login(client, "inspector")
    data = client.get(f"/graph/{ids['red']}/flows.json").get_json()
    nodes = {n["data"]["id"]: n["data"] for n in data["nodes"]}
    assert [a for a, n in nodes.items() if n.get("root")] == [custody]  # not the account registered first
    assert nodes[custody]["kind"] == "custody" and nodes[general]["kind"] == "company"
    assert len(nodes) == 8  # custody, general, six lenders


def test_band_changes_compare_with_a_week_before():
    from types import SimpleNamespace as S

    from monitor.portal.dashboard import band_changes

    now = {1: S(band="red"), 2: S(band="green"), 3: S(band="orange")}
    before = {1: S(band="yellow"), 2: S(band="green")}
    assert band_changes(now, before) == [(1, "yellow", "red"), (3, "green", "orange")]


# --------------------------------------------------------------------------- pages
def test_dashboard_is_chinese_by_default_and_counts_bands(portal):
    app, ids = portal
    client = app.test_client()
    login(client, "inspector")
    html = client.get("/").get_data(as_text=True)
    assert "全市风险概览" in html and "本周风险等级变化" in html
    # city A scope: red 1 (红利宝), orange 1 (hostile), green 1 — the foreign red is not counted
    import re

    counts = dict(re.findall(r'tile-(\w+)"[^>]*><span class="n">(\d+)</span>', html))
    assert counts == {"red": "1", "orange": "1", "yellow": "0", "green": "1"}
    assert "+50.0" in html  # 红利宝 rose from 20 to 70
    assert "2018年6月1日" in html


def test_language_switch_to_english(portal):
    app, _ = portal
    client = app.test_client()
    login(client, "inspector")
    token = csrf_token(client)
    client.post("/language", data={"lang": "en", "next": "/", "csrf_token": token})
    html = client.get("/").get_data(as_text=True)
    assert "City risk overview" in html and "全市风险概览" not in html
    assert "2018-06-01" in html


def test_institution_list_filters(portal):
    app, ids = portal
    client = app.test_client()
    login(client, "inspector")
    assert "红利宝" in client.get("/institutions?band=red").get_data(as_text=True)
    assert "红利宝" not in client.get("/institutions?band=green").get_data(as_text=True)
    assert "稳稳贷" in client.get("/institutions?district=西区").get_data(as_text=True)
    assert "红利宝" not in client.get("/institutions?district=西区").get_data(as_text=True)
    from tests.conftest import uscc_for

    by_uscc = client.get(f"/institutions?q={uscc_for(2)}").get_data(as_text=True)
    assert "稳稳贷" in by_uscc and "红利宝" not in by_uscc
    assert "红利宝" in client.get("/institutions?q=红利").get_data(as_text=True)


def test_institution_page_shows_registry_score_disclosures_findings(portal):
    app, ids = portal
    client = app.test_client()
    login(client, "inspector")
    html = client.get(f"/institutions/{ids['red']}").get_data(as_text=True)
    # events and stored pages arrive as sections the page loads after itself
    for name in ("events", "documents"):
        assert f'data-section="/institutions/{ids["red"]}/{name}"' in html
        html += client.get(f"/institutions/{ids['red']}/{name}").get_data(as_text=True)
    # money columns name their unit once (the edge column in 亿元, the balance row in 万元)
    for text in ("张三", "80.0%", "5,000.00 万元", "资金池：出借资金流向归集账户", "6222001", "金额 (亿元)", ">2.50<",
                 "投诉：无法提现", "http://p2p.example/disclosure", ">6,000.00<", ">万元<", "62.0%"):
        assert text in html, text
    assert client.get(f"/institutions/{ids['foreign']}/events").status_code == 404
    # the score's contributions name the pattern in Chinese, not by its code name
    assert "<td>资金池/绕开存管</td>" in html and "<td>fund_pool</td>" not in html
    data = client.get(f"/institutions/{ids['red']}/history.json").get_json()
    assert [s["score"] for s in data["scores"]] == [20.0, 70.0]
    assert data["series"][0]["metric"] == "loan_balance" and len(data["periods"]) == 6


def test_triage_assign_and_note_are_journaled(portal):
    app, ids = portal
    client = app.test_client()
    login(client, "inspector")
    token = csrf_token(client)
    aid = ids["alert"]
    client.post(f"/alerts/{aid}/transition", data={"status": "investigating", "csrf_token": token})
    client.post(f"/alerts/{aid}/assign", data={"username": "supervisor", "csrf_token": token})
    client.post(f"/alerts/{aid}/note", data={"body": "已调取存管流水", "csrf_token": token})
    # closing without a reason is refused by the workflow and shown
    resp = client.post(f"/alerts/{aid}/transition", data={"status": "closed", "csrf_token": token},
                       follow_redirects=True)
    assert "请选择关闭原因" in resp.get_data(as_text=True)
    # the foreign inspector cannot be assigned: they cannot see the institution
    resp = client.post(f"/alerts/{aid}/assign", data={"username": "foreign", "csrf_token": token},
                       follow_redirects=True)
    with _session(app) as s:
        alert = s.get(Alert, aid)
        sup = s.exec(select(User).where(User.username == "supervisor")).one()
        assert alert.status == "investigating" and alert.assignee_id == sup.id
        assert s.exec(select(AlertNote.body).where(AlertNote.alert_id == aid)).all() == ["已调取存管流水"]
        actions = s.exec(select(AuditEntry.action, AuditEntry.actor).where(AuditEntry.object_type == "alert",
                                                                           AuditEntry.object_id == aid)).all()
    assert ("status", "inspector") in actions and ("assign", "inspector") in actions and ("note", "inspector") in actions
    page = client.get(f"/alerts/{aid}").get_data(as_text=True)
    assert "已调取存管流水" in page and "investigating" in page
    # the journal reads in Chinese: who, what, which field, old and new status
    history = page[page.index("处置记录"):page.index("证据")]
    for text in ("状态变更", "状态", "新 → 核查中", "分派", "承办人", "添加备注"):
        assert text in history, text
    assert not re.search(r"<td>(status|assign|note|new|investigating)</td>", history)


def test_supervisor_changes_a_threshold_as_a_new_rule_version(portal):
    app, _ = portal
    client = app.test_client()
    login(client, "supervisor")
    page = client.get("/settings").get_data(as_text=True)
    assert "同一来源低、中等级发现合计封顶分" in page  # every threshold has a Chinese name
    token = csrf_token(client, "/settings")
    client.post("/settings", data={"t.red": "65", "note": "更严格", "csrf_token": token})
    bad = client.post("/settings", data={"t.red": "5", "csrf_token": token}, follow_redirects=True)
    assert "阈值须满足" in bad.get_data(as_text=True)
    with _session(app) as s:
        # the change is city A's own rule set; the store-wide default stays as it was
        active = s.exec(select(RuleSet).where(RuleSet.active == True,  # noqa: E712
                                              RuleSet.jurisdiction_id.is_not(None))).all()
    assert len(active) == 1 and active[0].thresholds["red"] == 65.0 and active[0].version == 2


def test_supervisor_queues_a_sweep(portal):
    app, _ = portal
    client = app.test_client()
    login(client, "supervisor")
    token = csrf_token(client)
    client.post("/sweeps", data={"kind": "light", "csrf_token": token})
    with _session(app) as s:
        run = s.exec(select(SweepRun).where(SweepRun.trigger == "portal")).one()
    assert (run.status, run.kind, run.requested_by) == ("queued", "light", "supervisor")
    page = client.get("/sweeps").get_data(as_text=True)
    assert "轻量监测 · 门户" in page and "全量监测 · 命令行" in page
    assert ">风险指数</span>" in page and ">scores<" not in page  # stage names


def test_rules_page_names_patterns_bands_and_the_alert_severity(portal):
    app, _ = portal
    client = app.test_client()
    login(client, "supervisor")
    page = client.get("/settings").get_data(as_text=True)
    assert "资金池/绕开存管" in page and "借新还旧（庞氏）" in page and "触发预警的最低严重程度" in page
    assert re.search(r"<th>红 <span", page)  # the band, with its code beside it for `monitor rules set`
    assert re.search(r'<select name="t.alert_severity">.*<option value="high" selected>高</option>', page, re.S)


def test_error_pages_are_the_portal_s_own_in_the_user_s_language(portal):
    app, ids = portal
    client = app.test_client()
    login(client, "inspector")
    forbidden = client.get("/settings")
    assert forbidden.status_code == 403 and "您的角色无权访问该页面" in forbidden.get_data(as_text=True)
    missing = client.get(f"/institutions/{ids['foreign']}")
    assert missing.status_code == 404 and "不在您的辖区范围内" in missing.get_data(as_text=True)
    assert "Forbidden" not in forbidden.get_data(as_text=True)
    token = csrf_token(client)
    client.post("/language", data={"lang": "en", "next": "/", "csrf_token": token})
    assert "Your role does not allow this page." in client.get("/settings").get_data(as_text=True)


def test_admin_creates_a_user_who_can_sign_in(portal):
    app, _ = portal
    client = app.test_client()
    login(client, "admin")
    token = csrf_token(client)
    client.post("/users", data={"username": "wang", "password": "short", "role": "inspector", "jurisdiction": "A",
                                "csrf_token": token})
    client.post("/users", data={"username": "wang", "password": "a long password", "role": "inspector",
                                "jurisdiction": "A", "csrf_token": token})
    new = app.test_client()
    assert login(new, "wang", "a long password").status_code == 302
    assert "红利宝" in new.get("/institutions").get_data(as_text=True)


def test_exports_csv_and_excel(portal):
    from openpyxl import load_workbook

    app, _ = portal
    client = app.test_client()
    login(client, "inspector")
    rows = list(csv.reader(io.StringIO(client.get("/exports/institutions.csv").get_data().decode("utf-8-sig"))))
    assert rows[0][:3] == ["机构", "统一社会信用代码", "类型"] and len(rows) == 4  # header + 3 of city A
    red = next(r for r in rows if r[0].startswith("红利宝"))
    assert red[6] == "红" and float(red[5]) == 70.0 and red[2] == "网络借贷平台"
    resp = client.get("/exports/alerts.xlsx")
    sheet = load_workbook(io.BytesIO(resp.get_data())).active
    values = list(sheet.values)
    assert values[0][:2] == ("序号", "机构") and len(values) == 2 and values[1][1].startswith("红利宝")
    assert values[1][values[0].index("状态")] == "新"
    findings = list(csv.reader(io.StringIO(client.get("/exports/findings.csv").get_data().decode("utf-8-sig"))))
    assert "资金池/绕开存管" in {r[findings[0].index("风险模式")] for r in findings[1:]}
    assert not any(code in cell for row in findings[1:] for cell in row for code in ("fund_pool", "high"))
    assert client.get("/exports/secrets.csv").status_code == 404
    token = csrf_token(client)
    client.post("/language", data={"lang": "en", "next": "/", "csrf_token": token})
    rows = list(csv.reader(io.StringIO(client.get("/exports/institutions.csv").get_data().decode("utf-8-sig"))))
    assert rows[0][:2] == ["Institution", "USCC"] and "red" in {r[6] for r in rows}


def test_cli_users_add_and_list(sqlite_store):
    from click.testing import CliRunner

    from monitor.cli import cli
    from monitor.db import session_scope
    from monitor.models import Jurisdiction

    with session_scope(sqlite_store) as s:
        s.add(Jurisdiction(code="440300", name="示范市"))
    env = {"MONITOR_INSTANCE_DIR": str(sqlite_store.instance_path)}
    runner = CliRunner()
    ok = runner.invoke(cli, ["users", "add", "li", "--role", "supervisor", "--jurisdiction", "440300"], env=env)
    assert ok.exit_code == 0 and "password:" in ok.output
    bad = runner.invoke(cli, ["users", "add", "zhao", "--role", "inspector", "--jurisdiction", "999"], env=env)
    assert "jurisdiction '999' does not exist" in str(bad.exception)
    listed = runner.invoke(cli, ["users", "list"], env=env)
    assert "li" in listed.output and "supervisor" in listed.output and "440300" in listed.output


def test_metric_format():
    from monitor.portal.common import format_metric

    assert format_metric(27492344.48) == "27,492,344.48"
    assert format_metric(0.61856) == "0.6186"
    assert format_metric(12) == "12"
    # keys of nested maps and codes held as values are named (account numbers and months stay as they are)
    assert format_metric({"a": 1, "excess_share": 0.3}) == "a: 1；超出占比: 0.3"
    assert format_metric({"excess_share": 0.3}, zh=False) == "excess share: 0.3"
    assert format_metric("related_company") == "关联企业"
    assert format_metric(True) == "是" and format_metric(False, zh=False) == "no"
    assert format_metric(list(range(100))).endswith("…")


def _evidence_names(html: str) -> list[str]:
    """The names (th) and values (td) of the evidence number tables of a page."""
    import re

    tables = re.findall(r'<div class="evidence">.*?<table class="kv">(.*?)</table>', html, re.S)
    return [cell for t in tables for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", t, re.S)]


def test_finding_evidence_names_its_numbers_in_chinese_and_in_english(portal):
    import re

    app, ids = portal
    client = app.test_client()
    login(client, "inspector")
    for path in (f"/institutions/{ids['red']}", f"/alerts/{ids['alert']}"):
        html = client.get(path).get_data(as_text=True)
        cells = _evidence_names(html)
        assert "流向归集户占比" in cells and "关联企业" in cells and "借贷余额" in cells and "是" in cells, cells
        assert any("超出占比" in c for c in cells), cells
        assert not [c for c in cells if re.search(r"[a-z]+_[a-z]+", c)], cells  # no code name left
        # the account's role and the finding's pattern are named too
        assert "<td>归集户</td>" in html and "collector<" not in html
    assert "资金池/绕开存管 ·" in client.get(f"/institutions/{ids['red']}").get_data(as_text=True)
    token = csrf_token(client)
    client.post("/language", data={"lang": "en", "next": "/", "csrf_token": token})
    cells = _evidence_names(client.get(f"/institutions/{ids['red']}").get_data(as_text=True))
    assert "share to the collector" in cells and "related company" in cells and "yes" in cells, cells
    assert not [c for c in cells if re.search(r"[a-z]+_[a-z]+|[\u4e00-\u9fff]", c)], cells


@pytest.mark.postgres
def test_main_pages_and_scoping_on_postgresql(pg_url, tmp_path):
    from monitor.db import dispose_engines
    from monitor.portal import create_app
    from tests.conftest import make_config
    from tests.portal.conftest import _seed

    cfg = make_config(tmp_path, database_url=pg_url)
    ids = _seed(cfg)
    app = create_app(cfg, test_config={"TESTING": True, "SESSION_COOKIE_SECURE": False})
    client = app.test_client()
    login(client, "inspector")
    for path in ("/", "/institutions?band=red", f"/institutions/{ids['red']}", f"/alerts/{ids['alert']}",
                 "/exports/findings.xlsx", f"/graph/{ids['red']}/related.json", "/briefings"):
        assert client.get(path).status_code == 200, path
    assert "红利宝" in client.get("/institutions?band=red").get_data(as_text=True)
    assert client.get(f"/institutions/{ids['foreign']}").status_code == 404
    assert client.get(f"/alerts/{ids['foreign_alert']}").status_code == 404
    # the alert list's filters, sorts and sections on PostgreSQL too (dates are the bureau's days)
    for path, text in (("/alerts?status=all&severity=critical&band=red&sort=severity&raised_from=2018-06-01"
                        "&raised_to=2018-06-01", "红利宝"), ("/exports/alerts.csv?raised_from=2018-06-01", "红利宝"),
                       (f"/institutions/{ids['red']}/events", "投诉"),
                       (f"/institutions/{ids['red']}/documents", "p2p.example"), ("/exports/institutions.csv", "红利宝")):
        resp = client.get(path)
        assert resp.status_code == 200 and text in resp.get_data(as_text=True), path
    assert "红利宝" not in client.get("/alerts?raised_to=2018-05-31").get_data(as_text=True).split("<tbody>")[1]
    dispose_engines()


def test_briefing_archive_names_the_institution_of_each_dossier(portal):
    app, ids = portal
    client = app.test_client()
    login(client, "inspector")
    page = client.get("/briefings").get_data(as_text=True)
    assert f'<a href="/institutions/{ids["red"]}" translate="no">红利宝金融信息服务有限公司</a>' in page
    assert "乙市外地平台" not in page  # the foreign dossier stays out of the list


def test_core_errors_reach_the_portal_in_the_user_s_language(portal):
    app, ids = portal
    client = app.test_client()
    login(client, "admin")
    token = csrf_token(client)
    short = client.post("/users", data={"username": "li", "password": "short", "role": "inspector",
                                        "jurisdiction": "A", "csrf_token": token}, follow_redirects=True)
    assert "密码至少需要 10 个字符。" in short.get_data(as_text=True)
    taken = client.post("/users", data={"username": "inspector", "password": "a long password", "role": "inspector",
                                        "jurisdiction": "A", "csrf_token": token}, follow_redirects=True)
    assert "用户 inspector 已存在。" in taken.get_data(as_text=True)
    inspector = app.test_client()
    login(inspector, "inspector")
    token = csrf_token(inspector)
    aid = ids["alert"]
    moved = inspector.post(f"/alerts/{aid}/transition", data={"status": "escalated", "csrf_token": token},
                           follow_redirects=True).get_data(as_text=True)
    assert "预警不能从“新”改为“已上报”。" in moved and "cannot go" not in moved
    empty = inspector.post(f"/alerts/{aid}/note", data={"body": "  ", "csrf_token": token},
                           follow_redirects=True).get_data(as_text=True)
    assert "备注不能为空。" in empty and "needs text" not in empty
    token = csrf_token(inspector)
    inspector.post("/language", data={"lang": "en", "next": "/", "csrf_token": token})
    again = inspector.post(f"/alerts/{aid}/transition", data={"status": "escalated", "csrf_token": token},
                           follow_redirects=True).get_data(as_text=True)
    assert "An alert cannot go from “new” to “escalated”." in again


def test_a_failed_sweep_names_its_failed_stages(portal):
    app, _ = portal
    with _session(app) as s:
        now = datetime.now(timezone.utc)
        s.add(SweepRun(kind="full", status="failed", requested_at=now, started_at=now, finished_at=now,
                       stages={"crawl": {"status": "ok"}, "detect": {"status": "failed", "error": "boom"}},
                       error="failed stages: detect"))
        s.commit()
    client = app.test_client()
    login(client, "supervisor")
    page = client.get("/sweeps").get_data(as_text=True)
    assert "失败环节：检测" in page
    assert "技术细节" in page and "failed stages: detect" in page  # the raw text stays, as the detail
    assert "detect: boom" in page  # with the failed stage's own error


def test_error_text_keeps_uncoded_messages():
    from monitor.errors import InputError
    from monitor.portal.common import error_text

    assert error_text(InputError("something odd")) == "something odd"


def test_a_suspect_disclosure_is_not_shown_as_a_figure(portal):
    """A value the reader flagged as implausible stays off the institution page and its history (it is
    listed on /coverage), so no one reads it as the platform's figure."""
    from datetime import date, datetime, timezone

    from monitor.db import session_scope
    from monitor.models import DisclosureFact

    app, ids = portal
    with session_scope(app.extensions["monitor_config"]) as s:
        s.add(DisclosureFact(institution_id=ids["red"], period=date(2018, 7, 1), metric="loan_balance",
                             value=987_654_321_000.0, unit="元", available_at=datetime(2018, 8, 5, tzinfo=timezone.utc),
                             suspect="10,000 × the neighbouring periods"))
    client = app.test_client()
    login(client, "inspector")
    html = client.get(f"/institutions/{ids['red']}").get_data(as_text=True)
    assert "2018-07" not in html and "98,765" not in html
    data = client.get(f"/institutions/{ids['red']}/history.json").get_json()
    assert len(data["periods"]) == 6 and 987_654_321_000.0 not in data["series"][0]["values"]
