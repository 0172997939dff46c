"""Scheduled sweeps: APScheduler 3.x in its own process, jobs persisted in the monitor's database.

Jobs (ids fixed, re-registered with ``replace_existing`` at every start so the
cron expressions follow the configuration):

* ``sweep-full`` — ``sweep_full_cron`` (daily by default), a full sweep;
* ``sweep-light`` — ``sweep_light_cron`` (hourly by default), a light sweep;
* ``sweep-queue`` — every ``poll_seconds``, runs queued requests
  (``monitor sweep --queue``, later the portal), each claimed exactly once by a
  conditional UPDATE.

All jobs: ``coalesce=True`` (missed runs collapse into one), ``max_instances=1``,
``misfire_grace_time`` (a run later than that is skipped, the next one comes).
Sweeps hold the cross-process sweep lock, so a scheduled sweep that meets a
running one is skipped (logged) and a queued request waits for the next poll.
SIGTERM/SIGINT stop the scheduler; a sweep in progress finishes before the
process exits (if the process is killed instead, the next sweep marks that
run failed).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from monitor.config import Config

log = logging.getLogger(__name__)

JOBSTORE_TABLE = "apscheduler_jobs"
MISFIRE_GRACE_SECONDS = 900


def _settings(config: Config) -> dict[str, Any]:
    """Picklable settings for the persisted jobs (secrets left out: sweeps don't need them)."""
    from monitor.config import SETTINGS

    return {s.name: ("" if s.secret else config[s.name]) for s in SETTINGS}


def _config(settings: dict[str, Any]) -> Config:
    return Config(settings, {k: "scheduler" for k in settings})


def scheduled_sweep(kind: str, settings: dict[str, Any]) -> None:
    """Job: one sweep of ``kind``; a running sweep makes this one a logged skip."""
    from monitor.sweep import SweepBusyError, run_sweep

    try:
        run = run_sweep(_config(settings), kind, trigger="scheduler")
        log.log(_level(run), "scheduled %s sweep #%s: %s%s", kind, run.id, run.status,
                f" ({run.error})" if run.error else "")
    except SweepBusyError as exc:
        log.warning("scheduled %s sweep skipped: %s", kind, exc)


def _level(run) -> int:
    """A partial or failed sweep is a warning in the scheduler's log (no exit code reaches anyone here)."""
    return logging.INFO if run.status == "succeeded" else logging.WARNING


def scheduled_briefing(settings: dict[str, Any]) -> None:
    """Job: the city briefing of the last full week into the archive (once per week; see monitor.briefings)."""
    from monitor.briefings import weekly_briefing_job
    from monitor.errors import MonitorError

    try:
        row_id = weekly_briefing_job(_config(settings))
        log.info("weekly briefing: %s", f"archived as #{row_id}" if row_id else "already in the archive")
    except MonitorError as exc:
        log.error("weekly briefing failed: %s", exc)


def poll_queue(settings: dict[str, Any], stages=None) -> int:
    """Job: run queued sweep requests, oldest first; returns how many this call ran."""
    from monitor.sweep import SweepBusyError, next_queued, run_sweep

    config = _config(settings) if isinstance(settings, dict) else settings
    ran = 0
    while (run_id := next_queued(config)) is not None:
        try:
            run = run_sweep(config, trigger="scheduler", queued_id=run_id, stages=stages)
        except SweepBusyError as exc:
            log.info("queued sweep #%s waits: %s", run_id, exc)
            break
        if run is None:  # another poller claimed it between our read and our claim
            continue
        ran += 1
        log.log(_level(run), "queued sweep #%s: %s%s", run.id, run.status, f" ({run.error})" if run.error else "")
    return ran


def _scheduler_class():
    from apscheduler.schedulers.blocking import BlockingScheduler

    class Scheduler(BlockingScheduler):
        """A BlockingScheduler that a signal handler can stop safely: :meth:`request_stop`.

        ``shutdown`` called from a handler runs in the loop's own thread, possibly in the middle of a
        round that then submits a job to the executor just shut down (a traceback, and the job
        lost). Here the handler only asks; the loop shuts down between two rounds.
        """

        stop_requested = False

        def request_stop(self) -> None:
            self.stop_requested = True
            # Not self.wakeup() here: a handler interrupting the loop inside Event.wait would
            # wait on the event's own lock forever.
            threading.Thread(target=self.wakeup, name="scheduler-stop", daemon=True).start()

        def _process_jobs(self):
            if self.stop_requested:
                self.shutdown(wait=False)  # sweeps in progress still finish (their threads are not daemons)
                return None
            return super()._process_jobs()

    return Scheduler


def build_scheduler(config: Config, poll_seconds: float = 30.0):
    """A blocking scheduler with the SQLAlchemy job store in the monitor's database and the three jobs.

    Stop it with its ``request_stop()`` (safe in a signal handler).
    """
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    from monitor.db import get_engine
    from monitor.errors import ConfigError

    triggers = {}
    for kind, key in (("full", "sweep_full_cron"), ("light", "sweep_light_cron")):
        try:
            triggers[kind] = CronTrigger.from_crontab(config[key], timezone=config.timezone)
        except ValueError as exc:
            raise ConfigError(f"{key} {config[key]!r} is not a cron expression: {exc}") from None
    scheduler = _scheduler_class()(
        jobstores={"default": SQLAlchemyJobStore(engine=get_engine(config), tablename=JOBSTORE_TABLE)},
        executors={"default": {"type": "threadpool", "max_workers": 3}},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_SECONDS},
        timezone=config.timezone,
    )
    settings = _settings(config)
    for kind, trigger in triggers.items():
        scheduler.add_job(scheduled_sweep, trigger, args=[kind, settings], id=f"sweep-{kind}",
                          name=f"{kind} sweep", replace_existing=True)
    scheduler.add_job(poll_queue, IntervalTrigger(seconds=poll_seconds), args=[settings], id="sweep-queue",
                      name="queued sweep requests", replace_existing=True)
    if config["briefing_weekly_cron"]:
        try:
            weekly = CronTrigger.from_crontab(config["briefing_weekly_cron"], timezone=config.timezone)
        except ValueError as exc:
            raise ConfigError(f"briefing_weekly_cron {config['briefing_weekly_cron']!r} is not a cron expression: "
                              f"{exc}") from None
        scheduler.add_job(scheduled_briefing, weekly, args=[settings], id="briefing-weekly",
                          name="weekly city briefing", replace_existing=True)
    return scheduler
