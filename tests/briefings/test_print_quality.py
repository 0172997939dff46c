"""The PDFs looked at as printed: words inside the text area, whole table headings, pages filled, integer
count axes, and the content fixes (derived status, amounts from text, current alert titles, replay counts)."""

from __future__ import annotations

import re
import subprocess
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from monitor.briefings import charts
from monitor.briefings.data import city_data, institution_data
from monitor.briefings.labels import amount_from_text
from monitor.db import session_scope
from monitor.models import Alert, Document, Finding, SweepRun
from tests.briefings.conftest import pdf_text
from tests.briefings.seed import NOW_AS_OF, WEEK_END, WEEK_START, seed_store

MM = 72 / 25.4
# briefing.css: @page margin 20mm 15mm 18mm 15mm on A4
MARGIN_TOP, MARGIN_RIGHT, MARGIN_BOTTOM, MARGIN_LEFT = 20 * MM, 15 * MM, 18 * MM, 15 * MM
TOLERANCE = 1.0  # pt: glyph boxes of italic or bold text may poke out a hair
NS = "{http://www.w3.org/1999/xhtml}"


def bbox_pages(path) -> list[dict]:
    """Per page: its size and its lines (text, words with boxes), from ``pdftotext -bbox-layout``."""
    out = subprocess.run(["pdftotext", "-bbox-layout", str(path), "-"], check=True, capture_output=True,
                         text=True).stdout
    root = ElementTree.fromstring(out)
    pages = []
    for page in root.iter(f"{NS}page"):
        lines = []
        for line in page.iter(f"{NS}line"):
            words = [{"text": w.text or "", **{k: float(w.get(k)) for k in ("xMin", "yMin", "xMax", "yMax")}}
                     for w in line.iter(f"{NS}word")]
            if words:
                lines.append({"text": "".join(w["text"] for w in words), "words": words})
        pages.append({"width": float(page.get("width")), "height": float(page.get("height")), "lines": lines})
    return pages


def _body_words(page) -> list[dict]:
    """The words of the page's body (running headers and footers sit in the margins)."""
    top, bottom = MARGIN_TOP, page["height"] - MARGIN_BOTTOM
    return [w for line in page["lines"] for w in line["words"] if w["yMax"] > top and w["yMin"] < bottom]


class _Headings(HTMLParser):
    """The text of every ``<th>`` of an HTML document."""

    def __init__(self):
        super().__init__()
        self.depth, self.current, self.found = 0, [], []

    def handle_starttag(self, tag, attrs):
        if tag == "th":
            self.depth, self.current = 1, []

    def handle_endtag(self, tag):
        if tag == "th" and self.depth:
            self.depth = 0
            text = re.sub(r"\s+", "", "".join(self.current))
            if text:
                self.found.append(text)

    def handle_data(self, data):
        if self.depth:
            self.current.append(data)


def headings(html: str) -> set[str]:
    parser = _Headings()
    parser.feed(html)
    return set(parser.found)


@pytest.fixture(scope="module")
def html_of(seeded):
    """The HTML of the city briefing and the red dossier, as rendered into the PDFs."""
    from monitor.briefings.api import city_charts, institution_charts
    from monitor.briefings.render import render_html

    config, info, _ = seeded
    with session_scope(config) as s:
        city = city_data(s, config, WEEK_START, WEEK_END)
        red = institution_data(s, config, info.red_id)
    return {"city": render_html("city.html", city, city_charts(city)),
            "red": render_html("institution.html", red, institution_charts(red))}


# --------------------------------------------------------------------------- the page as printed
@pytest.mark.parametrize("key", ["city", "red", "hostile"])
def test_no_word_outside_the_text_area(rendered, key):
    pages = bbox_pages(rendered[key][0])
    assert pages
    for n, page in enumerate(pages, 1):
        left, right = MARGIN_LEFT - TOLERANCE, page["width"] - MARGIN_RIGHT + TOLERANCE
        for line in page["lines"]:
            for w in line["words"]:
                assert left <= w["xMin"] and w["xMax"] <= right, (
                    f"{key} page {n}: {w['text']!r} at x {w['xMin']:.1f}–{w['xMax']:.1f} leaves the text area "
                    f"{left:.1f}–{right:.1f} (line {line['text'][:60]!r})")
                assert 0 <= w["yMin"] and w["yMax"] <= page["height"], (key, n, w)


@pytest.mark.parametrize("key", ["city", "red", "hostile"])
def test_no_text_runs_into_other_text(rendered, key):
    """Words on one line never overlap: a heading clipped by its cell, or running into the next column or
    the table's edge, leaves its glyphs under its neighbour's."""
    overlaps = []
    for n, page in enumerate(bbox_pages(rendered[key][0]), 1):
        words = sorted((w for line in page["lines"] for w in line["words"]), key=lambda w: (w["yMin"], w["xMin"]))
        for i, a in enumerate(words):
            for b in words[i + 1:]:
                if b["yMin"] >= a["yMax"]:
                    break
                shared_y = min(a["yMax"], b["yMax"]) - max(a["yMin"], b["yMin"])
                shared_x = min(a["xMax"], b["xMax"]) - max(a["xMin"], b["xMin"])
                if shared_y > 0.5 * min(a["yMax"] - a["yMin"], b["yMax"] - b["yMin"]) and shared_x > TOLERANCE:
                    overlaps.append(f"page {n}: {a['text']!r} and {b['text']!r} overlap by {shared_x:.1f} pt")
    assert not overlaps, f"{key}: " + "; ".join(overlaps)


@pytest.mark.parametrize("key", ["city", "red"])
def test_table_headings_are_never_wrapped(rendered, html_of, key):
    found = headings(html_of[key])
    assert len(found) > 20, found
    lines = [line["text"] for page in bbox_pages(rendered[key][0]) for line in page["lines"]]
    joined = "\n".join(lines)
    for heading in sorted(found):
        assert heading in joined.replace(" ", ""), f"{key}: table heading {heading!r} is not whole on one line"


@pytest.mark.parametrize("key", ["city", "red", "hostile"])
def test_every_page_but_the_last_is_at_least_a_third_full(rendered, key):
    pages = bbox_pages(rendered[key][0])
    assert len(pages) >= 2
    for n, page in enumerate(pages[:-1], 1):
        words = _body_words(page)
        area = page["height"] - MARGIN_TOP - MARGIN_BOTTOM
        filled = (max(w["yMax"] for w in words) - MARGIN_TOP) / area if words else 0.0
        assert filled >= 1 / 3, f"{key} page {n} of {len(pages)} is only {filled:.0%} full"


# --------------------------------------------------------------------------- charts
def _tick_labels(svg: str, axis: str) -> list[str]:
    """The tick labels of Matplotlib's ``{axis}tick_N`` groups in an SVG."""
    root = ElementTree.fromstring(svg)
    labels = []
    for group in root.iter("{http://www.w3.org/2000/svg}g"):
        if re.fullmatch(rf"(c[0-9a-f]+-)?{axis}tick_\d+", group.get("id") or ""):  # ids carry the chart's prefix
            labels += ["".join(t.itertext()).strip() for t in group.iter("{http://www.w3.org/2000/svg}text")]
    return [label for label in labels if label]


@pytest.mark.parametrize("values", [[0, 0, 1, 0], [1, 2, 5, 3], [12, 50, 0, 37]])
def test_count_axes_have_integer_ticks(values):
    svg = charts.grouped_bars(["红色", "橙色", "黄色", "绿色"], [("本期", "#1f4e79", values)], title="机构数")
    labels = _tick_labels(str(svg), "y")
    assert len(labels) >= 2, labels
    for label in labels:
        assert re.fullmatch(r"\d[\d,]*", label), f"count tick {label!r} is not an integer ({values})"


def test_the_city_charts_count_axes_are_integers(html_of):
    # Every y tick of the bar charts (band counts, alerts per week) in the printed briefing.
    svgs = re.findall(r"<svg.*?</svg>", html_of["city"], re.S)
    bar_charts = [s for s in svgs if "各风险等级机构数" in s or "新增预警数" in s]
    assert len(bar_charts) == 2
    for svg in bar_charts:
        labels = _tick_labels(svg, "y")
        assert labels and all(re.fullmatch(r"\d+", x) for x in labels), labels


def test_charts_keep_text_as_text_in_the_cjk_font_and_are_deterministic():
    series = [("甲平台", [("2018-06-01", 10.0), ("2018-06-15", 40.0), ("2019-01-31", 70.0)])]
    first = str(charts.line_chart(series, title="风险指数历史"))
    assert first == str(charts.line_chart(series, title="风险指数历史"))
    assert "风险指数历史" in first and "甲平台" in first  # text, not glyph paths
    assert "Noto Sans CJK SC" in first
    assert "<metadata>" not in first and "dc:date" not in first
    # every x label whole (the last date included): the tight box holds them
    labels = _tick_labels(first, "x")
    assert labels and all(re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", x) for x in labels), labels


def test_each_printed_id_is_defined_once(html_of):
    # Matplotlib numbers ids per figure; inline in one document they must not repeat (WeasyPrint warns
    # "Anchor defined twice" and a reference could reach another chart's definition).
    for kind, html in html_of.items():
        ids = re.findall(r'\bid="([^"]+)"', html)
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        assert not repeated, (kind, repeated[:5])
        for ref in re.findall(r'url\(#([^)]+)\)|href="#([^"]+)"', html):
            assert (ref[0] or ref[1]) in ids, (kind, ref)


# --------------------------------------------------------------------------- content
def test_amounts_from_text():
    assert amount_from_text("判决被告偿还原告借款本金460,000元及利息") == 460_000
    assert amount_from_text("涉案金额46万元") == 460_000
    assert amount_from_text("集资1.2亿元") == 120_000_000
    assert amount_from_text("执行标的 3，500 元") == 3_500
    assert amount_from_text("本金12.5 万元，利息2,000元") == 125_000  # the first amount stated
    assert amount_from_text("2018年7月4日判决") is None
    assert amount_from_text(None) is None


def test_the_collapsed_platform_is_not_shown_operating(seeded, rendered):
    _config, info, _ = seeded
    text = pdf_text(rendered["red"][0]).replace(" ", "")
    line = next(x for x in text.splitlines() if x.startswith("经营状态"))
    assert "正常经营" not in line and "停业清盘" in line, line
    assert info.closure_title in text.replace("\n", "")  # the evidence is named


def test_an_amount_stated_only_in_the_text_is_shown(seeded, rendered):
    _config, info, _ = seeded
    text = pdf_text(rendered["red"][0])
    line = next(x for x in text.splitlines() if info.judgment_title[:8] in x.replace(" ", ""))
    assert f"{info.judgment_amount / 10_000:,.2f}" in line, line  # in the column's unit
    assert "金额（万元）" in text.replace(" ", "")


def test_alert_titles_are_the_latest_findings(seeded):
    config, info, _ = seeded
    with session_scope(config) as s:
        alert = s.exec(select(Alert).where(Alert.institution_id == info.red_id, Alert.kind == "finding")
                       .order_by(Alert.id)).first()
        newest = s.exec(select(Finding).where(Finding.fingerprint == alert.fingerprint)
                        .order_by(Finding.id.desc())).first()
        stale, alert.title = alert.title, "首次产生时的旧标题"
        s.add(alert)
    try:
        with session_scope(config) as s:
            dossier = institution_data(s, config, info.red_id)
            city = city_data(s, config, WEEK_START, WEEK_END)
        titles = {a["id"]: a["title"] for a in dossier["alerts"]}
        assert titles[alert.id] == newest.title
        assert {a["id"]: a["title"] for a in city["new_alerts"]}[alert.id] == newest.title
    finally:
        with session_scope(config) as s:
            row = s.get(Alert, alert.id)
            row.title = stale
            s.add(row)


def test_a_replay_counts_in_the_period_it_replays(store):
    """A replay of the week run on a later day (wall clock), its files fetched then, counts in the week."""
    seed_store(store, institutions=3)
    # a day ahead of the wall clock, so no file the seed fetched falls inside the replay's run
    now = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=1)
    with session_scope(store) as s:
        before = city_data(s, store, WEEK_START, WEEK_END)
        run = SweepRun(kind="full", trigger="cli", status="succeeded",
                       as_of=datetime(2018, 7, 6, 2, 0, tzinfo=timezone.utc),
                       started_at=now - timedelta(minutes=10), finished_at=now)
        s.add(run)
        s.add(Document(url="http://replay.example.cn/a.html", fetched_at=now - timedelta(minutes=5),
                       sha256="1" * 64, http_status=200, available_at=now - timedelta(minutes=5)))
        # a file fetched after the replay finished belongs to no period of 2018
        s.add(Document(url="http://replay.example.cn/b.html", fetched_at=now + timedelta(minutes=5),
                       sha256="2" * 64, http_status=200, available_at=now + timedelta(minutes=5)))
        s.flush()
        run_id = run.id
    with session_scope(store) as s:
        after = city_data(s, store, WEEK_START, WEEK_END)
    assert before["sweeps"]["count"] >= 1
    assert after["sweeps"]["count"] == before["sweeps"]["count"] + 1
    assert run_id in {r["id"] for r in after["sweeps"]["runs"]}
    assert after["sources"]["documents_in_period"] == before["sources"]["documents_in_period"] + 1


def test_dossier_status_and_amounts_from_the_store(store):
    info = seed_store(store, institutions=2)
    with session_scope(store) as s:
        dossier = institution_data(s, store, info.red_id)
        other = institution_data(s, store, info.institution_ids[1])
    status = dossier["institution"]["operating_status"]
    assert status["code"] == "closed" and status["name"] != "正常经营"
    assert status["evidence"][0]["title"] == info.closure_title
    assert other["institution"]["operating_status"]["code"] == "operating"  # one complaint is no pattern
    amounts = {e["title"]: e["amount"] for e in dossier["events"]}
    assert amounts[info.judgment_title] == info.judgment_amount
    assert amounts["民间借贷纠纷（2018）粤0304民初1234号"] == 1_200_000.0  # a stored amount wins


def test_trend_lines_start_with_the_score_in_force(seeded):
    """A riser scored before the trend window: its line opens at the window's start with that score."""
    from monitor.briefings.data import TREND_WEEKS, day_start
    from monitor.models import Score

    config, info, _ = seeded
    window_start = day_start(WEEK_END + timedelta(days=1), config.timezone) - timedelta(weeks=TREND_WEEKS)
    with session_scope(config) as s:
        first = s.exec(select(Score).where(Score.institution_id == info.red_id).order_by(Score.as_of)).first()
        old = Score(institution_id=info.red_id, as_of=window_start - timedelta(days=20), score=4.0, band="green",
                    rule_version=first.rule_version, contributions=[], sweep_id=first.sweep_id)
        s.add(old)
        s.flush()
        old_id = old.id
    try:
        with session_scope(config) as s:
            data = city_data(s, config, WEEK_START, WEEK_END)
        red = next(t for t in data["trends"] if t["id"] == info.red_id)
        local_start = window_start.astimezone(ZoneInfo(config.timezone)).date().isoformat()
        assert red["points"][0] == (local_start, 4.0), red["points"]
        assert len(red["points"]) == 3  # the opening score, the baseline sweep, the week's sweep
    finally:
        with session_scope(config) as s:
            s.delete(s.get(Score, old_id))


def test_rendering_a_chart_logs_no_svg_property_noise(caplog):
    # WeasyPrint's CSS pass warns once per SVG element about fill/stroke/text-anchor (a thousand lines
    # per briefing in the demo); the renderer draws them, so only those warnings are dropped.
    import logging

    from monitor.briefings.render import html_to_pdf

    svg = str(charts.grouped_bars(["红色", "绿色"], [("本期", "#1f4e79", [3, 5])], title="机构数"))
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        html_to_pdf(f"<html><body>{svg}<p style='colour: red'>x</p></body></html>")
    messages = [r.getMessage() for r in caplog.records if r.name == "weasyprint"]
    assert not [m for m in messages if m.startswith("Ignored `fill") or m.startswith("Ignored `stroke")], messages
    assert any("colour" in m for m in messages), messages  # other CSS mistakes are still reported


def test_a_dossier_writes_numbers_and_dates_as_the_portal_does(sqlite_store, poppler, tmp_path):
    """Evidence numbers through the one formatting layer (shares as percentages, amounts with their unit,
    a long map wrapped inside the page), 亿元 for big single amounts, data dates without a clock time, and
    no amount read from a registry change's text (the capital it states is not the event's)."""
    from monitor.briefings.api import institution_charts
    from monitor.briefings.render import html_to_pdf, render_html
    from monitor.models import Company, Event, Institution

    store = sqlite_store
    info = seed_store(store, institutions=2)
    with session_scope(store) as s:
        inst = s.get(Institution, info.red_id)
        company = s.exec(select(Company).where(Company.uscc == inst.uscc)).one()
        company.registered_capital = 4e9
        s.add(company)
        s.add(Finding(detector="indicator.high_yield", kind="yield_above_peers", institution_id=inst.id,
                      severity="medium", score=8, title="平均年化收益率 14.62% 高于全市中位数 10.29%",
                      as_of=NOW_AS_OF, fingerprint="y" * 32,
                      evidence={"metrics": {"avg_yield": 0.1462, "city_median": 0.1029, "gap": 0.0433, "peers": 55,
                                            "top10_balances": {f"44600000000{n:07d}": 813751.79 - n for n in range(12)}}}))
        s.add(Event(kind="registry_change", institution_id=inst.id, title="注册资本：200000万元 → 400000万元",
                    occurred_on=datetime(2018, 6, 1).date(), external_id="rc-capital", available_at=NOW_AS_OF))
    with session_scope(store) as s:
        data = institution_data(s, store, info.red_id)
    pdf, _pages, _refused = html_to_pdf(render_html("institution.html", data, institution_charts(data)))
    path = tmp_path / "dossier.pdf"
    path.write_bytes(pdf)
    for n, page in enumerate(bbox_pages(path), 1):
        right = page["width"] - MARGIN_RIGHT
        outside = [w["text"] for w in _body_words(page) if w["xMax"] > right + TOLERANCE]
        assert not outside, (n, outside)
    text = pdf_text(path)
    flat = re.sub(r"\s+", "", text)
    assert "全市中位数10.3%" in flat and "差距4.3%" in flat and "0.1029" not in flat
    assert "40.00亿元" in flat and "400,000.00万元" not in flat
    assert "数据截至2018-07-05" in flat
    local = NOW_AS_OF.astimezone(ZoneInfo("Asia/Shanghai"))
    assert f"{local:%Y-%m-%d %H:%M}" not in text  # a data date never carries the sweep's clock time
    capital = next(e for e in data["events"] if e["title"].startswith("注册资本"))
    assert capital["amount"] is None


def test_open_alerts_of_a_week_leave_out_those_raised_after_it(sqlite_store):
    """A replayed week's briefing made after later sweeps counts only the alerts raised by the week's end."""
    store = sqlite_store
    info = seed_store(store, institutions=2)
    with session_scope(store) as s:
        before = city_data(s, store, WEEK_START, WEEK_END)["summary"]["open_alerts"]
        later = datetime.combine(WEEK_END + timedelta(days=30), datetime.min.time(), timezone.utc)
        s.add(Alert(institution_id=info.red_id, fingerprint="later" * 6, kind="finding", title="之后才产生",
                    severity="high", first_raised_at=later, last_seen_at=later))
    with session_scope(store) as s:
        assert city_data(s, store, WEEK_START, WEEK_END)["summary"]["open_alerts"] == before
