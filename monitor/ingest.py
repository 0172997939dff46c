"""Ingest of custody-bank transfer files into the columnar transfer store.

``monitor ingest PATH...`` and :func:`ingest_paths` read CSV (and XLSX) files,
recognise the header spellings of :data:`monitor.vocab.TRANSFER_FIELDS`,
clean amounts and times with vectorised SQL (DuckDB over Arrow; never row by
row), and write one Parquet file per month partition (see
:mod:`monitor.transfers`). A file is all-or-nothing: its ``IngestFile`` row
with status ``ok`` is the commit record, written after the Parquet files are
in place; any failure leaves the dataset and the accounts unchanged and
records the file as ``failed`` with an error naming file, line and column.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import os
import shutil
import sys
import time
import uuid
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Iterable, Sequence

import click

from monitor.cli import pass_ctx
from monitor.config import Config
from monitor.errors import InputError, MonitorError
from monitor.text import normalize_label
from monitor.transfers import CST, TransferStore  # noqa: F401  (CST documents the time basis)
from monitor.vocab import TRANSFER_FIELDS

FIELDS = {f.name: f for f in TRANSFER_FIELDS}
REQUIRED = tuple(f.name for f in TRANSFER_FIELDS if f.required)
OPTIONAL = tuple(f.name for f in TRANSFER_FIELDS if not f.required)
_ALIASES: dict[str, str] = {normalize_label(a): f.name for f in TRANSFER_FIELDS for a in (f.name, *f.aliases)}
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M",
                "%Y%m%d%H%M%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y%m%d %H:%M:%S",
                "%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日")
SUFFIXES = (".csv", ".txt", ".xlsx")
PROGRESS_MIN_BYTES = 20_000_000  # below this a progress bar only flickers


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

    def to_dict(self) -> dict:
        d = dict(self.__dict__)
        for key in ("period_start", "period_end"):
            d[key] = d[key].isoformat() if d[key] else None
        return d


@dataclass
class Layout:
    """How a file's columns map to canonical fields."""

    columns: dict[str, int]  # field -> column index in the file
    headers: list[str]  # header cells as written
    amount_scale: float = 1.0  # 10000 when the amount header says 万元
    extra: list[str] = field(default_factory=list)  # columns not used

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
            raise InputError(f"{where}columns {headers[columns[name]]!r} and {raw!r} both give {name}; "
                             f"use --map to choose")
        columns[name] = i
        if name == "amount" and "万元" in key:
            scale = 10_000.0
    missing = [n for n in REQUIRED if n not in columns]
    if missing:
        found = ", ".join(repr(h) for h in headers) or "none"
        raise InputError(f"{where}missing required column(s) {', '.join(missing)}; columns found: {found} "
                         f"(use --map 'column=field')")
    return Layout(columns=columns, headers=list(headers), amount_scale=scale, extra=extra)


def detect_encoding(head: bytes) -> tuple[str, bool]:
    """``(encoding, confident)`` from the first bytes of a file.

    A BOM decides; else valid UTF-8 with non-ASCII bytes is UTF-8; else
    GB18030. Pure ASCII is UTF-8 but not confident (GB18030 is ASCII too).
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8", True
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", True
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError as exc:
        # Multibyte UTF-8 before the bad byte: a damaged UTF-8 file, not GB18030.
        if not head[:exc.start].isascii():
            return "utf-8", True
        return "gb18030", True
    return "utf-8", not head.isascii()


def guess_holder_kind(holder_id: str | None) -> str | None:
    """``company`` for an 18-character USCC, ``person`` for a (masked) 身份证 number."""
    import re

    if not holder_id:
        return None
    text = holder_id.strip().upper()
    if "*" in text or re.fullmatch(r"[1-8]\d{5}(18|19|20)\d{2}[01]\d[0-3]\d\d{3}[\dX]", text):
        return "person"
    if re.fullmatch(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}", text):
        return "company"
    return None


def sha256_file(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def scan_file(path: Path) -> tuple[str, bool]:
    """``(sha256, has_blank_lines)`` in one pass over the bytes.

    Blank lines are the one thing that makes a row's line number differ from
    its index (quoted newlines are refused by the parser), so only files
    with them need the slow line count on the error path and for
    ``source_line``.
    """
    digest = hashlib.sha256()
    blank = False
    tail = b""
    with path.open("rb") as fh:
        while chunk := fh.read(8 << 20):
            digest.update(chunk)
            if not blank:
                window = tail + chunk
                blank = b"\n\n" in window or b"\n\r\n" in window
                tail = chunk[-2:]
    return digest.hexdigest(), blank


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
    """Physical line number of every data row, blank lines skipped (files with blank lines only)."""
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


def _first_bad_width(path: Path, encoding: str, width: int) -> str:
    with path.open("r", encoding="utf-8-sig" if encoding == "utf-8" else encoding, newline="",
                   errors="replace") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        start = reader.line_num + 1
        for record in reader:
            if record and len(record) != width:
                return f"{path}: line {start}: expected {width} columns, found {len(record)}"
            start = reader.line_num + 1
    return f"{path}: not a readable CSV file"


def read_csv_strings(path: Path, encoding: str, layout: Layout, header_lines: int):
    """The mapped columns of a CSV file as an Arrow table of strings, plus ``_row``.

    Parsing is pyarrow's multithreaded reader; a non-UTF-8 file is transcoded
    on the fly (streaming).
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    width = len(layout.headers)
    names = [f"c{i}" for i in range(width)]
    include = [f"c{i}" for i in layout.columns.values()]
    read = pacsv.ReadOptions(column_names=names, skip_rows=header_lines, block_size=16 << 20,
                             encoding="utf8" if encoding == "utf-8" else encoding)
    convert = pacsv.ConvertOptions(column_types={n: pa.string() for n in include},
                                   include_columns=include, strings_can_be_null=False,
                                   quoted_strings_can_be_null=False)
    parse = pacsv.ParseOptions(newlines_in_values=False)
    try:
        table = pacsv.read_csv(path, read_options=read, convert_options=convert, parse_options=parse)
    except pa.ArrowInvalid as exc:
        text = str(exc)
        if "utf8" in text.lower() or "utf-8" in text.lower():
            raise _NotUtf8() from None
        if "columns" in text:
            raise InputError(_first_bad_width(path, encoding, width)) from None
        raise InputError(f"{path}: cannot read as CSV: {text.splitlines()[0]}") from None
    except UnicodeDecodeError:
        raise InputError(_decode_error_line(path, encoding)) from None
    by_index = {f"c{i}": name for name, i in layout.columns.items()}
    table = table.rename_columns([by_index[c] for c in table.column_names])
    return table.append_column("_row", _arange(table.num_rows))


def _arange(n: int):
    """0..n-1 as an Arrow int64 array, built from a C buffer (numpy is not a dependency)."""
    import array

    import pyarrow as pa

    return pa.Array.from_buffers(pa.int64(), n, [None, pa.py_buffer(array.array("q", range(n)))])


class _NotUtf8(Exception):
    pass


def read_xlsx_strings(path: Path, mapping: dict[str, str] | None):
    """First sheet of an XLSX workbook as (layout, Arrow table of strings with ``_row`` and ``_line``)."""
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
        cols: dict[str, list[str]] = {name: [] for name in layout.columns}
        lines: list[int] = []
        for line, row in enumerate(rows, start=header_line + 1):
            if not row or all(c in (None, "") for c in row):
                continue
            lines.append(line)
            for name, i in layout.columns.items():
                cols[name].append(_xlsx_cell(row[i] if i < len(row) else None))
    finally:
        book.close()
    table = pa.table({**{k: pa.array(v, pa.string()) for k, v in cols.items()},
                      "_row": pa.array(range(len(lines)), pa.int64())})
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
def _clean_sql(layout: Layout, sha: str, line_expr: str) -> str:
    """SELECT turning the raw string table ``raw`` into canonical columns plus ``_bad``/``_raw``."""
    def col(name: str) -> str:
        return f"trim(raw.{name})" if name in layout.columns else "''"

    fmts = "[" + ", ".join(f"'{f}'" for f in TIME_FORMATS) + "]"
    amount_text = f"replace(replace(replace(replace({col('amount')}, ',', ''), '，', ''), '¥', ''), ' ', '')"
    optional = ",\n".join(f"nullif({col(n)}, '') AS {n}" for n in OPTIONAL)
    return f"""
    WITH s AS (
        SELECT _row, {line_expr} AS _line,
               {col('txn_id')} AS txn_id,
               {col('txn_time')} AS time_raw,
               {col('amount')} AS amount_raw,
               {amount_text} AS a,
               {col('payer_account')} AS payer_account,
               {col('payee_account')} AS payee_account,
               {optional}
        FROM raw
    ), n AS (
        SELECT *,
               try_strptime(time_raw, {fmts}) AS txn_time,
               CASE WHEN suffix(a, '万元') THEN 10000.0 WHEN suffix(a, '万') THEN 10000.0 ELSE {layout.amount_scale} END
                   AS scale,
               regexp_replace(a, '(万元|万|元)$', '') AS num
        FROM s
    ), v AS (
        SELECT *,
               CASE WHEN scale = 1.0 THEN try_cast(num AS DOUBLE)
                    ELSE round(try_cast(num AS DOUBLE) * scale, 2) END AS amount
        FROM n
    )
    SELECT txn_id, txn_time, amount, payer_account, payer_name, payer_id, payee_account, payee_name,
           payee_id, purpose, currency,
           CAST(date_trunc('day', txn_time) + INTERVAL 1 DAY AS TIMESTAMP) AS available_at,
           '{sha}' AS source_sha256, CAST(_line AS INTEGER) AS source_line,
           strftime(txn_time, '%Y-%m') AS month,
           CASE WHEN txn_id = '' THEN 'txn_id'
                WHEN txn_time IS NULL THEN 'txn_time'
                WHEN amount IS NULL OR NOT isfinite(amount) OR amount < 0 THEN 'amount'
                WHEN payer_account = '' THEN 'payer_account'
                WHEN payee_account = '' THEN 'payee_account' END AS _bad,
           time_raw, amount_raw, _row, _line
    FROM v
    """


def _bad_message(field_name: str, raw_value: str) -> str:
    if field_name == "txn_time":
        return f"cannot read time {raw_value!r}"
    if field_name == "amount":
        if not raw_value:
            return "empty amount"
        if raw_value.strip().startswith("-"):
            return f"negative amount {raw_value!r}"
        return f"cannot read amount {raw_value!r}"
    return f"empty {field_name}"


# --------------------------------------------------------------------------- one file
class _Failed(MonitorError):
    pass


def _ingest_one(config: Config, path: Path, mapping: dict[str, str] | None, institution: str | None,
                store: TransferStore, progress=None) -> IngestResult:
    from sqlmodel import select

    from monitor.db import session_scope
    from monitor.models import IngestFile

    started = time.perf_counter()
    result = IngestResult(path=str(path.resolve()), status="failed")
    step = progress or (lambda _msg: None)
    try:
        step("hashing")
        sha, blank_lines = scan_file(path)
        result.sha256 = sha
        with session_scope(config) as session:
            done = session.exec(select(IngestFile).where(IngestFile.sha256 == sha,
                                                         IngestFile.status == "ok")).first()
            if done is not None:
                result.status, result.rows = "duplicate", done.rows
                result.period_start, result.period_end = done.period_start, done.period_end
                result.store_path = done.store_path
        if result.status == "duplicate":
            return result
        step("reading")
        if path.suffix.lower() == ".xlsx":
            layout, raw, lines = read_xlsx_strings(path, mapping)
            encoding = None
        else:
            with path.open("rb") as fh:
                head = fh.read(1 << 16)
            encoding, confident = detect_encoding(head)
            headers, header_lines = _read_header_line(path, head, encoding)
            layout = match_header(headers, mapping, where=f"{path}: ")
            try:
                raw = read_csv_strings(path, encoding, layout, header_lines)
            except _NotUtf8:
                if confident:
                    raise InputError(_decode_error_line(path, encoding)) from None
                encoding = "gb18030"
                raw = read_csv_strings(path, encoding, layout, header_lines)
            lines = _all_row_lines(path, encoding) if blank_lines else None
        if lines is not None:
            import pyarrow as pa

            raw = raw.append_column("_line", pa.array(lines, pa.int64()))
            line_expr = "_line"
        else:
            line_expr = f"_row + {header_lines + 1}"
        result.rows = raw.num_rows
        step("checking")
        uscc = _resolve_institution(config, path, institution, raw)
        result.institution = uscc
        _write(config, store, path, sha, layout, raw, uscc, line_expr, result, step, started)
    except MonitorError as exc:
        result.status, result.error = "failed", str(exc)
    finally:
        result.seconds = time.perf_counter() - started
    if result.status == "failed":
        _record(config, result, institution_uscc=result.institution)
    return result


def _resolve_institution(config: Config, path: Path, given: str | None, raw) -> str:
    from monitor.models import validate_uscc

    if given:
        return validate_uscc(given)
    from_path = institution_from_path(path)
    if from_path:
        return from_path
    # Last resort: a custody account already known to belong to an institution.
    import duckdb
    from sqlmodel import select

    from monitor.db import session_scope
    from monitor.models import Account, Institution

    with duckdb.connect() as con:
        con.register("raw", raw)
        accounts = [r[0] for r in con.execute(
            "SELECT DISTINCT trim(a) FROM (SELECT payer_account a FROM raw UNION ALL "
            "SELECT payee_account FROM raw) WHERE a <> ''").fetchall()]
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


def _write(config: Config, store: TransferStore, path: Path, sha: str, layout: Layout, raw, uscc: str,
           line_expr: str, result: IngestResult, step, started: float) -> None:
    """Validate, anti-join, write Parquet under temporary names, move into place, commit."""
    import duckdb

    with duckdb.connect() as con:
        con.register("raw", raw)
        con.execute(f"CREATE TEMP TABLE clean AS {_clean_sql(layout, sha, line_expr)}")
        bad = con.execute("SELECT _line, _bad, time_raw, amount_raw FROM clean WHERE _bad IS NOT NULL "
                          "ORDER BY _row LIMIT 1").fetchone()
        if bad:
            line, name, time_raw, amount_raw = bad
            value = time_raw if name == "txn_time" else amount_raw if name == "amount" else ""
            raise InputError(f"{path}: line {line}, column {layout.header_of(name)!r} ({name}): "
                             f"{_bad_message(name, value)}")
        dup = con.execute("SELECT txn_id, min(_line), max(_line) FROM clean GROUP BY txn_id "
                          "HAVING count(*) > 1 ORDER BY 2 LIMIT 1").fetchone()
        if dup:
            l1, l2 = dup[1:]
            raise InputError(f"{path}: line {l2}, column {layout.header_of('txn_id')!r} (txn_id): "
                             f"transaction id {dup[0]!r} repeats line {l1}")
        if result.rows:
            first, last = con.execute("SELECT min(txn_time)::DATE, max(txn_time)::DATE FROM clean").fetchone()
            result.period_start, result.period_end = first, last
        months = [r[0] for r in con.execute("SELECT DISTINCT month FROM clean ORDER BY 1").fetchall()]
        existing = store.files([uscc], months=months)
        if existing:
            step("deduplicating")
            file_list = "[" + ", ".join("'" + str(f).replace("'", "''") + "'" for f in existing) + "]"
            con.execute(f"CREATE TEMP TABLE seen AS SELECT DISTINCT txn_id FROM read_parquet({file_list})")
            con.execute("DELETE FROM clean WHERE txn_id IN (SELECT txn_id FROM seen)")
        result.rows_new = con.execute("SELECT count(*) FROM clean").fetchone()[0]
        step("accounts")
        accounts = con.execute("""
            SELECT account_no, any_value(holder_name) AS holder_name, any_value(holder_id) AS holder_id
            FROM (SELECT payer_account AS account_no, payer_name AS holder_name, payer_id AS holder_id FROM clean
                  UNION ALL
                  SELECT payee_account, payee_name, payee_id FROM clean)
            GROUP BY account_no""").fetchall()
        moved: list[Path] = []
        tmp = store.root / ".tmp" / f"{sha}-{uuid.uuid4().hex[:8]}"
        try:
            if result.rows_new:
                step("writing")
                tmp.mkdir(parents=True, exist_ok=True)
                con.execute(f"""
                    COPY (SELECT txn_id, txn_time, amount, payer_account, payer_name, payer_id, payee_account,
                                 payee_name, payee_id, purpose, currency, available_at, source_sha256,
                                 source_line, month
                          FROM clean ORDER BY txn_time, txn_id)
                    TO '{_sql_str(tmp)}' (FORMAT parquet, PARTITION_BY (month), FILENAME_PATTERN '{sha}_{{i}}',
                                          COMPRESSION zstd, ROW_GROUP_SIZE 1000000)""")
                dest_root = store.root / f"institution={uscc}"
                for part in sorted(tmp.glob("month=*/*.parquet")):
                    dest = dest_root / part.parent.name / part.name
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(part, dest)
                    moved.append(dest)
                result.store_path = f"institution={uscc}/month=*/{sha}_*.parquet"
            result.status = "ok"
            result.seconds = time.perf_counter() - started
            _commit(config, result, uscc, accounts)
        except BaseException:
            for dest in moved:
                dest.unlink(missing_ok=True)
            result.status = "failed"
            raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def _sql_str(path: Path) -> str:
    return str(path).replace("'", "''")


def _commit(config: Config, result: IngestResult, uscc: str, accounts: list[tuple]) -> None:
    """One transaction: register new accounts and write the ``IngestFile`` commit record."""
    from monitor.db import session_scope

    with session_scope(config) as session:
        institution_id = _institution_id(session, uscc)
        result.accounts_new = _upsert_accounts(session, accounts, uscc, institution_id)
        session.add(_ingest_row(result, institution_id))


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
                      store_path=result.store_path, seconds=result.seconds, error=result.error)


def _institution_id(session, uscc: str | None) -> int | None:
    from sqlmodel import select

    from monitor.models import Institution

    if not uscc:
        return None
    return session.exec(select(Institution.id).where(Institution.uscc == uscc)).first()


def _upsert_accounts(session, accounts: list[tuple], uscc: str, institution_id: int | None) -> int:
    """Insert accounts not yet known, in bulk; returns how many were new.

    Holders are linked to companies and institutions by USCC where known. An
    existing account only gets missing holder fields filled.
    """
    from sqlalchemy import insert, update
    from sqlmodel import select

    from monitor.models import Account, Company, Institution, utcnow

    if not accounts:
        return 0
    by_no = {a[0]: a for a in accounts}
    known: dict[str, tuple] = {}
    for chunk in _chunks(list(by_no), 5000):
        for row in session.exec(select(Account.account_no, Account.holder_name, Account.holder_id_no)
                                .where(Account.account_no.in_(chunk))).all():
            known[row[0]] = row
    ids = sorted({a[2].strip().upper() for a in accounts if a[2] and guess_holder_kind(a[2]) == "company"})
    companies, institutions = {}, {}
    for chunk in _chunks(ids, 5000):
        companies.update(session.exec(select(Company.uscc, Company.id).where(Company.uscc.in_(chunk))).all())
        institutions.update(session.exec(select(Institution.uscc, Institution.id)
                                         .where(Institution.uscc.in_(chunk))).all())
    now = utcnow()
    new_rows = []
    for no, name, holder_id in accounts:
        if no in known:
            continue
        hid = holder_id.strip().upper() if holder_id else None
        kind = guess_holder_kind(hid)
        new_rows.append({
            "account_no": no[:64], "holder_name": name[:200] if name else None,
            "holder_id_no": hid[:64] if hid else None, "holder_kind": kind,
            "company_id": companies.get(hid) if kind == "company" else None,
            "institution_id": institutions.get(hid) if kind == "company" else None,
            "is_custody": False, "first_seen_at": now,
        })
    if new_rows:
        for chunk in _chunks(new_rows, 20_000):
            session.execute(insert(Account.__table__), chunk)
    fills = [(no, by_no[no]) for no, row in known.items() if row[1] is None and by_no[no][1]]
    for no, (_no, name, holder_id) in fills:
        hid = holder_id.strip().upper() if holder_id else None
        session.execute(update(Account.__table__).where(Account.__table__.c.account_no == no)
                        .values(holder_name=name[:200], holder_id_no=hid, holder_kind=guess_holder_kind(hid)))
    return len(new_rows)


# --------------------------------------------------------------------------- many files
def collect_garbage(store: TransferStore, min_age_seconds: float = 3600.0) -> int:
    """Remove Parquet files without a commit record (interrupted ingests); returns how many."""
    import re

    if not store.root.is_dir():
        return 0
    committed = store.committed_shas()
    now = time.time()
    removed = 0
    for path in store.root.glob("institution=*/month=*/*.parquet"):
        sha = re.match(r"[0-9a-f]{64}", path.name)
        if sha and sha.group(0) in committed:
            continue
        try:
            if now - path.stat().st_mtime >= min_age_seconds:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    tmp = store.root / ".tmp"
    if tmp.is_dir():
        for leftover in tmp.iterdir():
            try:
                if now - leftover.stat().st_mtime >= min_age_seconds:
                    shutil.rmtree(leftover, ignore_errors=True)
            except FileNotFoundError:
                continue
    return removed


def ingest_paths(config: Config, paths: Iterable[str | os.PathLike], mapping: dict[str, str] | str | None = None,
                 institution: str | None = None, progress: bool = False) -> list[IngestResult]:
    """Ingest files and folders; one :class:`IngestResult` per file, in path order.

    Each file succeeds or fails on its own (failed files are recorded with
    their error); an unknown path or a bad ``mapping`` raises
    :class:`InputError` before anything is read.
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
    for path in files:
        show = progress and path.stat().st_size >= PROGRESS_MIN_BYTES
        with _progress(path) if show else nullcontext(None) as step:
            results.append(_ingest_one(config, path, mapping, institution, store, step))
    return results


class _progress:
    """A rich progress line per long file (the stages are vectorised, so it steps per stage)."""

    STAGES = ("hashing", "reading", "checking", "deduplicating", "accounts", "writing")

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


# --------------------------------------------------------------------------- CLI
@click.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--map", "mapping", help="Extra header mapping: 'column=field,...' "
              f"(fields: {', '.join(FIELDS)}).")
@click.option("--institution", help="USCC of the institution the files belong to "
              "(default: the transfers/<USCC>/ folder, else a known custody account).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per file.")
@pass_ctx
def ingest_command(ctx, paths: tuple[str, ...], mapping: str | None, institution: str | None,
                   as_json: bool) -> None:
    """Ingest custody-bank transfer files (CSV, XLSX) or folders of them into the transfer store."""
    results = ingest_paths(ctx.config, paths, mapping=parse_mapping(mapping), institution=institution,
                           progress=sys.stderr.isatty() and not as_json)
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
        total = sum(r.rows_new for r in results)
        click.echo(f"{len(results)} file(s): {sum(r.status == 'ok' for r in results)} ok, "
                   f"{sum(r.status == 'duplicate' for r in results)} duplicate, "
                   f"{sum(r.status == 'failed' for r in results)} failed; {total:,} new transfers")
    failed = [r for r in results if r.status == "failed"]
    for r in failed:
        click.echo(f"error: {r.error}", err=True)
    if failed:
        click.get_current_context().exit(1)
