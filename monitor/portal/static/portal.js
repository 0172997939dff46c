/* Portal behaviour: charts (ECharts) and the graph explorer (Cytoscape.js). No inline scripts (CSP). */
(function () {
  "use strict";
  var zh = (document.documentElement.lang || "").indexOf("zh") === 0;
  var BAND = { red: "#c62828", orange: "#ef6c00", yellow: "#f9a825", green: "#2e7d32" };

  // A tick of a money axis: the value in the axis's unit (named once, as the axis name), digits grouped.
  function axisNumber(scale) {
    var format = new Intl.NumberFormat(zh ? "zh-CN" : "en", { maximumFractionDigits: 2 });
    return function (v) { return format.format(v / scale); };
  }
  // The institution page's long sections arrive after the page (server-rendered, escaped fragments).
  document.querySelectorAll("[data-section]").forEach(function (el) {
    fetch(el.dataset.section, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (html) { el.innerHTML = html; el.classList.remove("lazy"); })
      .catch(function () { /* the link in the section still opens it */ });
  });
  // A finding's evidence arrives when the reader opens it.
  document.querySelectorAll("details[data-evidence]").forEach(function (el) {
    el.addEventListener("toggle", function () {
      if (!el.open || el.dataset.loaded) { return; }
      el.dataset.loaded = "1";
      fetch(el.dataset.evidence, { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
        .then(function (html) { var p = el.querySelector("summary").nextElementSibling; if (p) { p.outerHTML = html; } })
        .catch(function () { delete el.dataset.loaded; });
    });
  });
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); });
  }
  function wan(v) {
    if (v === null || v === undefined) { return "—"; }
    if (!zh) { return Math.round(v).toLocaleString("en") + " yuan"; }
    if (Math.abs(v) >= 1e8) { return (v / 1e8).toFixed(2) + " 亿元"; }
    if (Math.abs(v) >= 1e4) { return (v / 1e4).toFixed(2) + " 万元"; }
    return v.toFixed(2) + " 元";
  }

  // ---------------------------------------------------------------- charts on the institution page
  var scoreEl = document.getElementById("score-chart");
  var discEl = document.getElementById("disclosure-chart");
  if ((scoreEl || discEl) && window.echarts) {
    getJSON((scoreEl || discEl).dataset.src).then(function (data) {
      if (scoreEl) {
        var chart = echarts.init(scoreEl);
        var marks = ["red", "orange", "yellow"].filter(function (b) { return data.thresholds[b] != null; })
          .map(function (b) { return { yAxis: data.thresholds[b], lineStyle: { color: BAND[b], type: "dashed" }, label: { show: false } }; });
        chart.setOption({
          grid: { left: 40, right: 16, top: 20, bottom: 30 }, tooltip: { trigger: "axis" },
          xAxis: { type: "time" }, yAxis: { type: "value", min: 0, max: 100 },
          series: [{ type: "line", name: scoreEl.dataset.title, showSymbol: data.scores.length < 40,
            data: data.scores.map(function (s) { return { value: [s.as_of, s.score], itemStyle: { color: BAND[s.band] } }; }),
            lineStyle: { color: "#12355b" }, markLine: { symbol: "none", data: marks } }]
        });
        window.addEventListener("resize", function () { chart.resize(); });
      }
      if (discEl && data.series.length) {
        var money = data.series.filter(function (s) { return s.unit === "元" || s.unit === "yuan"; });
        var shown = (money.length ? money : data.series).slice(0, 5);
        var chart2 = echarts.init(discEl);
        chart2.setOption({
          grid: { left: 70, right: 16, top: 36, bottom: 30 }, tooltip: { trigger: "axis", valueFormatter: money.length ? wan : null },
          legend: { top: 0 }, xAxis: { type: "category", data: data.periods.map(function (p) { return p.slice(0, 7); }) },
          yAxis: { type: "value", name: money.length && data.axis ? data.axis.name : "",
            axisLabel: money.length && data.axis ? { formatter: axisNumber(data.axis.scale) } : {} },
          series: shown.map(function (s) { return { type: "line", name: s.label || s.metric, data: s.values, connectNulls: false }; })
        });
        window.addEventListener("resize", function () { chart2.resize(); });
      }
    }).catch(function () { /* the tables still show the numbers */ });
  }

  // ---------------------------------------------------------------- graph explorer
  var graphEl = document.getElementById("graph");
  if (graphEl && window.cytoscape) {
    if (window.cytoscapeFcose) { cytoscape.use(window.cytoscapeFcose); }  // vendored with the explorer's page
    var info = document.getElementById("graph-info");
    var mode = graphEl.dataset.start;
    // Flows: the N biggest flows and the N biggest of the finding's carry their amounts, the rest show theirs on
    // hover (N from the server). A finding of dozens of accounts labelled in full would shrink every label
    // out of reading.
    var LABELLED_FLOWS = parseInt(graphEl.dataset.labelledFlows, 10) || 12;
    var LABELLED_RELATIONS = 16;  // related parties: every relation labelled up to this many edges
    var LABEL_ONLY = { includeNodes: false, includeEdges: false, includeLabels: true, includeMainLabels: true,
      includeSourceLabels: false, includeTargetLabels: false, includeOverlays: false, includeUnderlays: false,
      includeOutlines: false };
    var NODE_WITH_LABEL = { includeLabels: true, includeEdges: false, includeOverlays: false };
    var cy = cytoscape({
      container: graphEl, wheelSensitivity: 0.3, maxZoom: 1.6, minZoom: 0.1,
      style: [
        { selector: "node", style: { "label": "data(label)", "font-size": 11, "text-wrap": "ellipsis", "text-max-width": 130,
          "text-valign": "bottom", "text-margin-y": 4, "background-color": "#5b8def", "width": 22, "height": 22,
          "text-background-color": "#fff", "text-background-opacity": 0.75, "text-background-padding": 1 } },
        { selector: "node[kind = 'person']", style: { "background-color": "#8bc34a" } },
        { selector: "node[kind = 'institution']", style: { "background-color": "#12355b", "shape": "round-rectangle", "width": 30, "height": 30 } },
        { selector: "node[kind = 'custody']", style: { "background-color": "#ef6c00", "shape": "round-rectangle", "width": 30, "height": 30 } },
        { selector: "node[?root]", style: { "border-width": 4, "border-color": "#f9a825" } },
        { selector: "node[?highlight]", style: { "background-color": "#c62828", "border-width": 3, "border-color": "#7f0000" } },
        { selector: "node.expanded", style: { "border-width": 2, "border-color": "#1f2933" } },
        // Edge labels lie flat (Chinese reads badly rotated) on an opaque background over the line;
        // placeLabels slides them along their edge so that none covers another.
        { selector: "edge", style: { "width": 1.5, "line-color": "#9aa5b1", "target-arrow-color": "#9aa5b1",
          "target-arrow-shape": "triangle", "curve-style": "bezier", "label": "", "font-size": 10,
          "text-rotation": "none", "color": "#1f2933", "text-background-color": "#fff", "text-background-opacity": 0.92,
          "text-background-padding": 2, "text-background-shape": "round-rectangle", "text-border-width": 1,
          "text-border-color": "#d5dbe1", "text-border-opacity": 1 } },
        { selector: "edge.labelled, edge.hover, edge:selected", style: { "label": "data(label)" } },
        { selector: "edge[?highlight]", style: { "line-color": "#c62828", "target-arrow-color": "#c62828", "width": 3,
          "color": "#7f0000", "text-border-color": "#c62828", "font-weight": "bold" } },
        { selector: "edge.hover", style: { "z-index": 20, "text-background-opacity": 1, "width": 3 } },
        { selector: ":selected", style: { "overlay-opacity": 0.15, "overlay-color": "#12355b" } }
      ]
    });
    graphEl.cy = cy;  // for tests and the console

    function edgeLabel(d) {
      if (d.amount != null && mode === "flows") { return d.amount_text || wan(d.amount); }
      return d.label || d.kind || "";
    }
    function byAmount(a, b) { return (b.data("amount") || 0) - (a.data("amount") || 0); }
    function chooseLabels() {
      var edges = cy.edges();
      edges.removeClass("labelled");
      if (mode === "flows") {
        edges.sort(byAmount).slice(0, LABELLED_FLOWS).addClass("labelled");
        edges.filter("[?highlight]").sort(byAmount).slice(0, LABELLED_FLOWS).addClass("labelled");
      } else if (edges.length <= LABELLED_RELATIONS) {
        edges.addClass("labelled");
      }
    }
    function shown(e) { return e.hasClass("labelled"); }
    function add(data, around) {
      var fresh = [];
      var from = around && cy.getElementById(around).nonempty() ? cy.getElementById(around).position() : null;
      data.nodes.forEach(function (n) {
        if (n.data.label === "(out of scope)") { n.data.label = graphEl.dataset.outOfScope; }
        if (cy.getElementById(n.data.id).empty()) {
          // around the node that was expanded, so that the layout keeps the drawing the reader knows
          var a = 2 * Math.PI * fresh.length / Math.max(data.nodes.length, 1);
          var at = from ? { x: from.x + 60 * Math.cos(a), y: from.y + 60 * Math.sin(a) } : undefined;
          fresh.push(cy.add({ group: "nodes", data: n.data, position: at }));
        }
      });
      data.edges.forEach(function (e) {
        e.data.label = edgeLabel(e.data);
        if (cy.getElementById(e.data.id).empty()) { cy.add({ group: "edges", data: e.data }); }
      });
      chooseLabels();
      cy.layout(layoutOptions(mode, !from)).run();
      spread(cy, 2.5);
      placeLabels();
      if (data.hidden) { info.textContent = (zh ? "另有 " : "") + data.hidden + (zh ? " 条较小的资金往来未显示" : " smaller flows not shown"); }
    }
    function layoutOptions(how, randomize) {
      // fcose spaces dense neighbourhoods (a custody account with dozens of counterparties) better than
      // cose; an edge that shows its label is given the length to hold it between its two nodes.
      if (!window.cytoscapeFcose) {  // the vendored extension is missing: Cytoscape's own force layout
        return { name: "cose", animate: false, randomize: randomize, fit: true, padding: 30, componentSpacing: 80,
          nodeOverlap: 20, nodeRepulsion: function () { return 60000; }, idealEdgeLength: function () { return 150; } };
      }
      var related = how === "related";
      return { name: "fcose", quality: "proof", randomize: randomize, animate: false, fit: true, padding: 30,
        nodeDimensionsIncludeLabels: true, packComponents: true, nodeSeparation: 90,
        nodeRepulsion: function () { return related ? 12000 : 9000; },
        idealEdgeLength: function (e) {
          if (!shown(e)) { return related ? 110 : 90; }
          return Math.max(related ? 150 : 120, e.boundingBox(LABEL_ONLY).w + 70);
        },
        edgeElasticity: function () { return 0.45; }, numIter: 2500 };
    }
    function pairGap(a, b) {
      // Room between two nodes' boxes: their edges' labels, when drawn, must fit (about 8 px a character).
      var edges = a.edgesWith(b);
      if (!edges.length) { return 12; }
      var longest = 0;
      edges.forEach(function (e) {
        if (shown(e)) { longest = Math.max(longest, String(e.data("label") || "").length); }
      });
      return Math.max(40, Math.min(longest * 8 + 16, 200));
    }
    function spread(cy, maxStretch) {
      // The layout keeps nodes apart, not always their labels. Stretch the drawing to the container's shape
      // (distances only grow), then push apart the nodes whose boxes with labels still overlap,
      // neighbours far enough for their edge labels (pairGap), and fit.
      var nodes = cy.nodes().toArray();
      if (nodes.length < 2) { return; }
      var bb = cy.nodes().boundingBox(NODE_WITH_LABEL);
      var k = Math.min(maxStretch, Math.max(1, (cy.width() / Math.max(cy.height(), 1)) / (bb.w / Math.max(bb.h, 1))));
      var cx = (bb.x1 + bb.x2) / 2;
      cy.nodes().positions(function (n) { var p = n.position(); return { x: cx + (p.x - cx) * k, y: p.y }; });
      for (var it = 0; it < 60; it++) {
        var moved = false;
        var boxes = nodes.map(function (n) { return n.boundingBox(NODE_WITH_LABEL); });
        for (var i = 0; i < nodes.length; i++) {
          for (var j = i + 1; j < nodes.length; j++) {
            var a = boxes[i], b = boxes[j];
            var gap = pairGap(nodes[i], nodes[j]);
            var ox = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1) + gap, oy = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1) + gap;
            if (ox <= 0 || oy <= 0) { continue; }
            moved = true;
            var pi = nodes[i].position(), pj = nodes[j].position();
            if (ox < oy) {  // separate along the axis that needs the smaller move
              var dx = (pi.x < pj.x ? -ox : ox) / 2;
              nodes[i].position({ x: pi.x + dx, y: pi.y }); nodes[j].position({ x: pj.x - dx, y: pj.y });
            } else {
              var dy = (pi.y < pj.y ? -oy : oy) / 2;
              nodes[i].position({ x: pi.x, y: pi.y + dy }); nodes[j].position({ x: pj.x, y: pj.y - dy });
            }
            boxes[i] = nodes[i].boundingBox(NODE_WITH_LABEL); boxes[j] = nodes[j].boundingBox(NODE_WITH_LABEL);
          }
        }
        if (!moved) { break; }
      }
      cy.fit(undefined, 30);
    }
    // Where along its edge a label may sit: the middle first, then towards either end (fractions of the edge).
    var SLIDES = [0, 0.12, -0.12, 0.24, -0.24, 0.34, -0.34];
    var LABEL_GAP = 3;  // model pixels between two labels
    function clash(box, boxes) {
      for (var i = 0; i < boxes.length; i++) {
        var o = boxes[i];
        if (box.x1 < o.x2 + LABEL_GAP && o.x1 < box.x2 + LABEL_GAP && box.y1 < o.y2 + LABEL_GAP && o.y1 < box.y2 + LABEL_GAP) { return true; }
      }
      return false;
    }
    function slideLabels(edges, taken) {
      // Greedy, most important first: each label takes the first slide along its edge where it covers no node,
      // node label or label already placed. Returns whether every label found a place.
      var ok = true;
      edges.forEach(function (e) {
        e.style({ "text-margin-x": 0, "text-margin-y": 0 });
        var box = e.boundingBox(LABEL_ONLY), s = e.source().position(), t = e.target().position();
        var best = null;
        for (var i = 0; i < SLIDES.length && best === null; i++) {
          var dx = SLIDES[i] * (t.x - s.x), dy = SLIDES[i] * (t.y - s.y);
          var moved = { x1: box.x1 + dx, x2: box.x2 + dx, y1: box.y1 + dy, y2: box.y2 + dy };
          if (!clash(moved, taken)) { best = { dx: dx, dy: dy, box: moved }; }
        }
        if (best === null) { ok = false; return; }
        e.style({ "text-margin-x": best.dx, "text-margin-y": best.dy });
        taken.push(best.box);
      });
      return ok;
    }
    function placeLabels() {
      // Edge labels sit in the middle of their edge unless that covers another label; when some label
      // finds no free place along its edge, the drawing grows (labels keep their size) and all are placed again.
      var edges = cy.edges().filter(shown).sort(function (a, b) {
        return (b.data("highlight") ? 1 : 0) - (a.data("highlight") ? 1 : 0) || byAmount(a, b);
      });
      cy.edges().not(edges).style({ "text-margin-x": 0, "text-margin-y": 0 });
      if (edges.length) {
        var bb = cy.nodes().boundingBox(NODE_WITH_LABEL), cx = (bb.x1 + bb.x2) / 2, cyy = (bb.y1 + bb.y2) / 2;
        for (var round = 0; round < 10; round++) {
          var taken = cy.nodes().map(function (n) { return n.boundingBox(NODE_WITH_LABEL); });
          if (slideLabels(edges, taken)) { break; }
          cy.nodes().positions(function (n) { var p = n.position(); return { x: cx + (p.x - cx) * 1.2, y: cyy + (p.y - cyy) * 1.2 }; });
        }
      }
      cy.fit(undefined, 30);
    }
    function load(node) {
      var base = graphEl.dataset[mode];
      var url = base + (node ? (base.indexOf("?") < 0 ? "?" : "&") + "node=" + encodeURIComponent(node) : "");
      graphEl.dataset.busy = "1";  // until the answer is drawn (tests wait on it)
      return getJSON(url).then(function (d) { add(d, node); graphEl.dataset.loaded = "1"; })
        .finally(function () { delete graphEl.dataset.busy; });
    }
    function reset() { cy.elements().remove(); load(null); }
    function describeEdge(d) {
      var src = cy.getElementById(d.source).data("holder") || d.source, dst = cy.getElementById(d.target).data("holder") || d.target;
      var parts = [src + " → " + dst];
      if (d.amount != null) { parts.push((zh ? "金额 " : "amount ") + (d.amount_text || wan(d.amount))); }
      if (d.count != null) { parts.push((zh ? "笔数 " : "transfers ") + d.count); }
      if (d.first) { parts.push(d.first + " – " + d.last); }
      if (d.since) { parts.push((zh ? "自 " : "since ") + d.since); }
      if (d.kind && d.label) { parts.push(d.label); }  // the relation, translated by the server (not its code)
      return parts.join(" · ");
    }

    cy.on("tap", "node", function (evt) {
      var n = evt.target;
      if (!n.data("expandable") || n.hasClass("expanded")) { return; }
      n.addClass("expanded");
      load(n.id());
    });
    cy.on("mouseover", "node", function (evt) {
      var d = evt.target.data();
      info.textContent = (d.holder || d.label) + (d.holder ? " · " + d.id : "");
    });
    cy.on("dbltap", "node", function (evt) {
      // collapse: remove neighbours that hang only on this node
      evt.target.neighborhood("node").forEach(function (m) { if (m.degree() === 1 && !m.data("root")) { m.remove(); } });
      evt.target.removeClass("expanded");
    });
    // The flows without a label show it while the pointer is on them (and in the box below the graph).
    cy.on("mouseover", "edge", function (evt) { evt.target.addClass("hover"); info.textContent = describeEdge(evt.target.data()); });
    cy.on("mouseout", "edge", function (evt) { evt.target.removeClass("hover"); });
    graphEl.addEventListener("mouseleave", function () { cy.edges(".hover").removeClass("hover"); });
    cy.on("tap", "edge", function (evt) { info.textContent = describeEdge(evt.target.data()); });
    document.querySelectorAll(".tab").forEach(function (b) {
      if (b.dataset.mode === mode) { b.classList.add("on"); } else { b.classList.remove("on"); }
      b.addEventListener("click", function () {
        document.querySelectorAll(".tab").forEach(function (x) { x.classList.remove("on"); });
        b.classList.add("on"); mode = b.dataset.mode; reset();
      });
    });
    document.getElementById("graph-fit").addEventListener("click", function () { cy.fit(undefined, 30); });
    reset();
  }
})();
