"""Detectors and indicators are declared once: the registry, names, sources, weights and points derive from it."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import graphs.detectors as detectors
from graphs.detectors import DETECTORS, RECORDS, module
from graphs.detectors._common import finding
from monitor import findings, scoring, vocab
from monitor.findings import SEVERITY_POINTS, Detector, Evidence, Indicator
from monitor.indicators import DEFAULT_PARAMS, INDICATOR_RECORDS, INDICATORS
from monitor.scoring import DEFAULT_THRESHOLDS, DEFAULT_WEIGHTS, Rules, score_findings

ROOT = Path(__file__).resolve().parents[2]

# Rule version 1 as it has always been: the evaluation's figures (benchmarks/quality.py) rest on it.
VERSION_1_WEIGHTS = {
    "severity.low": 3.0, "severity.medium": 8.0, "severity.high": 25.0, "severity.critical": 40.0,
    "ponzi": 1.4, "self_financing": 1.4, "fund_pool": 1.4, "capital_flight": 1.4,
    "round_tripping": 1.2, "scatter_gather": 1.2, "guarantee_circle": 1.0,
    "borrower_cap": 0.8, "borrower_concentration": 0.6, "disclosure_mismatch": 1.0,
    "yield_above_peers": 1.0, "overdue_jump": 1.0, "disclosure_late": 0.8, "site_down": 1.2,
    "complaint_surge": 1.0, "litigation": 0.6, "frequent_changes": 0.8, "capital_gap": 0.5,
    "shared_address": 0.6, "default": 1.0,
}
ALL = (*RECORDS.values(), *INDICATOR_RECORDS)


def test_every_public_module_of_the_package_is_a_registered_detector():
    names = sorted(i.name for i in pkgutil.iter_modules(detectors.__path__)
                   if not i.ispkg and not i.name.startswith("_"))
    assert list(DETECTORS) == names and len(names) == 10
    for name in names:
        record = RECORDS[name]
        assert isinstance(record, Detector) and not isinstance(record, Indicator)
        assert record is module(name).DETECTOR and record.detect is module(name).detect
        assert record.defaults == module(name).DEFAULTS


def test_every_record_names_its_kind_and_explains_its_parameters():
    for record in ALL:
        assert record.zh and record.en and record.source in vocab.SIGNAL_SOURCES, record.name
        for key, param in record.params.items():
            assert param.unit and param.help, f"{record.name}.{key}"
    assert INDICATORS == {r.name: r.detect for r in INDICATOR_RECORDS}
    assert DEFAULT_PARAMS == {k: p.default for r in INDICATOR_RECORDS for k, p in r.params.items()}


def test_default_weights_are_version_1_built_from_the_records():
    assert DEFAULT_WEIGHTS == VERSION_1_WEIGHTS
    assert {r.name: r.weight for r in ALL if r.weight is not None} == {
        k: v for k, v in VERSION_1_WEIGHTS.items() if not k.startswith("severity.") and k != "default"}
    # one table of severity points
    assert scoring.SEVERITY_POINTS is findings.SEVERITY_POINTS
    assert {s: DEFAULT_WEIGHTS[f"severity.{s}"] for s in SEVERITY_POINTS} == SEVERITY_POINTS


@pytest.mark.parametrize("kind,severity", [("ponzi", "high"), ("borrower_concentration", "low"),
                                           ("guarantee_circle", "critical"), ("fan_in", "medium")])
def test_a_findings_score_is_what_the_index_counts_under_the_default_rules(kind, severity):
    f = finding(kind, kind, "91110000MA00000001", severity, "t", Evidence(), key="k")
    no_caps = {**DEFAULT_THRESHOLDS, "weak_cap_per_source": None}
    rules = Rules(version=1, weights=dict(DEFAULT_WEIGHTS), thresholds=no_caps)
    [contribution] = score_findings([f], rules).contributions
    assert f.score == contribution["points"] == round(SEVERITY_POINTS[severity] * DEFAULT_WEIGHTS.get(kind, 1.0), 2)


def test_an_indicators_score_uses_the_weight_of_the_kind_it_reports():
    from monitor.indicators import _finding

    class Inst:
        uscc = "91110000MA00000001"

    f = _finding("borrower_limits", Inst(), "medium", "t", Evidence(), kind="borrower_cap")
    assert f.kind == "borrower_cap" and f.detector == "indicator.borrower_limits"
    assert f.score == 8.0 * 0.8


def test_names_and_sources_come_from_the_records():
    for record in ALL:
        assert vocab.PATTERN_ZH[record.name] == record.zh
        assert vocab.pattern_names()[record.name] == (record.zh, record.en)
        assert vocab.signal_source(record.finding_detector) == record.source
    assert vocab.signal_source("guarantee_circle") == "registry" and vocab.signal_source("ponzi") == "flows"
    assert vocab.signal_source("fan_in") == "flows" and vocab.signal_source("indicator.unknown") == "other"
    assert vocab.PATTERN_ZH["cap"] == "指数封顶"


def test_english_pattern_names_agree_with_the_records():
    from monitor.formatting import pattern_name

    for record in ALL:
        assert pattern_name(record.name, "en") == record.en


def test_the_core_vocabulary_does_not_import_the_detectors():
    code = "import sys, monitor.vocab, monitor.scoring, monitor.findings; print('graphs.detectors' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
