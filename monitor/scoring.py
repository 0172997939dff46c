"""The risk index: 0–100 per institution from findings, with versioned rules and explanations.

Rules live in :class:`monitor.models.RuleSet` rows (``weights``, ``thresholds``);
every change creates a new version, and every :class:`~monitor.models.Score`
records the version it used and its ``contributions`` (which add up to the
score exactly; a capping entry makes the sum 100 when the raw total is
higher). See ``docs/scoring.md``.

A rule set belongs to a jurisdiction (``RuleSet.jurisdiction_id``; None is
the store-wide default): an institution is scored with the active rule set of
the nearest jurisdiction up its tree that has one, else the default, and its
score names that rule set (``Score.ruleset_id``).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping

from monitor.errors import InputError
from monitor.findings import SEVERITY_ORDER, SEVERITY_POINTS
from monitor.models import BAND_ORDER, Band
from monitor.vocab import SIGNAL_SOURCES, signal_source

DEFAULT_THRESHOLDS: dict[str, Any] = {
    "red": 60.0, "orange": 30.0, "yellow": 15.0,  # band lower bounds (score >= bound)
    # Low + medium findings of one source (monitor.vocab.SIGNAL_SOURCES) count at most this: weak
    # signals of one source stay below orange, independent sources corroborate each other.
    "weak_cap_per_source": 15.0,
    # "weak_cap": N (optional) caps low + medium findings of all sources together (rule version 1 used 25).
    "alert_severity": "high",  # new findings at or above this severity raise an alert
}


def default_weights() -> dict[str, float]:
    """The weights of rule version 1: points per severity (:data:`monitor.findings.SEVERITY_POINTS`), each
    detector's and indicator's default weight (their records), and ``default`` for any other kind.

    Also :data:`DEFAULT_WEIGHTS` (a new dict each call; the attribute is built once).
    """
    from graphs.detectors import RECORDS  # read lazily: graphs imports monitor's core, not the reverse
    from monitor.indicators import INDICATOR_RECORDS

    weights = {f"severity.{level}": value for level, value in SEVERITY_POINTS.items()}
    for record in (*RECORDS.values(), *INDICATOR_RECORDS):
        if record.weight is not None:
            weights[record.name] = record.weight
    weights["default"] = 1.0
    return weights


@functools.cache
def _default_weights() -> dict[str, float]:
    return default_weights()


def __getattr__(name: str) -> Any:
    if name == "DEFAULT_WEIGHTS":
        return _default_weights()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass
class Rules:
    """A rule set as plain data."""

    version: int
    weights: dict[str, float]
    thresholds: dict[str, Any]
    id: int | None = None  # the RuleSet row, when stored
    jurisdiction_id: int | None = None  # None: the store-wide default


@dataclass
class ScoreResult:
    score: float
    band: str
    contributions: list[dict[str, Any]]


# --------------------------------------------------------------------------- pure functions
def band_for(score: float, thresholds: dict[str, Any]) -> str:
    """The band of a score under the thresholds (lower bounds of red, orange, yellow)."""
    for band in (Band.RED, Band.ORANGE, Band.YELLOW):
        if score >= float(thresholds[band.value]):
            return band.value
    return Band.GREEN.value


def warned(score) -> bool:
    """The evaluation's rule: an institution is warned when its band is orange or red.

    Accepts a :class:`~monitor.models.Score`, a :class:`ScoreResult` or a band string.
    """
    band = score if isinstance(score, str) else score.band
    return BAND_ORDER[band] >= BAND_ORDER[Band.ORANGE.value]


def _get(finding, name: str, default=None):
    if isinstance(finding, dict):
        return finding.get(name, default)
    return getattr(finding, name, default)


def _evidence_link(finding) -> str | None:
    evidence = _get(finding, "evidence") or {}
    if not isinstance(evidence, dict):
        evidence = evidence.to_dict()
    docs = evidence.get("documents") or []
    if docs:
        return docs[0].get("url")
    fid = _get(finding, "id")
    return f"finding:{fid}" if fid is not None else None


def severity_points(rules: Rules, severity: str) -> float:
    """Points of a severity under the rules (``weights["severity.<level>"]``, else the defaults)."""
    return _severity_points(rules.weights, severity)


def _severity_points(weights: Mapping[str, Any], severity: str) -> float:
    return float(weights.get(f"severity.{severity}", SEVERITY_POINTS.get(severity, 0.0)))


def finding_points(weights: Mapping[str, Any], kind: str, severity: str) -> float:
    """What a finding of ``kind`` and ``severity`` is worth under ``weights``, before caps:
    ``weight[kind] × weight["severity.<level>"]`` rounded to 0.01 (``weight["default"]`` for other kinds)."""
    weight = float(weights.get(kind, weights.get("default", 1.0)))
    return round(_severity_points(weights, severity) * weight, 2)


def score_findings(findings: Iterable, rules: Rules) -> ScoreResult:
    """Score one institution's findings (rows, dicts or :class:`FindingResult`).

    A finding is worth ``weight[kind] × weight["severity.<its severity>"]``
    points (rounded to 0.01); per kind only the strongest finding counts
    (several lawsuits, or a detector and an indicator of the same pattern,
    are one signal). Low and medium findings of one source
    (:func:`monitor.vocab.signal_source`) count at most
    ``thresholds["weak_cap_per_source"]`` points, so weak signals of one
    source stay below orange while independent sources add up; an optional
    ``thresholds["weak_cap"]`` caps the weak findings of all sources
    together; the total is capped at 100. Every cap is a visible entry, and
    the contributions always sum exactly to the score.
    """
    best: dict[str, tuple[float, Any, int]] = {}
    for f in findings:
        kind = _get(f, "kind")
        points = finding_points(rules.weights, kind, _get(f, "severity"))
        prev = best.get(kind)
        count = (prev[2] if prev else 0) + 1
        if prev is None or points > prev[0]:
            best[kind] = (points, f, count)
        else:
            best[kind] = (prev[0], prev[1], count)
    contributions = []
    for kind, (points, f, count) in sorted(best.items(), key=lambda kv: (-kv[1][0], kv[0])):
        if points <= 0:
            continue
        more = f"（同类共 {count} 项，计最强一项）" if count > 1 else ""
        contributions.append({
            "key": kind, "points": points,
            "reason": f"{_get(f, 'title')}{more}",
            "severity": _get(f, "severity"),
            "detector": _get(f, "detector"),
            "source": signal_source(_get(f, "detector")),
            "finding_id": _get(f, "id"),
            "fingerprint": _get(f, "fingerprint"),
            "evidence": _evidence_link(f),
        })
    contributions.extend(_weak_caps(contributions, rules.thresholds))
    total = round(sum(c["points"] for c in contributions), 2)
    if total > 100:
        contributions.append(_cap_entry("cap", round(100 - total, 2), f"封顶：原始合计 {total:g} 分，指数上限 100"))
    score = round(sum(c["points"] for c in contributions), 2)
    return ScoreResult(score=score, band=band_for(score, rules.thresholds), contributions=contributions)


def _cap_entry(key: str, points: float, reason: str, source: str | None = None) -> dict[str, Any]:
    return {"key": key, "points": points, "reason": reason, "severity": None, "detector": None, "source": source,
            "finding_id": None, "fingerprint": None, "evidence": None}


def _weak_caps(contributions: list[dict[str, Any]], thresholds: dict[str, Any]) -> list[dict[str, Any]]:
    """The negative entries that hold weak (low/medium) findings to the caps of the thresholds."""
    weak = [c for c in contributions if c["severity"] in ("low", "medium")]
    entries = []
    per_source = thresholds.get("weak_cap_per_source")
    if per_source is not None:
        cap = float(per_source)
        for source in SIGNAL_SOURCES:
            total = round(sum(c["points"] for c in weak if c["source"] == source), 2)
            if total > cap:
                entries.append(_cap_entry(
                    "source_cap", round(cap - total, 2),
                    f"同一来源弱信号封顶：{SIGNAL_SOURCES[source]}的低/中等级发现合计 {total:g} 分，计 {cap:g} 分",
                    source))
    weak_cap = thresholds.get("weak_cap")
    if weak_cap is not None:
        total = round(sum(c["points"] for c in weak) + sum(e["points"] for e in entries), 2)
        if total > float(weak_cap):
            entries.append(_cap_entry("weak_cap", round(float(weak_cap) - total, 2),
                                      f"弱信号封顶：低/中等级发现合计 {total:g} 分，计 {float(weak_cap):g} 分"))
    return entries


def score_all(findings: Iterable, institutions: dict[str, int], rules: Rules) -> dict[int, ScoreResult]:
    """Score every institution (``institutions`` maps USCC → id; ones without findings score 0, green)."""
    grouped: dict[str, list] = defaultdict(list)
    for f in findings:
        grouped[_get(f, "institution_uscc")].append(f)
    return {inst_id: score_findings(grouped.get(uscc, []), rules) for uscc, inst_id in institutions.items()}


# --------------------------------------------------------------------------- rule sets in the store
def _as_rules(row) -> Rules:
    return Rules(version=row.version, weights=dict(row.weights), thresholds=dict(row.thresholds), id=row.id,
                 jurisdiction_id=row.jurisdiction_id)


def validate_rules(weights: dict[str, Any], thresholds: dict[str, Any]) -> None:
    """Raise :class:`InputError` unless weights are non-negative numbers and red > orange > yellow > 0."""
    for key, value in weights.items():
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
            raise InputError(f"weight {key!r} must be a number >= 0, not {value!r}")
    try:
        red, orange, yellow = (float(thresholds[b]) for b in ("red", "orange", "yellow"))
    except (KeyError, TypeError, ValueError):
        raise InputError("thresholds need numbers for red, orange and yellow") from None
    if not (100 >= red > orange > yellow > 0):
        raise InputError(f"thresholds must satisfy 100 >= red > orange > yellow > 0 (got {red}, {orange}, {yellow})")
    for key in ("weak_cap", "weak_cap_per_source"):
        cap = thresholds.get(key)
        if cap is not None and (not isinstance(cap, (int, float)) or isinstance(cap, bool) or cap < 0):
            raise InputError(f"{key} must be a number >= 0, not {cap!r}")
    sev = thresholds.get("alert_severity", "high")
    if sev not in SEVERITY_ORDER:
        raise InputError(f"alert_severity {sev!r} is not one of: {', '.join(SEVERITY_ORDER)}")


def default_rules(session) -> Rules:
    """The active store-wide rule set; creates the default version 1 on first use."""
    from sqlmodel import select

    from monitor.models import RuleSet

    store_wide = RuleSet.jurisdiction_id.is_(None)
    row = session.exec(select(RuleSet).where(RuleSet.active == True, store_wide)  # noqa: E712
                       .order_by(RuleSet.version.desc())).first()
    if row is None:
        row = session.exec(select(RuleSet).where(store_wide).order_by(RuleSet.version.desc())).first()
    if row is None:
        latest = session.exec(select(RuleSet.version).order_by(RuleSet.version.desc())).first() or 0
        row = RuleSet(version=latest + 1, weights=default_weights(), thresholds=dict(DEFAULT_THRESHOLDS),
                      note="default rule set", active=True)
        session.add(row)
        session.flush()
    return _as_rules(row)


def rule_resolver(session, default: Rules | None = None):
    """A function ``jurisdiction_id -> Rules``: the active rule set of the nearest jurisdiction up the tree
    that has one, else ``default`` (the store-wide active set when not given). Reads the store once."""
    from sqlmodel import select

    from monitor.models import Jurisdiction, RuleSet

    default = default or default_rules(session)
    own = {row.jurisdiction_id: _as_rules(row) for row in session.exec(
        select(RuleSet).where(RuleSet.active == True, RuleSet.jurisdiction_id.is_not(None))  # noqa: E712
        .order_by(RuleSet.version))}
    if not own:
        return lambda _jurisdiction_id: default
    parents = dict(session.exec(select(Jurisdiction.id, Jurisdiction.parent_id)).all())

    def resolve(jurisdiction_id: int | None) -> Rules:
        seen = set()
        jid = jurisdiction_id
        while jid is not None and jid not in seen:
            if jid in own:
                return own[jid]
            seen.add(jid)
            jid = parents.get(jid)
        return default

    return resolve


def active_rules(session, jurisdiction_id: int | None = None) -> Rules:
    """The rules that score ``jurisdiction_id``'s institutions (its own, inherited, or the store-wide default);
    without a jurisdiction the store-wide default. Creates the default version 1 on first use."""
    if jurisdiction_id is None:
        return default_rules(session)
    return rule_resolver(session)(jurisdiction_id)


def rules_version(session, version: int) -> Rules:
    from sqlmodel import select

    from monitor.models import RuleSet

    row = session.exec(select(RuleSet).where(RuleSet.version == version)).first()
    if row is None:
        raise InputError(f"rule set version {version} does not exist")
    return _as_rules(row)


def new_rule_version(session, weights: dict[str, Any] | None = None, thresholds: dict[str, Any] | None = None,
                     note: str | None = None, actor: str = "system", jurisdiction_id: int | None = None) -> Rules:
    """Create and activate a new version from the active one with ``weights``/``thresholds`` merged in.

    With ``jurisdiction_id`` the new version is that jurisdiction's own rule set, made from the rules it
    had (its own, or inherited from above); it then scores that jurisdiction and those below it that have
    none of their own. Old scores keep the rule set they were computed with; the change is journaled.
    """
    from sqlmodel import select

    from monitor.audit import record
    from monitor.models import RuleSet, User

    current = active_rules(session, jurisdiction_id)
    new_weights = {**current.weights, **(weights or {})}
    new_thresholds = {**current.thresholds, **(thresholds or {})}
    # None removes a key: a weight falls back to "default", a cap is lifted.
    new_weights = {k: v for k, v in new_weights.items() if v is not None}
    new_thresholds = {k: v for k, v in new_thresholds.items() if v is not None}
    validate_rules(new_weights, new_thresholds)
    if jurisdiction_id is not None and new_thresholds.get("alert_severity") != \
            default_rules(session).thresholds.get("alert_severity"):
        # the alerts stage applies one alert severity to the whole store
        raise InputError("alert_severity is store-wide: change it in the default rule set (no jurisdiction)",
                         code="rules_alert_severity")
    same_owner = (RuleSet.jurisdiction_id.is_(None) if jurisdiction_id is None
                  else RuleSet.jurisdiction_id == jurisdiction_id)
    for row in session.exec(select(RuleSet).where(RuleSet.active == True, same_owner)):  # noqa: E712
        row.active = False
        session.add(row)
    latest = session.exec(select(RuleSet.version).order_by(RuleSet.version.desc())).first() or 0
    user = session.exec(select(User).where(User.username == actor)).first()
    row = RuleSet(version=latest + 1, weights=new_weights, thresholds=new_thresholds, note=note, active=True,
                  created_by=user.id if user else None, jurisdiction_id=jurisdiction_id)
    session.add(row)
    session.flush()
    record(session, actor, "ruleset", row.id, "new_version", field="version", old=str(current.version),
           new=str(row.version))
    if jurisdiction_id is not None:
        record(session, actor, "ruleset", row.id, "new_version", field="jurisdiction_id", new=str(jurisdiction_id))
    for key in sorted(set(new_weights) | set(current.weights)):
        if new_weights.get(key) != current.weights.get(key):
            record(session, actor, "ruleset", row.id, "set_weight", field=key,
                   old=_s(current.weights.get(key)), new=_s(new_weights.get(key)))
    for key in sorted(set(new_thresholds) | set(current.thresholds)):
        if new_thresholds.get(key) != current.thresholds.get(key):
            record(session, actor, "ruleset", row.id, "set_threshold", field=key,
                   old=_s(current.thresholds.get(key)), new=_s(new_thresholds.get(key)))
    return _as_rules(row)


def _s(value) -> str | None:
    return None if value is None else str(value)


# --------------------------------------------------------------------------- scores in the store
def store_scores(session, findings: list, rules: Rules, as_of: datetime, sweep_id: int | None) -> list:
    """Score every institution from stored :class:`~monitor.models.Finding` rows; add one Score each.

    An institution whose jurisdiction (or one above it) has an active rule set of its own is scored with
    that set; the others with ``rules``. Each score records the rule set that made it.
    """
    from sqlmodel import select

    from monitor.models import Institution, Score

    by_inst: dict[int, list] = defaultdict(list)
    for f in findings:
        if f.institution_id is not None:
            by_inst[f.institution_id].append(f)
    resolve = rule_resolver(session, default=rules)
    scores = []
    for inst in session.exec(select(Institution).order_by(Institution.id)):
        used = resolve(inst.jurisdiction_id)
        result = score_findings(by_inst.get(inst.id, []), used)
        row = Score(institution_id=inst.id, sweep_id=sweep_id, as_of=as_of, score=result.score,
                    band=result.band, rule_version=used.version, ruleset_id=used.id,
                    contributions=result.contributions)
        session.add(row)
        scores.append(row)
    session.flush()
    return scores


def backtest(config, as_of_dates: list[datetime], versions: list[int] | None = None,
             findings_at=None) -> dict[str, Any]:
    """Replay scoring at each date for each rule version, without writing to the store.

    ``findings_at(as_of) -> list[FindingResult]`` defaults to detectors
    (``graphs.run.detect``, if it has landed) plus indicators. Returns
    ``{"dates": [...], "versions": {v: {"scores": {uscc: [[iso, score, band], ...]},
    "first_warned": {uscc: iso}, "first_warned_by_kind": {kind: {uscc: iso}},
    "alerts_per_sweep": [n, ...]}}}`` — alerts
    counted with :func:`monitor.alerts.alert_events` as a sweep would raise them.
    """
    from sqlmodel import select

    from monitor.alerts import alert_events
    from monitor.db import session_scope
    from monitor.models import Institution

    if findings_at is None:
        findings_at = replay_findings(config)
    with session_scope(config) as session:
        institutions = {i.uscc: i.id for i in session.exec(select(Institution))}
        rule_sets = [rules_version(session, v) for v in versions] if versions else [active_rules(session)]
    out: dict[str, Any] = {"dates": [d.isoformat() for d in as_of_dates], "versions": {}}
    state = {r.version: {"bands": {}, "seen": set(), "scores": defaultdict(list), "first": {}, "alerts": [],
                         "by_kind": defaultdict(dict)} for r in rule_sets}
    for as_of in as_of_dates:
        findings = findings_at(as_of)
        for rules in rule_sets:
            st = state[rules.version]
            results = score_all(findings, institutions, rules)
            bands = {}
            for uscc, inst_id in institutions.items():
                r = results[inst_id]
                bands[uscc] = r.band
                st["scores"][uscc].append([as_of.isoformat(), r.score, r.band])
                if warned(r.band):
                    st["first"].setdefault(uscc, as_of.isoformat())
                    for c in r.contributions:
                        if c["points"] > 0:
                            st["by_kind"][c["key"]].setdefault(uscc, as_of.isoformat())
            events = alert_events(st["bands"], bands, st["seen"], findings, rules.thresholds.get("alert_severity", "high"))
            st["alerts"].append(len(events))
            st["bands"] = bands
            st["seen"] |= {_get(f, "fingerprint") for f in findings}
    for rules in rule_sets:
        st = state[rules.version]
        out["versions"][rules.version] = {"scores": dict(st["scores"]), "first_warned": st["first"],
                                          "first_warned_by_kind": {k: dict(v) for k, v in st["by_kind"].items()},
                                          "alerts_per_sweep": st["alerts"]}
    return out


def band_replay(config, dates: list[datetime], versions: list[int] | None = None, findings_at=None) -> dict[int, dict]:
    """The hook of ``monitor evaluate --rule band``: per rule version, the first date each institution
    was warned (band orange or red, :func:`warned`), the same per contributing finding kind, and the
    alerts each sweep would raise (the inspectors' workload). Dates are ``datetime.date``.
    """
    result = backtest(config, dates, versions, findings_at)
    day = lambda iso: datetime.fromisoformat(iso).date()  # noqa: E731
    return {v: {"first": {u: day(d) for u, d in r["first_warned"].items()},
                "first_by_detector": {k: {u: day(d) for u, d in firsts.items()}
                                      for k, firsts in r["first_warned_by_kind"].items()},
                "alerts_per_sweep": r["alerts_per_sweep"]}
            for v, r in result["versions"].items()}


def replay_findings(config, params: dict | None = None):
    """A ``findings_at(as_of)`` for replays that reads the store once.

    Detectors run on :func:`graphs.loading.load_city` data cut at each date
    (when ``graphs.run`` exists); indicators on one snapshot of everything,
    which they filter by ``as_of`` themselves.
    """
    from monitor.db import session_scope
    from monitor.indicators import compute_indicators, load_snapshot

    far = datetime(9999, 1, 1, tzinfo=timezone.utc)
    with session_scope(config) as session:
        snapshot = load_snapshot(session, far)
    try:
        from graphs.loading import load_city
        from graphs.run import detect_partition

        city = load_city(config)
    except ImportError:
        city = None

    def findings_at(as_of: datetime) -> list:
        out = list(compute_indicators(snapshot, as_of, (params or {}).get("indicators")))
        if city is not None:
            for inputs in city.partitions(as_of):
                out.extend(detect_partition(inputs, (params or {}).get("detectors"), as_of))
        return out

    return findings_at


def default_findings(config, as_of: datetime) -> list:
    """Detector findings (when ``graphs.run`` exists) plus indicator findings at ``as_of``."""
    from monitor.indicators import run_indicators

    findings = list(run_indicators(config, as_of))
    try:
        from graphs.run import detect
    except ImportError:
        return findings
    return findings + list(detect(config, as_of))
