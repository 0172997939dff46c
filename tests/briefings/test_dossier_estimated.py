"""The dossier's disclosure table marks figures dated by the regulatory deadline (the page stated no date) with
估 and says what it means; figures of dated pages carry no mark (pdftotext of the rendered PDF)."""

from __future__ import annotations

from datetime import date, datetime, timezone

from tests.briefings.conftest import pdf_text
from tests.conftest import make_config, uscc_for


def _store(tmp_path, *, estimated_may: bool):
    from monitor.db import init_db, session_scope
    from monitor.models import DisclosureFact, Institution

    config = make_config(tmp_path)
    init_db(config)
    with session_scope(config) as s:
        inst = Institution(name="丙网络科技有限公司", name_norm="丙网络科技", uscc=uscc_for(31), kind="p2p")
        s.add(inst)
        s.flush()
        s.add(DisclosureFact(institution_id=inst.id, period=date(2018, 4, 1), metric="outstanding_balance",
                             value=12_345_670.0, unit="元", available_at=datetime(2018, 5, 3, 2, tzinfo=timezone.utc)))
        s.add(DisclosureFact(institution_id=inst.id, period=date(2018, 5, 1), metric="outstanding_balance",
                             value=76_543_210.0, unit="元", estimated=estimated_may,
                             available_at=datetime(2018, 6, 7, 15, 59, 59, tzinfo=timezone.utc)))
        return config, inst.id


def _row(text: str, period: str) -> str:
    return next(line for line in text.splitlines() if line.strip().startswith(period))


def test_dossier_marks_the_estimated_figure_only(tmp_path, poppler):
    from monitor.briefings import render_institution
    from monitor.db import dispose_engines

    config, inst_id = _store(tmp_path, estimated_may=True)
    render_institution(config, inst_id, out_path=tmp_path / "dossier.pdf")
    dispose_engines()
    text = pdf_text(tmp_path / "dossier.pdf")
    april, may = _row(text, "2018-04"), _row(text, "2018-05")
    assert "1,234.57" in april and "估" not in april
    assert "7,654.32" in may and "估" in may
    flat = text.replace(" ", "").replace("\n", "")
    assert "标“估”者：页面未注明发布日期，公开时间按监管期限估计，即报告期结束后第五个工作日" in flat
    assert "（估）" in flat  # the latest figure's date is the estimated one


def test_dossier_of_dated_pages_has_no_mark(tmp_path, poppler):
    from monitor.briefings import render_institution
    from monitor.db import dispose_engines

    config, inst_id = _store(tmp_path, estimated_may=False)
    render_institution(config, inst_id, out_path=tmp_path / "dossier.pdf")
    dispose_engines()
    text = pdf_text(tmp_path / "dossier.pdf")
    assert "7,654.32" in _row(text, "2018-05") and "估" not in _row(text, "2018-05")
    assert "标“估”者" not in text.replace(" ", "").replace("\n", "") and "（估）" not in text
