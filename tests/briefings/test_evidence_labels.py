"""Every number a detector or an indicator puts in ``evidence.metrics`` has a name for people.

The keys are read from the source of graphs/detectors and monitor/indicators, so a new metric
without a label in ``monitor.vocab.EVIDENCE_METRICS`` fails here, not in a supervisor's PDF.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from monitor.vocab import ACCOUNT_ROLES, EVIDENCE_METRICS, METRICS_BY_NAME, evidence_code, evidence_label

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted((ROOT / "graphs" / "detectors").glob("*.py")) + [ROOT / "monitor" / "indicators.py"]
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def _dict_keys(node) -> set[str]:
    """String keys of a dict literal and of the dict literals among its values."""
    if not isinstance(node, ast.Dict):
        return set()
    keys = {k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
    for v in node.values:
        keys |= _dict_keys(v)
    return keys


def _is_metrics_target(target) -> bool:
    # metrics["x"] = ... and checks["x"] = ... (disclosure_mismatch keeps its metrics in `checks`)
    return isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) \
        and target.value.id in ("metrics", "checks")


def metric_keys(source: str) -> set[str]:
    """Keys written into evidence metrics by one module: ``metrics={...}``, ``metrics = {...}``,
    ``metrics["k"] = ...``, ``checks["k"] = {...}`` and dicts returned into them."""
    keys: set[str] = set()
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "metrics":
            keys |= _dict_keys(node.value)
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Name) and t.id == "metrics":
                    keys |= _dict_keys(node.value)
                elif _is_metrics_target(t):
                    if isinstance(t.slice, ast.Constant) and isinstance(t.slice.value, str):
                        keys.add(t.slice.value)
                    keys |= _dict_keys(node.value)
        elif isinstance(node, ast.FunctionDef) and node.name == "balance_growth_excess":
            for ret in ast.walk(node):  # its dict becomes checks["outstanding_balance"]
                if isinstance(ret, ast.Return):
                    keys |= _dict_keys(ret.value)
    return keys


def all_metric_keys() -> dict[str, str]:
    return {k: p.name for p in SOURCES for k in metric_keys(p.read_text(encoding="utf-8"))}


def test_the_scan_finds_the_metrics_of_every_detector_family():
    keys = all_metric_keys()
    # one key of each shape the scan must see: keyword dict, named dict, subscript, nested check, returned dict
    for key in ("gathered_share", "gap_share_mean", "yield_above_peers", "related_party_balance",
                "borrowers_stopped", "net_lending_in_flows", "paid_ratio", "top1_amount"):
        assert key in keys, key
    assert len(keys) > 80


def test_every_evidence_metric_key_has_a_chinese_and_an_english_name():
    missing = {k: src for k, src in all_metric_keys().items()
               if k not in EVIDENCE_METRICS and k not in METRICS_BY_NAME}
    assert not missing, f"add to monitor.vocab.EVIDENCE_METRICS: {missing}"
    for key, (zh, en) in EVIDENCE_METRICS.items():
        assert re.search(r"[\u4e00-\u9fff]", zh), key
        assert en and not SNAKE.search(en) and not re.search(r"[\u4e00-\u9fff]", en), key


@pytest.mark.parametrize("code", ["platform", "related_person", "related_company", "offshore", "insider"])
def test_ties_of_accounts_to_a_platform_are_named(code):
    # the codes graphs.platform writes into PlatformFlows.tied, shown as `tie`/`collector_tied` and as roles
    source = (ROOT / "graphs" / "platform.py").read_text(encoding="utf-8")
    assert f'"{code}"' in source or (code.startswith("related_") and 'f"related_{' in source)
    assert evidence_code(code) == ACCOUNT_ROLES[code][0] != code
    assert not SNAKE.search(evidence_code(code, zh=False))


def test_labels_fall_back_to_disclosure_metrics_and_leave_other_keys_alone():
    assert evidence_label("overdue_amount") == "逾期金额"
    assert evidence_label("overdue_amount", zh=False) == "overdue amount"
    assert evidence_code("amount_overdue_rate") == "金额逾期率"
    assert evidence_label("6222001") == "6222001" and evidence_label("2018-05") == "2018-05"
    assert evidence_label("gathered_share", zh=False) == "share gathered"


def test_node_keys_in_related_party_paths_are_named():
    from monitor.vocab import node_label

    path = "恒银网贷 (institution:91440305CQP000065L) → 恒银控股 (company:4) → 张三 (person:12)"
    assert node_label(path) == "恒银网贷 (机构 91440305CQP000065L) → 恒银控股 (企业#4) → 张三 (自然人#12)"
    assert node_label("company:135", zh=False) == "company#135"
    assert node_label("6222001") == "6222001"  # account numbers stay as they are
