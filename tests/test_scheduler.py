"""Scheduler: jobs persisted in the monitor's database, queued requests run once, SIGTERM stops it cleanly."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import inspect, text
from sqlmodel import select

from monitor.db import get_engine, session_scope
from monitor.errors import ConfigError
from monitor.models import SweepRun
from monitor.scheduler import JOBSTORE_TABLE, MISFIRE_GRACE_SECONDS, build_scheduler, poll_queue
from monitor.sweep import queue_sweep
from tests.test_sweep import ROOT, _env


def _wait(predicate, timeout=30.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _job_rows(config):
    engine = get_engine(config)
    if JOBSTORE_TABLE not in inspect(engine).get_table_names():
        return []
    with engine.connect() as conn:
        return sorted(r[0] for r in conn.execute(text(f"SELECT id FROM {JOBSTORE_TABLE}")))


def test_scheduler_process_persists_jobs_runs_queue_and_stops_on_sigterm(store):
    proc = subprocess.Popen([sys.executable, "-m", "monitor", "scheduler", "--poll-seconds", "0.5"],
                            env=_env(store), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait(lambda: len(_job_rows(store)) == 3, what="jobs in the job store")
        queued = queue_sweep(store, "light", requested_by="test")

        def finished():
            with session_scope(store) as s:
                run = s.get(SweepRun, queued.id)
                return run if run.status not in ("queued", "running") else None

        run = _wait(finished, what="the queued sweep to run")
        assert run.trigger == "cli" and run.pid == proc.pid and run.status in ("succeeded", "partial")
        assert "scores" in run.stages
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "stopping" in err and "scheduler: stopped" in err and "Traceback" not in err
    assert _job_rows(store) == ["sweep-full", "sweep-light", "sweep-queue"]

    # the persisted jobs carry the schedule and the misfire/coalesce policy
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    reader = BackgroundScheduler(jobstores={"default": SQLAlchemyJobStore(engine=get_engine(store),
                                                                          tablename=JOBSTORE_TABLE)})
    reader.start(paused=True)
    try:
        jobs = {j.id: j for j in reader.get_jobs()}
    finally:
        reader.shutdown(wait=False)
    full = jobs["sweep-full"]
    assert full.coalesce is True and full.max_instances == 1 and full.misfire_grace_time == MISFIRE_GRACE_SECONDS
    assert full.args[0] == "full" and "hour='2'" in repr(full.trigger)
    assert jobs["sweep-light"].args[0] == "light" and "minute='15'" in repr(jobs["sweep-light"].trigger)
    assert full.next_run_time is not None


def test_two_pollers_run_a_queued_request_once(store):
    calls, overlapped = [], []
    stage_lock = threading.Lock()
    loser_done = threading.Event()

    def stage(ctx):
        with stage_lock:
            calls.append(ctx.run_id)
        # the run lasts until the other poller has come and gone, so the two really overlap
        overlapped.append(loser_done.wait(timeout=60))
        return {}

    queued = queue_sweep(store, "full", requested_by="test")
    barrier = threading.Barrier(2)
    ran = []

    def poller():
        barrier.wait()
        ran.append(n := poll_queue(store, stages=(("work", stage),)))
        if n == 0:
            loser_done.set()

    threads = [threading.Thread(target=poller) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert calls == [queued.id] and sorted(ran) == [0, 1] and overlapped == [True]
    with session_scope(store) as s:
        runs = list(s.exec(select(SweepRun)))
    assert len(runs) == 1 and runs[0].status == "succeeded" and runs[0].trigger == "cli"
    # nothing left to do on the next poll
    assert poll_queue(store, stages=(("work", stage),)) == 0 and calls == [queued.id]


def test_bad_cron_expression_is_a_config_error(sqlite_store):
    with pytest.raises(ConfigError, match="sweep_light_cron"):
        build_scheduler(sqlite_store.replace(sweep_light_cron="every hour"))


def test_a_stop_asked_in_the_middle_of_a_round_loses_no_job(sqlite_store, caplog):
    """A signal handler runs in the loop's thread, possibly mid-round: the stop waits for the round's end,
    so the round's jobs still reach a live executor (no "Error submitting job")."""
    import logging

    scheduler = build_scheduler(sqlite_store, poll_seconds=0.05)
    store = scheduler._jobstores["default"]
    real_due = store.get_due_jobs
    rounds = []

    def due_then_stop(now):
        rounds.append(now)
        jobs = real_due(now)
        if len(rounds) == 3:
            scheduler.request_stop()  # as the SIGTERM handler does, here between finding and submitting jobs
        return jobs

    store.get_due_jobs = due_then_stop
    caplog.set_level(logging.ERROR, logger="apscheduler")
    loop = threading.Thread(target=scheduler.start, daemon=True)
    loop.start()
    loop.join(timeout=30)
    assert not loop.is_alive(), "the scheduler did not stop"
    assert len(rounds) == 3  # no round after the one that asked
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
