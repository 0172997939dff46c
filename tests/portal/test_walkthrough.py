"""What a walk through the demo as an inspector showed, fixed: relative figures of a finding read as their
reference, sweeps name skipped stages and both clocks, the coverage page in English, a finding named once,
court amounts read from their text, long page addresses kept inside the table."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

from sqlmodel import Session, select

from monitor import formatting as f
from monitor.db import get_engine
from monitor.models import DisclosureFact, Event, SweepRun
from tests.portal.conftest import csrf_token, login
from tests.portal.test_english import chrome_cjk

T0 = datetime(2018, 6, 1, 2, tzinfo=timezone.utc)


def _session(app):
    return Session(get_engine(app.extensions["monitor_config"]))


def _english(client):
    client.post("/language", data={"lang": "en", "csrf_token": csrf_token(client), "next": "/"})


def test_a_city_median_and_a_gap_read_as_the_share_they_compare_with():
    yield_ = {"avg_yield": 0.1462, "city_median": 0.1029, "gap": 0.0433, "peers": 55}
    assert f.summary_metrics(yield_, "en") == "average yield 14.6%, city median 10.3%, gap 4.3%"
    assert f.evidence_value("city_median", 0.1029, "zh_CN", yield_) == "10.3%"
    jump = {"metric": "amount_overdue_rate", "latest": 0.0968, "baseline": 0.0238, "jump": 0.073,
            "count_rate_rise": 0.03695}
    assert [f.evidence_value(k, v, "en", jump) for k, v in jump.items() if k != "metric"] == \
        ["9.7%", "2.4%", "7.3%", "3.7%"]
    assert f.evidence_value("threshold", 0.5, "en", {"top10_share": 0.55, "threshold": 0.5}) == "50.0%"
    assert f.evidence_value("baseline_per_window", 0.667, "en", {"recent": 3}) == "0.667"  # a count stays one


def test_a_stage_that_ran_is_never_shown_taking_no_time():
    assert f.duration(0.16) == "<1秒" and f.duration(0.16, "en") == "<1 s"
    assert f.duration(0) == "0秒" and f.duration(42.4, "en") == "42 s"


def test_sweeps_name_skipped_stages_and_label_both_clocks(portal):
    app, _ids = portal
    with _session(app) as s:
        s.add(SweepRun(kind="full", trigger="cli", status="succeeded", as_of=datetime(2018, 3, 5, 15, 59, 59, tzinfo=timezone.utc),
                       requested_at=T0, started_at=T0, finished_at=T0 + timedelta(seconds=100),
                       stages={"crawl": {"status": "skipped", "reason": "replay", "seconds": 0.03},
                               "scores": {"status": "ok", "seconds": 0.16, "counts": {"scores": 60}}}))
        s.commit()
    client = app.test_client()
    login(client, "inspector")
    html = client.get("/sweeps").get_data(as_text=True)
    assert "抓取 跳过" in html and "抓取 0秒" not in html
    assert "风险指数 &lt;1秒" in html or "风险指数 <1秒" in html
    assert "申请时间（系统时钟）" in html and "开始时间（系统时钟）" in html
    row = next(r for r in html.split("<tr>") if "回放" in r)
    assert "2018年3月5日" in row  # the replay's data date, in its own column


def test_the_coverage_page_in_english_has_no_chinese_chrome_and_shows_the_newest_periods(portal):
    app, ids = portal
    with _session(app) as s:
        doc_id = ids["doc"]
        for m in range(6, 12):  # twelve months reported in all
            s.add(DisclosureFact(institution_id=ids["red"], period=date(2018, m + 1, 1), metric="loan_balance",
                                 value=1e7, unit="元", document_id=doc_id, available_at=T0))
        s.commit()
    client = app.test_client()
    login(client, "inspector")
    _english(client)
    html = client.get("/coverage").get_data(as_text=True)
    assert chrome_cjk(html) == []
    assert "The newest 6 of 12 periods." in html and f"/coverage?institution={ids['red']}" in html
    assert "2018-12" in html and "2018-01" not in html
    full = client.get(f"/coverage?institution={ids['red']}").get_data(as_text=True)
    assert "2018-01" in full and "The newest" not in full


def test_an_english_finding_is_named_once(portal):
    app, ids = portal
    client = app.test_client()
    login(client, "inspector")
    _english(client)
    page = client.get(f"/institutions/{ids['red']}").get_data(as_text=True)
    summary = page[page.index('<details class="finding"'):]
    summary = summary[:summary.index("</summary>")]
    assert len(re.findall(r"(?i)fund pool / custody bypassed", summary)) == 1, summary


def test_a_court_record_s_amount_is_read_from_its_text(portal):
    app, ids = portal
    with _session(app) as s:
        s.add(Event(kind="lawsuit", institution_id=ids["red"], title="民间借贷纠纷一审判决", body="判令偿还借款本金460,000元及利息",
                    occurred_on=date(2018, 5, 1), external_id="j1", available_at=T0))
        s.add(Event(kind="registry_change", institution_id=ids["red"], title="注册资本：5000万元 → 100万元",
                    occurred_on=date(2018, 4, 1), external_id="r1", available_at=T0))
        s.commit()
    client = app.test_client()
    login(client, "inspector")
    html = client.get(f"/institutions/{ids['red']}/events").get_data(as_text=True)
    judgment = next(li for li in html.split("<li>") if "一审判决" in li)
    assert "46.00 万元" in judgment
    capital = next(li for li in html.split("<li>") if "注册资本" in li)
    assert "万元 ·" not in capital.split("</span>", 2)[-1]  # the capital it states is not the event's amount


def test_a_long_page_address_is_shortened_with_the_whole_one_on_hover(portal):
    app, ids = portal
    url = "http://127.0.0.1:18631/registry/company/91440307Y1F000023J/history/2018/registration.html"
    with _session(app) as s:
        from monitor.models import Document

        s.add(Document(url=url, institution_id=ids["red"], sha256="9" * 64, body=b"x", fetched_at=T0,
                       available_at=T0))
        s.commit()
    client = app.test_client()
    login(client, "inspector")
    html = client.get(f"/institutions/{ids['red']}/documents").get_data(as_text=True)
    link = next(a for a in re.findall(r'<a [^>]*class="mono"[^>]*>[^<]*</a>', html) if "registration" in a
                or "registry" in a)
    assert f'title="{url}"' in link
    text = re.sub(r"<[^>]+>", "", link)
    assert not text.startswith("http") and len(text) <= 56


def test_alert_evidence_of_a_score_has_headings(portal):
    app, ids = portal
    from monitor.models import Alert, Score

    with _session(app) as s:
        score = s.exec(select(Score).where(Score.institution_id == ids["red"]).order_by(Score.as_of.desc())).first()
        alert = Alert(institution_id=ids["red"], fingerprint="band-red", kind="band_change", title="升至红",
                      severity="critical", score_id=score.id, band="red", first_raised_at=T0, last_seen_at=T0)
        s.add(alert)
        s.commit()
        alert_id = alert.id
    client = app.test_client()
    login(client, "inspector")
    html = client.get(f"/alerts/{alert_id}").get_data(as_text=True)
    evidence = html[html.index("<h2>证据</h2>"):]
    assert "<th>信号</th>" in evidence and "分值</th>" in evidence


def test_the_disclosure_export_names_its_units(portal):
    import csv
    import io

    app, ids = portal
    client = app.test_client()
    login(client, "inspector")
    _english(client)
    rows = list(csv.DictReader(io.StringIO(client.get("/exports/disclosures.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert rows and {r["Unit"] for r in rows} == {"yuan"}  # the store's 元, in English


def test_a_finding_the_newest_sweep_did_not_repeat_is_marked_and_listed_after(portal):
    app, ids = portal
    from monitor.models import Finding

    with _session(app) as s:
        s.add(Finding(detector="indicator.complaint_surge", kind="complaint_surge", institution_id=ids["red"],
                      severity="critical", score=90, title="投诉激增（旧）", as_of=T0 - timedelta(days=60),
                      evidence={"metrics": {"recent": 3}}, fingerprint="old-surge"))
        s.commit()
    client = app.test_client()
    login(client, "inspector")
    page = client.get(f"/institutions/{ids['red']}").get_data(as_text=True)
    summaries = re.findall(r"<summary>.*?</summary>", page, re.S)
    assert "资金池" in summaries[0] and "最新一次监测未再发现" not in summaries[0]  # the current one first
    old = next(x for x in summaries if "投诉激增（旧）" in x)
    assert "最新一次监测未再发现" in old
