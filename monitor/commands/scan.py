"""``monitor scan FILE``: run the detectors on one transfer file and print what they found."""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import click

from monitor.commands.context import pass_ctx
from monitor.scan import ScanResult, known_params, run_scan


def parse_params(items) -> dict[str, dict[str, Any]]:
    """``detector.name=value`` items → ``{detector: {name: value}}``, typed like the default.

    Raises :class:`click.UsageError` (exit 2) naming the known detectors or parameters.
    """
    known = known_params()
    out: dict[str, dict[str, Any]] = {}
    for item in items or ():
        key, eq, raw = item.partition("=")
        detector, dot, name = key.strip().partition(".")
        if not eq or not dot or not name:
            raise click.UsageError(f"--param {item!r}: expected detector.name=value")
        if detector not in known:
            raise click.UsageError(f"--param {item!r}: unknown detector {detector!r} "
                                   f"(known: {', '.join(sorted(known))})")
        if name not in known[detector]:
            raise click.UsageError(f"--param {item!r}: unknown parameter {name!r} of {detector} "
                                   f"(known: {', '.join(sorted(known[detector]))})")
        out.setdefault(detector, {})[name] = _typed(item, known[detector][name], raw.strip())
    return out


def _typed(item: str, default: Any, raw: str) -> Any:
    try:
        if isinstance(default, bool):
            if raw.lower() in ("1", "true", "yes", "on"):
                return True
            if raw.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
    except ValueError:
        raise click.UsageError(f"--param {item!r}: {raw!r} is not a {type(default).__name__}") from None
    return raw


def _masker(findings, custody: str | None):
    """Personal numbers masked; accounts the file shows held under a USCC (and the custody account) in full."""
    from monitor.privacy import Masker

    masker = Masker()
    masker.keep_evidence([a for f in findings for a in f.evidence.accounts])
    if custody:
        masker.firms.add(custody)
    return masker


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if value != int(value) or abs(value) >= 1000 else f"{value:g}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_fmt(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "–".join(_fmt(v) for v in value) if all(isinstance(v, (int, float)) for v in value) \
            else " → ".join(map(str, value))
    return str(value)


def _when(iso: str | None) -> str:
    return (iso or "")[:19].replace("T", " ")


def _print(result: ScanResult, path: Path, mask) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    # Wide when piped: evidence rows are not cut to a terminal's width.
    console = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 200)

    def show(text: str) -> None:
        console.print(mask(text))

    s = result.summary
    show(escape(f"file: {path} ({s.get('transfers', 0):,} transfers, {s.get('pairs', 0):,} account pairs, "
                f"{(s.get('first') or '')[:10]} – {(s.get('last') or '')[:10]})"))
    for line in result.assumptions:
        show(escape(f"assumed {line}"))
    if result.custody:
        show(escape(f"custody account: {result.custody} ({result.custody_reason})"))
    else:
        show(escape(result.custody_reason))
    show(escape(f"amounts: median {_fmt(s.get('amount_p50', 0.0))}, 90th percentile {_fmt(s.get('amount_p90', 0.0))}; "
                f"novel transfers (pairs seen only within a short span): {s.get('novel_transfers', 0):,}"))
    counts: dict[str, int] = defaultdict(int)
    for f in result.findings:
        counts[f.detector] += 1
    show("detectors (thresholds used):")
    for name, d in result.detectors.items():
        report = {k: v for k, v in d["report"].items() if k != "closest"}
        line = f"  {name} [{d['family']}]: {counts.get(name, 0)} finding(s); {_fmt(report) if report else ''}"
        show(escape(line.rstrip("; ")))
    if not result.findings:
        show(escape(f"{path}: no findings"))
        near = [(n, d["report"]["closest"]) for n, d in result.detectors.items() if d["report"].get("closest")]
        if near:
            show("closest to a finding:")
            for name, closest in near:
                show(escape(f"  {name}: {_fmt(closest)}"))
        return
    show(f"findings: {len(result.findings)}")
    for f in result.findings:
        ev = f.evidence
        show(escape(f"{f.severity.upper()} {f.kind}: {f.title}"))
        show(escape(f"  window {ev.window_start} – {ev.window_end}; key {f.key}"))
        if ev.metrics:
            show(escape("  " + _fmt(ev.metrics)))
        if ev.accounts:
            more = f"; … {len(ev.accounts) - 8} more (--json lists all)" if len(ev.accounts) > 8 else ""
            show(escape("  accounts: " + "; ".join(f"{a.account_no} {a.holder_name or ''} ({a.role})"
                                                   for a in ev.accounts[:8]) + more))
        if ev.edges:
            table = Table(show_header=True, box=None, padding=(0, 1))
            for col in ("from", "to", "amount", "count", "first", "last"):
                table.add_column(col)
            for e in ev.edges[:10]:
                table.add_row(mask(e.src), mask(e.dst), f"{e.amount:,.2f}" if e.amount is not None else "",
                              str(e.count or ""), _when(e.first), _when(e.last))
            console.print(table)
            if len(ev.edges) > 10:
                show(f"  … {len(ev.edges) - 10} more transfers (--json lists all)")


@click.command("scan")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--map", "mapping", help="Column mapping 'column=field,...' for headers the monitor does not know.")
@click.option("--custody", help="The P2P custody account (default: inferred from custody labels, else none).")
@click.option("--institution", help="USCC of the platform (its own accounts are those held under it).")
@click.option("--param", "params", multiple=True, metavar="DETECTOR.NAME=VALUE",
              help="Set a detector parameter (repeatable), e.g. fan_in.min_count=6.")
@click.option("--base-date", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="The day an integer step 0 stands for in AMLSim files (default 2017-01-01, AMLSim's own).")
@click.option("--json", "as_json", is_flag=True, help="Print assumptions, thresholds and findings as JSON.")
@pass_ctx
def scan_command(ctx, file: str, mapping: str | None, custody: str | None, institution: str | None,
                 params: tuple[str, ...], base_date, as_json: bool) -> None:
    """Run the detectors on one transfer file (nothing is stored).

    Exit 0 with or without findings, 1 when the file cannot be read, 2 for a usage error.
    """
    from monitor.ingest import parse_mapping

    overrides = parse_params(params)
    result = run_scan(file, parse_mapping(mapping) if mapping else None, custody=custody,
                      institution=institution, params=overrides, base_date=base_date.date() if base_date else None)
    mask = _masker(result.findings, result.custody)
    if as_json:
        out: dict[str, Any] = {
            "file": str(file), "summary": result.summary, "assumptions": result.assumptions,
            "custody": {"account": result.custody, "reason": result.custody_reason},
            "detectors": result.detectors,
            "findings": [f.to_dict() for f in result.findings]}
        click.echo(json.dumps(mask.data(out), ensure_ascii=False, indent=2, default=str))
    else:
        _print(result, Path(file), mask)
