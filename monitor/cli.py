"""The one command line: ``monitor ...``.

Commands live in :mod:`monitor.commands` and are loaded lazily from
:data:`LAZY_COMMANDS`, so ``monitor --help`` stays fast and a stage's
imports cost nothing to the others. ``Context`` and ``pass_ctx`` are
re-exported here for callers that import them from ``monitor.cli``.
"""

from __future__ import annotations

import importlib
import sys

import click

from monitor import __version__
from monitor.commands.context import Context, pass_ctx
from monitor.errors import MonitorError

# name -> "module:attribute" of a click command
LAZY_COMMANDS: dict[str, str] = {
    "simulate": "monitor.commands.simulate:simulate",
    "serve-sim": "monitor.commands.serve_sim:serve_sim",
    "crawl": "monitor.commands.crawl:crawl",
    "ingest": "monitor.commands.ingest:ingest_command",
    "gc": "monitor.commands.ingest:gc_command",
    "compact": "monitor.commands.compact:compact_command",
    "scan": "monitor.commands.scan:scan_command",
    "evaluate": "monitor.commands.evaluate:evaluate_command",
    "sweep": "monitor.commands.sweep:sweep_command",
    "scheduler": "monitor.commands.scheduler:scheduler_command",
    "alerts": "monitor.commands.alerts:alerts_group",
    "rules": "monitor.commands.rules:rules_group",
    "web": "monitor.commands.web:web_command",
    "users": "monitor.commands.users:users_group",
    "jurisdictions": "monitor.commands.jurisdictions:jurisdictions_group",
    "brief": "monitor.commands.brief:brief_group",
    "audit": "monitor.commands.audit:audit_group",
    "profiles": "monitor.commands.profiles:profiles_group",
    "coverage": "monitor.commands.coverage:coverage_command",
    "export": "monitor.commands.export:export_group",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        available = [name for name, target in LAZY_COMMANDS.items() if _module_exists(target)]
        return sorted(set(super().list_commands(ctx)) | set(available))

    def get_command(self, ctx: click.Context, name: str):
        command = super().get_command(ctx, name)
        if command is not None or name not in LAZY_COMMANDS:
            return command
        module_name, attr = LAZY_COMMANDS[name].split(":")
        return getattr(importlib.import_module(module_name), attr)


def _module_exists(target: str) -> bool:
    import importlib.util

    module = target.split(":")[0]
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_file", type=click.Path(dir_okay=False),
              help="TOML configuration file (default: $MONITOR_CONFIG or <instance_dir>/monitor.toml).")
@click.version_option(__version__, prog_name="monitor")
@click.pass_context
def cli(ctx: click.Context, config_file: str | None) -> None:
    """Local financial risk monitor for a city finance bureau (地方金融风险监测)."""
    ctx.obj = Context(config_file)


@cli.group()
def config() -> None:
    """Inspect the configuration."""


@config.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_ctx
def config_show(ctx: Context, as_json: bool) -> None:
    """Print the effective settings, where each comes from, and what it means."""
    cfg = ctx.config
    rows = cfg.describe()
    if as_json:
        import json

        click.echo(json.dumps({name: {"value": cfg[name] if shown != "***" else "***", "origin": origin}
                               for name, shown, origin, _help in rows}, ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="monitor settings", show_lines=False)
    for col in ("setting", "value", "from", "meaning"):
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*row)
    Console().print(table)
    click.echo(f"database: {_safe_url(cfg.db_url)}")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - only for display
        return url


@cli.command("init-db")
@pass_ctx
def init_db_command(ctx: Context) -> None:
    """Create the store or upgrade it to the newest schema."""
    from monitor.db import init_db

    revision = init_db(ctx.config)
    click.echo(f"database {_safe_url(ctx.config.db_url)} is at schema revision {revision}")


@cli.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_ctx
def status_command(ctx: Context, as_json: bool) -> None:
    """Show what the store holds."""
    from monitor.db import current_revision, head_revision, require_schema, table_counts

    cfg = ctx.config
    require_schema(cfg)
    counts = table_counts(cfg)
    info = {"database": _safe_url(cfg.db_url), "revision": current_revision(cfg),
            "head": head_revision(cfg), "tables": counts,
            "transfer_store": str(cfg.transfer_store_path), "evidence_dir": str(cfg.evidence_path)}
    if as_json:
        import json

        click.echo(json.dumps(info, ensure_ascii=False, indent=2))
        return
    click.echo(f"database: {info['database']} (schema {info['revision']})")
    width = max(map(len, counts))
    for name, n in counts.items():
        click.echo(f"  {name:<{width}}  {n:>10,}")
    click.echo(f"transfer store: {info['transfer_store']}")
    click.echo(f"evidence:       {info['evidence_dir']}")


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code: 0 success, 1 a file or stage failed, 2 usage or
    environment (errors of input or environment become one line on stderr), 3 busy."""
    try:
        rv = cli.main(args=argv, prog_name="monitor", standalone_mode=False)
    except MonitorError as exc:
        click.echo(f"error: {exc}", err=True)
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except SystemExit as exc:  # a command that ends with sys.exit(code)
        return _exit_code(exc.code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return 130
    # Without standalone mode click returns ctx.exit()'s code or the command's own return value.
    return rv if isinstance(rv, int) and not isinstance(rv, bool) else 0


def _exit_code(code) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    click.echo(str(code), err=True)  # sys.exit("message") prints the message, as Python does
    return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
