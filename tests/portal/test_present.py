"""What inspectors and supervisors read: present alert titles, filters, one notion of time, operating
status from evidence, numbers as people read them, exports, briefings and sweeps."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone

from sqlmodel import Session, select

from monitor.db import get_engine
from monitor.models import Alert, Briefing, Event, Finding, Institution, SweepRun, User
from tests.portal.conftest import csrf_token, login


def _session(app):
    return Session(get_engine(app.extensions["monitor_config"]))


# --------------------------------------------------------------------------- formats (no request)
def test_formats_take_the_locale_and_need_no_request():
    from monitor import formatting as f

    assert f.money_unit([2.5e8, 3e8, 1e6]) == "亿元" and f.money_unit([1e7, 6e7]) == "万元"
    assert f.money_unit([1e7], "en") == "yuan"
    assert f.money_in(1e7, "亿元") == "0.10" and f.money_in(44944928.38, "万元") == "4,494.49"
    assert f.money_in(44944928.38, "yuan", "en") == "44,944,928.38"
    assert f.money(44944928.38, "en") == "44,944,928 yuan" and f.money(2.5e8) == "2.50 亿元"
    assert f.share(0.8454) == "84.5%" and f.share(0.8454, "en", 2) == "84.54%"
    # a detector's numbers by what their keys mean: shares as percentages, amounts with their unit
    assert f.evidence_value("gathered_share", 0.8454, "zh_CN") == "84.5%"
    assert f.evidence_value("amount", 44944928.38, "zh_CN") == "4,494.49 万元"
    assert f.evidence_value("borrowers", 26, "en") == "26"
    assert f.evidence_key("amount", "zh_CN") == "金额" and f.evidence_key("amount", "en") == "amount"
    assert f.pattern_name("scatter_gather", "en") == "scattered in, gathered out"
    assert f.pattern_name("cap", "en") == "index cap" and f.pattern_name("cap", "zh_CN") == "指数封顶"
    assert f.moment_iso(datetime(2018, 6, 1, 2, tzinfo=timezone.utc)) == "2018-06-01T10:00:00+08:00"
    assert f.duration(185) == "3分5秒" and f.duration(185, "en") == "3 min 5 s"
    assert f.month(date(2018, 6, 1)) == "2018年6月" and f.month(date(2018, 6, 1), "en") == "2018-06"


# --------------------------------------------------------------------------- operating status
def test_operating_status_from_events():
    from monitor.status import operating_status

    ev = lambda kind, title, i=1, day="2018-06-01": {"id": i, "kind": kind, "title": title, "occurred_on": day}  # noqa: E731
    assert operating_status([]).code == "operating"
    assert operating_status([ev("complaint", "提现困难")]).code == "operating"  # one unhappy lender
    two = operating_status([ev("complaint", "提现困难", 1), ev("complaint", "兑付延期", 2, "2018-06-03")])
    assert two.code == "troubled" and [e["id"] for e in two.evidence] == [2, 1]  # newest first
    assert operating_status([ev("closure", "关于平台良性退出的公告")]).code == "closed"
    assert operating_status([ev("registry_change", "企业状态变更为注销")]).code == "closed"
    # a police case outranks the closure; a civil enforcement record is no criminal case
    filed = operating_status([ev("closure", "清盘公告", 1), ev("news", "某平台涉嫌非法吸收公众存款被立案侦查", 2)])
    assert filed.code == "filed" and filed.evidence[0]["id"] == 2 and filed.name(zh=True) == "立案"
    assert operating_status([{"kind": "enforcement", "title": "被执行人信息", "keywords": ["立案时间"]}]).code \
        == "operating"


def test_institutions_show_the_status_their_events_establish(portal):
    app, ids = portal
    with _session(app) as s:
        s.add(Event(kind="closure", institution_id=ids["calm"], title="关于平台停止运营及清盘处置的公告",
                    occurred_on=date(2018, 5, 30), document_id=ids["doc"]))
        s.commit()
    client = app.test_client()
    login(client, "inspector")
    listing = client.get("/institutions").get_data(as_text=True)
    row = next(r for r in listing.split("<tr>") if "稳稳贷" in r)
    assert "停业清盘" in row
    red_row = next(r for r in listing.split("<tr>") if "红利宝" in r)
    assert "正常" in red_row and "正常经营" not in listing
    page = client.get(f"/institutions/{ids['calm']}").get_data(as_text=True)
    status = page[page.index('id="inst-status"'):page.index("</td>", page.index('id="inst-status"'))]
    assert "停业清盘" in status and f'/documents/{ids["doc"]}' in status  # the evidence is linked
    csv_text = client.get("/exports/institutions.csv").get_data(as_text=True)
    assert "停业清盘" in next(r for r in csv_text.splitlines() if "稳稳贷" in r)


# --------------------------------------------------------------------------- alerts show the present
def _newer_sighting(app, ids) -> None:
    """The red institution's fund pool seen again a month later with other numbers and wording."""
    with _session(app) as s:
        old = s.get(Finding, ids["finding"])
        evidence = dict(old.evidence)
        evidence["metrics"] = {"borrowers": 26, "gathered_share": 0.8454}
        s.add(Finding(detector=old.detector, kind=old.kind, institution_id=old.institution_id, severity="critical",
                      score=60, title="资金池：26名借款人资金的85%归集", evidence=evidence,
                      as_of=old.as_of + timedelta(days=31), fingerprint=old.fingerprint))
        s.commit()


def test_an_alert_reads_as_its_newest_finding_and_keeps_its_first_wording(portal):
    app, ids = portal
    _newer_sighting(app, ids)
    client = app.test_client()
    login(client, "inspector")
    listing = client.get("/alerts").get_data(as_text=True)
    assert "资金池：26名借款人资金的85%归集" in listing and "借款人数 26" in listing and "84.5%" in listing
    page = client.get(f"/alerts/{ids['alert']}").get_data(as_text=True)
    lead = page[page.index('id="alert-title"'):page.index("</p>", page.index('id="alert-title"'))]
    assert "26名借款人" in lead
    assert "首次预警时的表述" in page and "资金池：出借资金流向归集账户" in page  # the first wording, in history
    assert "84.5%" in page and "0.8454" not in page
    dashboard = client.get("/").get_data(as_text=True)
    assert "26名借款人" in dashboard


def test_times_are_labelled_data_dates_or_system_clock(portal):
    app, ids = portal
    client = app.test_client()
    login(client, "inspector")
    page = client.get(f"/alerts/{ids['alert']}").get_data(as_text=True)
    # raised by the sweep of data as of 1 June 2018 (a date); the journal is the system's clock
    assert "首次预警：数据截至 2018年6月1日 的监测运行" in page
    assert "记录时间（系统时钟）" in page
    docs = client.get(f"/institutions/{ids['red']}/documents").get_data(as_text=True)
    assert "抓取时间（系统时钟）" in docs


def _many_alerts(app, ids, n=60) -> None:
    t0 = datetime(2018, 1, 1, 2, tzinfo=timezone.utc)
    with _session(app) as s:
        inspector = s.exec(select(User).where(User.username == "inspector")).one()
        for i in range(n):
            s.add(Alert(institution_id=ids["calm"] if i % 2 else ids["hostile"], fingerprint=f"x{i:03d}",
                        kind="finding", title=f"第{i}号", severity=("high", "medium")[i % 2],
                        first_raised_at=t0 + timedelta(days=i), last_seen_at=t0 + timedelta(days=i),
                        assignee_id=inspector.id if i % 3 == 0 else None))
        s.commit()


def _ids_in(html: str) -> list[int]:
    import re

    return [int(x) for x in re.findall(r'<td><a href="/alerts/(\d+)">#', html)]


def test_alert_list_filters_sorts_and_pages(portal):
    app, ids = portal
    _many_alerts(app, ids)
    client = app.test_client()
    login(client, "inspector")
    first = client.get("/alerts").get_data(as_text=True)
    assert len(_ids_in(first)) == 50 and 'id="alert-total">61<' in first and "page=2" in first
    assert len(_ids_in(client.get("/alerts?page=2").get_data(as_text=True))) == 11
    calm = client.get(f"/alerts?institution={ids['calm']}").get_data(as_text=True)
    assert len(_ids_in(calm)) == 30 and "红利宝" not in calm.split("<tbody>")[1]
    assert len(_ids_in(client.get("/alerts?severity=critical").get_data(as_text=True))) == 1
    assert len(_ids_in(client.get("/alerts?assignee=me").get_data(as_text=True))) == 20
    assert len(_ids_in(client.get("/alerts?assignee=none").get_data(as_text=True))) == 41
    between = client.get("/alerts?raised_from=2018-01-01&raised_to=2018-01-10").get_data(as_text=True)
    assert len(_ids_in(between)) == 10  # calendar days of the bureau, both ends included
    bad = client.get("/alerts?raised_from=2018-13-01").get_data(as_text=True)
    assert "2018-13-01 不是日期" in bad and len(_ids_in(bad)) == 50
    assert len(_ids_in(client.get("/alerts?band=red").get_data(as_text=True))) == 1  # the red institution's
    assert len(_ids_in(client.get("/alerts?band=orange").get_data(as_text=True))) == 30  # the hostile one's
    oldest = _ids_in(client.get("/alerts?sort=first_raised_asc").get_data(as_text=True))
    with _session(app) as s:
        first_raised = {a.id: a.first_raised_at for a in s.exec(select(Alert))}
    assert [first_raised[i] for i in oldest] == sorted(first_raised[i] for i in oldest)
    assert first_raised[oldest[0]] == min(first_raised.values())
    severe = _ids_in(client.get("/alerts?sort=severity").get_data(as_text=True))
    assert severe[0] == ids["alert"]  # critical first
    assert "首次预警（数据日期）" in first
    # the export takes the same filters
    rows = list(csv.reader(io.StringIO(client.get(f"/exports/alerts.csv?institution={ids['calm']}&severity=medium")
                                        .get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 31 and all("稳稳贷" in r[1] for r in rows[1:])


# --------------------------------------------------------------------------- exports
def test_exports_one_charset_local_times_and_riskiest_first(portal):
    app, ids = portal
    client = app.test_client()
    login(client, "inspector")
    resp = client.get("/exports/institutions.csv")
    assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    scores = [float(r[5]) if r[5] else 0.0 for r in rows[1:]]
    assert scores == sorted(scores, reverse=True) and rows[1][0].startswith("红利宝")
    alerts = list(csv.reader(io.StringIO(client.get("/exports/alerts.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert "首次预警 (Asia/Shanghai)" in alerts[0]
    assert alerts[1][alerts[0].index("首次预警 (Asia/Shanghai)")] == "2018-06-01T10:00:00+08:00"  # 02:00 UTC


# --------------------------------------------------------------------------- dashboard, briefings, sweeps
def test_dashboard_districts_count_yellow_too(portal):
    app, ids = portal
    from monitor.models import Score

    with _session(app) as s:
        s.add(Score(institution_id=ids["calm"], as_of=datetime(2018, 6, 1, 3, tzinfo=timezone.utc), score=22.0, band="yellow",
                    rule_version=1, contributions=[]))
        s.commit()
    client = app.test_client()
    login(client, "inspector")
    html = client.get("/").get_data(as_text=True)
    districts = html[html.index("<h2>区县</h2>"):]
    assert '<th class="num">黄</th>' in districts
    west = next(r for r in districts.split("<tr>") if "西区" in r)
    # total, red, orange, yellow: the calm platform turned yellow, the hostile one is orange
    assert '<td class="num">2</td><td class="num">0</td><td class="num">1</td><td class="num">1</td>' in west


def test_a_store_wide_city_briefing_reaches_the_inspectors_covering_the_store(portal):
    app, ids = portal
    cfg = app.extensions["monitor_config"]
    path = cfg.briefing_path / "city-2018-05-26_2018-06-01.pdf"
    path.write_bytes(b"%PDF-1.4\n% city\n")
    with _session(app) as s:
        row = Briefing(kind="city", path=str(path), sha256="3" * 64, pages=1, period_start=date(2018, 5, 26),
                       period_end=date(2018, 6, 1), created_by="cli")
        s.add(row)
        s.commit()
        bid = row.id
    client = app.test_client()
    login(client, "inspector")
    # city B's institution is in the store: a store-wide briefing would show it to city A
    assert f"/briefings/{bid}.pdf" not in client.get("/briefings").get_data(as_text=True)
    assert client.get(f"/briefings/{bid}.pdf").status_code == 404
    with _session(app) as s:
        foreign = s.get(Institution, ids["foreign"])
        foreign.jurisdiction_id = s.get(Institution, ids["calm"]).jurisdiction_id
        s.add(foreign)
        s.commit()
    assert f"/briefings/{bid}.pdf" in client.get("/briefings").get_data(as_text=True)
    resp = client.get(f"/briefings/{bid}.pdf")
    assert resp.status_code == 200 and resp.data.startswith(b"%PDF")


def test_sweeps_show_durations_and_counts(portal):
    app, ids = portal
    t0 = datetime(2018, 6, 1, 2, tzinfo=timezone.utc)
    with _session(app) as s:
        s.add(SweepRun(kind="full", status="succeeded", requested_at=t0, started_at=t0,
                       finished_at=t0 + timedelta(seconds=185),
                       stages={"detect": {"status": "ok", "seconds": 34.1, "counts": {"findings": 62}},
                               "alerts": {"status": "ok", "seconds": 0.2, "counts": {"created": 10, "seen": 78}}}))
        s.commit()
    client = app.test_client()
    login(client, "inspector")
    html = client.get("/sweeps").get_data(as_text=True)
    assert "3分5秒" in html and "发现 62" in html and "新增预警 10" in html


def test_findings_beyond_the_strongest_bring_their_evidence_when_opened(portal):
    app, ids = portal
    with _session(app) as s:
        for i in range(3):
            s.add(Finding(detector="indicator.litigation", kind="litigation", institution_id=ids["red"],
                          severity="low", score=1 + i, title=f"涉诉记录 {i}", as_of=datetime(2018, 6, 1, 2, tzinfo=timezone.utc),
                          evidence={"metrics": {"events": 3 + i, "amount": 2.5e6}}, fingerprint=f"lit{i}"))
        s.commit()
        weakest = s.exec(select(Finding).where(Finding.fingerprint == "lit0")).one().id
    client = app.test_client()
    login(client, "inspector")
    page = client.get(f"/institutions/{ids['red']}").get_data(as_text=True)
    url = f"/institutions/{ids['red']}/findings?id={weakest}"
    assert f'data-evidence="{url}"' in page and "记录条数 3，金额 250.00 万元" in page  # the summary shows
    weakest_table = '<th>记录条数</th><td class="num">3</td>'
    assert "<th>流向归集户占比</th>" in page  # the strongest finding shows its evidence
    assert weakest_table not in page and '<th>记录条数</th><td class="num">5</td>' not in page  # the others when opened
    evidence = client.get(url).get_data(as_text=True)
    assert weakest_table in evidence and "250.00 万元" in evidence
    assert client.get(f"/institutions/{ids['foreign']}/findings?id={weakest}").status_code == 404
    assert client.get(f"/institutions/{ids['red']}/findings?id={ids['foreign_finding']}").status_code == 404
