"""The simulated city writes with its own vocabulary, never the reader's."""

from __future__ import annotations

import ast
from pathlib import Path

from monitor.sim import vocab as SV
from monitor.text import normalize_label
from monitor.vocab import METRICS, METRICS_BY_NAME

SIM = Path(SV.__file__).parent


def test_the_city_imports_no_label_from_the_reader():
    allowed = {"PURPOSES"}  # transfer purposes (花费 words), not disclosure labels
    for path in SIM.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "monitor.vocab":
                assert {a.name for a in node.names} <= allowed, path.name
            if isinstance(node, ast.Import):
                assert all(a.name != "monitor.vocab" for a in node.names), path.name


def test_the_city_spells_more_than_the_reader_knows():
    codes = {m.name for m in METRICS}
    assert set(SV.ORDER) == codes  # the truth file names values by these codes
    sim = {normalize_label(s) for c in SV.ORDER for s in SV.spellings(c)}
    reader = {normalize_label(s) for c in codes for s in METRICS_BY_NAME[c].all_labels}
    assert len(sim) > len({normalize_label(s) for m in METRICS for s in m.labels})
    assert sim - reader  # spellings a reader may not know: the city's extraction rate measures the reader


def test_every_style_variant_is_used_by_a_city(tmp_path):
    from monitor.sim.model import plan_city
    from datetime import date

    plan = plan_city(1, 40, 12, date(2017, 1, 1))
    sites = [p.site for p in plan["platforms"]]
    assert {s.table_form for s in sites if s.layout == "table"} == {"plain", "unit_column", "caption", "transposed"}
    assert any(s.footnote for s in sites)
