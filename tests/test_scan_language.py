"""`monitor scan`'s plain output in one language (--lang, else the locale setting); JSON the same in both."""

from __future__ import annotations

import csv
import json
import os
import re
from pathlib import Path

import pytest

from monitor.scan import CUSTODY_LABELS
from tests.graphs.builders import converging_platform
from tests.test_scan import write_statement

AMLSIM = Path(__file__).parent / "data" / "amlsim" / "transactions.csv"
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
# English words of the output's own wording, none of which a Chinese reader should meet.
CHROME = ("file", "assumed", "custody account", "detectors", "thresholds", "finding", "findings", "finding(s)",
          "window", "counterparties", "accounts", "skipped", "amounts", "median", "percentile", "closest",
          "no findings", "from", "to", "amount", "count", "first", "last", "typology", "generic", "key",
          "transfers", "payers", "payees", "more", "source", "sink", "intermediary", "member", "total",
          "medium", "high", "low", "critical", "format", "time", "left out", "not read", "months", "month")


@pytest.fixture(scope="module")
def statement(tmp_path_factory):
    """A custody statement whose collector gathers the borrowers' loans (custody, typologies and names)."""
    folder = tmp_path_factory.mktemp("scan-language")
    return write_statement(folder / "statement.csv", converging_platform(holder=("某贸易公司", None)))


def holder_names(path: Path) -> set[str]:
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return {r[c] for r in rows for c in ("付款户名", "收款户名") if r[c]}


def scan(args, tmp_path, monkeypatch, capsys, locale=None):
    """``monitor scan`` in this process, with the locale setting ``locale`` (default: none set): stdout."""
    from monitor.cli import main

    for key in [k for k in os.environ if k.startswith("MONITOR_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("MONITOR_INSTANCE_DIR", str(tmp_path / "instance"))
    if locale:
        monkeypatch.setenv("MONITOR_LOCALE", locale)
    capsys.readouterr()
    code = main(["scan", *args])
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


def without(text: str, *parts) -> str:
    for part in sorted(parts, key=len, reverse=True):
        text = text.replace(part, " ")
    return text


def test_english_output_has_no_chinese_but_names_and_quoted_labels(statement, tmp_path, monkeypatch, capsys):
    for path in (statement, AMLSIM):
        out = scan([str(path), "--lang", "en"], tmp_path, monkeypatch, capsys)
        rest = without(out, str(path), CUSTODY_LABELS, *holder_names(statement))
        assert not HAN.findall(rest), [line for line in rest.splitlines() if HAN.search(line)][:5]
    # Detectors, roles and the custody account's reason by their English names.
    assert "scatter–gather relay (scatter_gather_relay, generic typology)" in out
    out = scan([str(statement), "--lang", "en"], tmp_path, monkeypatch, capsys)
    assert "custody account: C (custody operation labels on" in out
    assert "X 某贸易公司 (collector)" in out and "(sink)" in out
    assert re.search(r"^HIGH scattered in, gathered out: borrowers 18, .*gathered 2,520,000 yuan", out, re.M)


def test_chinese_output_has_no_english_wording(statement, tmp_path, monkeypatch, capsys):
    for path in (statement, AMLSIM):
        out = scan([str(path), "--lang", "zh"], tmp_path, monkeypatch, capsys)
        # What stays as it is: paths, codes (detector names, --param names), AMLSim's columns and types.
        rest = re.sub(r"\b[a-z]+(_[a-z]+)+\b|--[a-z-]+|\b[a-z]+=\S+", " ", without(out, str(path)))
        words = [w for w in CHROME if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", rest, re.I)]
        assert not words, words
    out = scan([str(statement), "--lang", "zh"], tmp_path, monkeypatch, capsys)
    assert "存管户：C（" in out and "X 某贸易公司（归集方）" in out
    assert "分散–归集（中转）（scatter_gather_relay，通用类型）" in out
    assert "【高】分散转入集中转出 — 资金归集：" in out and "【高】分散转入：" in out


def test_language_follows_the_locale_setting_unless_given(statement, tmp_path, monkeypatch, capsys):
    assert "检测项（" in scan([str(AMLSIM)], tmp_path, monkeypatch, capsys)
    out = scan([str(AMLSIM)], tmp_path, monkeypatch, capsys, locale="en")
    assert "detectors (thresholds used" in out and "检测项" not in out
    assert "检测项（" in scan([str(AMLSIM), "--lang", "zh"], tmp_path, monkeypatch, capsys, locale="en")


def test_closest_candidate_of_each_detector_that_found_nothing(statement, tmp_path, monkeypatch, capsys):
    out = scan([str(statement)], tmp_path, monkeypatch, capsys, locale="en")
    lines = out.splitlines()
    fan_out = next(i for i, line in enumerate(lines) if re.match(r"  fan.out\b", line))
    assert "0 finding(s)" in lines[fan_out]
    # Other detectors did find something; fan-out's nearest miss is still named, with its numbers.
    assert "findings: 3" in out
    assert lines[fan_out + 1].startswith("    closest to a finding: account C, counterparties ")


def test_json_is_the_same_in_either_language_and_lists_all_evidence(statement, tmp_path, monkeypatch, capsys):
    en = json.loads(scan([str(statement), "--json", "--lang", "en"], tmp_path, monkeypatch, capsys))
    zh = json.loads(scan([str(statement), "--json", "--lang", "zh"], tmp_path, monkeypatch, capsys))
    assert en == zh
    fan_in = next(f for f in en["findings"] if f["kind"] == "fan_in")
    # The plain output shows 8 accounts and 10 transfers; JSON has every one.
    assert len(fan_in["evidence"]["accounts"]) == 13 and len(fan_in["evidence"]["edges"]) == 12
    assert en["detectors"]["fan_out"]["report"]["closest"]["account"] == "C"
    assert en["custody"]["reason"].startswith("custody operation labels on ")
