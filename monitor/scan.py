"""Scanning one transfer file with the detectors, without storing it (``monitor scan FILE``).

For inspectors who receive a bank statement by hand. The file is parsed with
the ingest's parser (same header aliases, ``--map``, encodings, amounts,
times and the same file/line/column errors) into an in-memory DuckDB table.

Two families of detectors run:

* the **generic typologies** (:mod:`graphs.detectors.typologies`: fans,
  layering, temporal cycles and chains) on single transfers — always;
* the **P2P custody detectors** (:data:`FLOW_DETECTORS`) on monthly sums read
  at role level (:mod:`graphs.platform`) — only when a custody account is
  known or inferred (:func:`infer_custody`).

IBM AMLSim's output is read as written, recognised by its header (no option
needed): the converted ``transactions.csv`` (``tran_id, orig_acct, bene_acct,
tx_type, base_amt, tran_timestamp, is_sar, alert_id``; also
``alert_transactions.csv``) and the simulator's raw
``tx_log.csv`` (``step, type, amount, nameOrig, oldbalanceOrig, ...,
nameDest, ..., isSAR, alertID``). An integer step or timestamp is a day offset
from a base date (AMLSim's ``conf.json`` default 2017-01-01, ``base_date=``
to change it); CASH-IN/CASH-OUT rows have no counterparty account (a bank
branch, written ``-``) and are left out; the truth columns (``is_sar``,
``alert_id``) are not read.

The scan states what it assumed: the file's format, the custody account and
why (or none), and per detector the windows and thresholds it used and, when
it found nothing, what came closest. Nothing is written to the store.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from monitor.errors import InputError

def N_(msgid: str) -> str:
    """Marks a msgid of monitor/translations (pybabel's ``N_`` keyword); the printer translates it."""
    return msgid


# Detectors that read flows only (no registry, no disclosures needed); they need a custody account.
FLOW_DETECTORS = ("ponzi", "self_financing", "fund_pool", "capital_flight", "round_tripping", "scatter_gather",
                  "borrower_cap", "borrower_concentration")

# Custody operations (graphs.platform.purpose_code) that mark a P2P custody account's transfers.
CUSTODY_OPERATIONS = frozenset({"invest", "disburse", "repay", "payout"})
CUSTODY_LABELS = "出借/放款/还款/兑付"  # the words of custody files, quoted as they are in every language
CUSTODY_RULE = {"min_labelled_share": 0.5, "min_payers": 5, "min_payees": 5}

_AGGREGATE_SQL = """
    SELECT payer_account, payee_account, CAST(date_trunc('month', txn_time) AS DATE) AS period,
           sum(amount) AS amount, count(*) AS count, min(txn_time) AS first_time, max(txn_time) AS last_time,
           list_sort(list_distinct(list(purpose))) AS purposes,
           any_value(payer_name) AS payer_name, any_value(payee_name) AS payee_name,
           any_value(payer_id) AS payer_id, any_value(payee_id) AS payee_id
    FROM clean GROUP BY ALL ORDER BY period, payer_account, payee_account
"""

_TRANSFERS_SQL = """
    SELECT payer_account, payee_account, amount, epoch(txn_time), txn_id, payer_name, payee_name, payer_id, payee_id
    FROM clean WHERE payer_account IS NOT NULL AND payee_account IS NOT NULL
"""


# IBM AMLSim (github.com/IBM/AMLSim): conf.json "general.base_date", the day its step 0 stands for.
AMLSIM_BASE_DATE = date(2017, 1, 1)
# Header cells (lower case) that identify AMLSim's files: the converted transactions.csv of
# scripts/convert_logs.py (schema.json "transaction"), and the raw tx_log.csv the simulator writes
# (AMLSim.java initTxLogBufWriter). Keys: the format's name (a msgid); values: canonical field -> AMLSim column.
AMLSIM_LAYOUTS = {
    N_("AMLSim converted transactions (convert_logs.py)"): {
        "txn_id": "tran_id", "payer_account": "orig_acct", "payee_account": "bene_acct",
        "amount": "base_amt", "txn_time": "tran_timestamp", "purpose": "tx_type"},
    N_("AMLSim tx_log.csv (simulator log)"): {
        "payer_account": "nameorig", "payee_account": "namedest", "amount": "amount",
        "txn_time": "step", "purpose": "type"},
}
AMLSIM_CASH = ("CASH-IN", "CASH-OUT")
AMLSIM_TRUTH = ("is_sar", "is_fraud", "alert_id", "alert_type", "issar", "alertid")


# A note for people: (msgid with %(name)s placeholders, values). English in ``assumptions`` and the JSON;
# ``monitor scan`` prints it in the reader's language. Ints are grouped, floats in [0, 1] are shares.
Note = tuple[str, dict[str, Any]]


def english(note: Note) -> str:
    """A note as the English line of ``assumptions`` and ``custody_reason``."""
    msgid, values = note
    return msgid % {k: (f"{v:,}" if isinstance(v, int) and not isinstance(v, bool)
                        else f"{v:.0%}" if isinstance(v, float) else v) for k, v in values.items()}


class FileFailed(InputError):
    """The statement could not be read (exit 1: a file failed)."""

    exit_code = 1


@dataclass
class Statement:
    """One parsed file: monthly edges (pyarrow, for the custody detectors) and single transfers."""

    path: Path
    table: Any
    ledger: Any  # graphs.detectors.typologies.Ledger
    assumptions: list[str] = field(default_factory=list)  # how the file was read, for the reader
    notes: list[Note] = field(default_factory=list)  # the same, to be translated


@dataclass
class ScanResult:
    """What one scan assumed and found (the command prints it; the benchmark reads it)."""

    custody: str | None
    custody_reason: str
    findings: list = field(default_factory=list)
    detectors: dict[str, dict] = field(default_factory=dict)  # name -> {"family", "params", "report"}
    summary: dict[str, Any] = field(default_factory=dict)
    assumptions: list[str] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)  # ``assumptions`` to be translated
    custody_note: Note | None = None  # ``custody_reason`` to be translated


def read_aggregated(path: str | Path, mapping: dict[str, str] | None = None):
    """Parse one transfer file (ingest's parser and checks) and return its monthly edges (pyarrow).

    Raises :class:`InputError` naming file, line and column for a bad row.
    """
    return read_statement(path, mapping).table


def amlsim_layout(path: Path) -> tuple[str, dict[str, str]] | None:
    """``(format name, canonical field -> column)`` when ``path``'s header is one of AMLSim's, else ``None``."""
    try:
        with path.open("r", encoding="utf-8-sig", errors="replace") as fh:
            header = fh.readline()
    except OSError:
        return None
    cells = {c.strip().strip('"').lower() for c in header.split(",")}
    for name, columns in AMLSIM_LAYOUTS.items():
        if set(columns.values()) <= cells:
            return name, columns
    return None


def _amlsim_canonical(con, path: Path, layout: tuple[str, dict[str, str]], base_date: date | None,
                      out: Path) -> list[Note]:
    """Write ``path`` (an AMLSim file) to ``out`` with canonical headers; returns what was assumed.

    Integer times are day offsets from ``base_date``; ISO timestamps lose their ``Z`` (UTC, as
    written by convert_logs.py); CASH-IN/CASH-OUT rows and rows without both accounts are left out.
    """
    from monitor.ingest.reading import sql_str

    name, columns = layout
    src = f"read_csv('{sql_str(path)}', header=true, all_varchar=true, sample_size=-1)"
    cols = {d[0].lower(): d[0] for d in con.execute(f"SELECT * FROM {src} LIMIT 0").description}

    def col(field: str) -> str:
        return '"' + cols[columns[field]].replace('"', '""') + '"'

    t, kind = col("txn_time"), col("purpose")
    stats = con.execute(f"""SELECT count(*),
            count(*) FILTER (WHERE upper(trim({kind})) IN {AMLSIM_CASH}),
            count(*) FILTER (WHERE upper(trim({kind})) NOT IN {AMLSIM_CASH}
                             AND (coalesce(trim({col('payer_account')}), '') IN ('', 'null', '-')
                                  OR coalesce(trim({col('payee_account')}), '') IN ('', 'null', '-'))),
            bool_and(regexp_full_match(trim({t}), '-?[0-9]+')) FROM {src}""").fetchall()[0]
    total, cash, no_account, steps = stats[0], stats[1], stats[2], bool(stats[3]) and stats[0] > 0
    base = base_date or AMLSIM_BASE_DATE
    time_sql = (f"strftime(DATE '{base.isoformat()}' + CAST(trim({t}) AS INTEGER), '%Y-%m-%d %H:%M:%S')"
                if steps else f"replace(replace(trim({t}), 'T', ' '), 'Z', '')")
    # The raw log has no transfer id: its line number (header = line 1), counted before rows are left out.
    txn_id = col("txn_id") if "txn_id" in columns else "'L' || CAST(_line AS VARCHAR)"
    con.execute(f"""COPY (SELECT {txn_id} AS txn_id, {time_sql} AS txn_time,
                trim({col('payer_account')}) AS payer_account, trim({col('payee_account')}) AS payee_account,
                trim({col('amount')}) AS amount, trim({kind}) AS purpose
            FROM (SELECT *, row_number() OVER () + 1 AS _line FROM {src})
            WHERE upper(trim({kind})) NOT IN {AMLSIM_CASH}
              AND coalesce(trim({col('payer_account')}), '') NOT IN ('', 'null', '-')
              AND coalesce(trim({col('payee_account')}), '') NOT IN ('', 'null', '-'))
            TO '{sql_str(out)}' (HEADER, DELIMITER ',')""")
    truth = sorted(c for c in cols.values() if c.lower() in AMLSIM_TRUTH)
    column = cols[columns["txn_time"]]
    said: list[Note] = [(N_("format: %(format)s, recognised by its header"), {"format": name})]
    if steps:
        said.append((N_("time: column %(column)s is a day number, read as days after %(base)s (%(origin)s; "
                        "--base-date to change), every transfer at 00:00"),
                     {"column": column, "base": base.isoformat(),
                      "origin": N_("given with --base-date") if base_date else N_("AMLSim default base_date")}))
    else:
        said.append((N_("time: column %(column)s read as UTC"), {"column": column}))
    said.append((N_("left out: %(cash)s of %(total)s rows of type CASH-IN/CASH-OUT (no counterparty account)"),
                 {"cash": cash, "total": total}))
    if no_account:
        said.append((N_("left out: %(n)s rows without payer or payee account"), {"n": no_account}))
    if truth:
        said.append((N_("not read: %(columns)s (the simulator's labels)"), {"columns": ", ".join(truth)}))
    return said


def read_statement(path: str | Path, mapping: dict[str, str] | None = None, *,
                   base_date: date | None = None) -> Statement:
    """Parse one transfer file into monthly edges and a transfer :class:`~graphs.detectors.typologies.Ledger`.

    AMLSim's files are recognised by their header and converted first (module docstring);
    ``base_date`` is the day an integer step 0 stands for. Raises :class:`InputError` for a missing
    file (usage, exit 2) and :class:`FileFailed` naming file, line and column for a bad row (exit 1).
    """
    import tempfile

    import duckdb

    from graphs.detectors.typologies import Ledger, Transfer
    from monitor import ingest
    from monitor.transfers import _arrow

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    layout = None if mapping else amlsim_layout(path)
    notes: list[Note] = []
    with duckdb.connect() as con, tempfile.TemporaryDirectory(prefix="monitor-scan-") as tmp:
        source = path
        if layout is not None:
            source = Path(tmp) / path.name
            try:
                notes = _amlsim_canonical(con, path, layout, base_date, source)
            except duckdb.Error as exc:
                raise FileFailed(f"{path}: not readable as {layout[0]}: {exc}") from exc
        try:
            # The ingest's parser and checks: a bad row raises InputError naming file, line and column.
            ingest.load_validated(con, source, mapping)
        except InputError as exc:
            message = str(exc)
            if source != path:  # name the user's file (lines counted without the rows left out)
                message = message.replace(str(source), f"{path} (as converted from AMLSim)")
            raise FileFailed(message) from exc
        table = _arrow(con.sql(_AGGREGATE_SQL))
        rows = con.sql(_TRANSFERS_SQL).fetchall()
    names: dict[str, str] = {}
    ids: dict[str, str] = {}
    transfers = []
    for src, dst, amount, ts, txn_id, src_name, dst_name, src_id, dst_id in rows:
        transfers.append(Transfer(src, dst, float(amount), float(ts), txn_id))
        for account, name, ident in ((src, src_name, src_id), (dst, dst_name, dst_id)):
            if name:
                names.setdefault(account, name)
            if ident:
                ids.setdefault(account, ident)
    # Holder IDs let the masking keep organisations' accounts (held under a USCC) in full.
    return Statement(path, table, Ledger(transfers, names, ids=ids), [english(n) for n in notes], notes)


def infer_custody(edges, accounts: dict[str, dict], *, custody: str | None = None,
                  institution: str | None = None) -> tuple[str | None, str]:
    """The P2P custody account of a statement and why (in English), or ``(None, reason)``: :func:`custody_role`."""
    account, note = custody_role(edges, accounts, custody=custody, institution=institution)
    return account, english(note)


def custody_role(edges, accounts: dict[str, dict], *, custody: str | None = None,
                 institution: str | None = None) -> tuple[str | None, Note]:
    """The P2P custody account of a statement and why, or ``(None, why)``.

    The rule, in order:

    1. ``custody`` given on the command line;
    2. ``institution`` given: the account held under that USCC with the most counterparties;
    3. otherwise an account whose transfers mostly (``min_labelled_share`` of its monthly pairs)
       carry custody operation labels (出借/放款/还款/兑付 and their aliases) and that both receives
       from ``min_payers`` and pays ``min_payees`` distinct accounts; the one with the most
       counterparties wins;
    4. otherwise none: only the generic typologies run. Being the busiest account is not enough.
    """
    from graphs.platform import purpose_code

    if custody is not None:
        if not any(custody in (e.src, e.dst) for e in edges):
            raise InputError(f"custody account {custody!r} does not appear in the file")
        return custody, (N_("given with --custody"), {})
    payers: dict[str, set] = defaultdict(set)
    payees: dict[str, set] = defaultdict(set)
    labelled: dict[str, int] = defaultdict(int)
    pairs: dict[str, int] = defaultdict(int)
    for e in edges:
        payees[e.src].add(e.dst)
        payers[e.dst].add(e.src)
        ops = {purpose_code(p) for p in e.purposes or ()}
        for account in (e.src, e.dst):
            pairs[account] += 1
            if ops & CUSTODY_OPERATIONS:
                labelled[account] += 1
    if institution is not None:
        own = [a for a, info in accounts.items() if (info.get("holder_id") or "").upper() == institution.upper()]
        if not own:
            raise InputError(f"no account in the file is held under institution {institution!r}")
        best = max(own, key=lambda a: (len(payers[a] | payees[a]), a))
        return best, (N_("held under %(institution)s, the most counterparties of its %(own)s account(s) "
                         "(%(counterparties)s)"),
                      {"institution": institution, "own": len(own), "counterparties": len(payers[best] | payees[best])})
    rule = CUSTODY_RULE
    candidates = [a for a in pairs if labelled[a] >= rule["min_labelled_share"] * pairs[a]
                  and len(payers[a]) >= rule["min_payers"] and len(payees[a]) >= rule["min_payees"]]
    if not candidates:
        return None, (N_("no custody account: generic typologies only (no account has ≥ %(share)s of its "
                         "transfers labelled %(labels)s with ≥ %(payers)s payers and ≥ %(payees)s payees)"),
                      {"share": float(rule["min_labelled_share"]), "labels": CUSTODY_LABELS,
                       "payers": rule["min_payers"], "payees": rule["min_payees"]})
    best = max(candidates, key=lambda a: (len(payers[a] | payees[a]), a))
    return best, (N_("custody operation labels on %(share)s of its monthly pairs, %(payers)s payers, "
                     "%(payees)s payees"),
                  {"share": labelled[best] / pairs[best], "payers": len(payers[best]), "payees": len(payees[best])})


def known_params() -> dict[str, dict[str, Any]]:
    """Every detector scan can run, with its parameters and defaults."""
    from graphs.detectors import module
    from graphs.detectors.typologies.registry import TYPOLOGIES, defaults

    known = {name: defaults(name) for name in TYPOLOGIES}
    for name in FLOW_DETECTORS:
        known[name] = dict(module(name).DEFAULTS)
    return known


def scan_statement(statement: Statement, *, custody: str | None = None, institution: str | None = None,
                   params: dict[str, dict[str, Any]] | None = None) -> ScanResult:
    """Infer roles, run the detectors and report what was assumed (pure apart from the detectors)."""
    from graphs.flows import accounts_from_edges, flow_edges
    from graphs.detectors.typologies.registry import TYPOLOGIES, defaults, run_typologies

    params = params or {}
    edges = list(flow_edges(statement.table))
    accounts = accounts_from_edges(statement.table) if edges else {}
    custody, why = custody_role(edges, accounts, custody=custody, institution=institution)
    result = ScanResult(custody, english(why), summary=statement.ledger.summary(),
                        assumptions=list(statement.assumptions), notes=list(statement.notes), custody_note=why)
    reports: dict[str, dict] = {}
    result.findings.extend(run_typologies(statement.ledger, params, reports=reports))
    for name in TYPOLOGIES:
        result.detectors[name] = {"family": "typology", "params": {**defaults(name), **params.get(name, {})},
                                  "report": reports.get(name, {})}
    known = known_params()
    for name in FLOW_DETECTORS:
        entry = {"family": "custody", "params": {**known[name], **params.get(name, {})}}
        window = entry["params"].get("window")
        entry["report"] = ({"skipped": "no custody account"} if custody is None
                           else {"custody": custody,
                                 "months": f"the last {window} of the file" if window else "every month of the file"})
        result.detectors[name] = entry
    if custody is not None and edges:
        result.findings.extend(scan_edges(statement.table, custody=custody, institution=institution, params=params))
    return result


def scan_edges(table, *, custody: str | None = None, institution: str | None = None,
               params: dict | None = None, detectors=FLOW_DETECTORS) -> list:
    """Run the custody flow detectors on aggregated edges of one file (pure apart from the detectors)."""
    from graphs.detectors import Inputs
    from graphs.flows import accounts_from_edges, flow_edges
    from graphs.platform import build_platform_flows
    from graphs.run import detect_partition

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


def run_scan(path: str | Path, mapping: dict[str, str] | None = None, *, custody: str | None = None,
             institution: str | None = None, params: dict[str, dict[str, Any]] | None = None,
             base_date: date | None = None) -> ScanResult:
    """What ``monitor scan`` does, without printing: read ``path`` and scan it."""
    return scan_statement(read_statement(path, mapping, base_date=base_date), custody=custody,
                          institution=institution, params=params)
