"""The flow explorer in Chromium: amounts on the biggest flows and on the finding's, the rest on hover,
and no label drawn over another (screenshots in Chinese and English as test artefacts)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlmodel import Session

from monitor.db import get_engine
from monitor.portal.graph import LABELLED_FLOWS, with_amount_texts
from tests.portal.test_browser import _login, _page, browser, live, shots  # noqa: F401  (fixtures)

CUSTODY, COLLECTOR, RELAY = "6228000000000002", "6222100000000001", "6222100000000002"
HEADER = "交易流水号,交易时间,交易金额,付款账号,付款户名,付款方证件号,收款账号,收款户名,收款方证件号,摘要"

# What the explorer draws: every edge with its label as drawn and the label's box on screen, every node's label.
DRAWN_JS = """() => {
  const cy = document.getElementById('graph').cy;
  const only = {includeNodes: false, includeEdges: false, includeLabels: true, includeMainLabels: true,
                includeSourceLabels: false, includeTargetLabels: false, includeOverlays: false};
  const box = b => ({x1: b.x1, y1: b.y1, x2: b.x2, y2: b.y2});
  return {
    zoom: cy.zoom(), width: cy.width(), height: cy.height(),
    edges: cy.edges().map(e => ({id: e.id(), amount: e.data('amount'), highlight: !!e.data('highlight'),
                                 label: e.style('label'), box: box(e.renderedBoundingBox(only))})),
    nodes: cy.nodes().map(n => ({id: n.id(), label: n.style('label'), box: box(n.renderedBoundingBox(only))})),
  };
}"""
# An unlabelled edge and a point on it clear of every node and every other edge (where the pointer hovers
# that edge and nothing else), in page coordinates; the hovered such flow.
HOVER_POINT_JS = """(ids) => {
  const el = document.getElementById('graph'), cy = el.cy, r = el.getBoundingClientRect();
  const near = (p, a, b) => {  // distance from p to the segment ab
    const dx = b.x - a.x, dy = b.y - a.y, l = dx * dx + dy * dy || 1;
    const t = Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / l));
    return Math.hypot(p.x - a.x - t * dx, p.y - a.y - t * dy);
  };
  for (const id of ids) {
    const e = cy.getElementById(id), s = e.renderedSourceEndpoint(), t = e.renderedTargetEndpoint();
    for (const f of [0.5, 0.4, 0.6, 0.3, 0.7]) {
      const p = {x: s.x + f * (t.x - s.x), y: s.y + f * (t.y - s.y)};
      const clear = cy.nodes().every(n => Math.hypot(p.x - n.renderedPosition().x, p.y - n.renderedPosition().y)
                                          > n.renderedOuterWidth() / 2 + 10)
        && cy.edges().every(o => o.same(e) || near(p, o.renderedSourceEndpoint(), o.renderedTargetEndpoint()) > 10);
      if (clear) return {id: id, x: r.left + p.x, y: r.top + p.y};
    }
  }
  return null;
}"""


def _flows_with_a_finding(app, inst_id: int, tmp_path) -> int:
    """A custody account with 28 counterparties, and a finding on money going round custody → collector →
    relay → custody (its last leg too small to be among the biggest flows). Returns the finding's id."""
    from monitor.ingest import ingest_paths
    from monitor.models import Finding, Institution

    with Session(get_engine(app.extensions["monitor_config"])) as s:
        inst = s.get(Institution, inst_id)
        uscc, name = inst.uscc, inst.name
    custody = f"{CUSTODY},{name}（存管账户）,{uscc}"
    rows = [f"L{i},2018-05-{1 + i:02d} 10:00:00,{(i + 1) * 130000:.2f},62220000000{i:05d},出借人{i},,{custody},出借"
            for i in range(20)]
    rows += [f"B{j},2018-05-{2 + j:02d} 15:00:00,{(j + 1) * 250000:.2f},{custody},62230000000{j:05d},借款人{j},,放款"
             for j in range(8)]
    rows += [f"R0,2018-05-25 09:00:00,32000000.00,{custody},{COLLECTOR},甲市汇通咨询有限公司,,咨询费",
             f"R1,2018-05-26 09:00:00,480000.00,{COLLECTOR},甲市汇通咨询有限公司,,{RELAY},李四,,往来款",
             f"R2,2018-05-27 09:00:00,2000.00,{RELAY},李四,,{custody},还款"]
    # the biggest lender's other payments: what expanding it adds
    rows += [f"X{k},2018-05-{10 + k:02d} 11:00:00,{(k + 1) * 90000:.2f},6222000000000019,出借人19,,"
             f"62240000000{k:05d},收款人{k},,转账" for k in range(4)]
    statement = tmp_path / "flows.csv"
    statement.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    [res] = ingest_paths(app.extensions["monitor_config"], [statement], institution=uscc)
    assert res.status == "ok", res.error
    with Session(get_engine(app.extensions["monitor_config"])) as s:
        finding = Finding(detector="round_tripping", kind="round_tripping", institution_id=inst_id, severity="high",
                          score=30, title="资金回流：存管资金经咨询公司回到存管账户",
                          evidence={"accounts": [{"account_no": a} for a in (CUSTODY, COLLECTOR, RELAY)]},
                          as_of=datetime(2018, 6, 1, 2, tzinfo=timezone.utc), fingerprint="r" * 32)
        s.add(finding)
        s.commit()
        return finding.id


def _overlaps(boxes: list[tuple[str, dict]]) -> list[tuple[str, str]]:
    pairs = []
    for i, (a_name, a) in enumerate(boxes):
        for b_name, b in boxes[i + 1:]:
            if min(a["x2"], b["x2"]) > max(a["x1"], b["x1"]) and min(a["y2"], b["y2"]) > max(a["y1"], b["y1"]):
                pairs.append((a_name, b_name))
    return pairs


def test_flow_amounts_are_written_as_the_portal_writes_money():
    def texts(locale):
        data = {"edges": [{"data": {"amount": a}} for a in (3.2e8, 3.2e7, 2000.0)]}
        return [e["data"]["amount_text"] for e in with_amount_texts(data, locale)["edges"]]

    assert texts("zh_CN") == ["3.20 亿元", "3,200.00 万元", "2,000.00 元"]
    assert texts("en") == ["320,000,000 yuan", "32,000,000 yuan", "2,000 yuan"]


def test_flow_json_adds_the_smaller_flows_among_highlighted_accounts_once():
    import networkx as nx

    from monitor.portal.graph import flow_json

    G = nx.DiGraph()
    for i in range(6):
        G.add_edge(f"L{i}", "C", amount=100.0 + i, count=1, first="2018-01-01", last="2018-01-02")
    for u, v in (("C", "X"), ("X", "C"), ("C", "C"), ("X", "Y")):  # small, among highlighted accounts
        G.add_edge(u, v, amount=1.0, count=1, first="2018-01-01", last="2018-01-02")
    data = flow_json(G, "C", {}, {"C", "X", "Y"}, limit=3)
    ids = [e["data"]["id"] for e in data["edges"]]
    assert sorted(ids) == ["C>C", "C>X", "L3>C", "L4>C", "L5>C", "X>C"]  # not X>Y: it does not touch C
    assert data["hidden"] == len(G.in_edges("C")) + len(G.out_edges("C")) - 3


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_flow_explorer_labels_the_flows_that_matter_without_overlap(browser, portal, live, shots,  # noqa: F811
                                                                    tmp_path, lang):
    app, _ = portal
    base, ids = live
    finding = _flows_with_a_finding(app, ids["red"], tmp_path)
    problems: list[str] = []
    page = _page(browser, problems)
    _login(page, base, "inspector")
    if lang == "en":
        page.click("header button[value=en]")
        page.wait_for_selector("html[lang=en]")
    page.goto(f"{base}/graph/{ids['red']}?finding={finding}")
    page.wait_for_selector("#graph[data-loaded='1']", timeout=30000)  # set after layout and label placement
    drawn = page.evaluate(DRAWN_JS)
    page.screenshot(path=str(shots / f"flows-{lang}.png"), full_page=True)

    edges = drawn["edges"]
    assert len(edges) > LABELLED_FLOWS + 10, len(edges)  # a dense neighbourhood
    unit = ("元",) if lang == "zh_CN" else ("yuan",)  # 万元, 亿元 or 元 as the amount goes
    top = sorted(edges, key=lambda e: -e["amount"])[:LABELLED_FLOWS]
    for e in top:
        assert any(u in e["label"] for u in unit), e
    assert "3,200.00 万元" in {e["label"] for e in top} or lang != "zh_CN"  # as the portal writes money
    finding_edges = [e for e in edges if e["highlight"]]
    assert len(finding_edges) == 3, finding_edges  # custody → collector → relay → custody
    for e in finding_edges:  # up to LABELLED_FLOWS of them, the smallest too
        assert any(u in e["label"] for u in unit), e
    quiet = [e for e in edges if not e["label"]]
    assert len(quiet) == len(edges) - len({e["id"] for e in top + finding_edges}), quiet

    labels = [(f"edge {e['id']}", e["box"]) for e in edges if e["label"]]
    labels += [(f"node {n['id']}", n["box"]) for n in drawn["nodes"] if n["label"]]
    assert _overlaps(labels) == []
    for name, b in labels:  # all on screen
        assert b["x1"] >= 0 and b["y1"] >= 0 and b["x2"] <= drawn["width"] and b["y2"] <= drawn["height"], (name, b)
    assert drawn["zoom"] >= 0.6, drawn["zoom"]  # 10 px labels stay readable

    # the rest on hover: the pointer on an unlabelled flow shows its amount, and it goes when the pointer leaves
    at = page.evaluate(HOVER_POINT_JS, [e["id"] for e in sorted(quiet, key=lambda e: e["amount"])])
    assert at is not None  # some unlabelled flow can be pointed at alone
    hovered = next(e for e in quiet if e["id"] == at["id"])
    label_of = "id => document.getElementById('graph').cy.getElementById(id).style('label')"
    shows = "([id, want]) => (document.getElementById('graph').cy.getElementById(id).style('label') !== '') === want"
    page.mouse.move(at["x"], at["y"], steps=4)
    page.wait_for_function(shows, arg=[hovered["id"], True], timeout=5000)  # a function: the page's CSP forbids eval
    assert any(u in page.evaluate(label_of, hovered["id"]) for u in unit)
    assert any(u in page.inner_text("#graph-info") for u in unit)
    corner = page.locator("#graph").bounding_box()  # inside the graph, off every element (the fit leaves a margin)
    page.mouse.move(corner["x"] + 4, corner["y"] + 4, steps=4)
    page.wait_for_function(shows, arg=[hovered["id"], False], timeout=5000)

    # a click on the biggest lender adds its other payments; the labels are placed again
    lender = page.evaluate("() => document.getElementById('graph').cy.edges().sort((a, b) => b.data('amount')"
                           " - a.data('amount')).filter(e => e.target().data('kind') === 'custody' ||"
                           " e.target().data('root'))[0].source().renderedPosition()")
    box = page.locator("#graph").bounding_box()
    page.mouse.click(box["x"] + lender["x"], box["y"] + lender["y"])
    page.wait_for_selector("#graph:not([data-busy])", timeout=30000)
    expanded = page.evaluate(DRAWN_JS)
    assert len(expanded["nodes"]) == len(drawn["nodes"]) + 4, (len(expanded["nodes"]), len(drawn["nodes"]))
    labels = [(f"edge {e['id']}", e["box"]) for e in expanded["edges"] if e["label"]]
    labels += [(f"node {n['id']}", n["box"]) for n in expanded["nodes"] if n["label"]]
    assert _overlaps(labels) == []
    page.screenshot(path=str(shots / f"flows-expanded-{lang}.png"), full_page=True)
    assert problems == []  # no script error, no CSP violation
