"""Alerts: raised, deduplicated, triaged, reopened on recurrence; every change in the append-only journal."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import delete, update
from sqlmodel import select

from monitor.alerts import add_note, assign, raise_alerts, transition
from monitor.db import session_scope
from monitor.errors import InputError
from monitor.models import Alert, AlertNote, AuditEntry, Finding, Institution, Score, User
from tests.conftest import uscc_for

T0 = datetime(2018, 6, 1, tzinfo=timezone.utc)


def _setup(config):
    with session_scope(config) as s:
        inst = Institution(name="甲平台", name_norm="甲平台", uscc=uscc_for(1))
        s.add(inst)
        s.add(User(username="li", password_hash="x"))
        s.flush()
        return inst.id


def _sweep(config, inst_id, when, *, band="green", score=0.0, findings=(), prev_bands=None, prev_fps=()):
    """Store this sweep's findings and score, then raise alerts as the sweep stage does."""
    with session_scope(config) as s:
        rows = []
        for fp, sev in findings:
            f = Finding(detector="ponzi", kind="ponzi", institution_id=inst_id, severity=sev, score=20,
                        title=f"借新还旧 {fp}", as_of=when, fingerprint=fp)
            s.add(f)
            rows.append(f)
        sc = Score(institution_id=inst_id, as_of=when, score=score, band=band, rule_version=1,
                   contributions=[{"key": "ponzi", "points": score}] if score else [])
        s.add(sc)
        s.flush()
        return raise_alerts(s, rows, [sc], prev_bands or {}, set(prev_fps), when)


def _audit(config, alert_id):
    with session_scope(config) as s:
        return [(e.actor, e.action, e.field, e.old, e.new) for e in
                s.exec(select(AuditEntry).where(AuditEntry.object_type == "alert", AuditEntry.object_id == alert_id)
                       .order_by(AuditEntry.id))]


def test_raise_dedup_and_last_seen(store):
    inst_id = _setup(store)
    c1 = _sweep(store, inst_id, T0, band="orange", score=30, findings=[("fp-a", "high"), ("fp-low", "medium")])
    assert c1 == {"created": 2, "seen": 0, "reopened": 0}  # band rise + the high finding; medium raises nothing
    t1 = T0 + timedelta(days=1)
    c2 = _sweep(store, inst_id, t1, band="orange", score=30, findings=[("fp-a", "high")],
                prev_bands={inst_id: "orange"}, prev_fps={"fp-a"})
    assert c2 == {"created": 0, "seen": 2, "reopened": 0}
    with session_scope(store) as s:
        alerts = list(s.exec(select(Alert).order_by(Alert.id)))
        assert [a.kind for a in alerts] == ["band_change", "finding"]
        assert all(a.last_seen_at == t1 and a.first_raised_at == T0 for a in alerts)
        assert alerts[0].band == "orange" and alerts[0].severity == "high"
        # people read the reasons in Chinese, not the kinds' code names
        assert alerts[0].title == "风险等级升至橙（30 分：借新还旧（庞氏））"
        assert alerts[1].fingerprint == "fp-a"
    # rising further to red is a new alert
    c3 = _sweep(store, inst_id, t1 + timedelta(days=1), band="red", score=70, findings=[("fp-a", "high")],
                prev_bands={inst_id: "orange"}, prev_fps={"fp-a"})
    assert c3["created"] == 1


def test_triage_workflow_and_audit(store):
    inst_id = _setup(store)
    _sweep(store, inst_id, T0, findings=[("fp-a", "critical")])
    with session_scope(store) as s:
        alert_id = s.exec(select(Alert.id)).one()
    with session_scope(store) as s:
        with pytest.raises(InputError, match="cannot go from new to escalated"):
            transition(s, alert_id, "escalated", "li")
        with pytest.raises(InputError):
            transition(s, alert_id, "bogus", "li")
    with session_scope(store) as s:
        transition(s, alert_id, "investigating", "li")
        assign(s, alert_id, "li", "chief")
        add_note(s, alert_id, "调取存管流水", "li")
        transition(s, alert_id, "escalated", "chief")
        with pytest.raises(InputError, match="reason"):
            transition(s, alert_id, "closed", "chief")
        with pytest.raises(InputError, match="does not exist"):
            assign(s, alert_id, "nobody", "chief")
        transition(s, alert_id, "closed", "chief", reason="handed_over")
    with session_scope(store) as s:
        with pytest.raises(InputError, match="cannot go from closed"):
            transition(s, alert_id, "investigating", "li")
        alert = s.get(Alert, alert_id)
        assert (alert.status, alert.close_reason) == ("closed", "handed_over")
        assert s.exec(select(AlertNote.body).where(AlertNote.alert_id == alert_id)).one() == "调取存管流水"
    entries = _audit(store, alert_id)
    assert entries == [
        ("system", "create", "status", None, "new"),
        ("li", "status", "status", "new", "investigating"),
        ("chief", "assign", "assignee", None, "li"),
        ("li", "note", "note", None, "调取存管流水"),
        ("chief", "status", "status", "investigating", "escalated"),
        ("chief", "status", "status", "escalated", "closed"),
        ("chief", "close", "close_reason", None, "handed_over"),
    ]
    with session_scope(store) as s:
        user_id = s.exec(select(User.id).where(User.username == "li")).one()
        assert s.exec(select(AuditEntry.actor_id).where(AuditEntry.actor == "li")).first() == user_id


def test_closed_alert_reopens_only_when_the_pattern_recurs(store):
    inst_id = _setup(store)
    _sweep(store, inst_id, T0, findings=[("fp-a", "high")])
    with session_scope(store) as s:
        alert_id = s.exec(select(Alert.id)).one()
        transition(s, alert_id, "closed", "li", reason="false_positive")
    # still there on the next sweep: the same sighting, the inspector's decision stands
    c = _sweep(store, inst_id, T0 + timedelta(days=1), findings=[("fp-a", "high")], prev_fps={"fp-a"})
    assert c["reopened"] == 0
    _sweep(store, inst_id, T0 + timedelta(days=2), findings=[], prev_fps={"fp-a"})  # gone
    c = _sweep(store, inst_id, T0 + timedelta(days=3), findings=[("fp-a", "high")], prev_fps=set())  # back
    assert c == {"created": 0, "seen": 0, "reopened": 1}
    with session_scope(store) as s:
        alert = s.get(Alert, alert_id)
        assert (alert.status, alert.reopen_count, alert.close_reason) == ("new", 1, None)
    entries = _audit(store, alert_id)
    assert ("system", "reopen", "status", "closed", "new") in entries
    assert ("system", "reopen", "reopen_count", "0", "1") in entries
    # a band alert reopens when the institution enters the band again
    _sweep(store, inst_id, T0 + timedelta(days=4), band="orange", score=35)
    with session_scope(store) as s:
        band_alert = s.exec(select(Alert).where(Alert.kind == "band_change")).one()
        transition(s, band_alert.id, "closed", "li", reason="resolved")
    _sweep(store, inst_id, T0 + timedelta(days=5), band="orange", score=35, prev_bands={inst_id: "orange"})
    with session_scope(store) as s:
        assert s.get(Alert, band_alert.id).status == "closed"
    _sweep(store, inst_id, T0 + timedelta(days=6), band="orange", score=35, prev_bands={inst_id: "yellow"})
    with session_scope(store) as s:
        assert s.get(Alert, band_alert.id).reopen_count == 1


def test_audit_journal_rejects_update_and_delete(store):
    inst_id = _setup(store)
    _sweep(store, inst_id, T0, findings=[("fp-a", "high")])
    for stmt in (update(AuditEntry).values(actor="forged"), delete(AuditEntry)):
        with pytest.raises(Exception) as info:
            with session_scope(store) as s:
                s.execute(stmt)
        assert "audit" in str(info.value).lower() or "append" in str(info.value).lower()
    with session_scope(store) as s:
        assert s.exec(select(AuditEntry.actor)).all() == ["system"]
    import monitor.alerts
    import monitor.audit

    for module in (monitor.audit, monitor.alerts):
        source = open(module.__file__, encoding="utf-8").read()
        assert "update(AuditEntry" not in source and "delete(AuditEntry" not in source and "session.delete" not in source


def test_alerts_cli(sqlite_store, monkeypatch, capsys):
    from monitor.cli import main

    inst_id = _setup(sqlite_store)
    _sweep(sqlite_store, inst_id, T0, findings=[("fp-a", "high")])
    monkeypatch.setenv("MONITOR_INSTANCE_DIR", str(sqlite_store.instance_path))
    assert main(["alerts", "list", "--open"]) == 0
    assert "借新还旧 fp-a" in capsys.readouterr().out
    assert main(["alerts", "triage", "1", "investigating", "--actor", "li"]) == 0
    assert main(["alerts", "close", "1", "--actor", "li"]) == 2  # --reason missing
    assert main(["alerts", "triage", "1", "investigating", "--actor", "li"]) == 2
    assert "cannot go from investigating to investigating" in capsys.readouterr().err
    assert main(["alerts", "note", "1", "已约谈", "--actor", "li"]) == 0
    assert main(["alerts", "close", "1", "--reason", "resolved", "--actor", "li"]) == 0
    assert main(["alerts", "show", "1"]) == 0
    out = capsys.readouterr().out
    assert "已约谈" in out and "investigating → closed" in out
    assert main(["alerts", "show", "99"]) == 2
