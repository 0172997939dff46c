"""The ingest's fast path: parse, clean and check a well-formed CSV with polars.

:func:`read_clean` turns a UTF-8 CSV into the same table as the reference
path of :mod:`monitor.ingest.reading` (DuckDB SQL, ``_clean_sql`` and
``_check_rows``), with the same values, in file order, with ``source_line``.
It only takes the happy path: whenever a file is not plainly well formed (a
bad value, a repeated transaction id, a blank line, a quoted newline, a row
with too few or too many fields, bytes that are not UTF-8, a time format
or a value polars reads differently, such as a leap second) it returns
``None`` and the reference path reads the file again and names the line and
column. The price of a bad file is a second parse; the whole ingest of a good
file is 1.25-1.5x faster than with the reference path (``benchmarks/ingest.py
--reference``; docs/architecture.md, "Throughput").

``tests/test_ingest_fast.py`` holds the two paths to the same results.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from itertools import accumulate
from pathlib import Path
from typing import Callable, Sequence

log = logging.getLogger(__name__)

# Python strptime directives polars (chrono) reads differently: files using them take the reference path.
_UNSUPPORTED = ("%f",)
_AMOUNT_NOISE = (",", "，", "¥", " ")  # the thousands separator first
# Below this many rows one contiguous copy of the file's columns costs less than every later step
# working through the reader's many small chunks; above it the copy would be the cost.
_RECHUNK_BELOW = 100_000
_OPTIONAL = ("payer_name", "payer_id", "payee_name", "payee_id", "purpose", "currency")


@dataclass
class Facts:
    """What the checks of a cleaned file learnt on the way: size, period and months (both parsers)."""

    rows: int
    first: datetime | None
    last: datetime | None
    months: list[str]  # YYYY-MM; may hold months between first and last that have no row


def read_clean(path: Path, *, width: int, columns: dict[str, int], amount_scale: float, header_lines: int,
               time_formats: Sequence[str], primary_format: str | None, trimmed: frozenset[str],
               newlines: Callable[[], int | None], header_commas: int, threads: int | None = None,
               on_read: Callable[[], object] | None = None) -> tuple["pa.Table", Facts] | None:
    """Parse, clean and check ``path`` (UTF-8, header of ``header_lines`` lines), or ``None``.

    Returns the table (the columns of ``monitor.ingest.reading._clean_sql`` plus
    ``source_line``) and its :class:`Facts`.

    ``on_read()`` is called once polars has read the text, and
    ``newlines()`` once the rows are typed and checked, so that the file can
    be hashed and counted beside that work. ``newlines()`` gives the file's
    count of ``\\n`` bytes, or ``None`` for a file without a quote, whose
    every line is a row (polars keeps a blank line as a row of nulls, which
    the checks refuse). A file with no blank line and no quoted newline has
    rows + header lines (the last newline may be missing). A row with too
    many fields fails the parse; one with too few leaves the last column
    empty (null), and only then are the file's commas counted:
    ``header_commas`` + rows × (width − 1) + the commas inside values, or a
    row is short.
    """
    import polars as pl

    names = [f"c{i}" for i in range(width)]
    try:
        raw = pl.read_csv(path, has_header=False, skip_rows=header_lines, new_columns=names,
                          schema={n: pl.String for n in names}, quote_char='"', separator=",",
                          encoding="utf8", raise_if_empty=False, truncate_ragged_lines=False,
                          n_threads=threads)
    except Exception as exc:  # noqa: BLE001 - any trouble (ragged, undecodable, unterminated)
        return _decline(path, f"parse: {str(exc).strip().splitlines()[0] if str(exc).strip() else exc!r}")
    if on_read is not None:
        on_read()
    rows = raw.height
    if rows < _RECHUNK_BELOW:
        # The reader cuts even a small file into ~16 KB chunks; each later step pays per chunk.
        raw = raw.rechunk()
    if raw.get_column(names[-1]).null_count():
        commas = count_bytes(path, b",")
        inside = raw.select(pl.sum_horizontal(pl.col(n).str.count_matches(",", literal=True).sum()
                                              for n in names)).item()
        if commas != header_commas + rows * (width - 1) + inside:
            return _decline(path, "a row with fewer fields than the header")

    # One pass of probes decides which copies are needed: DuckDB's trim() (spaces only) where some
    # value is padded, null-if-empty where some optional value is an empty quoted string.
    # chrono reads a leap second (":60") as the next minute; DuckDB refuses it.
    probes = [pl.col(f"c{columns['txn_time']}").str.contains(":60", literal=True).any().alias("leap")]
    probes += [(pl.col(f"c{columns[n]}").str.starts_with(" ") | pl.col(f"c{columns[n]}").str.ends_with(" "))
               .any().alias(f"pad {n}") for n in trimmed if n in columns]
    probes += [(pl.col(f"c{columns[n]}") == "").any().alias(f"empty {n}") for n in _OPTIONAL if n in columns]
    flags = raw.select(probes).row(0, named=True) if rows else {}
    if flags.get("leap"):
        return _decline(path, "a time with second 60")
    padded = {n for n in trimmed if flags.get(f"pad {n}")}
    blank = {n for n in _OPTIONAL if flags.get(f"empty {n}") or n in padded}

    def text(name: str) -> pl.Expr:
        """The column as the SQL has it before its checks (a null in a required one fails them)."""
        if name not in columns:
            return pl.lit(None, pl.String)
        expr = pl.col(f"c{columns[name]}")
        return expr.str.strip_chars(" ") if name in padded else expr

    def optional(name: str) -> pl.Expr:
        value = text(name)
        return (pl.when(value == "").then(None).otherwise(value) if name in blank else value).alias(name)

    amount = _amounts(raw.get_column(f"c{columns['amount']}"), amount_scale)

    def parse_time(fmt: str) -> pl.Expr:
        return text("txn_time").str.to_datetime(fmt, time_unit="us", strict=False, exact=True, cache=False)

    formats = [f for f in time_formats if not any(d in f for d in _UNSUPPORTED)]
    first_format = primary_format if primary_format in formats else None
    every_format = pl.coalesce(*[parse_time(f) for f in formats])

    def cleaned(times: pl.Expr) -> pl.DataFrame:
        return raw.select(
            text("txn_id").alias("txn_id"),
            times.alias("txn_time"),
            amount.alias("amount"),
            text("payer_account").alias("payer_account"),
            optional("payer_name"), optional("payer_id"),
            text("payee_account").alias("payee_account"),
            *[optional(n) for n in ("payee_name", "payee_id", "purpose", "currency")],
        )

    bad = pl.any_horizontal(*[pl.col(n).is_null() | (pl.col(n) == "")
                              for n in ("txn_id", "payer_account", "payee_account")],
                            pl.col("txn_time").is_null(), pl.col("amount").is_null(),
                            ~pl.col("amount").is_finite(), pl.col("amount") < 0)
    checks = [bad.any().alias("bad"), pl.col("txn_time").null_count().alias("no_time"),
              pl.col("txn_id").hash().n_unique().alias("ids"),
              pl.col("txn_time").min().alias("first"), pl.col("txn_time").max().alias("last")]
    clean = cleaned(parse_time(first_format) if first_format else every_format)
    facts = clean.select(checks)
    if rows and first_format and facts.item(0, "no_time"):
        # Not all in the sampled format: each row takes the first format that reads it, as in the SQL.
        clean = cleaned(every_format)
        facts = clean.select(checks)
    if rows and facts.item(0, "bad"):
        return _decline(path, "a value the checks refuse")
    if facts.item(0, "ids") < rows and clean.get_column("txn_id").is_duplicated().any():
        return _decline(path, "a repeated transaction id")  # (equal hashes of different ids: exact check)
    lines = newlines()
    if lines is not None and rows + header_lines not in (lines, lines + 1):
        return _decline(path, "blank lines or quoted newlines")  # line numbers need the reference path
    first, last = facts.item(0, "first"), facts.item(0, "last")
    # String views: no copy (pyarrow and DuckDB read them; the Parquet writer stores them as UTF-8).
    # The line numbers join as a column of their own: made in the select, their single chunk would
    # make polars copy every other column into one chunk to line the record batches up.
    table = clean.to_arrow(compat_level=pl.CompatLevel.newest())
    return table.append_column("source_line", line_numbers(rows, header_lines)), \
        Facts(rows, first, last, _months_between(first, last) if rows else [])


def _amounts(text: "pl.Series", scale: float) -> "pl.Series":
    """The amounts in 元 of the text column of a file whose header gives them in ``scale`` 元 (null
    where unreadable, as DuckDB's ``try_cast`` after ``monitor.ingest.reading._clean_sql``'s cleaning).

    Each text is cast as it is; only those that do not cast are cleaned (thousands separators, ¥
    and spaces out; 元/万元/万 suffixes read, 万 scaling by 10,000): where most amounts are plain
    numbers, the probes and copies of the cleaning cover a few rows, not the column.
    """
    import polars as pl

    number = text.cast(pl.Float64, strict=False)
    if scale != 1.0:
        number = (number * scale).round(2)
    odd = (number.is_null() & text.is_not_null()).arg_true()
    if not len(odd):
        return number
    a = pl.col("a")
    flags = pl.DataFrame({"a": text.gather(odd)})
    noise, suffix = flags.select(a.str.contains_any(_AMOUNT_NOISE[1:]).any().alias("noise"),
                                 a.str.contains_any(["元", "万"]).any().alias("suffix")).row(0)
    if noise:
        a = a.str.replace_many(_AMOUNT_NOISE, [""] * len(_AMOUNT_NOISE))
    else:
        a = a.str.replace_all(",", "", literal=True)  # half the CPU of replace_many
    if suffix:
        wan = a.str.ends_with("万元") | a.str.ends_with("万")
        value = a.str.replace(r"(万元|万|元)$", "").cast(pl.Float64, strict=False)
        each = pl.when(wan).then(10_000.0).otherwise(scale)
        value = pl.when(each == 1.0).then(value).otherwise((value * each).round(2))
    else:
        value = a.cast(pl.Float64, strict=False)
        value = value if scale == 1.0 else (value * scale).round(2)
    # The scatter makes one chunk; cut back into the text's chunks, or the frame holding both would
    # be copied whole (every string column) to line its columns' chunks up.
    number = number.scatter(odd, flags.select(value).to_series())
    lengths = text.chunk_lengths()
    if len(lengths) == 1:
        return number
    starts = [0] + list(accumulate(lengths))[:-1]
    return pl.concat([number.slice(start, n) for start, n in zip(starts, lengths)], rechunk=False)


def line_numbers(rows: int, header_lines: int) -> "pa.Array":
    """int32 line numbers of ``rows`` rows that follow a header of ``header_lines`` lines, one row a line."""
    import polars as pl

    return pl.int_range(header_lines + 1, header_lines + 1 + rows, dtype=pl.Int32, eager=True).to_arrow()


def _decline(path: Path, why: str) -> None:
    log.debug("%s: fast path declined (%s); the reference path reads it", path, why)
    return None


def _months_between(first: datetime, last: datetime) -> list[str]:
    """``YYYY-MM`` of every month from ``first`` to ``last`` (a superset of the months present)."""
    out, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def file_chunks(path: Path, size: int = 8 << 20):
    """The file's bytes in chunks of ``size`` (one pass, bounded memory)."""
    with path.open("rb") as fh:
        while chunk := fh.read(size):
            yield chunk


def count_bytes(path: Path, byte: bytes) -> int:
    """How many times ``byte`` occurs in the file (one pass, bounded memory)."""
    return sum(chunk.count(byte) for chunk in file_chunks(path))


def count_newlines(path: Path) -> int:
    """The file's ``\\n`` bytes, counted by polars (SIMD, on its threads: a third of the CPU of
    :func:`count_bytes`, which it falls back to).

    Polars counts the records of the file read without quoting: one per
    newline, plus a last line without one. Any bytes are fine (it does not
    decode them); ``tests/test_ingest_fast.py`` holds it to ``bytes.count``.
    """
    import polars as pl

    size = path.stat().st_size
    if not size:
        return 0
    try:
        records = pl.scan_csv(path, has_header=False, quote_char=None, separator="\x1f",
                              schema={"line": pl.String}).select(pl.len()).collect().item()
    except Exception as exc:  # noqa: BLE001 - a count is still owed: the slow way
        log.debug("%s: polars could not count lines (%s); counting bytes", path, exc)
        return count_bytes(path, b"\n")
    with path.open("rb") as fh:
        fh.seek(size - 1)
        return records - (fh.read(1) != b"\n")
