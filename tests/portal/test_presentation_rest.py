"""Presentation in English and in data time: exports, chart units, date inputs, events up to the data date."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from tests.portal.conftest import csrf_token, login
from tests.portal.test_english import CJK

# Columns that quote data (names as registered, a district's name, text as the page printed it).
DATA_COLUMNS = {"name", "institution", "district", "raw_label", "raw_value"}


def _english(client):
    client.post("/language", data={"lang": "en", "csrf_token": csrf_token(client), "next": "/"})


def test_english_exports_have_no_chinese_outside_quoted_data(portal):
    app, _ids = portal
    client = app.test_client()
    login(client, "admin")
    _english(client)
    problems = []
    for what in ("institutions", "alerts", "findings", "disclosures"):
        rows = json.loads(client.get(f"/exports/{what}.json").get_data())
        assert rows, what
        problems += [(what, k, v) for row in rows for k, v in row.items()
                     if k not in DATA_COLUMNS and k != "unit" and isinstance(v, str) and CJK.search(v)]
        table = list(csv.reader(io.StringIO(client.get(f"/exports/{what}.csv").get_data().decode("utf-8-sig"))))
        codes = list(rows[0])
        problems += [(what, "csv:" + h, h) for h in table[0] if CJK.search(h)]
        problems += [(what, "csv:" + code, v) for row in table[1:] for code, v in zip(codes, row)
                     if code not in DATA_COLUMNS and CJK.search(v)]
    assert problems == []


def test_findings_export_words_a_finding_from_its_evidence(portal):
    app, _ids = portal
    client = app.test_client()
    login(client, "admin")
    zh = json.loads(client.get("/exports/findings.json").get_data())[0]
    assert CJK.search(zh["title"]) and "62.0%" in zh["summary"]
    _english(client)
    en = json.loads(client.get("/exports/findings.json").get_data())[0]
    assert en["title"] == "Fund pool / custody bypassed"
    assert en["summary"] == "share to the collector 62.0%"


def test_disclosure_chart_axis_names_the_unit_its_ticks_are_in(portal):
    app, ids = portal
    client = app.test_client()
    login(client, "inspector")
    zh = client.get(f"/institutions/{ids['red']}/history.json").get_json()
    # loan balances of 10–60 million yuan: ticks in 万元 (1,000 … 6,000), the axis named 万元
    assert zh["axis"] == {"name": "万元", "scale": 10000.0}
    _english(client)
    en = client.get(f"/institutions/{ids['red']}/history.json").get_json()
    assert en["axis"] == {"name": "yuan", "scale": 1.0}
    # The chart draws its ticks from that unit alone (no 万/亿 suffix of its own beside the axis name).
    js = (Path(app.static_folder) / "portal.js").read_text(encoding="utf-8")
    assert "data.axis.name" in js and "axisNumber(data.axis.scale)" in js
    assert '+ "万"' not in js and '(zh ? "元" : "yuan")' not in js


def test_alert_date_filters_are_iso_whatever_the_browser_locale(portal):
    app, _ids = portal
    client = app.test_client()
    login(client, "inspector")
    for lang, title in (("zh-CN", "日期，写作 YYYY-MM-DD"), ("en", "A date written as YYYY-MM-DD")):
        if lang == "en":
            _english(client)
        html = client.get("/alerts?raised_from=2018-05-01").get_data(as_text=True)
        assert f'<html lang="{lang}">' in html
        # <input type="date"> is drawn in the browser's own locale (mm/dd/yyyy in an en-US Chromium)
        assert 'type="date"' not in html
        for name in ("raised_from", "raised_to"):
            tag = html[html.index(f'name="{name}"') - 20:]
            tag = tag[:tag.index(">")]
            assert 'type="text"' in tag and 'placeholder="YYYY-MM-DD"' in tag and r'pattern="\d{4}-\d{2}-\d{2}"' in tag
            assert title in tag
        assert 'value="2018-05-01"' in html


def test_events_after_the_data_date_are_marked(portal):
    from datetime import date

    from monitor.models import Event
    from tests.portal.test_present import _session

    app, ids = portal
    with _session(app) as s:  # the calm platform's data stand at 2018-06-01; a replay stored a later closure
        s.add(Event(kind="closure", institution_id=ids["calm"], title="关于平台停止运营及清盘处置的公告",
                    occurred_on=date(2018, 9, 1), document_id=ids["doc"]))
        s.commit()
    client = app.test_client()
    login(client, "inspector")
    page = client.get(f"/institutions/{ids['calm']}").get_data(as_text=True)
    status = page[page.index('id="inst-status"'):page.index("</td>", page.index('id="inst-status"'))]
    # the closure is known, so the status says so; its evidence carries the mark
    assert "停业清盘" in status
    assert "2018年9月1日" in status and "晚于数据日期" in status[status.index("2018年9月1日"):]
    events = client.get(f"/institutions/{ids['calm']}/events").get_data(as_text=True)
    later = events[events.index("2018年9月1日") - 80:events.index("清盘处置")]
    assert 'class="after-data-date"' in later and "晚于数据日期" in later
    _english(client)
    events = client.get(f"/institutions/{ids['calm']}/events").get_data(as_text=True)
    assert "after the data date" in events and "Events after the data date (2018-06-01) are marked" in events
    page = client.get(f"/institutions/{ids['calm']}").get_data(as_text=True)
    assert "after the data date" in page[page.index('id="inst-status"'):]


def test_events_up_to_the_data_date_are_not_marked(portal):
    from datetime import date

    from monitor.models import Event
    from tests.portal.test_present import _session

    app, ids = portal
    with _session(app) as s:
        s.add(Event(kind="closure", institution_id=ids["calm"], title="关于平台停止运营及清盘处置的公告",
                    occurred_on=date(2018, 6, 1), document_id=ids["doc"]))
        s.commit()
    client = app.test_client()
    login(client, "inspector")
    assert "晚于数据日期" not in client.get(f"/institutions/{ids['calm']}").get_data(as_text=True)
    assert "晚于数据日期" not in client.get(f"/institutions/{ids['calm']}/events").get_data(as_text=True)
