"""``monitor sweep``: run one sweep now, or queue one for the scheduler, and print its stages."""

from __future__ import annotations

import click

from monitor.clock import as_utc
from monitor.commands.context import pass_ctx
from monitor.errors import InputError
from monitor.models import SweepRun, SweepStatus
from monitor.sweep import parse_as_of, queue_sweep, run_sweep


def print_run(run: SweepRun) -> None:
    click.echo(f"sweep #{run.id} ({run.kind}, {run.trigger}) {run.status}"
               + (f" as of {as_utc(run.as_of).isoformat(timespec='seconds')}" if run.as_of else ""))
    for name, entry in (run.stages or {}).items():
        counts = entry.get("counts") or {}
        detail = entry.get("error") or entry.get("reason") or ", ".join(
            f"{k}={v}" for k, v in counts.items() if not isinstance(v, (list, dict)))
        click.echo(f"  {name:<11} {entry.get('status', '?'):<8} {entry.get('seconds', 0):>8.2f}s  {detail}")
        details = counts.get("error_detail") or counts.get("errors")  # crawl: "errors" is a count
        if not isinstance(details, list):
            continue
        for line in details[:3]:
            click.echo(f"      {line}"[:200])
        if len(details) > 3:
            click.echo(f"      … {len(details) - 3} more (monitor crawl --json / the ingest journal)")


@click.command("sweep")
@click.option("--light", is_flag=True, help="Light sweep: no crawl, detector findings carried over.")
@click.option("--as-of", "as_of", default=None, metavar="DATE", help="Replay as of the end of DATE (YYYY-MM-DD).")
@click.option("--collect", is_flag=True, help="With --as-of: crawl and ingest first (what is fetched now counts "
              "only as far as it was available at DATE).")
@click.option("--queue", is_flag=True, help="Only record a request; the scheduler process runs it.")
@click.option("--engine", type=click.Choice(["local", "spark"]), default=None,
              help="Engine of the graph stage for this sweep (default: the engine setting).")
@pass_ctx
def sweep_command(ctx, light: bool, as_of: str | None, collect: bool, queue: bool, engine: str | None) -> None:
    """Run the chain: crawl → ingest → detect → indicators → scores → alerts (one sweep at a time)."""
    import getpass

    from monitor.db import require_schema

    cfg = ctx.config
    require_schema(cfg)
    when = parse_as_of(as_of, cfg.timezone) if as_of else None
    kind = "light" if light else "full"
    if collect and (not when or light or queue):
        raise InputError("--collect goes with --as-of, on a full sweep run now (not --light or --queue)")
    if engine is not None:
        if queue:
            raise InputError("--engine goes with a sweep run now; queued sweeps use the engine setting")
        cfg = cfg.replace(engine=engine)
    if not light:
        from graphs.engines import check_engine

        check_engine(cfg.engine)
    if queue:
        run = queue_sweep(cfg, kind, when, trigger="cli", requested_by=getpass.getuser())
        click.echo(f"queued sweep #{run.id} ({kind}); `monitor scheduler` will run it")
        return
    run = run_sweep(cfg, kind, when, trigger="cli", requested_by=getpass.getuser(), collect=collect)
    print_run(run)
    if run.status in (SweepStatus.FAILED.value, SweepStatus.PARTIAL.value):
        stages = [f"{name} {entry.get('status')}" for name, entry in (run.stages or {}).items()
                  if entry.get("status") in ("failed", "partial")]
        click.echo(f"error: sweep #{run.id} {run.status}: {', '.join(stages)}", err=True)
        raise click.exceptions.Exit(1)
