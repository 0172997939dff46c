"""Data gathering, scope, the static-only fetcher, the CLI and the scheduler job."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlmodel import select

from monitor.briefings import AccessDenied, last_full_week, parse_period, weekly_briefing_job
from monitor.briefings.data import (
    band_changes, band_counts, city_data, daily_last, institution_data, top_risers, week_buckets,
)
from monitor.briefings.render import html_to_pdf
from monitor.cli import main
from monitor.db import session_scope
from monitor.errors import InputError
from monitor.models import Briefing, Jurisdiction, User, UserJurisdiction
from tests.briefings.seed import WEEK_END, WEEK_START, seed_store


# --------------------------------------------------------------------------- pure helpers
def test_band_helpers():
    assert band_counts(["red", "green", "green"]) == {"red": 1, "orange": 0, "yellow": 0, "green": 2}
    before = {1: "green", 2: "red", 3: "yellow"}
    after = {1: "orange", 2: "yellow", 3: "yellow", 4: "red"}  # 4 is new: counts as from green
    assert band_changes(before, after) == {"up": [1, 4], "down": [2]}
    assert top_risers({1: 10, 2: 50, 3: 0}, {1: 40, 2: 45, 3: 30, 4: 5}, n=2) == [(1, 30.0), (3, 30.0)]


def test_week_buckets_and_daily_last():
    tz = "Asia/Shanghai"
    times = [datetime(2018, 7, 1, 17, 0, tzinfo=timezone.utc),  # Monday 2 July 01:00 in Shanghai
             datetime(2018, 7, 8, 15, 59, tzinfo=timezone.utc),  # Sunday 8 July 23:59
             datetime(2018, 6, 25, tzinfo=timezone.utc)]
    weeks = week_buckets(times, date(2018, 7, 8), 3, tz)
    assert [w["week"] for w in weeks] == ["2018-06-18", "2018-06-25", "2018-07-02"]
    assert [w["count"] for w in weeks] == [0, 1, 2]
    pts = [(datetime(2018, 7, 2, 1, tzinfo=timezone.utc), 5.0), (datetime(2018, 7, 2, 9, tzinfo=timezone.utc), 7.0),
           (datetime(2018, 7, 1, 20, tzinfo=timezone.utc), 3.0)]  # 04:00 on 2 July in Shanghai
    assert daily_last(pts, tz) == [("2018-07-02", 7.0)]


def test_periods():
    assert parse_period(week="2018-W27") == (date(2018, 7, 2), date(2018, 7, 8))
    assert parse_period(period="2018-07-01..2018-07-31") == (date(2018, 7, 1), date(2018, 7, 31))
    for bad in ({"period": "2018-07-31..2018-07-01"}, {"period": "2018-07-01"}, {"week": "2018-27"}, {}):
        with pytest.raises(InputError):
            parse_period(**bad)
    # Monday 9 July 2018, 03:00 in Shanghai: the last full week is 2–8 July.
    assert last_full_week(datetime(2018, 7, 8, 19, tzinfo=timezone.utc), "Asia/Shanghai") == (WEEK_START, WEEK_END)


# --------------------------------------------------------------------------- data on both stores
def test_city_and_dossier_data(store):
    info = seed_store(store, institutions=5)
    with session_scope(store) as s:
        data = city_data(s, store, WEEK_START, WEEK_END)
        dossier = institution_data(s, store, info.red_id)
        by_uscc = institution_data(s, store, dossier["institution"]["uscc"])
    summary = data["summary"]
    assert summary["institutions"] == 5 and sum(summary["bands"].values()) == 5
    assert summary["bands"]["red"] >= 1 and data["top"][0]["id"] == info.red_id
    assert data["top"][0]["previous_band"] == "green"  # baseline: the sweep before the week
    assert info.red_id in [r["id"] for r in data["band_up"]]
    kinds = {p["kind"] for p in data["patterns"]}
    assert {"self_financing", "ponzi"} <= kinds and "yield_above_peers" not in kinds  # seen before the week
    assert summary["new_alerts"] == len(data["new_alerts"]) > 0
    assert data["trends"] and data["trends"][0]["id"] == info.red_id
    assert by_uscc["institution"]["id"] == info.red_id
    assert dossier["score"]["band"] == "red"
    assert sum(c["points"] for c in dossier["score"]["contributions"]) == pytest.approx(dossier["score"]["score"])
    edges = [e for f in dossier["findings"] for e in f["evidence"]["edges"]]
    assert edges and edges[0]["amount"] == info.collector_amount
    assert any(n["body"] == info.note_text for a in dossier["alerts"] for n in a["notes"])
    owners = {n["name"] for n in dossier["ownership"]["nodes"] if n["level"] == 1}
    assert len(owners) == 2  # the holding company and the controller


def test_escalations_counted_when_journaled(sqlite_store):
    seed_store(sqlite_store, institutions=3)
    today = datetime.now(timezone.utc).date()
    with session_scope(sqlite_store) as s:
        data = city_data(s, sqlite_store, today - timedelta(days=6), today + timedelta(days=1))
    # The seed escalated one alert through the workflow just now (journal time = now).
    assert data["summary"]["escalated_alerts"] == 1 and data["summary"]["new_alerts"] == 0


def test_scope_by_jurisdiction(sqlite_store):
    info = seed_store(sqlite_store, institutions=3)
    with session_scope(sqlite_store) as s:
        other = Jurisdiction(code="440100", name="另一市", level="city")
        s.add(other)
        s.flush()
        outsider = User(username="outsider", password_hash="x")
        admin = User(username="boss", password_hash="x", role="admin")
        s.add_all([outsider, admin])
        s.flush()
        s.add(UserJurisdiction(user_id=outsider.id, jurisdiction_id=other.id))
        inspector = s.exec(select(User).where(User.username == info.user)).one()
        city = s.exec(select(Jurisdiction).where(Jurisdiction.code == "440300")).one()
        s.add(UserJurisdiction(user_id=inspector.id, jurisdiction_id=city.id))
    with session_scope(sqlite_store) as s:
        with pytest.raises(AccessDenied):
            institution_data(s, sqlite_store, info.red_id, user="outsider")
        assert city_data(s, sqlite_store, WEEK_START, WEEK_END, user="outsider")["summary"]["institutions"] == 0
        # Admins are bound to their jurisdictions like everyone else (the portal's rule).
        assert city_data(s, sqlite_store, WEEK_START, WEEK_END, user="boss")["summary"]["institutions"] == 0
        assert city_data(s, sqlite_store, WEEK_START, WEEK_END, user=info.user)["summary"]["institutions"] == 3
        assert institution_data(s, sqlite_store, info.red_id, user=info.user)["institution"]["id"] == info.red_id


# --------------------------------------------------------------------------- the fetcher
def test_renderer_fetches_nothing_but_its_own_css(counting_server, tmp_path):
    port = counting_server.port
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }")
    html = (f'<html><head><link rel="stylesheet" href="briefing.css">'
            f'<link rel="stylesheet" href="{secret.as_uri()}">'
            f'<link rel="stylesheet" href="http://127.0.0.1:{port}/evil.css">'
            f'<style>body {{ background: url(http://127.0.0.1:{port}/bg.png) }}'
            f'@import url("http://127.0.0.1:{port}/import.css");</style></head>'
            f'<body><h1>标题</h1><img src="http://127.0.0.1:{port}/x.png">'
            f'<img src="file:///etc/passwd"><img src="../../pyproject.toml"></body></html>')
    pdf, pages, refused = html_to_pdf(html)
    assert pdf.startswith(b"%PDF") and pages == 1
    assert counting_server.hits == []
    assert not any(u.endswith("briefing.css") for u in refused)  # the monitor's own stylesheet is served
    for needle in ("evil.css", "bg.png", "x.png", "/etc/passwd", "pyproject.toml", "secret.css"):
        assert any(needle in u for u in refused), needle


# --------------------------------------------------------------------------- CLI and scheduler job
def test_cli_brief(seeded, monkeypatch, tmp_path, capsys):
    config, info, _ = seeded
    monkeypatch.setenv("MONITOR_INSTANCE_DIR", config.instance_dir)
    out = tmp_path / "week.pdf"
    assert main(["brief", "city", "--week", "2018-W27", "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF")
    capsys.readouterr()
    assert main(["brief", "city", "--week", "2018-W27", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "exists" in err and "--force" in err and len(err.splitlines()) == 1
    assert main(["brief", "city", "--period", "2018-07-08..2018-07-01", "--out", str(tmp_path / "x.pdf")]) == 2
    assert main(["brief", "institution", "999999", "--out", str(tmp_path / "y.pdf")]) == 2
    assert "not found" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists() and not (tmp_path / "y.pdf").exists()


def test_weekly_job_renders_once_and_sets_the_next_baseline(seeded):
    config, _info, _ = seeded
    monday = datetime(2018, 7, 9, 1, tzinfo=timezone.utc)  # 09:00 Monday in Shanghai
    row_id = weekly_briefing_job(config, now=monday)
    assert row_id is not None
    assert weekly_briefing_job(config, now=monday) is None  # already archived
    with session_scope(config) as s:
        row = s.get(Briefing, row_id)
        assert (row.kind, row.period_start, row.period_end, row.created_by) == ("city", WEEK_START, WEEK_END,
                                                                                "scheduler")
        nxt = city_data(s, config, WEEK_END + timedelta(days=1), WEEK_END + timedelta(days=7))
    assert nxt["baseline"] == {"kind": "briefing", "date": WEEK_END.isoformat(), "briefing_id": nxt["baseline"]["briefing_id"]}
    assert nxt["summary"]["up"] == 0  # nothing changed after the last briefing


def test_scheduler_adds_the_weekly_briefing_only_when_configured(sqlite_store):
    from monitor.errors import ConfigError
    from monitor.scheduler import build_scheduler, scheduled_briefing

    assert "briefing-weekly" not in {j.id for j in build_scheduler(sqlite_store).get_jobs()}
    cfg = sqlite_store.replace(briefing_weekly_cron="0 6 * * 1")
    job = next(j for j in build_scheduler(cfg).get_jobs() if j.id == "briefing-weekly")
    assert job.func is scheduled_briefing and "day_of_week='1'" in repr(job.trigger)
    with pytest.raises(ConfigError):
        build_scheduler(sqlite_store.replace(briefing_weekly_cron="every monday"))


def test_charts_escape_text_and_scale():
    from monitor.briefings.charts import grouped_bars, hbars, line_chart, ownership_chart

    evil = '<img src="http://127.0.0.1:1/x.png">'
    svg = str(hbars([(evil, 56.0, "#000"), ("封顶", -38.8, "#999")]))
    assert "<img" not in svg and "&lt;img" in svg and "-38.8 分" in svg
    svg = str(ownership_chart([{"id": "c:1", "name": evil, "kind": "company", "level": 0}], []))
    assert "<img" not in svg
    bars = str(grouped_bars(["红色", "绿色"], [("本期", "#000", [3, 180])]))
    assert ">180<" in bars and ">3<" in bars  # the bars' value labels
    assert "（无数据）" in str(line_chart([("x", [])]))
