"""End to end in real headless Chromium (Debian's, driven by Playwright): what a person sees.

Skipped with a reason when /usr/bin/chromium is absent outside CI; under CI=true that is a failure.
Screenshots go to $PORTAL_SCREENSHOTS (default: the test's tmp dir).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from tests.portal.conftest import PASSWORD

pytestmark = pytest.mark.slow
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        reason = f"{CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " (CI=true: browser tests must run)")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def live(portal):
    """The portal on a real HTTP server on 127.0.0.1 (secure cookie flag on: Chromium trusts loopback)."""
    from werkzeug.serving import make_server

    app, ids = portal
    app.config["SESSION_COOKIE_SECURE"] = True
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", ids
    server.shutdown()


@pytest.fixture
def shots(tmp_path):
    folder = Path(os.environ.get("PORTAL_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _page(browser, problems):
    page = browser.new_page(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    page.on("pageerror", lambda exc: problems.append(f"pageerror: {exc}"))
    page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    return page


def _login(page, base, username):
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


@pytest.mark.parametrize("role", ["inspector", "supervisor", "admin"])
def test_each_role_opens_the_main_pages(browser, live, role):
    base, ids = live
    problems: list[str] = []
    page = _page(browser, problems)
    _login(page, base, role)
    nav = page.inner_text("header nav")
    assert ("规则" in nav) == (role in ("supervisor", "admin"))
    assert ("用户" in nav) == (role == "admin")
    assert page.inner_text(".tile-red .n") == "1"
    for path in ("/institutions", f"/institutions/{ids['red']}", f"/graph/{ids['red']}", "/alerts",
                 f"/alerts/{ids['alert']}", "/sweeps", f"/documents/{ids['doc']}"):
        resp = page.goto(base + path)
        assert resp.status == 200, path
    assert problems == []  # no script error, no CSP violation
    for path, status in (("/settings", 200 if role != "inspector" else 403),
                         ("/users", 200 if role == "admin" else 403),
                         (f"/institutions/{ids['foreign']}", 404)):
        assert page.goto(base + path).status == status, path


def test_inspector_day_charts_graph_triage_and_screenshots(browser, live, shots):
    from playwright.sync_api import expect

    base, ids = live
    problems: list[str] = []
    page = _page(browser, problems)
    _login(page, base, "inspector")
    page.screenshot(path=str(shots / "dashboard.png"), full_page=True)

    # the red institution: charts drawn by ECharts, hostile content inert
    page.click("a.tile-red")
    page.click("text=红利宝金融信息服务有限公司")
    page.wait_for_selector("#score-chart canvas")
    page.wait_for_selector("#disclosure-chart canvas")
    assert page.evaluate("window.__pwned") is None
    assert "5,000.00 万元" in page.inner_text("main")
    page.screenshot(path=str(shots / "institution.png"), full_page=True)

    # the hostile institution's page and the stored page: scripts stay text
    page.goto(f"{base}/institutions/{ids['hostile']}")
    page.goto(f"{base}/documents/{ids['doc']}")  # returns at the load event: scripts and images are done
    frame = page.frame_locator("iframe.raw")
    expect(frame.locator("body")).to_contain_text("<script>")  # waits for the framed page
    assert page.evaluate("window.__pwned") is None

    # graph explorer: related parties drawn, expansion by click
    page.goto(f"{base}/graph/{ids['red']}")
    page.wait_for_selector("#graph[data-loaded='1']", timeout=30000)
    labels = page.evaluate("document.getElementById('graph').cy.nodes().map(n => n.data('label'))")
    assert "张三" in labels
    page.screenshot(path=str(shots / "graph.png"), full_page=True)

    # triage the alert
    page.goto(f"{base}/alerts/{ids['alert']}")
    page.select_option("#triage-status", "investigating")
    page.click("#triage-submit")
    page.wait_for_selector(".flash.ok")
    assert "核查中" in page.inner_text("h1")
    page.fill("textarea[name=body]", "已约谈平台负责人")
    page.click("text=添加备注")
    assert "已约谈平台负责人" in page.inner_text("ul.notes")
    assert "inspector" in page.inner_text("section.card:has(h2:text('处置记录'))")
    assert page.evaluate("window.__pwned") is None
    assert problems == []


# Boxes (node with its label) of the drawn graph that overlap by more than 10 % of the smaller one.
OVERLAPS_JS = """() => {
  const cy = document.getElementById('graph').cy;
  const boxes = cy.nodes().map(n => n.boundingBox({includeLabels: true, includeEdges: false, includeOverlays: false}));
  let overlapping = 0;
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i], b = boxes[j];
    const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1), h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
    if (w > 0 && h > 0 && w * h > 0.1 * Math.min(a.w * a.h, b.w * b.h)) overlapping++;
  }
  return {nodes: boxes.length, overlapping: overlapping, zoom: cy.zoom()};
}"""
# The explorer's layout before it spread labels apart: cose alone.
PLAIN_COSE_JS = """() => document.getElementById('graph').cy.layout({name: 'cose', animate: false,
  nodeRepulsion: () => 40000, idealEdgeLength: () => 140, nodeOverlap: 20, componentSpacing: 80,
  randomize: true, fit: true, padding: 30}).run()"""


def _dense_neighbourhood(app, inst_id: int, n: int = 36) -> None:
    """Give the institution's company ``n`` more related parties with long names, some tied twice."""
    from sqlmodel import Session, select

    from monitor.db import get_engine
    from monitor.models import Company, Institution, Person, Relation
    from monitor.text import normalize_name

    with Session(get_engine(app.extensions["monitor_config"])) as s:
        inst = s.get(Institution, inst_id)
        company = s.exec(select(Company).where(Company.uscc == inst.uscc)).one()
        for i in range(n):
            if i % 3 == 0:
                name = f"甲市第{i}号投资咨询管理有限公司"
                party = Company(name=name, name_norm=normalize_name(name))
            else:
                party = Person(name=f"股东{i}号", id_key=f"dense{i}")
            s.add(party)
            s.flush()
            kind = "company" if isinstance(party, Company) else "person"
            s.add(Relation(kind="shareholder", subject_kind=kind, subject_id=party.id, object_id=company.id,
                           share=round(0.5 / n, 4)))
            if i % 4 == 0:  # a second tie between the same two parties: two labelled edges
                s.add(Relation(kind="executive", subject_kind=kind, subject_id=party.id, object_id=company.id,
                               role="监事"))
        s.commit()


def test_graph_labels_of_a_dense_neighbourhood_do_not_overlap(browser, live, portal, shots):
    base, ids = live
    app, _ = portal
    _dense_neighbourhood(app, ids["red"])
    problems: list[str] = []
    page = _page(browser, problems)
    _login(page, base, "inspector")
    page.goto(f"{base}/graph/{ids['red']}")
    page.wait_for_selector("#graph[data-loaded='1']", timeout=30000)  # set after layout and spread (synchronous)
    drawn = page.evaluate(OVERLAPS_JS)
    page.screenshot(path=str(shots / "graph-dense.png"))
    assert drawn["nodes"] >= 38, drawn  # the institution, 张三 and the 36 parties
    assert drawn["overlapping"] <= 1, drawn
    assert drawn["zoom"] >= 0.5, drawn  # spread, yet the labels stay readable
    # the same graph laid out by cose alone overlaps: the check above can fail
    page.evaluate(PLAIN_COSE_JS)
    assert page.evaluate(OVERLAPS_JS)["overlapping"] >= 5
    assert problems == []
