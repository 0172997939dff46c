"""``monitor coverage``: items found per institution and period, suspect values, labels not understood,
and the coverage_drop alert."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

from sqlmodel import select

from monitor.coverage import OFFICIAL, coverage, raise_coverage_alerts
from monitor.db import session_scope
from monitor.models import Alert, DisclosureFact, Document, Institution
from tests.conftest import uscc_for

AT = datetime(2019, 1, 10, tzinfo=timezone.utc)


def _seed(config) -> int:
    """June: every item; July: three items fewer, one suspect, one label not understood."""
    with session_scope(config) as s:
        inst = Institution(name="甲网络科技有限公司", name_norm="甲网络科技", uscc=uscc_for(7))
        s.add(inst)
        s.flush()
        june = Document(url="http://x/201806.html", institution_id=inst.id, sha256="a" * 64, parse_status="ok")
        july = Document(url="http://x/201807.html", institution_id=inst.id, sha256="b" * 64, parse_status="ok",
                        parse_error="labels not understood: 风险准备金覆盖率、借款人地域分布")
        s.add_all([june, july])
        s.flush()
        for metric in OFFICIAL:
            s.add(DisclosureFact(institution_id=inst.id, period=date(2018, 6, 1), metric=metric, value=1.0,
                                 unit="元", document_id=june.id, available_at=AT))
        for metric in OFFICIAL[:-3]:
            s.add(DisclosureFact(institution_id=inst.id, period=date(2018, 7, 1), metric=metric, value=2.0,
                                 unit="元", document_id=july.id, available_at=AT, estimated=True,
                                 suspect="a share above 100%" if metric == "top10_borrower_share" else None,
                                 raw_label="前十大借款人待还金额占比", raw_value="150%"))
        s.add(Document(url="http://x/201808.html", institution_id=inst.id, sha256="c" * 64,
                       parse_status="unreadable", parse_error="items named, no figure read"))
        return inst.id


def test_coverage_per_period_and_drop_alert(store):
    iid = _seed(store)
    with session_scope(store) as s:
        [report] = coverage(s)
        june, july = report.periods
        assert (len(june.found), june.missing) == (len(OFFICIAL), [])
        assert july.found["outstanding_balance"] == "http://x/201807.html"
        assert "top10_borrower_share" not in july.found and len(july.missing) == 4
        assert [x["raw_value"] for x in july.suspect] == ["150%"] and july.estimated
        assert july.not_understood == ["风险准备金覆盖率", "借款人地域分布"]
        assert report.unreadable == [{"url": "http://x/201808.html", "why": "items named, no figure read"}]
        assert report.drop == (june, july)
        assert raise_coverage_alerts(s, [report], AT) == 1
    with session_scope(store) as s:
        [report] = coverage(s, [iid])
        assert raise_coverage_alerts(s, [report], AT) == 0  # the same drop: one alert, refreshed
        alert = s.exec(select(Alert)).one()
        assert (alert.kind, alert.institution_id, alert.severity) == ("coverage_drop", iid, "medium")
        assert "2018-07" in alert.title


def test_no_alert_without_a_drop(store):
    with session_scope(store) as s:
        inst = Institution(name="乙网络科技有限公司", name_norm="乙网络科技", uscc=uscc_for(8))
        s.add(inst)
        s.flush()
        for month in (6, 7):
            for metric in OFFICIAL[:10]:
                s.add(DisclosureFact(institution_id=inst.id, period=date(2018, month, 1), metric=metric,
                                     value=1.0, unit="元", available_at=AT))
    with session_scope(store) as s:
        [report] = coverage(s)
        assert report.drop is None and raise_coverage_alerts(s, [report], AT) == 0


def test_cli_coverage_json_and_usage(sqlite_store, monkeypatch):
    from monitor.cli import main

    _seed(sqlite_store)
    monkeypatch.setenv("MONITOR_INSTANCE_DIR", str(sqlite_store.instance_path))
    out, err = [], []
    monkeypatch.setattr("click.echo", lambda msg="", **kw: (err if kw.get("err") else out).append(str(msg)))
    assert main(["coverage", "--institution", uscc_for(7), "--json", "--alert"]) == 0
    data = json.loads("".join(out))
    [inst] = data["institutions"]
    assert inst["drop"] == {"from": "2018-06", "to": "2018-07", "before": 1.0, "after": round(18 / 22, 4)}  # 19 read, one suspect
    assert data["alerts_created"] == 1
    out.clear()
    assert main(["coverage"]) == 0 and "not understood: 风险准备金覆盖率" in "\n".join(out)
    assert main(["coverage", "--institution", "nonsense"]) == 2 and "neither an institution id" in err[-1]


# The operator page, over the portal's seeded store (two cities).
from tests.portal.conftest import compiled_catalogues, login, portal, seeded_store  # noqa: E402,F401


def test_coverage_page_shows_institutions_in_scope_only(portal):
    app, ids = portal
    client = app.test_client()
    login(client, "inspector")
    page = client.get("/coverage")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "红利宝金融信息服务有限公司" in html and "乙市外地平台有限公司" not in html
    assert client.get(f"/coverage?institution={ids['foreign']}").status_code == 404
    one = client.get(f"/coverage?institution={ids['red']}").get_data(as_text=True)
    assert "红利宝金融信息服务有限公司" in one and "2018" in one
