"""The one command line: ``monitor ...``.

Every command lives in :mod:`monitor.commands` and is loaded lazily from
:data:`LAZY_COMMANDS`, so ``monitor --help`` stays fast and a stage's
imports cost nothing to the others. :func:`main` turns errors into exit codes.
"""

from __future__ import annotations

import importlib
import sys

import click

from monitor import __version__
from monitor.commands.context import Context
from monitor.errors import MonitorError

# name -> "module:attribute" of a click command
LAZY_COMMANDS: dict[str, str] = {
    "config": "monitor.commands.config:config_group",
    "init-db": "monitor.commands.store:init_db_command",
    "status": "monitor.commands.store:status_command",
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
