"""Risk index: explanations add up, capping is visible, rule versions are kept with every score."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from monitor.errors import InputError
from monitor.findings import Evidence, EvidenceDocument, FindingResult
from monitor.scoring import (DEFAULT_THRESHOLDS, DEFAULT_WEIGHTS, Rules, active_rules, backtest, band_for,
                             band_replay,
                             new_rule_version, score_all, score_findings, store_scores, warned)
from tests.conftest import uscc_for

RULES = Rules(version=1, weights=dict(DEFAULT_WEIGHTS), thresholds=dict(DEFAULT_THRESHOLDS))


def fr(kind, severity="high", score=0.0, uscc=None, key="", url=None, detector=None):
    ev = Evidence(documents=[EvidenceDocument(url=url)] if url else [])
    return FindingResult(detector=detector or kind, kind=kind, institution_uscc=uscc or uscc_for(1), severity=severity,
                         score=score, title=f"{kind} 发现", evidence=ev, key=key)


def test_contributions_add_up_to_the_score_and_link_evidence():
    findings = [fr("ponzi", score=20, url="http://flows/1"), fr("yield_above_peers", "medium"),
                fr("litigation", "medium", key="lawsuit"), fr("litigation", "critical", key="dishonest")]
    result = score_findings(findings, RULES)
    total = sum(c["points"] for c in result.contributions)
    assert result.score == pytest.approx(total, abs=1e-9)
    keys = [c["key"] for c in result.contributions]
    assert keys.count("litigation") == 1  # the strongest of a kind counts once
    ponzi = next(c for c in result.contributions if c["key"] == "ponzi")
    assert ponzi["points"] == pytest.approx(DEFAULT_WEIGHTS["severity.high"] * DEFAULT_WEIGHTS["ponzi"])
    assert ponzi["evidence"] == "http://flows/1" and ponzi["fingerprint"] == findings[0].fingerprint
    lit = next(c for c in result.contributions if c["key"] == "litigation")
    assert "共 2 项" in lit["reason"]
    assert result.band == band_for(result.score, RULES.thresholds)


def test_score_is_capped_at_100_with_a_visible_entry():
    kinds = ["ponzi", "self_financing", "fund_pool", "capital_flight", "round_tripping"]
    result = score_findings([fr(k, "critical") for k in kinds], RULES)
    assert result.score == 100
    cap = result.contributions[-1]
    assert cap["key"] == "cap" and cap["points"] < 0
    assert sum(c["points"] for c in result.contributions) == pytest.approx(100)
    assert result.band == "red"


def ind(kind, severity="medium", **kw):
    return fr(kind, severity, detector=f"indicator.{kind}", **kw)


def test_weak_signals_of_one_source_stay_below_orange():
    cap = DEFAULT_THRESHOLDS["weak_cap_per_source"]
    disclosure = [ind(k) for k in ("yield_above_peers", "overdue_jump", "disclosure_late")]
    weak = score_findings(disclosure, RULES)
    assert sum(c["points"] for c in weak.contributions if c["key"] != "source_cap") > cap
    assert weak.score == cap and weak.band == "yellow"
    entry = next(c for c in weak.contributions if c["key"] == "source_cap")
    assert entry["source"] == "disclosure" and entry["points"] < 0 and "信息披露" in entry["reason"]
    assert sum(c["points"] for c in weak.contributions) == pytest.approx(weak.score)
    flows = score_findings([fr(k, "medium") for k in ("ponzi", "fund_pool", "scatter_gather")], RULES)
    assert flows.score == cap and {c["source"] for c in flows.contributions} == {"flows"}
    strong = score_findings(disclosure + [fr("ponzi", "high")], RULES)
    assert strong.band in ("orange", "red") and strong.score == pytest.approx(
        cap + DEFAULT_WEIGHTS["severity.high"] * DEFAULT_WEIGHTS["ponzi"])


def test_weak_signals_of_independent_sources_add_up():
    # the shape of a capital-flight fraud three months before it collapsed (simulated seed 41)
    findings = [fr("capital_flight", "medium"), ind("yield_above_peers"), ind("frequent_changes"),
                ind("litigation", key="lawsuit")]
    result = score_findings(findings, RULES)
    assert {c["source"] for c in result.contributions} == {"flows", "disclosure", "registry", "public"}
    assert not [c for c in result.contributions if c["points"] < 0]
    assert result.score == pytest.approx(sum(
        DEFAULT_WEIGHTS["severity.medium"] * DEFAULT_WEIGHTS[k]
        for k in ("capital_flight", "yield_above_peers", "frequent_changes", "litigation")))
    assert result.band == "orange"
    # the all-sources cap of rule version 1 held the same findings in yellow
    v1 = Rules(version=1, weights=dict(DEFAULT_WEIGHTS), thresholds={**DEFAULT_THRESHOLDS, "weak_cap": 25.0})
    held = score_findings(findings, v1)
    assert held.score == 25 and held.band == "yellow"
    assert [c["key"] for c in held.contributions if c["points"] < 0] == ["weak_cap"]


def test_bands_and_warned():
    t = {"red": 60, "orange": 30, "yellow": 15}
    assert [band_for(s, t) for s in (0, 14.99, 15, 30, 59.9, 60, 100)] == \
        ["green", "green", "yellow", "orange", "orange", "red", "red"]
    assert warned("orange") and warned("red") and not warned("yellow") and not warned("green")
    assert not score_all([], {uscc_for(1): 1}, RULES)[1].contributions


def test_rule_change_creates_a_version_and_old_scores_keep_theirs(store):
    from sqlmodel import select

    from monitor.db import session_scope
    from monitor.models import AuditEntry, Finding, Institution, RuleSet, Score

    as_of = datetime(2018, 7, 1, tzinfo=timezone.utc)
    with session_scope(store) as s:
        inst = Institution(name="甲", name_norm="甲", uscc=uscc_for(1))
        s.add(inst)
        s.flush()
        s.add(Finding(detector="ponzi", kind="ponzi", institution_id=inst.id, severity="high", score=20,
                      title="借新还旧", as_of=as_of, fingerprint="f1"))
        s.flush()
        v1 = active_rules(s)
        assert v1.version == 1
        findings = list(s.exec(select(Finding)))
        first = store_scores(s, findings, v1, as_of, None)[0]
    with session_scope(store) as s:
        v2 = new_rule_version(s, weights={"ponzi": 3.0}, thresholds={"orange": 40}, note="stricter", actor="chief")
        assert v2.version == 2 and active_rules(s).version == 2
        second = store_scores(s, list(s.exec(select(Finding))), v2, as_of, None)[0]
    with session_scope(store) as s:
        rows = {r.version: r for r in s.exec(select(RuleSet))}
        assert rows[1].weights["ponzi"] == DEFAULT_WEIGHTS["ponzi"] and not rows[1].active and rows[2].active
        scores = {r.id: r for r in s.exec(select(Score))}
        assert scores[first.id].rule_version == 1 and scores[first.id].score == pytest.approx(25 * 1.4)
        assert scores[second.id].rule_version == 2 and scores[second.id].score == pytest.approx(25 * 3.0)
        audit = list(s.exec(select(AuditEntry).where(AuditEntry.object_type == "ruleset")))
        assert {(a.field, a.old, a.new) for a in audit} >= {("version", "1", "2"), ("ponzi", "1.4", "3.0"),
                                                             ("orange", "30.0", "40")}
        assert all(a.actor == "chief" for a in audit)
        with pytest.raises(InputError):
            new_rule_version(s, thresholds={"orange": 70})  # above red
        with pytest.raises(InputError):
            new_rule_version(s, weights={"ponzi": -1})


def test_rules_cli_set_and_show(sqlite_store, capsys, monkeypatch):
    from monitor.cli import main

    monkeypatch.setenv("MONITOR_INSTANCE_DIR", str(sqlite_store.instance_path))
    assert main(["rules", "set", "--weight", "site_down=2", "--note", "site matters"]) == 0
    assert main(["rules", "set", "--threshold", "red=abc"]) == 2
    assert "not a number" in capsys.readouterr().err
    assert main(["rules", "show", "--json"]) == 0
    out = capsys.readouterr().out
    assert '"version": 2' in out and '"site_down": 2.0' in out
    # a cap can be set and lifted again ("none" removes the key)
    assert main(["rules", "set", "--threshold", "weak_cap=25"]) == 0
    assert main(["rules", "set", "--threshold", "weak_cap=none", "--threshold", "weak_cap_per_source=12"]) == 0
    capsys.readouterr()
    assert main(["rules", "show", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["version"] == 4 and "weak_cap" not in shown["thresholds"]
    assert shown["thresholds"]["weak_cap_per_source"] == 12


def test_backtest_reports_first_warning_and_alerts_per_sweep(sqlite_store):
    from monitor.db import session_scope
    from monitor.models import Institution

    a, b = uscc_for(1), uscc_for(2)
    with session_scope(sqlite_store) as s:
        s.add(Institution(name="甲", name_norm="甲", uscc=a))
        s.add(Institution(name="乙", name_norm="乙", uscc=b))
        v1 = active_rules(s)
        new_rule_version(s, weights={"yield_above_peers": 5.0}, thresholds={"weak_cap_per_source": 50})
    dates = [datetime(2018, m, 28, tzinfo=timezone.utc) for m in (5, 6, 7)]
    # what the detectors/indicators see at each date (hand-built)
    script = {dates[0]: [fr("yield_above_peers", "medium", uscc=a)],
              dates[1]: [fr("yield_above_peers", "medium", uscc=a), fr("site_down", "critical", uscc=b)],
              dates[2]: [fr("yield_above_peers", "medium", uscc=a), fr("site_down", "critical", uscc=b)]}
    out = backtest(sqlite_store, dates, versions=[1, 2], findings_at=script.__getitem__)
    r1, r2 = out["versions"][1], out["versions"][2]
    assert v1.version == 1
    assert a not in r1["first_warned"]  # 8 × 1: green under v1
    assert r2["first_warned"][a] == dates[0].isoformat()  # 8 × 5 = 40: orange under v2
    assert r1["first_warned"][b] == dates[1].isoformat()
    # v2: sweep 1 raises A's band, sweep 2 B's band and B's new high finding, sweep 3 nothing new
    assert r2["alerts_per_sweep"] == [1, 2, 0]
    assert [x[1] for x in r1["scores"][b]] == [0, 48.0, 48.0]
    # the hook of `monitor evaluate --rule band`: dates, and per kind contributing when warned
    hook = band_replay(sqlite_store, dates, versions=[2], findings_at=script.__getitem__)[2]
    assert hook["first"] == {a: dates[0].date(), b: dates[1].date()}
    assert hook["first_by_detector"]["site_down"] == {b: dates[1].date()}
    assert hook["alerts_per_sweep"] == r2["alerts_per_sweep"]


def test_rules_are_inherited_down_the_jurisdiction_tree_and_scores_name_their_rule_set(store, monkeypatch):
    """Province rule set, a city's override, a district inheriting its city's; a sibling city the province's."""
    from sqlmodel import select

    from monitor.cli import main
    from monitor.db import session_scope
    from monitor.jurisdictions import add
    from monitor.models import Finding, Institution, Score

    as_of = datetime(2018, 7, 1, tzinfo=timezone.utc)
    with session_scope(store) as s:
        province = add(s, "440000", "广东省")
        city = add(s, "440300", "深圳市", parent_code="440000")
        district = add(s, "440305", "南山区", parent_code="440300")
        sibling = add(s, "440100", "广州市", parent_code="440000")
        places = {"none": None, "province": province.id, "city": city.id, "district": district.id,
                  "sibling": sibling.id}
        insts = {}
        for n, (name, jid) in enumerate(places.items(), start=1):
            inst = Institution(name=name, name_norm=name, uscc=uscc_for(n), jurisdiction_id=jid)
            s.add(inst)
            s.flush()
            insts[name] = inst.id
            s.add(Finding(detector="ponzi", kind="ponzi", institution_id=inst.id, severity="high", score=20,
                          title="借新还旧", as_of=as_of, fingerprint=f"f{n}"))
        default = active_rules(s)
        province_rules = new_rule_version(s, weights={"ponzi": 2.0}, jurisdiction_id=province.id, actor="省局")
        city_rules = new_rule_version(s, weights={"ponzi": 3.0}, thresholds={"red": 70}, jurisdiction_id=city.id)
        assert city_rules.thresholds["red"] == 70 and city_rules.weights["site_down"] == DEFAULT_WEIGHTS["site_down"]
        assert active_rules(s, district.id).id == city_rules.id
        assert active_rules(s, sibling.id).id == province_rules.id
        assert active_rules(s).id == default.id and active_rules(s, None).version == 1
        with pytest.raises(InputError, match="alert_severity is store-wide"):
            new_rule_version(s, thresholds={"alert_severity": "medium"}, jurisdiction_id=city.id)
        store_scores(s, list(s.exec(select(Finding))), default, as_of, None)
    with session_scope(store) as s:
        scores = {r.institution_id: r for r in s.exec(select(Score))}
    used = {name: (scores[i].ruleset_id, scores[i].rule_version, scores[i].score) for name, i in insts.items()}
    assert used == {"none": (default.id, 1, pytest.approx(25 * 1.4)),
                    "province": (province_rules.id, province_rules.version, pytest.approx(50.0)),
                    "sibling": (province_rules.id, province_rules.version, pytest.approx(50.0)),
                    "city": (city_rules.id, city_rules.version, pytest.approx(75.0)),
                    "district": (city_rules.id, city_rules.version, pytest.approx(75.0))}
    assert scores[insts["city"]].band == "red" and scores[insts["province"]].band == "orange"
    # the CLI changes one jurisdiction's rules; the district still follows its city
    monkeypatch.setenv("MONITOR_INSTANCE_DIR", str(store.instance_path))
    monkeypatch.setenv("MONITOR_DATABASE_URL", store.database_url)
    assert main(["rules", "set", "--jurisdiction", "440305", "--weight", "ponzi=1.0"]) == 0
    assert main(["rules", "set", "--jurisdiction", "449999", "--weight", "ponzi=1.0"]) == 2
    with session_scope(store) as s:
        assert active_rules(s, district.id).weights["ponzi"] == 1.0
        assert active_rules(s, city.id).id == city_rules.id
        assert active_rules(s).weights["ponzi"] == DEFAULT_WEIGHTS["ponzi"]
