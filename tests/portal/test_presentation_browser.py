"""In headless Chromium (en-US): the disclosure chart's axis and ticks in one unit; ISO date filters."""

from __future__ import annotations

import pytest

from tests.portal.test_browser import _login, _page, browser, live  # noqa: F401 - fixtures

pytestmark = pytest.mark.slow

AXIS = """() => { const y = echarts.getInstanceByDom(document.getElementById('disclosure-chart')).getOption().yAxis[0];
  return [y.name, y.axisLabel.formatter(50000000)]; }"""


def test_chart_axis_and_date_filters_in_both_languages(browser, live):  # noqa: F811
    base, ids = live
    problems: list[str] = []
    page = _page(browser, problems)
    _login(page, base, "inspector")
    page.goto(f"{base}/institutions/{ids['red']}")
    page.wait_for_selector("#disclosure-chart canvas")
    assert page.evaluate(AXIS) == ["万元", "5,000"]
    page.goto(f"{base}/alerts")
    page.fill("input[name=raised_from]", "2018-05-01")
    assert page.eval_on_selector("input[name=raised_from]", "e => [e.type, e.value, e.placeholder]") == \
        ["text", "2018-05-01", "YYYY-MM-DD"]
    with page.expect_navigation():
        page.click("button[name=lang][value=en]")
    page.goto(f"{base}/institutions/{ids['red']}")
    page.wait_for_selector("#disclosure-chart canvas")
    assert page.evaluate(AXIS) == ["yuan", "50,000,000"]
    assert problems == []
