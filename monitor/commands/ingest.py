"""``monitor ingest`` and ``monitor gc``: the transfer store's commands."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from monitor.commands.context import pass_ctx
from monitor.ingest import FIELDS, ingest_paths, parse_mapping
from monitor.transfers import TransferStore, collect_garbage
from monitor.transfers.layout import TMP_DIR


class _Progress:
    """A rich progress line per long file (the stages are vectorised, so it steps per stage)."""

    STAGES = ("reading", "checking", "cleaning", "validating", "deduplicating", "accounts",
              "writing", "committing")

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self):
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self._bar = Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                             console=Console(stderr=True), transient=True)
        self._bar.__enter__()
        self._task = self._bar.add_task(self.path.name, total=len(self.STAGES))
        return self.step

    def step(self, stage: str) -> None:
        done = self.STAGES.index(stage) if stage in self.STAGES else 0
        self._bar.update(self._task, completed=done, description=f"{self.path.name}: {stage}")

    def __exit__(self, *exc):
        self._bar.update(self._task, completed=len(self.STAGES))
        return self._bar.__exit__(*exc)


@click.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--map", "mapping", help="Extra header mapping: 'column=field,...' "
              f"(fields: {', '.join(FIELDS)}).")
@click.option("--institution", help="USCC of the institution the files belong to "
              "(default: the transfers/<USCC>/ folder, else a known custody account).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per file.")
@click.option("--profile", default=None, metavar="NAME",
              help="Read the files as bank statements with this bank profile (monitor profiles list).")
@click.option("--date-format", "date_format", default=None, metavar="FMT",
              help="strptime format of a statement's date column, e.g. %d/%m/%Y.")
@click.option("--account", default=None, metavar="ACC", help="Owner account of single-account statements.")
@click.option("--delimiter", default=None, metavar="D", help="Field delimiter of statements (\\t for tab).")
@pass_ctx
def ingest_command(ctx, paths: tuple[str, ...], mapping: str | None, institution: str | None,
                   as_json: bool, profile: str | None, date_format: str | None, account: str | None,
                   delimiter: str | None) -> None:
    """Ingest custody-bank transfer files and bank statements (CSV, TSV, TXT, XLSX, XLS) or folders of them.

    Canonical transfer files take the fast path; other layouts (preambles, footers, one account's
    debit/credit view, other delimiters and date spellings) are read by the statement reader
    (docs/statements.md), which checks running balances and footer totals.

    Exit code 0 when every file is ok or a duplicate, 1 when a file failed
    (the summary names each, with its error), 3 when the only failures were
    files whose institution another process was ingesting (busy).
    """
    if delimiter in ("\\t", "tab"):
        delimiter = "\t"
    options = {"profile": profile, "date_format": date_format, "account": account, "delimiter": delimiter}
    results = ingest_paths(ctx.config, paths, mapping=parse_mapping(mapping), institution=institution,
                           progress=_Progress if sys.stderr.isatty() and not as_json else None, statement_options=options)
    if as_json:
        import json

        click.echo(json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=2))
    else:
        for r in results:
            if r.status == "ok":
                click.echo(f"ok         {r.path}: {r.rows:,} rows, {r.rows_new:,} new, "
                           f"{r.institution} {r.period_start}..{r.period_end} ({r.seconds:.2f} s)")
            elif r.status == "duplicate":
                click.echo(f"duplicate  {r.path}: already ingested ({r.rows:,} rows)")
            elif r.status == "failed":
                click.echo(f"failed     {r.path}: {r.error}")
            for warning in r.warnings:
                click.echo(f"warning    {warning}")
        total = sum(r.rows_new for r in results)
        click.echo(f"{len(results)} file(s): {sum(r.status == 'ok' for r in results)} ok, "
                   f"{sum(r.status == 'duplicate' for r in results)} duplicate, "
                   f"{sum(r.status == 'failed' for r in results)} failed; {total:,} new transfers")
    failed = [r for r in results if r.status == "failed"]
    for r in results:
        for warning in r.warnings:
            click.echo(f"warning: {warning}", err=True)
    for r in failed:
        click.echo(f"error: {r.error}", err=True)
    if failed:
        # SystemExit, not click's Exit: the code reaches the shell whatever the entry point does with
        # click's return value. 3 when every failure was another process holding the lock.
        raise SystemExit(3 if all(r.busy for r in failed) else 1)


@click.command("gc")
@click.option("--min-age", "min_age", type=float, default=3600.0, show_default=True,
              help="Keep files younger than this many seconds (they may belong to an ingest in progress).")
@pass_ctx
def gc_command(ctx, min_age: float) -> None:
    """Remove transfer-store files whose ingest never committed, walking the whole store.

    Exit code 0 when everything due was removed, 1 when something could not be.
    """
    store = TransferStore(ctx.config)
    report = collect_garbage(store, min_age_seconds=min_age, full=True)
    click.echo(f"{report.files} uncommitted Parquet file(s) removed from {store.root}; "
               f"{report.tmp} temporary item(s) removed from {store.root / TMP_DIR}"
               + (f"; {report.kept_live} file(s) of running ingests kept" if report.kept_live else ""))
    for error in report.errors:
        click.echo(f"error: cannot remove {error}", err=True)
    if report.errors:
        raise SystemExit(1)
