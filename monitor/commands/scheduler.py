"""``monitor scheduler``: run the scheduler in this process until SIGTERM/SIGINT."""

from __future__ import annotations

import logging
import signal

import click

from monitor.commands.context import pass_ctx
from monitor.scheduler import JOBSTORE_TABLE, build_scheduler

log = logging.getLogger("monitor.scheduler")  # the scheduler's log, whoever writes to it


@click.command("scheduler")
@click.option("--poll-seconds", type=float, default=30.0, show_default=True,
              help="How often queued sweep requests are picked up.")
@pass_ctx
def scheduler_command(ctx, poll_seconds: float) -> None:
    """Run scheduled sweeps (daily full, hourly light) and queued requests until SIGTERM/SIGINT."""
    from monitor.db import require_schema

    cfg = ctx.config
    require_schema(cfg)
    scheduler = build_scheduler(cfg, poll_seconds)

    def stop(signum, _frame):
        log.info("signal %s: stopping the scheduler", signum)
        click.echo(f"scheduler: signal {signum}, stopping", err=True)
        scheduler.request_stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    click.echo(f"scheduler: full sweep '{cfg.sweep_full_cron}', light sweep '{cfg.sweep_light_cron}', "
               f"queue every {poll_seconds:g}s (time zone {cfg.timezone}); jobs in table {JOBSTORE_TABLE}",
               err=True)
    scheduler.start()  # blocks until shutdown
    click.echo("scheduler: stopped", err=True)
