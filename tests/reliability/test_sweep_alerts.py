"""Alerts follow the score history: a sweep killed between its scores and its alerts is caught up."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlmodel import func, select

from monitor.alerts import raise_sweep_alerts
from monitor.db import session_scope
from monitor.models import Alert, AlertState, AuditEntry, Score, SweepRun
from monitor.sweep import DEFAULT_STAGES, SweepBusyError, parse_as_of, run_sweep
from tests.test_sweep import _city, _env

ROOT = Path(__file__).resolve().parents[2]
STAGES = tuple(s for s in DEFAULT_STAGES if s[0] in ("indicators", "scores", "alerts"))

# A sweep in its own process that SIGKILLs itself once its scores are committed, before its alerts.
KILLED_AFTER_SCORES = r"""
import os, signal, sys
from monitor.config import load_config
from monitor.sweep import DEFAULT_STAGES, parse_as_of, run_sweep

def die(ctx):
    os.kill(os.getpid(), signal.SIGKILL)

stages = tuple(s for s in DEFAULT_STAGES if s[0] in ("indicators", "scores")) + (("die", die),) + \
    tuple(s for s in DEFAULT_STAGES if s[0] == "alerts")
run_sweep(load_config(), as_of=parse_as_of(sys.argv[1], "Asia/Shanghai"), stages=stages)
"""


def _band_alerts(config) -> list[Alert]:
    with session_scope(config) as s:
        return list(s.exec(select(Alert).where(Alert.kind == "band_change")))


def _sweep_retrying(config, **kwargs) -> SweepRun:
    deadline = time.monotonic() + 20
    while True:  # PostgreSQL frees a killed client's advisory lock when it notices the closed socket
        try:
            return run_sweep(config, **kwargs)
        except SweepBusyError:
            assert time.monotonic() < deadline, "lock of a killed sweep never released"
            time.sleep(0.2)


def test_sweep_killed_between_scores_and_alerts_is_caught_up_by_the_next(store):
    _a_id, b_id = _city(store)
    july, august = parse_as_of("2018-07-31", "Asia/Shanghai"), parse_as_of("2018-08-31", "Asia/Shanghai")
    first = run_sweep(store, as_of=july, stages=STAGES)
    assert first.status == "succeeded" and _band_alerts(store) == []  # B is green in July

    victim = subprocess.run([sys.executable, "-c", KILLED_AFTER_SCORES, "2018-08-31"], env=_env(store), cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert victim.returncode == -signal.SIGKILL, victim.stderr
    with session_scope(store) as s:
        killed = s.exec(select(SweepRun).order_by(SweepRun.id.desc())).first()
        assert killed.status == "running" and "alerts" not in killed.stages
        assert s.exec(select(Score).where(Score.sweep_id == killed.id, Score.institution_id == b_id)).one().band \
            == "orange"  # the scores committed: B rose, nobody was alerted
    assert _band_alerts(store) == []

    second = _sweep_retrying(store, as_of=august, stages=STAGES)
    assert second.status == "succeeded", second.stages
    raised = _band_alerts(store)
    assert [(a.institution_id, a.band) for a in raised] == [(b_id, "orange")]
    assert second.stages["alerts"]["counts"]["created"] >= 1
    assert second.stages["alerts"]["counts"]["previous_sweep"] == first.id  # the last sweep alerted on

    third = run_sweep(store, as_of=august, stages=STAGES)
    counts = third.stages["alerts"]["counts"]
    assert counts["created"] == 0 and counts["reopened"] == 0
    assert len(_band_alerts(store)) == 1
    with session_scope(store) as s:
        assert s.get(AlertState, b_id).band == "orange" and s.get(AlertState, b_id).sweep_id == third.id


def test_alert_stage_twice_raises_nothing_new(store):
    _city(store)
    run = run_sweep(store, as_of=parse_as_of("2018-08-31", "Asia/Shanghai"), stages=STAGES)
    assert run.stages["alerts"]["counts"]["created"] == 3
    with session_scope(store) as s:
        n_alerts = s.exec(select(func.count()).select_from(Alert)).one()
        n_audit = s.exec(select(func.count()).select_from(AuditEntry)).one()
    with session_scope(store) as s:
        again = raise_sweep_alerts(s, run.id, run.as_of)
    assert again["created"] == 0 and again["reopened"] == 0
    with session_scope(store) as s:
        assert s.exec(select(func.count()).select_from(Alert)).one() == n_alerts
        assert s.exec(select(func.count()).select_from(AuditEntry)).one() == n_audit
