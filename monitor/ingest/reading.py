"""Reading and checking one transfer file: scan, transcode, XLSX, the reference path, row checks.

:func:`load_clean` turns a file into the table the store takes (canonical
columns in file order, ``source_line``), or raises :class:`InputError` naming
file, line and column. A well-formed CSV takes the fast path
(:mod:`monitor.ingest.fast`, polars); the reference path (DuckDB SQL over the
text columns) reads XLSX and the files the fast path declines, and names what
is wrong with a bad file; bank statements and files in other layouts go to
:mod:`monitor.statements` (:func:`load_statement`).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Callable, NamedTuple

from monitor.config import Config
from monitor.errors import InputError
from monitor.ingest.fast import Facts, count_newlines, line_numbers, read_clean
from monitor.ingest.recognition import (OPTIONAL, TIME_FORMATS, Layout, detect_encoding, match_header,
                                        parse_mapping, period_of_name, pick_time_format, quote, reads_any_time)
from monitor.transfers import CST, _arrow
from monitor.transfers.write import one_line

if TYPE_CHECKING:
    import pyarrow as pa

TRIMMED = frozenset({"txn_id", "txn_time", "payer_account", "payee_account", "purpose"})
HEAD_BYTES = 1 << 16  # read for the encoding, the header and a sample of times
STATEMENT_OPTIONS = ("profile", "date_format", "account", "delimiter")


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
    return (f"read_csv('{sql_str(path)}', columns={columns}, header=false, skip={header_lines}, "
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
    where = f"line {match.group(1)}: " if match else engine_error_line(path, exc)
    found = _DUCK_WIDTH.search(text)
    if found:
        return InputError(f"{path}: {where}expected {found.group(1)} columns, found {found.group(2)}")
    first = next((ln for ln in text.splitlines() if ln.strip() and "CSV Error" not in ln), text)
    return InputError(f"{path}: {where}cannot read as CSV: {one_line(first)}")


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


def load_clean(con, path: Path, mapping: dict[str, str] | None, scan: Scan | Callable[[], Scan],
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

    A CSV takes the fast path (:mod:`monitor.ingest.fast`, polars) when it
    is well formed; the reference path (DuckDB SQL) reads XLSX, the files
    the fast path declines, and names what is wrong with a bad file. A file
    that is not a canonical transfer file (XLS, TSV, a header these aliases
    do not know, a preamble, times they cannot read) or that comes with
    ``statement_options`` is read as a bank statement (:func:`load_statement`).
    Arrow rather than a DuckDB table: DuckDB scans it in place and pyarrow
    writes Parquet from it at half the CPU of DuckDB's writer.
    """
    import duckdb
    import pyarrow as pa

    counts = scan if callable(scan) else (lambda: scan)
    connect = con if callable(con) else (lambda: con)
    options = statement_options or {}
    if path.suffix.lower() in (".xls", ".tsv") or any(options.get(k) for k in STATEMENT_OPTIONS):
        return load_statement(path, options, on_read=on_read)
    if path.suffix.lower() == ".xlsx":
        try:
            layout, raw, lines = read_xlsx_strings(path, mapping)
        except InputError as exc:
            if mapping:
                raise
            return load_statement(path, options, canonical_error=exc, on_read=on_read)
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
        return load_statement(path, options, canonical_error=exc, on_read=on_read)
    width = len(headers)
    samples = _head_samples(head, encoding, layout.columns["txn_time"], header_lines)
    time_format = pick_time_format(samples)
    if time_format is None and not mapping and not reads_any_time(samples):
        # e.g. ISO 8601 with Z, or the time apart from the date
        from monitor.statements import StatementError

        try:
            return load_statement(path, options, on_read=on_read)
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


def load_statement(path: Path, options: dict, canonical_error: InputError | None = None,
                   on_read: Callable[[], object] | None = None) -> tuple[Layout, "pa.Table", Facts]:
    """Read a bank statement or a non-canonical transfer file with :mod:`monitor.statements`.

    Raises the canonical header error when the statement reader finds no header either (the file is
    neither), else the reader's error naming file, line and column. ``on_read`` is called before the
    reading starts (the file's hash then runs beside it).
    """
    from monitor.statements import StatementError, read_statement
    from monitor.statements.store import repeated_id, store_table, time_span

    if on_read is not None:
        on_read()
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
    repeated = repeated_id(table)
    if repeated is not None:
        txn_id, line, earlier = repeated
        raise InputError(f"{path}: line {line}, column {statement.columns.get('txn_id')!r} (txn_id): "
                         f"transaction id {quote(txn_id)} repeats line {earlier}")
    facts = Facts(table.num_rows, *time_span(table))
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


def check_dates(config: Config, path: Path, layout: Layout, table, facts: Facts) -> str | None:
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


def unterminated(path: Path, table) -> str | None:
    """A warning when a text file does not end with a newline (its last row may have been cut off)."""
    if path.suffix.lower() in (".xlsx", ".xls") or not table.num_rows:  # XLS: binary, or an HTML table
        return None
    with path.open("rb") as fh:
        head = fh.read(2)
        fh.seek(-min(2, path.stat().st_size), os.SEEK_END)
        tail = fh.read(2)
        # UTF-16 (Excel's "Unicode text"): the newline is two bytes
        newline = {codecs.BOM_UTF16_LE: b"\n\x00", codecs.BOM_UTF16_BE: b"\x00\n"}.get(head, b"\n")
        if tail.endswith(newline):
            return None
    line = table.column("source_line")[-1].as_py()
    return (f"{path}: line {line}: the file does not end with a newline; its last row may be truncated "
            f"(check that the file arrived whole)")


_ENGINE_LINE = re.compile(r"(?:CSV Error on Line|line)[:\s]+(\d+)", re.IGNORECASE)
LONG_LINE = 1_000_000  # bytes; DuckDB's max_line_size in _csv_source


def engine_error_line(path: Path, exc: BaseException) -> str:
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
        layout, table, _facts = load_clean(con, path, mapping, scan, Path(tmp))
    con.register("clean", table)
    return layout


def _first(con, sql: str):
    """First row of a query, or ``None`` (reads the whole result: DuckDB 2 refuses half-read ones)."""
    rows = con.execute(sql).fetchall()
    return rows[0] if rows else None


def sql_str(path: Path) -> str:
    return str(path).replace("'", "''")
