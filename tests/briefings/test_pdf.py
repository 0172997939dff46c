"""The PDFs themselves: text (pdftotext), embedded CJK fonts (pdffonts), pages (pdfinfo, pdftoppm), no fetches."""

from __future__ import annotations

import hashlib
import subprocess
from datetime import timedelta
from pathlib import Path

from PIL import Image
from sqlmodel import func, select

from monitor.briefings.data import day_start
from monitor.db import session_scope
from monitor.models import Alert, Briefing, Document, Event, Institution, Score
from tests.briefings.conftest import pdf_pages, pdf_text
from tests.briefings.seed import WEEK_END, WEEK_START


def test_city_briefing_text(seeded, rendered):
    config, info, _ = seeded
    path, _pdf, _row = rendered["city"]
    text = pdf_text(path)
    for heading in ("城市金融风险周报", "一、总体情况", "二、重点关注机构", "三、本期新发现", "四、预警情况",
                    "附录一、全部机构风险指数", "附录二、数据来源与规则版本", "2018年第27周", config.city):
        assert heading in text, heading
    start, end = day_start(WEEK_START, config.timezone), day_start(WEEK_END + timedelta(days=1), config.timezone)
    with session_scope(config) as s:
        red = s.exec(select(Score).where(Score.institution_id == info.red_id).order_by(Score.as_of.desc())).first()
        n_inst = s.exec(select(func.count(Institution.id))).one()
        new_alerts = [a for a in s.exec(select(Alert)) if start <= a.first_raised_at.replace(tzinfo=start.tzinfo) < end]
    flat = text.replace("\n", " ")
    assert info.red_name in flat.replace(" ", "") or info.red_name in flat
    assert f"{red.score:.1f}" in text and red.band == "red"
    assert f"纳入监测的机构共 {n_inst} 家" in text
    assert new_alerts and f"本期新增预警（{len(new_alerts)} 条）" in text
    assert "自融" in text and "借新还旧" in text  # new findings by pattern, in Chinese
    assert "第 1 版" in text  # the rule version in the appendix and on the cover
    # the rule's caps in words (the default rule caps weak findings per source, not all together)
    assert "同一来源" in flat.replace(" ", "") and "全部低、中等级发现合计至多" not in flat.replace(" ", "")


def test_dossier_text_and_evidence(seeded, rendered):
    config, info, _ = seeded
    path, _pdf, _row = rendered["red"]
    text = pdf_text(path)
    squeezed = text.replace(" ", "").replace("\n", "")
    for heading in ("机构风险档案", "一、机构概况与登记信息", "二、股权与控制关系", "三、风险指数", "四、信息披露",
                    "五、风险发现与证据", "六、事件时间线", "七、预警记录", "八、来源文件"):
        assert heading in text, heading
    assert info.red_name in squeezed
    assert info.collector_account in squeezed  # evidence: the collector account
    # evidence: the amount, in the 万元 its column heading names
    assert "金额（万元）" in squeezed and f"{info.collector_amount / 10_000:,.2f}" in squeezed
    assert info.note_text in squeezed  # alert note
    assert "已上报" in text  # the escalated alert's status
    with session_scope(config) as s:
        inst = s.get(Institution, info.red_id)
        doc = s.exec(select(Document).where(Document.institution_id == inst.id)).first()
        lawsuit = s.exec(select(Event).where(Event.institution_id == inst.id, Event.kind == "lawsuit")).first()
    assert inst.uscc in squeezed
    assert doc.sha256 in squeezed and doc.url in squeezed
    assert lawsuit.title in squeezed


def test_cjk_font_embedded_no_missing_glyphs(rendered):
    for key in ("city", "red"):
        path = rendered[key][0]
        out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
        rows = out.splitlines()[2:]
        assert rows, out
        assert any("CJK" in r for r in rows), out
        for row in rows:  # columns: name type encoding emb sub uni
            assert row.split()[-5] == "yes", f"font not embedded: {row}"
        text = pdf_text(path)
        assert "\ufffd" not in text


def test_page_counts_and_archive_rows(seeded, rendered):
    config, _info, _ = seeded
    bounds = {"city": (5, 15), "red": (5, 20), "hostile": (4, 20)}
    with session_scope(config) as s:
        for key, (path, pdf, row_id) in rendered.items():
            pages = pdf_pages(path)
            assert bounds[key][0] <= pages <= bounds[key][1], (key, pages)
            row = s.get(Briefing, row_id)
            archived = Path(row.path)
            assert archived.is_file() and archived.parent == config.briefing_path
            assert row.sha256 == hashlib.sha256(archived.read_bytes()).hexdigest() == hashlib.sha256(pdf).hexdigest()
            assert row.pages == pages
            assert path.read_bytes() == pdf
        city = s.get(Briefing, rendered["city"][2])
        assert (city.kind, city.period_start, city.period_end) == ("city", WEEK_START, WEEK_END)
        assert s.get(Briefing, rendered["red"][2]).kind == "institution"


def test_pages_are_not_blank(rendered, tmp_path):
    for key in ("city", "red"):
        prefix = tmp_path / key
        subprocess.run(["pdftoppm", "-r", "20", "-png", str(rendered[key][0]), str(prefix)], check=True)
        images = sorted(tmp_path.glob(f"{key}*.png"))
        assert len(images) == pdf_pages(rendered[key][0])
        for png in images:
            grey = Image.open(png).convert("L")
            dark = sum(1 for p in grey.tobytes() if p < 200)
            assert dark > 50, f"{png.name} looks blank ({dark} dark pixels)"


def test_hostile_text_is_escaped_and_nothing_fetched(seeded, rendered, counting_server):
    _config, info, _ = seeded
    text = pdf_text(rendered["hostile"][0], layout=False)
    assert counting_server.hits == []  # no request reached the local server
    assert f'<img src="http://127.0.0.1:{counting_server.port}/x.png">' in text.replace("\n", "")
    assert "恶意控股" in text  # the hostile shareholder name is shown as text
    assert info.hostile_id is not None
