"""Ingest of custody-bank transfer files into the columnar transfer store.

``monitor ingest PATH...`` and :func:`ingest_paths` read CSV (and XLSX) files,
recognise the header spellings of :data:`monitor.vocab.TRANSFER_FIELDS`,
clean amounts and times vectorised (never row by row: polars for well-formed
CSV, :mod:`monitor.ingest_fast`; DuckDB SQL over Arrow for XLSX and for
naming what is wrong with a bad file), and write one Parquet file per month
partition (see :mod:`monitor.transfers`). A file is all-or-nothing: its ``IngestFile`` row
with status ``ok`` is the commit record, written after the Parquet files are
in place, synced to disk and checked; any failure leaves the dataset and the
accounts unchanged and records the file as ``failed`` with an error naming
file, line and column.

Concurrent ingests: the de-duplication, the writing and the commit of an
institution's files run under a lock file per institution
(``<transfer_store>/.locks/<USCC>.lock``, ``fcntl.flock``; the store is a
local folder, so this serialises processes on SQLite and PostgreSQL alike).
Every file an ingest creates carries its run id, so it only ever deletes its
own files; the run's owner file (``.tmp/<run>.owner``: pid, host, process
start) lets :func:`collect_garbage` tell a live ingest from a dead one.
"""

from __future__ import annotations

import codecs
import csv
import fcntl
import hashlib
import io
import json
import os
import re
import shutil
import socket
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterable, NamedTuple, Sequence

from sqlmodel import Session

from monitor.config import Config
from monitor.db import get_engine
from monitor.errors import InputError, MonitorError
from monitor.ingest_fast import Facts, count_newlines, line_numbers, read_clean
from monitor.text import COMPANY_ID, PERSON_ID, normalize_label
from monitor.transfers import CST, TransferStore, _arrow, is_committed, name_parts  # noqa: F401  (CST: time basis)
from monitor.vocab import TRANSFER_FIELDS

FIELDS = {f.name: f for f in TRANSFER_FIELDS}
REQUIRED = tuple(f.name for f in TRANSFER_FIELDS if f.required)
OPTIONAL = tuple(f.name for f in TRANSFER_FIELDS if not f.required)
_ALIASES: dict[str, str] = {normalize_label(a): f.name for f in TRANSFER_FIELDS for a in (f.name, *f.aliases)}
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M",
                "%Y%m%d%H%M%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y%m%d %H:%M:%S",
                "%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日")
SUFFIXES = (".csv", ".txt", ".xlsx", ".tsv", ".xls")
TRIMMED = frozenset({"txn_id", "txn_time", "payer_account", "payee_account", "purpose"})
PROGRESS_MIN_BYTES = 20_000_000  # below this a progress bar only flickers
# pyarrow's writer: half the CPU of DuckDB's COPY and ~10% smaller files. zstd level 1, dictionaries
# only for the few-valued columns (ids and accounts would overflow them), row groups as DuckDB sizes
# them (readers parallelise over row groups), data pages v1 (what every Parquet reader knows),
# min/max statistics only where readers filter (times; min/max of account strings prune nothing).
PARQUET_OPTIONS = dict(compression="zstd", compression_level=1, row_group_size=122_880,
                       use_dictionary=["payer_name", "payee_name", "purpose", "currency", "source_sha256"],
                       write_statistics=["txn_time", "available_at", "amount", "source_line"],
                       data_page_version="1.0")
ACCOUNTS_IN_THREAD = 20_000  # from this many new rows the accounts are registered beside the Parquet writing
HASH_FIRST_BYTES = 4 << 20  # below this a file is hashed before it is parsed (duplicates cost no parse)
HEAD_BYTES = 1 << 16  # read for the encoding, the header and a sample of times
JOURNAL_SUFFIX = ".moving"  # under the store's .tmp: the files an ingest moved in and has not committed
OWNER_SUFFIX = ".owner"  # under the store's .tmp: the process of a run (its files are named after the run)
LOCK_DIR = ".locks"  # under the store: one lock file per institution
QUOTE_MAX = 300  # characters of a value quoted in an error message
_RUN_PREFIX = re.compile(r"^([0-9a-f]{32})[-.]")


class BusyError(MonitorError):
    """Another process holds the institution's ingest lock for longer than ``ingest_lock_wait``."""

    exit_code = 3


def quote(value, limit: int = QUOTE_MAX) -> str:
    """``repr`` of a value for an error message, cut to ``limit`` characters (a 50 MB field stays readable).

    >>> quote("x" * 1000, 5)
    "'xxxxx'... (1,000 characters)"
    """
    text = "" if value is None else str(value)
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}... ({len(text):,} characters)"


def _short(text: str, limit: int = QUOTE_MAX) -> str:
    """One line of an engine's message, cut to ``limit`` characters."""
    text = text.strip().splitlines()[0] if text.strip() else ""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


# --------------------------------------------------------------------------- ownership
def _process_identity(pid: int) -> str | None:
    """What tells process ``pid`` from a later one with the same pid (boot id and start time), or
    ``None`` when no such process runs (a zombie counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    except OSError:  # no /proc: the pid alone
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return "pid"
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] in ("Z", "X"):
        return None
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        boot = ""
    return f"{boot}:{fields[19]}"  # field 22 of stat: start time in clock ticks after boot


def _owner_record() -> dict:
    return {"pid": os.getpid(), "host": socket.gethostname(), "identity": _process_identity(os.getpid())}


def _owner_alive(owner: dict | None) -> bool | None:
    """Whether the process of an owner record runs; ``None`` when it cannot be told (another host)."""
    if not isinstance(owner, dict) or owner.get("host") != socket.gethostname():
        return None
    try:
        pid = int(owner["pid"])
    except (KeyError, TypeError, ValueError):
        return None
    identity = _process_identity(pid)
    return identity is not None and identity == owner.get("identity")


def _fsync(path: Path) -> None:
    """Flush a file or a folder to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def institution_lock(root: Path, uscc: str, wait: float, path: Path | str = ""):
    """Hold the institution's ingest lock (``<root>/.locks/<USCC>.lock``, ``fcntl.flock``).

    Waits up to ``wait`` seconds for another process's ingest of the same
    institution, then raises :class:`BusyError`. The kernel releases the lock
    when its holder dies, so a killed ingest never leaves it held.
    """
    folder = root / LOCK_DIR
    folder.mkdir(parents=True, exist_ok=True)
    lock_path = folder / f"{uscc}.lock"
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        delay = 0.005
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise BusyError(f"{path}: busy: another process is ingesting institution {uscc} "
                                    f"(lock {lock_path} held for more than {wait:g} s, "
                                    f"setting ingest_lock_wait); try again later") from None
                time.sleep(min(delay, left))
                delay = min(delay * 2, 0.1)
        yield lock_path
    finally:
        os.close(fd)  # releases the lock


@dataclass
class IngestResult:
    """What happened to one file."""

    path: str
    status: str  # ok / duplicate / failed
    rows: int = 0
    rows_new: int = 0
    error: str | None = None
    institution: str | None = None  # USCC
    period_start: date | None = None
    period_end: date | None = None
    seconds: float = 0.0
    sha256: str | None = None
    store_path: str | None = None
    accounts_new: int = 0
    started_at: datetime | None = None  # when reading began (UTC); recorded as ``ingested_at``
    warnings: list[str] = field(default_factory=list)  # e.g. no newline at the end: the last row may be cut
    busy: bool = False  # failed because another process held the institution's lock

    def to_dict(self) -> dict:
        d = dict(self.__dict__)
        for key in ("period_start", "period_end", "started_at"):
            d[key] = d[key].isoformat() if d[key] else None
        return d


@dataclass
class Layout:
    """How a file's columns map to canonical fields."""

    columns: dict[str, int]  # field -> column index in the file
    headers: list[str]  # header cells as written
    amount_scale: float = 1.0  # 10000 when the amount header says 万元
    extra: list[str] = field(default_factory=list)  # columns not used
    statement: object | None = None  # a monitor.statements.Statement when the file was read as a bank statement
    warnings: list[str] = field(default_factory=list)

    def header_of(self, name: str) -> str:
        return self.headers[self.columns[name]]


# --------------------------------------------------------------------------- pure helpers
def parse_mapping(text: str | None) -> dict[str, str]:
    """Parse ``--map 'col=field,...'`` into ``{header: field}``.

    >>> parse_mapping("Ref=txn_id, Betrag = amount")
    {'Ref': 'txn_id', 'Betrag': 'amount'}
    """
    if not text:
        return {}
    mapping = {}
    for part in text.split(","):
        if not part.strip():
            continue
        col, sep, name = part.partition("=")
        col, name = col.strip(), name.strip()
        if not sep or not col or not name:
            raise InputError(f"--map: expected 'column=field', got {part.strip()!r}")
        if name not in FIELDS:
            raise InputError(f"--map: unknown field {name!r} (known: {', '.join(FIELDS)})")
        mapping[col] = name
    return mapping


def match_header(headers: Sequence[str], mapping: dict[str, str] | None = None,
                 where: str = "") -> Layout:
    """Map header cells to canonical fields (``--map`` first, then the known aliases).

    Raises :class:`InputError` naming the columns found when a required field
    is missing or two columns claim the same field.
    """
    mapping = {normalize_label(k): v for k, v in (mapping or {}).items()}
    columns: dict[str, int] = {}
    extra: list[str] = []
    scale = 1.0
    for i, raw in enumerate(headers):
        key = normalize_label(raw)
        name = mapping.get(key) or _ALIASES.get(key)
        if name is None and key.endswith(("万元", "元")):
            name = _ALIASES.get(key.removesuffix("万元").removesuffix("元"))
        if name is None:
            extra.append(raw)
            continue
        if name in columns:
            raise InputError(f"{where}columns {quote(headers[columns[name]])} and {quote(raw)} both give {name}; "
                             f"use --map to choose")
        columns[name] = i
        if name == "amount" and "万元" in key:
            scale = 10_000.0
    missing = [n for n in REQUIRED if n not in columns]
    if missing:
        found = ", ".join(quote(h) for h in headers) or "none"
        raise InputError(f"{where}missing required column(s) {', '.join(missing)}; columns found: {found} "
                         f"(use --map 'column=field')")
    return Layout(columns=columns, headers=list(headers), amount_scale=scale, extra=extra)


def detect_encoding(head: bytes) -> tuple[str, bool]:
    """``(encoding, confident)`` from the first bytes of a file.

    A BOM decides; else valid UTF-8 with non-ASCII bytes is UTF-8; else
    GB18030 if that reads. Pure ASCII is UTF-8 but not confident (GB18030 is
    ASCII too; the rest of the file decides).
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8", True
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError as utf8_error:
        try:
            codecs.getincrementaldecoder("gb18030")().decode(head, final=False)
        except UnicodeDecodeError as gb_error:
            # Neither fits: a damaged file; report it in the encoding that read further.
            return ("utf-8" if utf8_error.start >= gb_error.start else "gb18030"), True
        return "gb18030", True
    return "utf-8", not head.isascii()


class Scan(NamedTuple):
    """What one pass over a file's bytes tells."""

    sha256: str
    quoted: bool  # a ``"`` byte somewhere: a quoted field may hold a newline, and rows and lines differ
    newlines: int | None  # ``\n`` bytes, counted when the first chunk holds a quote (else see newline_count)


def scan_file(path: Path, chunk: int = 8 << 20, count: bool = True) -> Scan:
    """Hash a file's bytes in one pass, and look for a quote (hashlib releases the GIL).

    The newlines, which tell whether row index and line number agree, are
    counted in the same pass only when ``count`` and the first chunk holds a
    quote: a file without a quote has one row per line (a blank line is a row
    of nulls the checks refuse), and counting would cost 60% of the hashing.
    A large file is scanned with ``count=False``: :func:`newline_count` then
    counts on polars' threads, at a third of the CPU, only if it must.
    """
    digest = hashlib.sha256()
    newlines, quoted, counting = 0, False, None
    with path.open("rb") as fh:
        # One buffer read into (no new bytes object per chunk), no bigger than the file (zeroing
        # 8 MB would cost a small file more than hashing it).
        buffer = bytearray(min(chunk, os.fstat(fh.fileno()).st_size + 1))
        view = memoryview(buffer)
        while size := fh.readinto(buffer):
            digest.update(view[:size])
            if not quoted:
                quoted = buffer.find(b'"', 0, size) >= 0
            if counting is None:  # the first chunk decides
                counting = quoted and count
            if counting:
                newlines += buffer.count(b"\n", 0, size)
    return Scan(digest.hexdigest(), quoted, newlines if counting else None)


def newline_count(path: Path, scan: Scan) -> int:
    """The file's ``\\n`` bytes: from its scan, or counted now (a second pass)."""
    return scan.newlines if scan.newlines is not None else count_newlines(path)


def expand_paths(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """Files named, and files under folders named (recursively), in a stable order."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
                              and not p.name.startswith((".", "~$"))))
        elif path.is_file():
            out.append(path)
        else:
            raise InputError(f"{path}: no such file or folder")
    return out


def institution_from_path(path: Path) -> str | None:
    """USCC from a ``transfers/<uscc>/...`` folder name, if the folder is a valid USCC."""
    from monitor.models import validate_uscc

    for parent in path.resolve().parents:
        name = parent.name
        if len(name) == 18:
            try:
                return validate_uscc(name)
            except InputError:
                continue
    return None


# --------------------------------------------------------------------------- reading
def _read_header_line(path: Path, head: bytes, encoding: str) -> tuple[list[str], int]:
    """Header cells (from the first line) and the number of lines they span (1)."""
    end = head.find(b"\n")
    first = head if end < 0 else head[:end]
    if not first.strip():
        raise InputError(f"{path}: line 1: empty header (expected column names)")
    try:
        text = first.decode("utf-8-sig" if encoding == "utf-8" else encoding)
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: line 1: cannot decode as {encoding} ({exc.reason})") from None
    headers = next(csv.reader([text.rstrip("\r")]))
    return [h.strip() for h in headers], 1


def _decode_error_line(path: Path, encoding: str) -> str:
    """Message naming the first line that does not decode (error path only)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    line = 1
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                line += chunk.count(b"\n", 0, exc.start)
                return f"{path}: line {line}: cannot decode as {encoding} ({exc.reason})"
            line += chunk.count(b"\n")
    return f"{path}: cannot decode as {encoding}"


def _all_row_lines(path: Path, encoding: str) -> list[int]:
    """Physical line number of every data row (only for files with blank lines or quoted newlines)."""
    out = []
    with path.open("r", encoding="utf-8-sig" if encoding == "utf-8" else encoding, newline="",
                   errors="replace") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        start = reader.line_num + 1
        for record in reader:
            if record:
                out.append(start)
            start = reader.line_num + 1
    return out


def transcode_to_utf8(path: Path, encoding: str, out: Path) -> None:
    """Stream ``path`` from ``encoding`` into a UTF-8 file ``out``; a decode error names the line."""
    decoder = codecs.getincrementaldecoder(encoding)()
    line = 1
    with path.open("rb") as src, out.open("w", encoding="utf-8", newline="") as dst:
        while chunk := src.read(4 << 20):
            try:
                dst.write(decoder.decode(chunk))
            except UnicodeDecodeError as exc:
                line += chunk.count(b"\n", 0, exc.start)
                raise InputError(f"{path}: line {line}: cannot decode as {encoding} ({exc.reason})") from None
            line += chunk.count(b"\n")
        try:
            dst.write(decoder.decode(b"", final=True))
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: line {line}: cannot decode as {encoding} ({exc.reason})") from None


def _csv_source(path: Path, width: int, header_lines: int) -> str:
    """``read_csv`` call reading every column as text, dialect fixed (no sniffing)."""
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    return (f"read_csv('{_sql_str(path)}', columns={columns}, header=false, skip={header_lines}, "
            f"delim=',', quote='\"', escape='\"', strict_mode=true, auto_detect=false, "
            f"max_line_size=1000000)")


_DUCK_LINE = re.compile(r"CSV Error on Line: (\d+)")
_DUCK_WIDTH = re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)")


def _csv_error(path: Path, exc: Exception, width: int) -> InputError | None:
    """One-line error from a DuckDB CSV error (``None`` when it is a decoding problem)."""
    text = str(exc)
    if "Invalid unicode" in text:
        return None
    match = _DUCK_LINE.search(text)
    # Without a line in DuckDB's message (a line past its max_line_size, say), the line is looked for.
    where = f"line {match.group(1)}: " if match else _engine_error_line(path, exc)
    found = _DUCK_WIDTH.search(text)
    if found:
        return InputError(f"{path}: {where}expected {found.group(1)} columns, found {found.group(2)}")
    first = next((ln for ln in text.splitlines() if ln.strip() and "CSV Error" not in ln), text)
    return InputError(f"{path}: {where}cannot read as CSV: {_short(first)}")


def read_xlsx_strings(path: Path, mapping: dict[str, str] | None):
    """First sheet of an XLSX workbook as (layout, Arrow table of strings ``c0..cN``, line of each row)."""
    try:
        import openpyxl
    except ImportError:
        raise InputError(f"{path}: reading XLSX needs openpyxl (pip install openpyxl)") from None
    import pyarrow as pa

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the user's input
        raise InputError(f"{path}: not a readable XLSX workbook: {exc}") from None
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        headers = None
        header_line = 0
        for header_line, row in enumerate(rows, start=1):
            if row and any(c not in (None, "") for c in row):
                headers = ["" if c is None else str(c).strip() for c in row]
                break
        if headers is None:
            raise InputError(f"{path}: empty workbook")
        layout = match_header(headers, mapping, where=f"{path}: ")
        cols: dict[str, list[str]] = {f"c{i}": [] for i in range(len(headers))}
        lines: list[int] = []
        for line, row in enumerate(rows, start=header_line + 1):
            if not row or all(c in (None, "") for c in row):
                continue
            lines.append(line)
            for i in range(len(headers)):
                cols[f"c{i}"].append(_xlsx_cell(row[i] if i < len(row) else None))
    finally:
        book.close()
    table = pa.table({k: pa.array(v, pa.string()) for k, v in cols.items()})
    return layout, table, lines


def _xlsx_cell(value) -> str:
    from datetime import datetime

    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --------------------------------------------------------------------------- cleaning (SQL)
def pick_time_format(samples: Sequence[str]) -> str | None:
    """The first of :data:`TIME_FORMATS` that reads every non-empty sample, or ``None``.

    A file uses one format; parsing with it alone is ~10x faster than trying
    the whole list on every row (the list remains the fallback).
    """
    from datetime import datetime

    values = [v.strip() for v in samples if v and v.strip()]
    if not values:
        return None
    for fmt in TIME_FORMATS:
        try:
            for v in values:
                datetime.strptime(v, fmt)
        except ValueError:
            continue
        return fmt
    return None


def _clean_sql(layout: Layout, source: str, time_format: str | None) -> str:
    """SELECT turning the text columns ``c0..cN`` of ``source`` into typed columns.

    Nested so that each expensive expression is computed once (DuckDB inlines
    CTEs). Row order is the file's (DuckDB preserves insertion order), so the
    resulting table's ``rowid`` is the row index.
    """
    def col(name: str) -> str:
        if name not in layout.columns:
            return "''"
        # trim() costs ~0.1 CPU-s per column per million rows: only where matching depends on it.
        if name in TRIMMED:
            return f"coalesce(trim(c{layout.columns[name]}), '')"
        return f"coalesce(c{layout.columns[name]}, '')"

    fmts = "[" + ", ".join(f"'{f}'" for f in TIME_FORMATS) + "]"
    time_expr = f"try_strptime(time_raw, {fmts})"
    if time_format:
        time_expr = f"coalesce(try_strptime(time_raw, '{time_format}'), {time_expr})"
    amount_text = f"replace(replace(replace(replace({col('amount')}, ',', ''), '，', ''), '¥', ''), ' ', '')"
    optional = ", ".join(f"nullif({col(n)}, '') AS {n}" for n in OPTIONAL)
    return f"""
    SELECT txn_id, txn_time,
           CASE WHEN scale = 1.0 THEN try_cast(num AS DOUBLE)
                ELSE round(try_cast(num AS DOUBLE) * scale, 2) END AS amount,
           payer_account, payer_name, payer_id, payee_account, payee_name, payee_id, purpose, currency
    FROM (
        SELECT *, {time_expr} AS txn_time,
               CASE WHEN suffix(a, '万元') OR suffix(a, '万') THEN 10000.0 ELSE {layout.amount_scale} END AS scale,
               CASE WHEN suffix(a, '元') OR suffix(a, '万') THEN regexp_replace(a, '(万元|万|元)$', '')
                    ELSE a END AS num
        FROM (
            SELECT {col('txn_id')} AS txn_id, {col('txn_time')} AS time_raw, {amount_text} AS a,
                   {col('payer_account')} AS payer_account, {col('payee_account')} AS payee_account,
                   {optional}
            FROM {source}
        ) s
    ) n
    """


_BAD_SQL = """CASE WHEN txn_id = '' THEN 'txn_id'
                WHEN txn_time IS NULL THEN 'txn_time'
                WHEN amount IS NULL OR NOT isfinite(amount) OR amount < 0 THEN 'amount'
                WHEN payer_account = '' THEN 'payer_account'
                WHEN payee_account = '' THEN 'payee_account' END"""

def _bad_message(field_name: str, raw_value: str) -> str:
    if field_name == "txn_time":
        return f"cannot read time {quote(raw_value)}"
    if field_name == "amount":
        if not raw_value:
            return "empty amount"
        if raw_value.strip().startswith("-"):
            return f"negative amount {quote(raw_value)}"
        return f"cannot read amount {quote(raw_value)}"
    return f"empty {field_name}"


# --------------------------------------------------------------------------- one call, many files
def _record_columns():
    from monitor.models import IngestFile

    return (IngestFile.path, IngestFile.ingested_at, IngestFile.rows, IngestFile.sha256, IngestFile.period_start,
            IngestFile.period_end, IngestFile.store_path)


class _Run:
    """What one :func:`ingest_paths` call shares between its files.

    One DuckDB connection, opened when a file first needs it (a new one costs
    ~30-50 ms; well-formed CSV files never do), one SQL session (one
    transaction per file: the accounts and the commit record), the commit
    records read once, and worker threads started once. Per-file costs are
    what limits sweeps over thousands of small statements.
    """

    def __init__(self, config: Config, store: TransferStore, paths: Sequence[Path]):
        self.config, self.store, self._con = config, store, None
        self.session = Session(get_engine(config), expire_on_commit=False)
        self.workers = ThreadPoolExecutor(max_workers=2, thread_name_prefix="ingest")
        self.accounts_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-accounts")
        # fsync waits on the disk: its own threads, so that the writers go on encoding meanwhile.
        self.syncer = ThreadPoolExecutor(max_workers=4, thread_name_prefix="ingest-sync")
        self._committed: dict[str, str | None] | None = None
        self.by_path = self._committed_by_path(paths)
        # Every file this run creates is named after it (only the run's own files are ever deleted by it).
        self.run_id = uuid.uuid4().hex
        self.tmp_root = store.root / ".tmp"
        self.owner_path = self.tmp_root / f"{self.run_id}{OWNER_SUFFIX}"
        self.tmp_root.mkdir(parents=True, exist_ok=True)
        self.owner_path.write_text(json.dumps(_owner_record()), encoding="utf-8")
        self.institution_ids: dict[str, int | None] = {}
        self.cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        self.threads = self.cores  # of DuckDB and the fast path's parser, for the current file

    @property
    def con(self):
        """The run's DuckDB connection (opened on first use)."""
        if self._con is None:
            import duckdb

            self._con = duckdb.connect()
            self._con.execute(f"SET threads = {self.threads}")
        return self._con

    def unregister(self) -> None:
        """Drop the current file's ``clean`` view, if a connection was opened."""
        if self._con is not None:
            self._con.unregister("clean")

    def _committed_by_path(self, paths: Sequence[Path]) -> dict[str, object]:
        """Latest ``ok`` record of each path to ingest (the drop-folder shortcut), in a few queries."""
        from sqlmodel import select

        from monitor.models import IngestFile

        found: dict[str, object] = {}
        names = [str(p.resolve()) for p in paths]
        try:
            for chunk in _chunks(names, 500):
                for row in self.session.exec(select(*_record_columns()).where(IngestFile.path.in_(chunk),
                                                                            IngestFile.status == "ok")):
                    if row.path not in found or row.ingested_at > found[row.path].ingested_at:
                        found[row.path] = row
        finally:
            self.session.rollback()  # end the read transaction: writers of other processes are not held
        return found

    def committed_record(self, sha: str):
        """The ``ok`` record of a file with this sha256, or ``None`` (asked per file: another process may ingest)."""
        from sqlmodel import select

        from monitor.models import IngestFile

        try:
            return self.session.exec(select(*_record_columns()).where(IngestFile.sha256 == sha,
                                                                    IngestFile.status == "ok")).first()
        finally:
            self.session.rollback()

    def existing_files(self, uscc: str, months: Sequence[str]) -> list[Path]:
        """Committed Parquet files of the institution in these months (the anti-join's other side)."""
        root = self.store.root / f"institution={uscc}"
        candidates = [p for m in months if (root / f"month={m}").is_dir()
                      for p in (root / f"month={m}").glob("*.parquet")]
        if not candidates:
            return []
        shas = {p.name[:64] for p in candidates}
        if self._committed is None or not shas <= self._committed.keys():
            self._committed = self.store.committed_runs()  # another process may have committed meanwhile
        return sorted(p for p in candidates if is_committed(p.name, self._committed))

    def committed(self, sha: str) -> None:
        if self._committed is not None:
            self._committed[sha] = self.run_id

    def threads_for(self, size: int) -> None:
        """One thread for a small file (waking the others costs more than they give: ~8%)."""
        wanted = 1 if size < HASH_FIRST_BYTES else self.cores
        if wanted != self.threads:
            if self._con is not None:
                self._con.execute(f"SET threads = {wanted}")
            self.threads = wanted

    def institution_id(self, uscc: str) -> int | None:
        if uscc not in self.institution_ids:
            self.institution_ids[uscc] = _institution_id(self.session, uscc)
        return self.institution_ids[uscc]

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
        self.session.close()
        self.workers.shutdown()
        self.accounts_worker.shutdown()
        self.syncer.shutdown()
        self.owner_path.unlink(missing_ok=True)


# --------------------------------------------------------------------------- one file
def _ingest_one(run: _Run, path: Path, mapping: dict[str, str] | None, institution: str | None,
                progress=None, statement_options: dict | None = None) -> IngestResult:
    import duckdb
    from polars.exceptions import PolarsError

    started = time.perf_counter()
    result = IngestResult(path=str(path.resolve()), status="failed", started_at=datetime.now(timezone.utc))
    step = progress or (lambda _msg: None)
    scratch = run.tmp_root / f"{run.run_id}-{uuid.uuid4().hex}"
    try:
        # A drop folder is walked by every sweep: a file committed from this path after its last
        # change is not read (nor hashed) again.
        modified = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
        done = run.by_path.get(result.path)
        if done is not None and done.ingested_at > modified:
            return _as_duplicate(result, done)

        def duplicate(sha: str) -> bool:
            result.sha256 = sha
            done = run.committed_record(sha)
            if done is not None:
                _as_duplicate(result, done)
            return done is not None

        step("reading")
        size = path.stat().st_size
        run.threads_for(size)
        if size < HASH_FIRST_BYTES:
            # Small file: hashing costs less than the parse a duplicate would waste.
            scan = scan_file(path)
            sha = scan.sha256
            if duplicate(sha):
                return result
            layout, table, facts = _load_clean(lambda: run.con, path, mapping, scan, scratch, run.threads,
                                               statement_options=statement_options)
        else:
            # Hashing (hashlib releases the GIL) runs beside the parse, which needs its newline
            # count only at the end; a file found to be a duplicate has then been parsed for nothing.
            # It starts once polars has read the text: the reader keeps both cores busy, the typing
            # and checks after it mostly one.
            scanned = []

            def start_scan():
                if not scanned:
                    scanned.append(run.workers.submit(scan_file, path, count=False))
                return scanned[0]
            try:
                layout, table, facts = _load_clean(lambda: run.con, path, mapping, lambda: start_scan().result(),
                                                   scratch, run.threads, on_read=start_scan,
                                                   statement_options=statement_options)
            except (MonitorError, duckdb.Error, PolarsError):
                # A file already committed (under another mapping, say) stays a duplicate, not an error.
                if duplicate(start_scan().result().sha256):
                    return result
                raise
            finally:
                if scanned:
                    scanned[0].exception()  # never leave the hash running past this file
            sha = start_scan().result().sha256
            if duplicate(sha):
                return result
        result.rows = table.num_rows
        result.warnings.extend(layout.warnings)
        step("checking")
        if (warning := _check_dates(run.config, path, layout, table, facts)) is not None:
            result.warnings.append(warning)
        if (warning := _unterminated(path, table)) is not None:
            result.warnings.append(warning)
        uscc = _resolve_institution(run.config, path, institution, lambda: run.con, table, layout.statement)
        result.institution = uscc
        with institution_lock(run.store.root, uscc, run.config.ingest_lock_wait, path):
            # Under the lock: another process may have committed this file while it was parsed here.
            if duplicate(sha):
                return result
            _write(run, path, sha, table, facts, uscc, result, step, started)
    except MonitorError as exc:
        result.status, result.error, result.busy = "failed", str(exc), isinstance(exc, BusyError)
    except (OSError, duckdb.Error, PolarsError) as exc:
        # The disk or a data engine, not the file's content: still this file's failure only.
        first_line = _short(str(exc)) or type(exc).__name__
        where = _engine_error_line(path, exc)
        result.status, result.error = "failed", f"{path}: {where}{type(exc).__name__}: {first_line}"
    finally:
        run.unregister()
        if scratch.exists():
            shutil.rmtree(scratch, ignore_errors=True)
        result.seconds = time.perf_counter() - started
    if result.status == "failed":
        _record(run.config, result, institution_uscc=result.institution)
    return result


def _as_duplicate(result: IngestResult, done) -> IngestResult:
    result.status, result.rows, result.sha256 = "duplicate", done.rows, done.sha256
    result.period_start, result.period_end = done.period_start, done.period_end
    result.store_path = done.store_path
    return result


def _load_clean(con, path: Path, mapping: dict[str, str] | None, scan: Scan | Callable[[], Scan],
                scratch: Path, threads: int | None = None,
                on_read: Callable[[], object] | None = None,
                statement_options: dict | None = None) -> tuple[Layout, "pa.Table", Facts]:
    """Parse, clean and check the file into an Arrow table.

    ``con`` is a DuckDB connection, or a function giving one (called only
    when the file needs DuckDB: XLSX, or a CSV the fast path declines, whose
    table is then left registered there as the view ``clean``). ``scan`` is
    the file's :class:`Scan`, or a function giving it (called once the rows
    are read: the scan runs beside the parse); ``threads``, the fast path's
    parser threads (default: the CPUs); ``on_read``, called once the fast
    path's reader has the text (to start work beside what follows). The
    table has the canonical columns, in file order, and ``source_line`` (int32). Raises
    :class:`InputError` naming file, line and column for the first bad row
    or a repeated transaction id.

    A CSV takes the fast path (:mod:`monitor.ingest_fast`, polars) when it
    is well formed; the reference path (DuckDB SQL) reads XLSX, the files
    the fast path declines, and names what is wrong with a bad file. A file
    that is not a canonical transfer file (XLS, TSV, a header these aliases
    do not know, a preamble, times they cannot read) or that comes with
    ``statement_options`` is read as a bank statement (:func:`_load_statement`).
    Arrow rather than a DuckDB table: DuckDB scans it in place and pyarrow
    writes Parquet from it at half the CPU of DuckDB's writer.
    """
    import duckdb
    import pyarrow as pa

    counts = scan if callable(scan) else (lambda: scan)
    connect = con if callable(con) else (lambda: con)
    options = statement_options or {}
    if path.suffix.lower() in (".xls", ".tsv") or any(options.get(k) for k in STATEMENT_OPTIONS):
        return _load_statement(path, options)
    if path.suffix.lower() == ".xlsx":
        try:
            layout, raw, lines = read_xlsx_strings(path, mapping)
        except InputError as exc:
            if mapping:
                raise
            return _load_statement(path, options, canonical_error=exc)
        con = connect()
        con.register("xlsx", raw)
        samples = raw.column(f"c{layout.columns['txn_time']}").slice(0, 20).to_pylist()
        table = _arrow(con.sql(_clean_sql(layout, "xlsx", pick_time_format(samples))))
        table = _with_lines(con, table, pa.array(lines, pa.int32()))
        return layout, table, _check_rows(con, path, layout, "xlsx")
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
    encoding, confident = detect_encoding(head)
    try:
        headers, header_lines = _read_header_line(path, head, encoding)
        layout = match_header(headers, mapping, where=f"{path}: ")
    except InputError as exc:
        if mapping:
            raise
        return _load_statement(path, options, canonical_error=exc)
    width = len(headers)
    samples = _head_samples(head, encoding, layout.columns["txn_time"], header_lines)
    time_format = pick_time_format(samples)
    if time_format is None and not mapping and not _canonical_reads_any_time(samples):
        # e.g. ISO 8601 with Z, or the time apart from the date
        from monitor.statements import StatementError

        try:
            return _load_statement(path, options)
        except StatementError as exc:
            if exc.code != "no_header":
                raise
            # Not a statement either: the canonical path below names the time it cannot read.

    def utf8_copy(encoding: str) -> Path:
        scratch.mkdir(parents=True, exist_ok=True)
        transcode_to_utf8(path, encoding, scratch / "utf8.csv")
        return scratch / "utf8.csv"
    def quoted_newlines() -> int | None:
        scan = counts()
        return newline_count(path, scan) if scan.quoted else None
    source_path = path if encoding == "utf-8" else utf8_copy(encoding)
    end = head.find(b"\n")
    checked = read_clean(source_path, width=width, columns=layout.columns, amount_scale=layout.amount_scale,
                         header_lines=header_lines, time_formats=TIME_FORMATS, primary_format=time_format,
                         trimmed=TRIMMED, newlines=quoted_newlines, threads=threads, on_read=on_read,
                         header_commas=(head if end < 0 else head[:end]).count(b","))
    if checked is not None:
        table, facts = checked
        return layout, table, facts
    con = connect()
    for attempt in range(2):
        if attempt:  # Not UTF-8 after a pure-ASCII start: GB18030 is the other encoding custody banks use.
            encoding = "gb18030"
            source_path = utf8_copy(encoding)
        source = _csv_source(source_path, width, header_lines)
        try:
            table = _arrow(con.sql(_clean_sql(layout, source, time_format)))
            break
        except duckdb.Error as exc:
            error = _csv_error(path, exc, width)
            if error is not None:
                raise error from None
            if confident or attempt:
                raise InputError(_decode_error_line(path, encoding)) from None
    newlines = newline_count(path, counts())
    rows = table.num_rows
    # Rows + header = lines (the last may lack its newline): row index and line agree.
    if rows + header_lines in (newlines, newlines + 1):
        lines = line_numbers(rows, header_lines)
    else:
        lines = pa.array(_all_row_lines(path, encoding), pa.int32())
    table = _with_lines(con, table, lines)
    return layout, table, _check_rows(con, path, layout, source)


STATEMENT_OPTIONS = ("profile", "date_format", "account", "delimiter")


def _canonical_reads_any_time(samples: Sequence[str]) -> bool:
    """Whether some sample reads with one of :data:`TIME_FORMATS`: if none does, the column is in
    another spelling (a bad value among good ones is the canonical path's to name)."""
    from datetime import datetime

    def reads(value: str) -> bool:
        for fmt in TIME_FORMATS:
            try:
                datetime.strptime(value, fmt)
                return True
            except ValueError:
                continue
        return False
    values = [v.strip() for v in samples if v and v.strip()]
    return not values or any(reads(v) for v in values)


def _load_statement(path: Path, options: dict, canonical_error: InputError | None = None
                    ) -> tuple[Layout, "pa.Table", Facts]:
    """Read a bank statement or a non-canonical transfer file with :mod:`monitor.statements`.

    Raises the canonical header error when the statement reader finds no header either (the file is
    neither), else the reader's error naming file, line and column.
    """
    from monitor.statements import StatementError, read_statement
    from monitor.statements.store import store_table

    try:
        statement = read_statement(path, profile=options.get("profile"), date_format=options.get("date_format"),
                                   account=options.get("account"), delimiter=options.get("delimiter"),
                                   instance_dir=options.get("instance_dir"))
    except StatementError as exc:
        if canonical_error is not None and exc.code == "no_header":
            raise canonical_error from None  # neither a transfer file nor a statement
        if canonical_error is not None and exc.code == "no_owner":
            # A transfer file short of a column, or a statement short of its owner: say both.
            raise InputError(f"{canonical_error}; read as a bank statement: {exc.message} "
                             f"(hint: {exc.hint})") from None
        raise
    table, warnings = store_table(statement)
    ids: dict[str, int] = {}
    for txn_id, line in zip(table.column("txn_id").to_pylist(), table.column("source_line").to_pylist()):
        if txn_id in ids:
            raise InputError(f"{path}: line {line}, column {statement.columns.get('txn_id')!r} (txn_id): "
                             f"transaction id {quote(txn_id)} repeats line {ids[txn_id]}")
        ids[txn_id] = line
    times = [t for t in table.column("txn_time").to_pylist() if t is not None]
    facts = Facts(table.num_rows, min(times, default=None), max(times, default=None),
                  sorted({f"{t:%Y-%m}" for t in times}))
    time_header = statement.columns.get("date") or next(
        (h for h in statement.header if h), "txn_time")
    headers = list(statement.header) or ["txn_time"]
    index = headers.index(time_header) if time_header in headers else 0
    layout = Layout(columns={"txn_time": index}, headers=headers, statement=statement, warnings=warnings)
    return layout, table, facts


def _with_lines(con, table, lines):
    """``table`` with its ``source_line`` column, registered as ``clean``."""
    table = table.append_column("source_line", lines)
    con.register("clean", table)
    return table


def _head_samples(head: bytes, encoding: str, column: int, header_lines: int, count: int = 20) -> list[str]:
    """Up to ``count`` values of one column from the first bytes of a file (to pick the time format)."""
    text = head.decode("utf-8-sig" if encoding == "utf-8" else encoding, errors="replace")
    if len(head) == HEAD_BYTES:
        text = text[:text.rfind("\n") + 1]  # the last line may be cut
    records = csv.reader(io.StringIO(text, newline=""))
    out = []
    for i, record in enumerate(records):
        if i < header_lines or not record:
            continue
        if column < len(record):
            out.append(record[column])
        if len(out) >= count:
            break
    return out


def _resolve_institution(config: Config, path: Path, given: str | None, connect: Callable[[], object],
                         table, statement=None) -> str:
    from monitor.models import validate_uscc

    if given:
        return validate_uscc(given)
    if statement is not None and statement.institution:  # the bank profile names it
        return validate_uscc(statement.institution)
    from_path = institution_from_path(path)
    if from_path:
        return from_path
    if statement is not None and statement.owner_account:
        # A single-account statement: the institution whose account it is.
        from sqlmodel import select

        from monitor.db import session_scope
        from monitor.models import Account, Institution

        with session_scope(config) as session:
            owners = set(session.exec(select(Institution.uscc).join(Account, Account.institution_id == Institution.id)
                                      .where(Account.account_no == statement.owner_account)).all())
        if len(owners) == 1:
            return owners.pop()
    # Last resort: a custody account already known to belong to an institution.
    from sqlmodel import select

    from monitor.db import session_scope
    from monitor.models import Account, Institution

    con = connect()
    con.register("clean", table)
    accounts = [r[0] for r in con.execute(
        "SELECT DISTINCT a FROM (SELECT payer_account a FROM clean UNION ALL "
        "SELECT payee_account FROM clean) WHERE a <> ''").fetchall()]
    found: set[str] = set()
    with session_scope(config) as session:
        for chunk in _chunks(accounts, 5000):
            rows = session.exec(select(Institution.uscc).join(Account, Account.institution_id == Institution.id)
                                .where(Account.is_custody, Account.account_no.in_(chunk))).all()
            found.update(rows)
    if len(found) == 1:
        return found.pop()
    if len(found) > 1:
        raise InputError(f"{path}: custody accounts of several institutions ({', '.join(sorted(found))}); "
                         f"use --institution")
    raise InputError(f"{path}: cannot tell the institution (no --institution, no transfers/<USCC>/ folder, "
                     f"no known custody account)")


def _chunks(items: Sequence, size: int):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _check_rows(con, path: Path, layout: Layout, source: str) -> Facts:
    """Raise :class:`InputError` for the first bad row or repeated transaction id of ``clean``.

    One pass answers every check (and gives the period and months); the
    queries naming the offending row run only when a check fails.
    """
    rows, bad_line, first, last, months, ids = _first(con, f"""
        SELECT count(*), min(source_line) FILTER (WHERE ({_BAD_SQL}) IS NOT NULL), min(txn_time), max(txn_time),
               list(DISTINCT CAST(date_trunc('month', txn_time) AS DATE)) FILTER (WHERE txn_time IS NOT NULL),
               -- hashes are cheap to count; the strings are compared only when some hash repeats
               count(DISTINCT hash(txn_id))
        FROM clean""")
    if bad_line is not None:
        name, row = _first(con, f"SELECT {_BAD_SQL}, (SELECT count(*) FROM clean WHERE source_line < {bad_line}) "
                                f"FROM clean WHERE source_line = {bad_line}")
        value = ""
        if name in ("txn_time", "amount"):
            # The raw text is not kept in ``clean`` (it would cost a copy of two columns): read it again.
            raw = _first(con, f"SELECT c{layout.columns[name]} FROM {source} LIMIT 1 OFFSET {row}")
            value = (raw[0] or "").strip() if raw else ""
        raise InputError(f"{path}: line {bad_line}, column {layout.header_of(name)!r} ({name}): "
                         f"{_bad_message(name, value)}")
    if ids < rows:
        dup = _first(con, "SELECT txn_id, min(source_line), max(source_line) FROM clean GROUP BY txn_id "
                          "HAVING count(*) > 1 ORDER BY 2 LIMIT 1")
        if dup:
            raise InputError(f"{path}: line {dup[2]}, column {layout.header_of('txn_id')!r} (txn_id): "
                             f"transaction id {quote(dup[0])} repeats line {dup[1]}")
    return Facts(rows, first, last, sorted(f"{m:%Y-%m}" for m in months or []))


def _write(run: _Run, path: Path, sha: str, table, facts: Facts, uscc: str, result: IngestResult, step,
           started: float) -> None:
    """Anti-join, write Parquet under temporary names, move into place, check, commit (under the
    institution's lock).

    Every file created is named after the run (``<sha>_<run>_<n>.parquet``), so
    the clean-up of a failure or an interrupt removes this run's files only.
    """
    from sqlalchemy.exc import IntegrityError

    store, session = run.store, run.session
    if facts.first is not None:
        result.period_start, result.period_end = facts.first.date(), facts.last.date()
    step("deduplicating")
    existing = run.existing_files(uscc, facts.months)
    if existing:
        file_list = "[" + ", ".join(f"'{_sql_str(f)}'" for f in existing) + "]"
        con = run.con
        con.register("clean", table)
        table = _arrow(con.sql(f"SELECT * FROM clean WHERE txn_id NOT IN "
                               f"(SELECT txn_id FROM read_parquet({file_list}))"))
    result.rows_new = table.num_rows
    step("accounts")
    # The SQL side (accounts, then the commit record) runs in one transaction. For a large file the
    # accounts are gathered (polars) and inserted (one statement: the SQL engine runs with the GIL
    # released) in another thread, beside the Parquet writing.

    def register() -> int:
        return _upsert_accounts(session, _accounts_document(table))

    # The months first, and the two writers' first cuts: polars runs one query at a time on its
    # threads, and the writers would wait behind the accounts document for them.
    parts = _month_parts(table) if result.rows_new else {}
    if len(parts) > 1:
        for month in list(parts)[:2]:
            part = parts[month]()
            parts[month] = lambda part=part: part
    pending = run.accounts_worker.submit(register) if result.rows_new >= ACCOUNTS_IN_THREAD else None
    moved: list[Path] = []
    written: list[tuple[Path, Path]] = []
    journal: Path | None = None
    committing = committed = False
    try:
        if result.rows_new:
            step("writing")
            tmp_root = run.tmp_root
            dest_root = store.root / f"institution={uscc}"
            # Flat temporary names: no folders to create and remove per file.
            token = f"{run.run_id}-{uuid.uuid4().hex}"
            written = [(tmp_root / f"{token}-{month}.parquet",
                        dest_root / f"month={month}" / f"{sha}_{run.run_id}_{n}.parquet")
                       for n, month in enumerate(parts)]
            # Until the commit, a journal (with this process as owner) lists the files moved into the
            # store: collect_garbage() removes them once the owner is gone without a commit.
            journal = _write_journal(tmp_root / f"{token}{JOURNAL_SUFFIX}", store.root, sha,
                                     [dest for _tmp, dest in written], owner=True)
            jobs = [(parts[month], tmp) for month, (tmp, _dest) in zip(parts, written)]

            def write(cut, tmp: Path):
                rows = _write_parquet(cut(), sha, tmp)
                return rows, tmp.stat().st_size, run.syncer.submit(_fsync, tmp)
            if len(jobs) == 1:
                done = [write(*jobs[0])]
            else:
                done = [job.result() for job in [run.workers.submit(write, *job) for job in jobs]]
            for _rows, _size, synced in done:
                synced.result()
            sizes = [(rows, size) for rows, size, _synced in done]
            folders = set()
            for tmp, dest in written:
                if not dest.parent.is_dir():
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    folders.update((dest.parent.parent, dest.parent.parent.parent))
                os.replace(tmp, dest)  # never over another run's file: the name holds this run's id
                moved.append(dest)
                folders.add(dest.parent)
            for synced in [run.syncer.submit(_fsync, folder) for folder in folders]:
                synced.result()
            _verify(path, [dest for _tmp, dest in written], sizes)
            result.store_path = f"institution={uscc}/month=*/{sha}_{run.run_id}_*.parquet"
        step("committing")
        result.accounts_new = pending.result() if pending else register()
        result.status = "ok"
        result.seconds = time.perf_counter() - started
        session.add(_ingest_row(result, run.institution_id(uscc)))
        committing = True
        session.commit()
        committed = True
        run.committed(sha)
        if journal is not None:
            journal.unlink(missing_ok=True)
    except BaseException as exc:
        if not committed:
            # Let the account insert finish before rolling back: the session is not shared between threads.
            try:
                if pending:
                    pending.result()
            except Exception:  # noqa: BLE001 - the first error is the one reported
                pass
            try:
                session.rollback()
            except Exception:  # noqa: BLE001 - the connection may be gone; the files are still ours to remove
                pass
            # An interrupt during the commit may come after the database committed: ask it.
            committed = committing and not isinstance(exc, IntegrityError) and \
                run.store.committed_runs(among=[sha]).get(sha) == run.run_id
        if committed:
            result.status = "ok"
            if journal is not None:
                journal.unlink(missing_ok=True)
            raise
        for dest in moved:
            dest.unlink(missing_ok=True)
        for tmp, _dest in written:
            tmp.unlink(missing_ok=True)
        if journal is not None:
            journal.unlink(missing_ok=True)
        result.status = "failed"
        if isinstance(exc, IntegrityError) and (done := run.committed_record(sha)) is not None:
            # Another process committed the same file (under another institution's lock) first.
            _as_duplicate(result, done)
            result.rows_new = result.accounts_new = 0
            return
        raise


def _verify(path: Path, files: Sequence[Path], expected: Sequence[tuple[int, int]]) -> None:
    """Check that each file is in place, whole and readable before the commit record names it."""
    import pyarrow.parquet as pq

    for dest, (rows, size) in zip(files, expected):
        try:
            actual = dest.stat().st_size
            found = pq.read_metadata(dest).num_rows if actual == size else None
        except OSError as exc:
            raise MonitorError(f"{path}: store file {dest} vanished before the commit ({exc.strerror}); "
                               f"nothing was committed") from None
        except Exception as exc:  # noqa: BLE001 - any unreadable footer means the file is not whole
            raise MonitorError(f"{path}: store file {dest} is unreadable before the commit "
                               f"({_short(str(exc))}); nothing was committed") from None
        if actual != size or found != rows:
            raise MonitorError(f"{path}: store file {dest} changed before the commit ({actual:,} bytes, "
                               f"expected {size:,}); nothing was committed")


def _write_journal(path: Path, root: Path, sha: str, files: Sequence[Path], owner: bool = False) -> Path:
    """A journal of the files an ingest is about to move into the store (relative to ``root``); with
    ``owner``, it names this process, so that garbage collection can tell whether it still runs."""
    record = {"sha256": sha, "files": [f.relative_to(root).as_posix() for f in files]}
    if owner:
        record["owner"] = _owner_record()
    path.write_text(json.dumps(record), encoding="utf-8")
    return path


_PERIOD_IN_NAME = re.compile(r"(?:^|\D)(\d{4})-?(\d{2})(?:-?(\d{2}))?$")


def period_of_name(path: Path) -> tuple[str, date] | None:
    """``(period, last day)`` of a statement whose file name ends with its month or day
    (``2018-06.csv``, ``…_201806.csv``, ``…_2018-06-15.csv``, ``…20180615.csv``), else ``None``.

    >>> period_of_name(Path("transfers/x/2018-02.csv"))
    ('2018-02', datetime.date(2018, 2, 28))
    >>> period_of_name(Path("statement_20180615.csv"))
    ('2018-06-15', datetime.date(2018, 6, 15))
    >>> period_of_name(Path("6222000012345678.csv")) is None
    True
    """
    import calendar

    match = _PERIOD_IN_NAME.search(path.stem)
    if not match:
        return None
    year, month, day = int(match.group(1)), int(match.group(2)), match.group(3)
    if not (1990 <= year <= 2100 and 1 <= month <= 12):
        return None
    if day is None:
        return f"{year:04d}-{month:02d}", date(year, month, calendar.monthrange(year, month)[1])
    try:
        last = date(year, month, int(day))
    except ValueError:
        return None
    return last.isoformat(), last


def _check_dates(config: Config, path: Path, layout: Layout, table, facts: Facts) -> str | None:
    """Refuse a file with a transaction dated later than ``ingest_max_future_days`` after today (CST),
    naming the first such line; return a warning naming the first line dated after the period the
    file name gives (:func:`period_of_name`).

    A name is the sender's label, not a statement of the bank (a file named by its UTC export day
    holds rows of the next China day), so a date past it is flagged, not refused.
    """
    if facts.last is None:
        return None
    limit_day = datetime.now(CST).date() + timedelta(days=config.ingest_max_future_days)
    if facts.last.date() > limit_day and (first := _first_after(table, limit_day)) is not None:
        line, moment = first
        raise InputError(f"{path}: line {line}, column {layout.header_of('txn_time')!r} (txn_time): "
                         f"date {moment:%Y-%m-%d} is in the future (later than {limit_day}; setting "
                         f"ingest_max_future_days={config.ingest_max_future_days})")
    period = period_of_name(path)
    if period is None or facts.last.date() <= period[1] or (first := _first_after(table, period[1])) is None:
        return None
    line, moment = first
    return (f"{path}: line {line}, column {layout.header_of('txn_time')!r} (txn_time): date "
            f"{moment:%Y-%m-%d} is after the period {period[0]} its file name gives; check that the "
            f"file is the statement it is named as")


def _first_after(table, day: date) -> tuple[int, datetime] | None:
    """``(source_line, txn_time)`` of the first row dated after ``day``, else ``None``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    limit = datetime.combine(day + timedelta(days=1), datetime.min.time())
    mask = pc.greater_equal(table.column("txn_time"), pa.scalar(limit, pa.timestamp("us")))
    late = table.select(["source_line", "txn_time"]).filter(mask)
    if not late.num_rows:
        return None
    return min((r["source_line"], r["txn_time"]) for r in late.to_pylist())


def _unterminated(path: Path, table) -> str | None:
    """A warning when a text file does not end with a newline (its last row may have been cut off)."""
    if path.suffix.lower() == ".xlsx" or not table.num_rows:
        return None
    with path.open("rb") as fh:
        fh.seek(-1, os.SEEK_END)
        if fh.read(1) == b"\n":
            return None
    line = table.column("source_line")[-1].as_py()
    return (f"{path}: line {line}: the file does not end with a newline; its last row may be truncated "
            f"(check that the file arrived whole)")


_ENGINE_LINE = re.compile(r"(?:CSV Error on Line|line)[:\s]+(\d+)", re.IGNORECASE)
LONG_LINE = 1_000_000  # bytes; DuckDB's max_line_size in _csv_source


def _engine_error_line(path: Path, exc: BaseException) -> str:
    """``"line N: "`` for an error polars or DuckDB raised about a file, when the line can be told: from
    the message, else the first line longer than :data:`LONG_LINE` bytes (what such engines choke on)."""
    if isinstance(exc, OSError):
        return ""
    match = _ENGINE_LINE.search(str(exc))
    if match:
        return f"line {match.group(1)}: "
    try:
        line, start, offset = 1, 0, 0
        with path.open("rb") as fh:
            while chunk := fh.read(8 << 20):
                at = 0
                while (end := chunk.find(b"\n", at)) >= 0:
                    if offset + end - start > LONG_LINE:
                        return f"line {line} ({offset + end - start:,} bytes long): "
                    line, start, at = line + 1, offset + end + 1, end + 1
                offset += len(chunk)
            if offset - start > LONG_LINE:
                return f"line {line} ({offset - start:,} bytes long): "
    except OSError:
        pass
    return ""


def _month_parts(table) -> dict[str, Callable[[], "pa.Table"]]:
    """Per month of ``txn_time`` (``YYYY-MM``), a function giving that part of ``table`` in file order,
    with its ``available_at``.

    The parts are cut when asked, in the writer threads: the copy of the rows
    is spread over them rather than done up front.
    """
    import polars as pl

    frame = pl.from_arrow(table, rechunk=False)
    # Each row's day, then the day's month from a table of the file's span of days: a quarter of the
    # CPU of taking year and month of every row.
    days = frame.get_column("txn_time").dt.date()
    # T+1: custody banks report the day after (see docs/architecture.md, "Availability").
    frame = frame.with_columns(available_at=days.cast(pl.Datetime("us")) + timedelta(days=1))
    first = days.min()
    span = pl.date_range(first, days.max(), eager=True)
    by_day = span.dt.year().cast(pl.Int32) * 100 + span.dt.month().cast(pl.Int32)
    key = by_day.gather(days.cast(pl.Int32) - (first - date(1970, 1, 1)).days)
    low, high = key.min(), key.max()
    months = [low] if low == high else sorted(key.unique().to_list())

    def part(month: int):
        def cut() -> "pa.Table":
            chosen = frame if low == high else frame.filter(key == month)
            return chosen.to_arrow(compat_level=pl.CompatLevel.newest())
        return cut
    return {f"{k // 100:04d}-{k % 100:02d}": part(k) for k in months}


def _write_parquet(part: "pa.Table", sha: str, out: Path) -> int:
    """One Parquet file of the store's schema from a part of ``clean`` with its ``available_at`` (pyarrow
    releases the GIL); returns its rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from monitor.transfers import SCHEMA

    columns = {name: part.column(name) for name in SCHEMA.names if name in part.column_names}
    # The file's hash once, as a dictionary of one value: a column of the 64 characters repeated on
    # every row would be written and then dictionary-encoded back to this.
    columns.update(source_sha256=pa.DictionaryArray.from_arrays(pa.repeat(pa.scalar(0, pa.int32()), part.num_rows),
                                                                pa.array([sha], pa.string())))
    # Strings as they come (polars' string views): the Parquet file is the same, and a cast would
    # copy every string. Without the Arrow schema in the file, readers see the store's SCHEMA.
    out_table = pa.Table.from_arrays([_as_type(columns[n], SCHEMA.field(n).type) for n in SCHEMA.names],
                                     names=SCHEMA.names)
    pq.write_table(out_table, out, store_schema=False, **PARQUET_OPTIONS)
    return out_table.num_rows


def _as_type(column, wanted):
    """``column`` cast to ``wanted``, except that a string view or a dictionary of strings stays as it is
    (the writer stores each as UTF-8)."""
    import pyarrow as pa

    if column.type == wanted or (pa.types.is_string(wanted) and (
            pa.types.is_string_view(column.type)
            or (pa.types.is_dictionary(column.type) and pa.types.is_string(column.type.value_type)))):
        return column
    return column.cast(wanted)


def _accounts_document(table: "pa.Table") -> tuple[int, str | None]:
    """``(count, JSON array)`` of the organisation-held accounts of ``table``, one array each:
    ``[account_no, holder_name, holder_id]``.

    An account is organisation-held when the first holder ID the file gives
    for it (in file order; a row's payer before its payee) reads as a USCC by
    :func:`monitor.text.guess_holder_kind`'s rule; its name is the one given beside that
    ID, trimmed, both cut to the store's lengths. Person-held and
    unidentified accounts stay in the transfer store only, which holds each
    row's holder name and ID (docs/architecture.md, "Accounts"). In account
    order (the SQL store's unique index then takes them in sequence, ~40%
    faster). One document, inserted set-based by one statement: the SQL
    engine works with the GIL released, where a row-by-row ``executemany``
    would wait for it at every row while the writers run.
    """
    import polars as pl

    if not table.num_rows:
        return 0, None
    frame = pl.from_arrow(table, rechunk=False).lazy()
    # The first row giving an ID, per side, then across sides in file order (a row's payer before
    # its payee): a hash pass over each account column, where a group-by with every row's name
    # and ID cost three times as much. The pass keys each account by two 64-bit hashes under
    # different seeds, as one 128-bit integer (as the file itself is known by its SHA-256): a table
    # of fixed-size keys costs half of one of strings, which follows a pointer into the text at
    # every match. Two accounts whose hashes both collided would be registered as one (the first);
    # their transfers are stored whole either way.
    sides = []
    for k, side in enumerate(("payer", "payee")):
        account = pl.col(f"{side}_account")
        rows = frame.select(pl.col("source_line").alias("row"), pl.lit(k, pl.Int8).alias("side"),
                            account.alias("n"), pl.col(f"{side}_name").alias("h"), pl.col(f"{side}_id").alias("i"),
                            (account.hash(1).cast(pl.Int128) * (1 << 64) + account.hash(2).cast(pl.Int128))
                            .alias("key"))
        if table.column(f"{side}_id").null_count:  # (a copy of the rows, saved when every row has an ID)
            rows = rows.filter(pl.col("i").is_not_null())
        sides.append(rows.filter(pl.col("key").is_first_distinct()))
    name = pl.col("h").str.strip_chars()
    ident = pl.col("i").str.strip_chars().str.to_uppercase()
    company = ~(ident.str.contains("*", literal=True) | ident.str.contains(f"^{PERSON_ID}$")) \
        & ident.str.contains(f"^{COMPANY_ID}$")
    # One plan, collected once: a small file pays polars' fixed cost per query once, not per step.
    count, document = pl.concat(sides).sort("row", "side").filter(pl.col("key").is_first_distinct()).filter(company) \
        .sort("n").select(pl.len(), pl.struct(
            pl.col("n").str.slice(0, 64),
            pl.when(name == "").then(None).otherwise(name.str.slice(0, 200)).alias("h"),
            ident.str.slice(0, 64).alias("i"),
        ).struct.json_encode().str.join(",")).collect().row(0)
    if not count:
        return 0, None
    # polars encodes structs only; the objects become arrays by dropping their keys in the joined
    # text. Safe: a quote inside a JSON string is escaped, so `,"h":` or `},{"n":` with a bare quote
    # can only be structure. Arrays, because SQLite (3.40, no JSONB) parses an element once per
    # field read, and an array of values parses in 60% of the time of the object.
    first = '{"n":'
    for key, by in (('},{"n":', "],["), (',"h":', ","), (',"i":', ",")):
        document = document.replace(key, by)
    return count, "[[" + document[len(first):-1] + "]]"


def load_validated(con, path: str | os.PathLike, mapping: dict[str, str] | str | None = None,
                   scratch: str | os.PathLike | None = None) -> Layout:
    """Parse, clean and check one transfer file into the DuckDB view ``clean`` of ``con``.

    ``clean`` has the canonical columns (``txn_id``, ``txn_time``, ``amount``
    in 元, ``payer_account`` ... ``currency``) and ``source_line``, in file
    order; it is an Arrow table registered on ``con`` (cursors of ``con`` do
    not see it). Raises :class:`InputError` naming file, line and column for
    the first bad row or a repeated transaction id, exactly as the ingest
    does; nothing is stored. This is the parser for callers that only read a
    file (``monitor scan``).
    """
    import tempfile

    path = Path(path)
    if isinstance(mapping, str):
        mapping = parse_mapping(mapping)
    scan = scan_file(path)
    with tempfile.TemporaryDirectory(prefix="monitor-ingest-", dir=scratch) as tmp:
        layout, table, _facts = _load_clean(con, path, mapping, scan, Path(tmp))
    con.register("clean", table)
    return layout


def _first(con, sql: str):
    """First row of a query, or ``None`` (reads the whole result: DuckDB 2 refuses half-read ones)."""
    rows = con.execute(sql).fetchall()
    return rows[0] if rows else None


def _sql_str(path: Path) -> str:
    return str(path).replace("'", "''")


def _record(config: Config, result: IngestResult, institution_uscc: str | None) -> None:
    from monitor.db import session_scope

    try:
        with session_scope(config) as session:
            institution_id = _institution_id(session, institution_uscc) if institution_uscc else None
            session.add(_ingest_row(result, institution_id))
    except MonitorError:
        raise
    except Exception as exc:  # noqa: BLE001 - the file's own error stays the one reported
        result.error = f"{result.error} (and could not record it: {exc})"


def _ingest_row(result: IngestResult, institution_id: int | None):
    from monitor.models import IngestFile

    return IngestFile(path=result.path[:1000], sha256=result.sha256 or "", status=result.status,
                      rows=result.rows, rows_new=result.rows_new, institution_id=institution_id,
                      period_start=result.period_start, period_end=result.period_end,
                      store_path=result.store_path, seconds=result.seconds, error=result.error,
                      ingested_at=result.started_at or datetime.now(timezone.utc))


def _institution_id(session, uscc: str | None) -> int | None:
    from sqlmodel import select

    from monitor.models import Institution

    if not uscc:
        return None
    return session.exec(select(Institution.id).where(Institution.uscc == uscc)).first()


def _upsert_accounts(session, accounts: tuple[int, str | None]) -> int:
    """Insert the accounts not yet known, set-based; returns how many were new.

    ``accounts`` is ``(count, JSON document)`` from :func:`_accounts_document`
    (organisation-held accounts only), linked to their company and institution
    by USCC in the same statement. Known accounts are left as they are (``ON CONFLICT DO
    NOTHING``).
    """
    from sqlalchemy import func, select, text

    from monitor.models import Account, utcnow

    count, document = accounts
    if not count:
        return 0
    conn = session.connection()
    table = Account.__table__
    process = table.c.first_seen_at.type.bind_processor(conn.dialect)
    seen_at = process(utcnow()) if process else utcnow()
    if conn.dialect.name == "postgresql":
        rows = ("SELECT v->>0 AS n, v->>1 AS h, v->>2 AS i "
                "FROM json_array_elements(CAST(:doc AS json)) AS v")
    else:
        rows = ("SELECT json_extract(value, '$[0]') AS n, json_extract(value, '$[1]') AS h, "
                "json_extract(value, '$[2]') AS i FROM json_each(:doc)")
    sql = text(f"""
        INSERT INTO account (account_no, holder_name, holder_id_no, holder_kind, company_id, institution_id,
                             is_custody, first_seen_at)
        SELECT r.n, r.h, r.i, 'company',
               (SELECT c.id FROM company c WHERE c.uscc = r.i),
               (SELECT t.id FROM institution t WHERE t.uscc = r.i),
               false, :seen_at
        FROM ({rows}) r
        WHERE true
        ON CONFLICT (account_no) DO NOTHING""")
    total = select(func.count()).select_from(table)
    before = conn.execute(total).scalar_one()
    conn.execute(sql, {"doc": document, "seen_at": seen_at})
    return conn.execute(total).scalar_one() - before


def link_accounts(config: Config) -> int:
    """Link company-held accounts to their company and institution by USCC where not yet linked.

    The ingest links at insert time; this catches accounts registered before
    the registry or the crawlers knew the firm, and so runs after each crawl
    (:func:`crawlers.run.crawl`), which is what adds firms. Set-based; returns
    the number of accounts updated.
    """
    from sqlalchemy import text

    from monitor.db import session_scope

    with session_scope(config) as session:
        linked = 0
        for column, table in (("institution_id", "institution"), ("company_id", "company")):
            res = session.execute(text(f"""
                UPDATE account SET {column} = (SELECT t.id FROM {table} t WHERE t.uscc = account.holder_id_no)
                WHERE {column} IS NULL AND holder_kind = 'company'
                  AND holder_id_no IN (SELECT uscc FROM {table} WHERE uscc IS NOT NULL)"""))
            linked += res.rowcount or 0
    return linked


# --------------------------------------------------------------------------- many files
@dataclass
class GcReport:
    """What :func:`collect_garbage` removed, and what it could not."""

    files: int = 0  # uncommitted Parquet files removed from the store
    tmp: int = 0  # entries removed from the store's .tmp (temporary files, scratch folders, journals, owner files)
    kept_live: int = 0  # files left because a live ingest owns them
    errors: list[str] = field(default_factory=list)

    def __int__(self) -> int:
        return self.files


def collect_garbage(store: TransferStore, min_age_seconds: float = 3600.0, full: bool = False) -> GcReport:
    """Remove Parquet files without a commit record (interrupted ingests) and leftovers of dead runs.

    An ingest run names every file it creates after its run id and records
    its process (pid, host, start time) in ``.tmp/<run>.owner`` and in the
    journal listing the files it moves into the store until its commit.
    Files of a run whose process still runs are never touched; those of a
    dead process are removed at once, unless their source file committed with
    that run. Files nothing tells the owner of (written before run ids, or by
    another host) are removed only once older than ``min_age_seconds``.
    ``full`` also walks every file of the store (for a store written before
    the journals, or one whose journal a machine crash lost): that costs time
    in proportion to the store, so it is ``monitor gc``'s, not every ingest's.
    Whether a file committed is asked again just before it is removed (after
    its owner was found dead), so a commit meanwhile is never undone.
    """
    report = GcReport()
    if not store.root.is_dir():
        return report
    now = time.time()
    tmp = store.root / ".tmp"
    states: dict[str, bool | None] = {}

    def old(path: Path) -> bool:
        try:
            return now - path.stat().st_mtime >= min_age_seconds
        except FileNotFoundError:
            return False

    def run_state(run: str | None) -> bool | None:
        """True: a live run; False: a dead one; None: unknown (no owner file, or another host)."""
        if run is None:
            return None
        if run not in states:
            try:
                owner = json.loads((tmp / f"{run}{OWNER_SUFFIX}").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                owner = None
            alive = _owner_alive(owner) if owner is not None else None
            states[run] = None if alive is None else alive
        return states[run]

    def removable(path: Path, alive: bool | None) -> bool:
        if alive:
            report.kept_live += 1
            return False
        return alive is False or old(path)

    def remove(path: Path, tree: bool = False) -> int:
        """Remove a file (with ``tree``, a folder too); 1 when done."""
        try:
            if tree and path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        except FileNotFoundError:
            return 0
        except OSError as exc:
            report.errors.append(f"{path}: {exc.strerror or exc}")
            return 0
        return 1

    def remove_uncommitted(candidates: list[Path]) -> None:
        """Remove those of ``candidates`` (store files) that no commit record covers, asked now."""
        if not candidates:
            return
        committed = store.committed_runs(among=[p.name[:64] for p in candidates])
        for path in candidates:
            if not is_committed(path.name, committed):
                report.files += remove(path)

    # Journals: the files a run moved into the store and had not committed.
    journals = sorted(tmp.glob(f"*{JOURNAL_SUFFIX}")) if tmp.is_dir() else []
    for path in journals:
        try:
            journal = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            continue
        except (OSError, ValueError):
            journal = {}
        alive = _owner_alive(journal.get("owner")) if "owner" in journal else None
        if not removable(path, alive):
            continue
        names = [store.root / name for name in journal.get("files", [])
                 if name_parts(Path(name).name) is not None]
        remove_uncommitted([p for p in names if p.exists()])
        report.tmp += remove(path)
    if full:
        committed = store.committed_runs()
        candidates = []
        for path in store.root.glob("institution=*/month=*/*.parquet"):
            if is_committed(path.name, committed):
                continue
            parts = name_parts(path.name)
            if removable(path, run_state(parts[1] if parts else None)):
                candidates.append(path)
        remove_uncommitted(candidates)
    if tmp.is_dir():
        entries = sorted(tmp.iterdir(), key=lambda p: p.name.endswith(OWNER_SUFFIX))  # owner files last
        for entry in entries:
            if entry.name.endswith(JOURNAL_SUFFIX):
                continue  # handled above (a journal that appeared since belongs to a live run)
            match = _RUN_PREFIX.match(entry.name)
            run = match.group(1) if match else None
            if entry.name.endswith(OWNER_SUFFIX):
                # Kept while the run is alive, or while a journal of it remains.
                if run_state(run) is False and not any(tmp.glob(f"{run}-*{JOURNAL_SUFFIX}")):
                    report.tmp += remove(entry)
                elif run_state(run) is None and old(entry):
                    report.tmp += remove(entry)
                continue
            if removable(entry, run_state(run)):
                report.tmp += remove(entry, tree=True)
    return report


def ingest_paths(config: Config, paths: Iterable[str | os.PathLike], mapping: dict[str, str] | str | None = None,
                 institution: str | None = None, progress: Callable[[Path], object] | None = None,
                 statement_options: dict | None = None) -> list[IngestResult]:
    """Ingest files and folders; one :class:`IngestResult` per file, in path order.

    Each file succeeds or fails on its own (failed files are recorded with
    their error); an unknown path or a bad ``mapping`` raises
    :class:`InputError` before anything is read. ``statement_options``
    (``profile``, ``date_format``, ``account``, ``delimiter``) are for bank
    statements (:mod:`monitor.statements`); operator profiles are found in
    ``<instance_dir>/profiles``. ``progress(path)``, called for files of at
    least :data:`PROGRESS_MIN_BYTES`, returns a context manager whose value is
    a callback taking the name of each stage.
    """
    from monitor.db import require_schema

    if isinstance(mapping, str):
        mapping = parse_mapping(mapping)
    files = expand_paths(paths)
    require_schema(config)
    store = TransferStore(config)
    store.root.mkdir(parents=True, exist_ok=True)
    collect_garbage(store)

    results = []
    run = _Run(config, store, files)
    try:
        for path in files:
            show = progress and path.stat().st_size >= PROGRESS_MIN_BYTES
            with progress(path) if show else nullcontext(None) as step:
                results.append(_ingest_one(run, path, mapping, institution, step,
                                           {**(statement_options or {}), "instance_dir": config.instance_path}))
    finally:
        run.close()
    return results
