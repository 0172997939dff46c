"""Sweeps: stages recorded, failures contained, one sweep at a time across processes, dead runs marked failed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlmodel import select

from monitor.db import session_scope
from monitor.models import Alert, DisclosureFact, Event, Finding, Institution, Score, SweepRun
from monitor.sweep import (DEFAULT_STAGES, SweepBusyError, claim_queued, parse_as_of, queue_sweep, run_sweep)
from tests.conftest import uscc_for

ROOT = Path(__file__).resolve().parents[1]

# A sweep in its own process whose one stage holds until the test creates the release file (the test
# hook: run_sweep's ``stages``); the stage's own deadline only ends a test that never releases it.
HOLDER = r"""
import sys, time
from pathlib import Path
from monitor.config import load_config
from monitor.sweep import SweepBusyError, run_sweep

def hold_stage(ctx):
    release, deadline = Path(sys.argv[1]), time.monotonic() + 300
    while not release.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return {"released": release.exists()}

try:
    run = run_sweep(load_config(), stages=(("hold", hold_stage),), heartbeat_seconds=0.2)
except SweepBusyError as exc:
    print("busy:", exc, file=sys.stderr, flush=True)
    sys.exit(exc.exit_code)
print("done", run.id, run.status, flush=True)
"""


def _env(config) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env["MONITOR_INSTANCE_DIR"] = str(config.instance_path)
    if config.database_url:
        env["MONITOR_DATABASE_URL"] = config.database_url
    env["PYTHONPATH"] = str(ROOT)
    return env


def _holder(config, release: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", HOLDER, str(release)], env=_env(config), cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _runs(config) -> list[SweepRun]:
    with session_scope(config) as s:
        return list(s.exec(select(SweepRun).order_by(SweepRun.id)))


def _wait_running(config, timeout: float = 30) -> SweepRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        running = [r for r in _runs(config) if r.status == "running" and "hold" in (r.stages or {})]
        if running:
            return running[0]
        time.sleep(0.1)
    raise AssertionError("no sweep started running")


def _ok(name):
    return (name, lambda ctx: {"ran": name})


def test_stages_recorded_and_a_failing_stage_does_not_stop_the_sweep(sqlite_store):
    seen = []

    def boom(ctx):
        raise RuntimeError("source unreachable")

    def record(ctx):
        seen.append((ctx.kind, ctx.replay, ctx.as_of))
        return {"n": 3}

    run = run_sweep(sqlite_store, stages=(("first", boom), ("second", record)))
    assert run.status == "partial" and run.finished_at is not None and run.pid == os.getpid()
    assert run.stages["first"]["status"] == "failed" and "source unreachable" in run.stages["first"]["error"]
    assert run.stages["second"] == {"status": "ok", "counts": {"n": 3}, "seconds": run.stages["second"]["seconds"]}
    assert run.error == "failed stages: first"
    as_of = datetime(2018, 6, 30, 15, 59, 59, tzinfo=timezone.utc)
    replay = run_sweep(sqlite_store, kind="light", as_of=as_of, stages=(("second", record),))
    assert replay.status == "succeeded" and seen[-1] == ("light", True, as_of)
    assert run_sweep(sqlite_store, stages=(("first", boom),)).status == "failed"


def test_a_stage_that_cannot_import_fails_recorded(sqlite_store, monkeypatch):
    """A stage whose code cannot be imported (a broken install) is a recorded failure, not a crash."""
    import builtins
    import sys

    real_import = builtins.__import__

    def no_graph_stage(name, *args, **kwargs):
        if name == "graphs.run":
            raise ModuleNotFoundError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(sys.modules, "graphs.run", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_graph_stage)
    stages = tuple(s for s in DEFAULT_STAGES if s[0] in ("detect", "indicators", "scores"))
    run = run_sweep(sqlite_store, stages=stages)
    assert run.status == "partial"
    assert run.stages["detect"]["status"] == "failed" and "graphs.run" in run.stages["detect"]["error"]
    assert run.stages["indicators"]["status"] == "ok" and run.stages["scores"]["status"] == "ok"


def _city(config):
    """Two institutions; B stops disclosing and draws withdrawal complaints."""
    with session_scope(config) as s:
        a = Institution(name="甲", name_norm="甲", uscc=uscc_for(1))
        b = Institution(name="乙", name_norm="乙", uscc=uscc_for(2))
        s.add_all([a, b])
        s.flush()
        for inst, last in ((a, 7), (b, 4)):
            for m in range(1, last + 1):
                s.add(DisclosureFact(institution_id=inst.id, period=date(2018, m, 1), metric="outstanding_balance",
                                     value=1e8, unit="yuan",
                                     available_at=datetime(2018, m + 1, 10, tzinfo=timezone.utc)))
        for d in range(8):
            s.add(Event(kind="complaint", institution_id=b.id, title="无法提现", keywords=["提现困难"],
                        occurred_on=date(2018, 8, 20) + timedelta(days=d), external_id=f"c{d}",
                        available_at=datetime(2018, 8, 20, tzinfo=timezone.utc) + timedelta(days=d)))
        return a.id, b.id


def test_chain_scores_and_alerts_from_stored_data(store):
    """The real stages after crawl (ingest, indicators, scores, alerts) on hand-built store rows."""
    a_id, b_id = _city(store)
    stages = tuple(s for s in DEFAULT_STAGES if s[0] not in ("crawl", "detect"))
    as_of = parse_as_of("2018-08-31", "Asia/Shanghai")
    first = run_sweep(store, as_of=as_of, stages=stages)
    assert first.status == "succeeded", first.stages
    assert first.stages["ingest"]["status"] == "skipped"  # replays ingest nothing
    with session_scope(store) as s:
        scores = {x.institution_id: x for x in s.exec(select(Score).where(Score.sweep_id == first.id))}
        kinds = {f.kind for f in s.exec(select(Finding).where(Finding.sweep_id == first.id,
                                                             Finding.institution_id == b_id))}
        assert kinds == {"disclosure_late", "complaint_surge"}
        assert scores[a_id].band == "green" and scores[b_id].band in ("orange", "red")
        assert scores[b_id].score == pytest.approx(sum(c["points"] for c in scores[b_id].contributions))
        assert scores[b_id].rule_version == 1
        n_alerts = len(s.exec(select(Alert)).all())
        assert n_alerts == 3  # B's band and its two high-severity findings
    second = run_sweep(store, as_of=as_of + timedelta(days=1), stages=stages)
    assert second.stages["alerts"]["counts"]["created"] == 0 and second.stages["alerts"]["counts"]["seen"] == 3
    with session_scope(store) as s:
        assert len(s.exec(select(Alert)).all()) == n_alerts
        assert len(s.exec(select(Score)).all()) == 4  # history: one per institution per sweep


def test_two_sweeps_at_once_one_runs_the_other_reports_it(store, tmp_path):
    release = tmp_path / "release"
    procs = [_holder(store, release) for _ in range(2)]
    try:
        _wait_running(store, timeout=60)
        deadline = time.monotonic() + 60  # the loser exits as soon as it finds the winner running
        while all(p.poll() is None for p in procs):
            assert time.monotonic() < deadline, "neither sweep reported the other"
            time.sleep(0.05)
    finally:
        release.touch()
    outs = [p.communicate(timeout=60) for p in procs]
    codes = sorted(p.returncode for p in procs)
    assert codes == [0, 3], outs
    busy = next(err for (out, err), p in zip(outs, procs) if p.returncode == 3)
    winner = next(p for p in procs if p.returncode == 0)
    runs = _runs(store)
    assert len(runs) == 1 and runs[0].status == "succeeded" and runs[0].pid == winner.pid
    assert f"sweep #{runs[0].id}" in busy and f"pid {winner.pid}" in busy and "already running" in busy


def test_cli_sweep_while_one_runs_exits_nonzero(store, tmp_path):
    release = tmp_path / "release"
    holder = _holder(store, release)
    try:
        running = _wait_running(store, timeout=60)
        cli = subprocess.run([sys.executable, "-m", "monitor", "sweep", "--light"], env=_env(store), cwd=ROOT,
                             capture_output=True, text=True, timeout=60)
        assert cli.returncode == 3
        assert cli.stderr.startswith("error: ") and f"sweep #{running.id}" in cli.stderr
        assert "Traceback" not in cli.stderr
        # the heartbeat moves while the stage sleeps
        first_beat, deadline = running.heartbeat_at, time.monotonic() + 30
        while next(r for r in _runs(store) if r.id == running.id).heartbeat_at <= first_beat:
            assert time.monotonic() < deadline, "the heartbeat did not move"
            time.sleep(0.05)
    finally:
        release.touch()
        holder.wait(timeout=60)
    assert holder.returncode == 0


def test_killed_sweep_is_marked_failed_and_the_next_one_runs(store, tmp_path):
    victim = _holder(store, tmp_path / "never-released")
    running = _wait_running(store, timeout=60)
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(timeout=30)
    assert _runs(store)[0].status == "running"  # nobody has noticed yet
    deadline = time.monotonic() + 20
    while True:  # PostgreSQL frees the dead session's advisory lock when it notices the closed socket
        try:
            run = run_sweep(store, stages=(_ok("noop"),))
            break
        except SweepBusyError:
            assert time.monotonic() < deadline, "lock of a killed process never released"
            time.sleep(0.2)
    assert run.status == "succeeded"
    dead = next(r for r in _runs(store) if r.id == running.id)
    assert dead.status == "failed" and dead.finished_at is not None
    assert f"pid {victim.pid}" in dead.error and "marked failed by the next sweep" in dead.error


def test_queued_request_is_claimed_exactly_once(store):
    run = queue_sweep(store, "light", requested_by="portal-user")
    results = []
    barrier = threading.Barrier(4)

    def claim():
        barrier.wait()
        results.append(claim_queued(store, run.id))

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, False, False, True]


def test_queue_cli_only_records(sqlite_store, monkeypatch, capsys):
    from monitor.cli import main

    monkeypatch.setenv("MONITOR_INSTANCE_DIR", str(sqlite_store.instance_path))
    assert main(["sweep", "--queue", "--light", "--as-of", "2018-07-31"]) == 0
    assert "queued sweep #1" in capsys.readouterr().out
    (run,) = _runs(sqlite_store)
    assert (run.status, run.kind, run.started_at) == ("queued", "light", None)
    assert main(["sweep", "--as-of", "31/07/2018"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_parse_as_of_is_the_end_of_the_local_day():
    assert parse_as_of("2018-06-30", "Asia/Shanghai") == datetime(2018, 6, 30, 15, 59, 59, tzinfo=timezone.utc)


@pytest.mark.postgres
def test_postgres_lock_of_a_vanished_client_with_stale_heartbeat_is_taken_over(pg_url, tmp_path):
    """PostgreSQL keeps a lost client's session for a while: a stale heartbeat lets the next sweep end it."""
    import psycopg
    from sqlalchemy.engine import make_url

    from monitor.db import dispose_engines, init_db
    from monitor.sweep import PG_LOCK_KEY
    from tests.conftest import make_config

    config = make_config(tmp_path, database_url=pg_url, sweep_stale_minutes=5)
    try:
        init_db(config)
        u = make_url(pg_url)
        ghost = psycopg.connect(host=u.host, port=u.port or 5432, user=u.username, dbname=u.database, autocommit=True)
        ghost.execute("SELECT pg_advisory_lock(%s)", (PG_LOCK_KEY,))
        with session_scope(config) as s:
            s.add(SweepRun(status="running", host="other-host", pid=4242, started_at=datetime(2018, 1, 1, tzinfo=timezone.utc),
                           heartbeat_at=datetime.now(timezone.utc) - timedelta(minutes=3)))
        with pytest.raises(SweepBusyError, match="pid 4242 on other-host"):  # fresh enough: still busy
            run_sweep(config, stages=(_ok("noop"),))
        with session_scope(config) as s:
            ghost_run = s.exec(select(SweepRun)).one()
            ghost_run.heartbeat_at = datetime.now(timezone.utc) - timedelta(minutes=10)
            s.add(ghost_run)
        run = run_sweep(config, stages=(_ok("noop"),))
        assert run.status == "succeeded"
        assert [r.status for r in _runs(config)] == ["failed", "succeeded"]
        with pytest.raises(psycopg.OperationalError):
            ghost.execute("SELECT 1")
    finally:
        dispose_engines()


def test_crawl_counts_prefer_the_summary_totals():
    from monitor.sweep import _crawl_counts

    summary = {"seconds": 3.5, "totals": {"pages": 10, "errors": 1},
               "sources": [{"source_id": 7, "pages": 4}, {"source_id": 9, "pages": 6}]}
    assert _crawl_counts(summary) == {"pages": 10, "errors": 1, "sources": 2, "crawl_seconds": 3.5}
    assert _crawl_counts({"sources": [{"pages": 4}, {"pages": 6}]}) == {"pages": 10, "sources": 2}
    broken = {"totals": {"pages": 3, "errors": 5}, "sources": [
        {"source_id": 4, "url": "http://p4/", "pages": 3, "errors": 5, "stopped": "stopped after 5 errors",
         "errors_detail": [{"url": "http://p4/a", "reason": "HTTP 500"}],
         "unreadable_detail": [{"url": "http://p4/b", "reason": "truncated body"}]}]}
    counts = _crawl_counts(broken)
    assert counts["errors"] == 5 and counts["error_detail"] == [
        "source #4 http://p4/a: HTTP 500", "source #4 http://p4/b: truncated body",
        "source #4 http://p4/: stopped after 5 errors"]


def _drop_file(config, n: int, month: str, rows: str) -> None:
    """Institution number ``n`` and one transfer file of ``rows`` for ``month`` in its drop folder."""
    uscc = uscc_for(n)
    with session_scope(config) as s:
        s.add(Institution(name=f"机构{n}", name_norm=f"机构{n}", uscc=uscc))
    folder = config.drop_path / "transfers" / uscc
    folder.mkdir(parents=True)
    (folder / f"{month}.csv").write_text("交易流水号,交易时间,交易金额,付款账号,收款账号,摘要\n" + rows, encoding="utf-8")


def test_ingest_stage_takes_new_files_from_the_drop_folder(sqlite_store):
    _drop_file(sqlite_store, 1, "2018-01",
               "T1,2018-01-02 10:00:00,1000.00,6222000000000001,4418000000000001,出借\n"
               "T2,2018-01-03 11:00:00,500.00,4418000000000001,6222000000000002,放款\n")
    stages = tuple(s for s in DEFAULT_STAGES if s[0] == "ingest")
    first = run_sweep(sqlite_store, stages=stages)
    assert first.status == "succeeded", first.stages
    assert first.stages["ingest"]["counts"]["rows_new"] == 2 and first.stages["ingest"]["counts"]["files"] == 1
    second = run_sweep(sqlite_store, stages=stages)  # nothing new: the file is known by its sha256
    assert second.stages["ingest"]["counts"]["rows_new"] == 0


def test_replay_collects_only_when_asked(sqlite_store, capsys, monkeypatch):
    from monitor.cli import main

    _drop_file(sqlite_store, 2, "2018-02", "T1,2018-02-02 10:00:00,1000.00,6222000000000001,4418000000000001,出借\n")
    stages = tuple(s for s in DEFAULT_STAGES if s[0] == "ingest")
    as_of = datetime(2018, 3, 5, 15, 59, 59, tzinfo=timezone.utc)
    replay = run_sweep(sqlite_store, as_of=as_of, stages=stages)
    assert replay.stages["ingest"]["status"] == "skipped" and "replay" in replay.stages["ingest"]["reason"]
    collected = run_sweep(sqlite_store, as_of=as_of, stages=stages, collect=True)
    assert collected.status == "succeeded" and collected.stages["ingest"]["counts"]["rows_new"] == 1
    monkeypatch.setenv("MONITOR_INSTANCE_DIR", str(sqlite_store.instance_path))
    assert main(["sweep", "--collect"]) == 2  # --collect needs --as-of
    assert "--collect goes with --as-of" in capsys.readouterr().err


def test_detector_findings_carried_from_the_last_sweep_whose_detectors_ran(sqlite_store, monkeypatch):
    import graphs.run
    from monitor.findings import FindingResult

    uscc = uscc_for(3)
    with session_scope(sqlite_store) as s:
        s.add(Institution(name="丙", name_norm="丙", uscc=uscc))
    found = [FindingResult(detector="ponzi", kind="ponzi", institution_uscc=uscc, severity="high", score=25,
                           title="借新还旧", key="k")]
    outcome = {"detect": lambda config, as_of: list(found)}
    monkeypatch.setattr(graphs.run, "detect", lambda config, as_of: outcome["detect"](config, as_of))
    stages = tuple(s for s in DEFAULT_STAGES if s[0] == "detect")

    def detector_findings(run):
        with session_scope(sqlite_store) as s:
            return [f.kind for f in s.exec(select(Finding).where(Finding.sweep_id == run.id))]

    first = run_sweep(sqlite_store, stages=stages)
    assert first.status == "succeeded" and detector_findings(first) == ["ponzi"]

    def broken(config, as_of):
        raise RuntimeError("graph store unreadable")
    outcome["detect"] = broken
    failed = run_sweep(sqlite_store, stages=stages)
    assert failed.status == "failed" and "graph store unreadable" in failed.stages["detect"]["error"]
    assert detector_findings(failed) == ["ponzi"]  # kept, so scores do not drop because detectors failed
    light = run_sweep(sqlite_store, kind="light", stages=stages)
    assert light.stages["detect"]["counts"] == {"carried_over": 1, "from_sweep": first.id}

    outcome["detect"] = lambda config, as_of: []  # the pattern is gone
    clean = run_sweep(sqlite_store, stages=stages)
    assert clean.status == "succeeded" and detector_findings(clean) == []
    light = run_sweep(sqlite_store, kind="light", stages=stages)
    assert light.stages["detect"]["counts"] == {"carried_over": 0, "from_sweep": clean.id}
    assert detector_findings(light) == []  # older findings are not revived
