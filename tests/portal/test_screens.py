"""Screenshots of the dashboard, an institution, an alert and the graph explorer in Chinese and in English
(artefacts in the test's tmp dir or $PORTAL_SCREENSHOTS), and the sections the institution page loads after
itself."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlmodel import Session

from monitor.db import get_engine
from tests.portal.test_browser import _login, _page, browser, live, shots  # noqa: F401  (fixtures)

pytestmark = pytest.mark.slow


def _more_findings(app, ids) -> int:
    from monitor.models import Finding

    with Session(get_engine(app.extensions["monitor_config"])) as s:
        rows = [Finding(detector="indicator.litigation", kind="litigation", institution_id=ids["red"], severity="low",
                        score=1 + i, title=f"涉诉记录 {i}", as_of=datetime(2018, 6, 1, 2, tzinfo=timezone.utc),
                        evidence={"metrics": {"events": 3 + i, "amount": 2.5e6}}, fingerprint=f"lit{i}")
                for i in range(3)]
        s.add_all(rows)
        s.commit()
        return rows[0].id


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_screens_in_both_languages(browser, portal, live, shots, lang):  # noqa: F811
    app, _ = portal
    base, ids = live
    weakest = _more_findings(app, ids)
    problems: list[str] = []
    page = _page(browser, problems)
    _login(page, base, "inspector")
    if lang == "en":
        page.click("header button[value=en]")
        page.wait_for_selector("html[lang=en]")
    page.goto(base + "/")
    page.screenshot(path=str(shots / f"dashboard-{lang}.png"), full_page=True)
    header = page.inner_text("main section.card:last-of-type thead")
    assert ("黄" if lang == "zh_CN" else "yellow") in header

    page.goto(f"{base}/institutions/{ids['red']}")
    page.wait_for_selector("#score-chart canvas")
    page.wait_for_selector("#events:not(.lazy) .timeline")  # the sections arrived
    page.wait_for_selector("#documents:not(.lazy) table")
    assert "投诉" in page.inner_text("#events")
    # a weaker finding's evidence arrives when it is opened
    closed = page.locator(f"details[data-evidence$='id={weakest}']")
    closed.locator("summary").click()
    page.wait_for_selector(f"details[data-evidence$='id={weakest}'][data-loaded] table.kv")
    assert ("250.00 万元" if lang == "zh_CN" else "2,500,000 yuan") in closed.inner_text()
    page.screenshot(path=str(shots / f"institution-{lang}.png"), full_page=True)

    page.goto(f"{base}/alerts/{ids['alert']}")
    page.screenshot(path=str(shots / f"alert-{lang}.png"), full_page=True)

    # the explorer of the finding's accounts (the flows themselves: tests/portal/test_flow_explorer.py)
    page.goto(f"{base}/graph/{ids['red']}?finding={ids['finding']}")
    page.wait_for_selector("#graph[data-loaded='1']", timeout=30000)
    assert ("关系图谱" if lang == "zh_CN" else "Graph explorer") in page.inner_text("h1")
    page.screenshot(path=str(shots / f"graph-{lang}.png"), full_page=True)
    assert problems == []  # no script error, no CSP violation
