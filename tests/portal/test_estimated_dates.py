"""Disclosed figures whose date is estimated (the page stated none: the regulatory deadline) carry a mark on the
institution page and in the disclosure exports, with a legend; figures of dated pages carry none."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime, timezone

from tests.portal.conftest import csrf_token, login

DATED, ESTIMATED = 12_345_670.0, 76_543_210.0  # 1,234.57 and 7,654.32 万元


def _facts(app, inst_id: int) -> None:
    from monitor.db import session_scope
    from monitor.models import DisclosureFact

    with session_scope(app.extensions["monitor_config"]) as s:
        s.add(DisclosureFact(institution_id=inst_id, period=date(2018, 4, 1), metric="loan_balance", value=DATED,
                             unit="元", available_at=datetime(2018, 5, 3, 2, tzinfo=timezone.utc)))
        s.add(DisclosureFact(institution_id=inst_id, period=date(2018, 5, 1), metric="loan_balance",
                             value=ESTIMATED, unit="元", estimated=True,
                             available_at=datetime(2018, 6, 7, 15, 59, 59, tzinfo=timezone.utc)))


def _cells(html: str) -> list[str]:
    """The disclosure table's figure cells (one metric: April, then May)."""
    table = html.split('<table class="facts">', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<td class="num">.*?</td>', table)


def test_institution_page_marks_estimated_figures_with_a_legend(portal):
    app, ids = portal
    _facts(app, ids["calm"])
    client = app.test_client()
    login(client, "inspector")
    html = client.get(f"/institutions/{ids['calm']}").get_data(as_text=True)
    dated, estimated = _cells(html)
    assert "1,234.57" in dated and "估" not in dated
    assert "7,654.32" in estimated and estimated.endswith('<sup class="est" title="公开时间按监管期限估计">估</sup></td>')
    assert 'id="estimated-legend"' in html and "第五个工作日" in html
    red = client.get(f"/institutions/{ids['red']}").get_data(as_text=True)  # its pages are all dated
    assert 'class="est"' not in red and 'id="estimated-legend"' not in red
    client.post("/language", data={"lang": "en", "csrf_token": csrf_token(client), "next": "/"})
    html = client.get(f"/institutions/{ids['calm']}").get_data(as_text=True)
    dated, estimated = _cells(html)
    assert "12,345,670.00" in dated and "est." not in dated
    assert "76,543,210.00" in estimated and estimated.endswith(">est.</sup></td>")
    assert "fifth working day after the period" in html


def test_disclosure_exports_mark_estimated_dates(portal):
    app, ids = portal
    _facts(app, ids["calm"])
    client = app.test_client()
    login(client, "inspector")
    body = client.get(f"/exports/disclosures.csv?institution={ids['calm']}").get_data().decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(body)))
    est = next(i for i, h in enumerate(header) if h.startswith("公开时间为估计"))
    at = header.index("公开时间 (Asia/Shanghai)")
    assert [(r[2], r[at], r[est]) for r in rows] == [("2018-04", "2018-05-03T10:00:00+08:00", ""),
                                                      ("2018-05", "2018-06-07T23:59:59+08:00", "估")]
    assert "第五个工作日" in header[est]
    data = json.loads(client.get(f"/exports/disclosures.json?institution={ids['calm']}").get_data())
    assert [(d["period"], d["estimated"]) for d in data] == [("2018-04", False), ("2018-05", True)]
    every = list(csv.reader(io.StringIO(client.get("/exports/disclosures.csv").get_data().decode("utf-8-sig"))))
    assert len(every) == 1 + 2 + 6  # header, 稳稳贷's two and 红利宝's six, nothing outside city A
    login(foreign := app.test_client(), "foreign")
    assert json.loads(foreign.get(f"/exports/disclosures.json?institution={ids['calm']}").get_data()) == []
