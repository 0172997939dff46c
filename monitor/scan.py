"""``monitor scan FILE``: run the flow detectors on any transfer file, without storing it.

For inspectors who receive a bank statement by hand. The file is parsed with
the ingest's parser (same header aliases, ``--map``, encodings, amounts,
times and the same file/line/column errors) into an in-memory DuckDB table,
aggregated per account pair and month like the transfer store does, read at
role level (:mod:`graphs.platform`: the custody account is ``--custody`` or
the busiest account) and given to the detectors that need only flows.
Nothing is written to the store.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import click

from monitor.cli import pass_ctx
from monitor.errors import InputError

# Detectors that read flows only (no registry, no disclosures needed).
FLOW_DETECTORS = ("ponzi", "self_financing", "fund_pool", "capital_flight", "round_tripping", "scatter_gather",
                  "borrower_cap", "borrower_concentration")

_AGGREGATE_SQL = """
    SELECT payer_account, payee_account, CAST(date_trunc('month', txn_time) AS DATE) AS period,
           sum(amount) AS amount, count(*) AS count, min(txn_time) AS first_time, max(txn_time) AS last_time,
           list_sort(list_distinct(list(purpose))) AS purposes,
           any_value(payer_name) AS payer_name, any_value(payee_name) AS payee_name,
           any_value(payer_id) AS payer_id, any_value(payee_id) AS payee_id
    FROM clean GROUP BY ALL ORDER BY period, payer_account, payee_account
"""


def read_aggregated(path: str | Path, mapping: dict[str, str] | None = None):
    """Parse one transfer file (ingest's parser and checks) and return its monthly edges (pyarrow).

    Raises :class:`InputError` naming file, line and column for a bad row.
    """
    import duckdb

    from monitor import ingest
    from monitor.transfers import _arrow

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    with duckdb.connect() as con:
        # The ingest's parser and checks: a bad row raises InputError naming file, line and column.
        ingest.load_validated(con, path, mapping)
        return _arrow(con.sql(_AGGREGATE_SQL))


def scan_edges(table, *, custody: str | None = None, institution: str | None = None,
               params: dict | None = None, detectors=FLOW_DETECTORS) -> list:
    """Run the flow detectors on aggregated edges of one file (pure apart from the detectors)."""
    from graphs.build import flow_edges
    from graphs.detectors import Inputs
    from graphs.platform import build_platform_flows
    from graphs.run import accounts_from_edges, detect_partition

    edges = list(flow_edges(table))
    if not edges:
        return []
    accounts = accounts_from_edges(table)
    if custody is not None and not any(custody in (e.src, e.dst) for e in edges):
        raise InputError(f"custody account {custody!r} does not appear in the file")
    flows = build_platform_flows(edges, accounts, uscc=institution, custody=custody)
    last = max(e.period for e in edges)
    y, m = int(last[:4]), int(last[5:7])
    # Every month of the file is complete for the detectors: look from the first day after it.
    as_of = datetime(y + m // 12, m % 12 + 1, 2, tzinfo=timezone.utc) + timedelta(days=1)
    return detect_partition(Inputs(institution, None, flows), params, as_of, detectors)


def _masker(findings, custody: str | None):
    """Personal numbers masked; accounts the file shows held under a USCC (and the custody account) in full."""
    from monitor.privacy import Masker

    masker = Masker()
    masker.keep_evidence([a for f in findings for a in f.evidence.accounts])
    if custody:
        masker.firms.add(custody)
    return masker


def _print(findings, path: Path, mask) -> None:
    from rich.console import Console
    from rich.table import Table

    if not findings:
        click.echo(f"{path}: no findings")
        return
    console = Console()

    def show(text: str) -> None:
        console.print(mask(text))

    for f in findings:
        ev = f.evidence
        show(f"[bold]{f.severity.upper()}[/] {f.kind}: {f.title}")
        show(f"  window {ev.window_start} – {ev.window_end}; key {f.key}")
        if ev.metrics:
            show("  " + json.dumps(ev.metrics, ensure_ascii=False, default=str)[:400])
        if ev.accounts:
            show("  accounts: " + "; ".join(f"{a.account_no} {a.holder_name or ''} ({a.role})"
                                            for a in ev.accounts[:8]))
        if ev.edges:
            table = Table(show_header=True, box=None, padding=(0, 1))
            for col in ("from", "to", "amount 元", "count", "first", "last"):
                table.add_column(col)
            for e in ev.edges[:10]:
                table.add_row(mask(e.src), mask(e.dst), f"{e.amount:,.2f}" if e.amount is not None else "",
                              str(e.count or ""), e.first or "", e.last or "")
            console.print(table)


@click.command("scan")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--map", "mapping", help="Column mapping 'column=field,...' for headers the monitor does not know.")
@click.option("--custody", help="The custody account (default: the account with the most counterparties).")
@click.option("--institution", help="USCC of the platform (its own accounts are those held under it).")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@pass_ctx
def scan_command(ctx, file: str, mapping: str | None, custody: str | None, institution: str | None,
                 as_json: bool) -> None:
    """Run the flow detectors on one transfer file (nothing is stored)."""
    from monitor.ingest import parse_mapping

    table = read_aggregated(file, parse_mapping(mapping) if mapping else None)
    findings = scan_edges(table, custody=custody, institution=institution)
    mask = _masker(findings, custody)
    if as_json:
        out: dict[str, Any] = {"file": str(file), "edges": table.num_rows,
                               "findings": [mask.data(f.to_dict()) for f in findings]}
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        _print(findings, Path(file), mask)
