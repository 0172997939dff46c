"""``monitor scan FILE``: run the detectors on one transfer file and print what they found."""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import click

from monitor.commands.context import pass_ctx
from monitor.scan import N_, ScanResult, known_params, run_scan


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


# Names of the generic typologies and of their evidence, roles and report keys (msgids of
# monitor/translations); the custody detectors, their evidence and roles are named by monitor.vocab.
TYPOLOGY_NAMES = {
    "fan_in": N_("fan-in"), "fan_out": N_("fan-out"), "scatter_gather_relay": N_("scatter–gather relay"),
    "gather_scatter": N_("gather–scatter"), "stacked_layering": N_("stacked layering"),
    "bipartite_layering": N_("bipartite layering"), "temporal_cycle": N_("temporal cycle"),
    "layering_chain": N_("layering chain"),
}
FAMILY_NAMES = {"typology": N_("generic typology"), "custody": N_("custody detector")}
ROLE_NAMES = {"source": N_("source"), "sink": N_("sink"), "intermediary": N_("intermediary"),
              "member": N_("member")}
KEY_NAMES = {
    "counterparties": N_("counterparties"), "total": N_("total"),
    "expected_new_counterparties": N_("expected new counterparties"), "window_days": N_("window (days)"),
    "amount_floor": N_("amount floor"), "short_cycle_amount_floor": N_("amount floor of short cycles"),
    "intermediaries": N_("intermediaries"), "scattered": N_("scattered"), "gathered": N_("gathered"),
    "kept": N_("kept"), "length": N_("length"), "first_amount": N_("first amount"),
    "last_amount": N_("last amount"), "days": N_("days"), "hops": N_("hops"), "accounts": N_("accounts"),
    "moved": N_("moved"), "paid_out": N_("paid out"), "sinks": N_("sinks"), "sources": N_("sources"),
    "transfers": N_("transfers"), "account": N_("account"), "expected": N_("expected"),
    "peak_elsewhere": N_("peak elsewhere"), "source": N_("source"), "sink": N_("sink"),
    "open_path": N_("open path"), "longest_chain_hops": N_("longest chain (hops)"),
    "lone_pass_through_accounts": N_("lone pass-through accounts"),
    "accounts_skipped_as_too_busy": N_("accounts skipped as too busy"),
    "payees_skipped_as_too_busy": N_("payees skipped as too busy"),
    "search_bound_hit": N_("search bound reached"),
}
# Fractions shown as percentages.
SHARE_KEYS = {"kept", "keep_min", "tolerance", "min_amount_quantile", "min_labelled_share"}
# Note values that are msgids themselves.
TRANSLATED_VALUES = {"format", "origin"}


class Words:
    """The plain output's words in one language: chrome, codes and numbers."""

    def __init__(self, locale: str):
        from monitor import formatting, labels, vocab

        self.fmt, self.labels, self.vocab = formatting, labels, vocab
        self.locale = "zh_CN" if formatting.is_zh(locale) else "en"
        self.zh = formatting.is_zh(locale)
        self.catalogue = labels.translations(self.locale)
        self.sep = "；" if self.zh else "; "
        self.comma = "，" if self.zh else ", "

    def __call__(self, msgid: str, **values) -> str:
        text = self.catalogue.ugettext(msgid)
        return text % values if values else text

    def note(self, note) -> str:
        msgid, values = note
        return self(msgid, **{k: self(v) if k in TRANSLATED_VALUES else self.value(k, v) for k, v in values.items()})

    def detector(self, name: str) -> str:
        if name in TYPOLOGY_NAMES:
            return self(TYPOLOGY_NAMES[name])
        return self.fmt.pattern_name(name, self.locale)

    def role(self, role: str | None) -> str:
        if role in ROLE_NAMES:
            return self(ROLE_NAMES[role])
        return self.vocab.evidence_code(str(role or ""), self.zh) if role else self.labels.DASH

    def key(self, key: str, custody: bool = False) -> str:
        """An evidence or report key by its label (the custody detectors' by :mod:`monitor.vocab` first)."""
        if custody and key in self.vocab.EVIDENCE_METRICS:
            return self.fmt.evidence_key(key, self.locale)
        if key in KEY_NAMES:
            return self(KEY_NAMES[key])
        if key in self.vocab.EVIDENCE_METRICS:
            return self.fmt.evidence_key(key, self.locale)
        return key

    def value(self, key: str, value: Any, amounts_in_yuan: bool = False) -> str:
        fmt = self.fmt
        if isinstance(value, bool) or (amounts_in_yuan and key in self.vocab.EVIDENCE_METRICS):
            return fmt.evidence_value(key, value, self.locale)  # the custody detectors' figures, as the portal
        if isinstance(value, int):
            return fmt.number(value, self.locale)
        if isinstance(value, float):
            if key in SHARE_KEYS or key == "share":
                return fmt.share(value, self.locale, 0 if key == "share" else 1).replace(".0%", "%")
            return fmt.number(value, self.locale, 2 if value != int(value) else 0)
        if isinstance(value, dict):
            return self.pairs(value, amounts_in_yuan)
        if isinstance(value, (list, tuple)):
            if value and all(isinstance(v, (int, float)) for v in value):
                return "–".join(self.value(key, v) for v in value)
            return " → ".join(map(str, value))
        return str(value)

    def pairs(self, values: dict, amounts_in_yuan: bool = False, params=()) -> str:
        """``values`` named and formatted; keys in ``params`` as ``--param`` takes them (``name=value``)."""
        return self.comma.join(
            f"{k}={_param(v)}" if k in params else f"{self.key(k, amounts_in_yuan)} {self.value(k, v, amounts_in_yuan)}"
            for k, v in values.items() if v is not None)

    def day(self, iso: str | None) -> str:
        return self.fmt.day(iso, self.locale) if iso else self.labels.DASH


def _param(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "–".join(map(_param, value))
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    return str(value).lower() if isinstance(value, bool) else str(value)


def _when(iso: str | None) -> str:
    return (iso or "")[:19].replace("T", " ")


def _print(result: ScanResult, path: Path, mask, locale: str) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    _ = Words(locale)
    # Wide when piped: evidence rows are not cut to a terminal's width.
    console = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 200)

    def show(text: str) -> None:
        console.print(mask(escape(text)))

    s = result.summary
    show(_("file: %(path)s (%(transfers)s transfers, %(pairs)s account pairs, %(first)s – %(last)s)",
           path=path, transfers=_.value("", s.get("transfers", 0)), pairs=_.value("", s.get("pairs", 0)),
           first=_.day(s.get("first")), last=_.day(s.get("last"))))
    for note in result.notes:
        show(_("assumed %(what)s", what=_.note(note)))
    why = _.note(result.custody_note) if result.custody_note else result.custody_reason
    if result.custody:
        show(_("custody account: %(account)s (%(why)s)", account=result.custody, why=why))
    else:
        show(why)
    show(_("amounts: median %(p50)s, 90th percentile %(p90)s; novel transfers (pairs seen only within a short "
           "span): %(novel)s", p50=_.value("", float(s.get("amount_p50", 0.0))),
           p90=_.value("", float(s.get("amount_p90", 0.0))), novel=_.value("", s.get("novel_transfers", 0))))
    counts: dict[str, int] = defaultdict(int)
    for f in result.findings:
        counts[f.detector] += 1
    show(_("detectors (thresholds used; parameters by the names --param takes):"))
    for name, d in result.detectors.items():
        report = {k: v for k, v in d["report"].items() if k != "closest"}
        head = _("%(detector)s (%(code)s, %(family)s): %(n)s finding(s)", detector=_.detector(name), code=name,
                 family=_(FAMILY_NAMES.get(d["family"], d["family"])), n=_.value("", counts.get(name, 0)))
        if d["family"] == "custody":
            if "skipped" in report:
                details = _("skipped: no custody account")
            else:
                window = d["params"].get("window")
                months = (_("the last %(n)s months of the file", n=_.value("", window)) if window
                          else _("every month of the file"))
                details = _.sep.join((months, _.pairs(d["params"], params=d["params"])))
        else:
            details = _.pairs(report, params=d["params"])
        show(f"  {head}{_.sep}{details}" if details else f"  {head}")
        closest = d["report"].get("closest")
        if closest and not counts.get(name):
            show("    " + _("closest to a finding: %(what)s", what=_.pairs(closest)))
    if not result.findings:
        show(_("%(path)s: no findings", path=path))
        return
    show(_("findings: %(n)s", n=_.value("", len(result.findings))))
    for f in result.findings:
        ev = f.evidence
        custody = f.detector not in TYPOLOGY_NAMES
        severity = _.labels.name("severity", f.severity, _.catalogue)
        # The detectors word their titles in Chinese; other languages read the finding from its evidence.
        name = _.detector(f.kind)
        if _.zh:
            # A title that does not start with its pattern's name ("资金归集：…") is prefixed with it.
            show(f"【{severity}】{f.title}" if f.title.startswith(name) else f"【{severity}】{name} — {f.title}")
        else:
            show(f"{severity.upper()} {name}: {_.pairs(dict(list((ev.metrics or {}).items())[:3]), custody)}")
        show("  " + _("window %(start)s – %(end)s; key %(key)s", start=_.day(ev.window_start),
                      end=_.day(ev.window_end), key=f.key))
        if ev.metrics:
            show("  " + _.pairs(ev.metrics, custody))
        if ev.accounts:
            listed = _.sep.join(_("%(account)s (%(role)s)", account=f"{a.account_no} {a.holder_name or ''}".strip(),
                                    role=_.role(a.role))
                                for a in ev.accounts[:8])
            more = (_.sep + _("… %(n)s more (--json lists all)", n=_.value("", len(ev.accounts) - 8))
                    if len(ev.accounts) > 8 else "")
            show("  " + _("accounts: %(list)s", list=listed) + more)
        if ev.edges:
            table = Table(show_header=True, box=None, padding=(0, 1))
            for col in (_("payer"), _("payee"), _("amount"), _("transfers"), _("first"), _("last")):
                table.add_column(col)
            for e in ev.edges[:10]:
                table.add_row(mask(e.src), mask(e.dst),
                              _.fmt.number(e.amount, _.locale, 2) if e.amount is not None else "",
                              _.value("", e.count) if e.count else "", _when(e.first), _when(e.last))
            console.print(table)
            if len(ev.edges) > 10:
                show("  " + _("… %(n)s more transfers (--json lists all)", n=_.value("", len(ev.edges) - 10)))


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
@click.option("--lang", type=click.Choice(["zh", "en"]),
              help="Language of the plain output (default: the locale setting, zh_CN).")
@pass_ctx
def scan_command(ctx, file: str, mapping: str | None, custody: str | None, institution: str | None,
                 params: tuple[str, ...], base_date, as_json: bool, lang: str | None) -> None:
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
        _print(result, Path(file), mask, lang or ctx.config.locale)
