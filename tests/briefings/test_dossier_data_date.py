"""The dossier marks the events after its data date, as the portal's institution page does."""

from __future__ import annotations

from datetime import datetime, timedelta

from monitor.briefings.data import institution_data
from monitor.db import session_scope
from monitor.models import Event
from tests.briefings.seed import seed_store


def test_dossier_marks_events_after_its_data_date(sqlite_store):
    info = seed_store(sqlite_store, institutions=3)
    with session_scope(sqlite_store) as s:
        as_of = institution_data(s, sqlite_store, info.red_id)["score"]["as_of"]
        later = (datetime.fromisoformat(as_of) + timedelta(days=60)).date()
        s.add(Event(kind="closure", institution_id=info.red_id, title="关于平台停止运营及清盘处置的公告",
                    occurred_on=later))
        s.commit()
        dossier = institution_data(s, sqlite_store, info.red_id)
    assert dossier["institution"]["operating_status"]["code"] == "closed"  # known, and marked below
    assert any(e["occurred_on"] == later.isoformat() for e in dossier["events"])  # listed, with its date
    from monitor.briefings.api import institution_charts
    from monitor.briefings.render import render_html

    html = render_html("institution.html", dossier, institution_charts(dossier))
    timeline = html[html.index("六、事件时间线"):]
    row = timeline[:timeline.index("关于平台停止运营及清盘处置的公告")]
    assert "晚于数据日期" in row[row.rindex("<tr>"):]  # the later event is marked in its row
    assert "数据日期（" in timeline
    status = html[html.index("经营状态"):]
    status = status[:status.index("</tr>")]
    assert "（晚于数据日期）" in status
