"""Vectorised reading of a text statement's body: cells, amounts and dates column by column (polars).

Every step is exact or declines: a line or value the vectorised step cannot read exactly as the row-by-row
reader would is marked, and the reader hands it to the row-by-row code (which reads it, or raises the error
naming its line and column). So the result, and every error message, is the row-by-row reader's.
"""

from __future__ import annotations

import re

import polars as pl

from monitor.statements import dates
from monitor.statements.aliases import FOOTER_PATTERNS, OPENING_WORDS
from monitor.statements.recognise import clean_text

# what Python's str.strip() removes (polars' whitespace differs at a few control characters); a test
# holds this to str.isspace()
PY_WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
                 "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
_JUNK = ["￥", "¥", "元", ",", "，", " ", "RMB", "CNY"]

# Words of lines that may be anything but a transaction row (footer, opening balance, page break): a
# superset of the row-by-row tests (FOOTER_PATTERNS, the 合计 labels, OPENING_WORDS), which then decide.
_SPECIAL_ZH = "|".join(["合计", "总计", "笔", "金额", "打印", "制表", "复核", "经办", "温馨提示", "注:", "注：", "以上信息",
                        "期末余额", "本对账单",
                        *[w for w in OPENING_WORDS if not w.isascii()]])
_SPECIAL_EN = "(?i)" + "|".join(["total", "closing", "number of", "trailer", "opening", "b/f", "brought",
                                 *[w for w in OPENING_WORDS if w.isascii()]])
_SPECIAL_CONTROL = ("\x0c", "\r")  # a page break; a CR inside a line (searched apart: they slow the patterns)
_BORDER = r"^[\s+\-=|_─━┼┏┓┗┛│]*$"
assert all(re.fullmatch(r"[\w /]+", w) for w in OPENING_WORDS)  # plain words: no escaping in the patterns
assert len(FOOTER_PATTERNS) == 6  # the words above were written for these patterns: review them together


def read_body(lines, data: bytes | None, delimiter: str, width: int, skip: int = 0) -> pl.DataFrame | None:
    """The body lines as a frame: ``raw`` (the line) and its cells ``c0``… (cleaned; null when missing).

    ``lines`` is the body's sequence of lines; ``data`` the whole file as UTF-8 bytes when the caller has
    them, whose first ``skip`` lines are not the body. polars splits a line as
    :func:`monitor.statements.recognise.split_line` does, or raises (``"ab"c``); a quote that opens a field
    and never closes joins lines, which the line count shows. ``None``: split the file line by line instead
    (also for box-drawn prints, whose frame bars are not columns).
    """
    count = len(lines)
    if not count:
        return None
    # polars drops one CR before each LF, as the lines do; any other CR: give polars the lines themselves
    if data is None or (b"\r" in data and (data.count(b"\r") != data.count(b"\r\n") or b"\r\r" in data)):
        data, skip = ("\n".join(lines[:]) + "\n").encode("utf-8"), 0
    separator = next((chr(b) for b in range(1, 32) if b not in (9, 10, 13) and bytes([b]) not in data), None)
    if separator is None:
        return None
    names = [f"c{i}" for i in range(width)]
    try:
        cells = pl.read_csv(data, has_header=False, separator=delimiter, quote_char='"', skip_lines=skip,
                            schema={n: pl.String for n in names}, truncate_ragged_lines=True,
                            raise_if_empty=False)
        raw = pl.read_csv(data, has_header=False, separator=separator, quote_char=None, skip_lines=skip,
                          schema={"raw": pl.String}, raise_if_empty=False)
    except pl.exceptions.PolarsError:
        return None
    if cells.height != count or raw.height != count:
        return None
    raw = raw["raw"].fill_null("")
    if delimiter == "|" and raw.str.strip_chars_start(PY_WHITESPACE).str.starts_with("|").any():
        return None
    unwrap = raw.str.contains('="', literal=True).any()
    # polars' whitespace is Python's but for \x1c-\x1f: without those characters its own (faster) strip is exact
    plain = not raw.str.contains("[\x1c-\x1f]").any()
    return cells.with_columns([clean(pl.col(n), unwrap, plain).alias(n) for n in names]).with_columns(raw=raw)


def sheet_body(rows: list[list], width: int) -> pl.DataFrame:
    """A spreadsheet's body rows as :func:`read_body`'s frame: each cell as the row-by-row code reads it as text
    (:func:`cell_text`; null past a row's end), ``raw`` every cell's text joined by spaces (for the word tests
    of :func:`special_lines`).

    A column of text cells is cleaned column-wise; a column holding numbers or dates cell by cell.
    """
    from itertools import zip_longest

    columns = list(zip_longest(*rows, fillvalue=None)) if rows else []
    names = [f"c{i}" for i in range(max(width, len(columns)))]
    series = []
    for name, column in zip(names, columns):
        if not all(type(v) is str or v is None for v in column):
            # numbers and dates as text here; the text cells are cleaned below (which leaves these as they are)
            column = [v if type(v) is str else cell_text(v) for v in column]
        series.append(pl.Series(name, column, dtype=pl.String))
    frame = pl.DataFrame(series, schema={n: pl.String for n in names[:len(series)]}, height=len(rows))
    frame = frame.with_columns([pl.lit(None, pl.String).alias(n) for n in names[len(series):]])
    unwrap = any(frame[n].str.contains('="', literal=True).any() for n in names)
    frame = frame.with_columns([clean(pl.col(n), unwrap).alias(n) for n in names])
    raw = pl.concat_str([pl.col(n) for n in names], separator=" ", ignore_nulls=True) if names else pl.lit("")
    return frame.select(*names[:width], raw=raw)


def cell_text(value: object, cleaned: bool = False) -> str | None:
    """A spreadsheet cell as the row-by-row reader reads it as text (``reader._cell``; and
    ``reader.parse_amount``, which gives a float the value of its ``repr``): a whole float as an integer,
    other values as ``str``; text through :func:`monitor.statements.recognise.clean_text` unless ``cleaned``."""
    if isinstance(value, str):
        return value if cleaned else clean_text(value)
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def clean(expr: pl.Expr, unwrap: bool = True, plain: bool = False) -> pl.Expr:
    """:func:`monitor.statements.recognise.clean_text` on a column (``unwrap``: the ``="…"`` wrapper too;
    ``plain``: the text holds none of \x1c-\x1f)."""
    chars = None if plain else PY_WHITESPACE
    stripped = expr.str.strip_chars(chars)
    if not unwrap:
        return stripped
    unwrapped = stripped.str.extract(r'(?s)^="(.*)"$', 1)
    return pl.when(unwrapped.is_not_null()).then(unwrapped.str.strip_chars(chars)).otherwise(stripped)


def special_lines(frame: pl.DataFrame, delimiter: str, header_at: int, header_label: str, date_cols: list[int],
                  needed: int) -> pl.Series:
    """Lines the row-by-row code must look at; all others are transaction rows.

    A superset of what :class:`monitor.statements.reader._Splitter` tells apart: footer and opening-balance
    words, page breaks, borders, blank lines, a repeated header (its label at ``header_at``), lines without
    a date and lines that may have fewer fields than the columns need. ``delimiter`` is ``None`` for a
    spreadsheet (:func:`sheet_body`).
    """
    width = len([c for c in frame.columns if re.fullmatch(r"c\d+", c)])
    empty = [pl.col(f"c{i}").is_null() | (pl.col(f"c{i}") == "") for i in range(width)]
    raw = pl.col("raw")
    test = raw.str.contains(_SPECIAL_ZH) | raw.str.contains(_SPECIAL_EN) | raw.str.contains(_BORDER) | \
        pl.all_horizontal(empty)
    for char in _SPECIAL_CONTROL:
        test = test | raw.str.contains(char, literal=True)
    if header_label:
        cell = pl.col(f"c{header_at}").fill_null("")
        first = header_label[0]
        if not (first.lower() == first.upper() == first and first not in "（）：／" and not first.isspace()):
            folded = cell.str.to_lowercase().str.replace_all(r"\s", "") \
                .str.replace_many(["（", "）", "：", "／"], ["(", ")", ":", "/"])
            test = test | folded.str.contains(header_label.replace(" ", ""), literal=True)
        else:  # a label that case and folding leave alone: the cell holds its first character
            test = test | cell.str.contains(header_label[0], literal=True)
    if date_cols:
        test = test | pl.all_horizontal([empty[i] for i in date_cols])
    special = frame.select(test.fill_null(True).alias("special")).to_series()
    # a null last cell is a missing field or an empty one: counting delimiters tells which, unless quoted
    missing = frame.select(pl.col(f"c{needed - 1}").is_null()).to_series()
    if missing.any() and delimiter is None:  # a sheet's row that ends early
        special = special | missing
    elif missing.any():
        rows = frame.filter(missing)
        short = rows.select(raw.str.contains('"', literal=True) |
                            (raw.str.count_matches(delimiter, literal=True) < needed - 1)).to_series()
        special = special.scatter(missing.arg_true().filter(short), True)
    return special


# --- amounts ---------------------------------------------------------------------------------------------------

def amount_micros(values: pl.Series) -> pl.Series:
    """Amounts (cleaned text) as integer micro-units; null for empty text *and* for anything unusual.

    The caller tells the two apart: a null where the text is not empty goes to the row-by-row code.
    """
    plain = values.str.replace_all(",", "", literal=True)
    # up to 12 digits before the point and 6 after: micro-units fit an Int64 (larger ones: row by row)
    ok = plain.str.contains(r"^-?\d{1,12}(\.\d{1,6})?$")
    if not (ok | (values == "")).fill_null(True).all():
        # other writing (元, ￥, (…), full-width commas…): the whole cleaning of parse_amount
        negative = values.str.starts_with("(") & values.str.ends_with(")")
        plain = values.str.strip_chars("()").str.replace_many(_JUNK, [""] * len(_JUNK))
        ok = plain.str.contains(r"^[+-]?\d{1,12}(\.\d{1,6})?$")
        plain = pl.select(pl.when(negative & ~plain.str.starts_with("-"))
                          .then(pl.lit("-") + plain.str.strip_chars_start("+"))
                          .when(negative).then(plain.str.slice(1)).otherwise(plain)).to_series()
        plain = plain.set(~ok.fill_null(False), None)
    # empty text is null after the cast; everything else passed the pattern
    return plain.cast(pl.Decimal(18, 6), strict=False).to_physical().cast(pl.Int64)


def yuan(column: str) -> pl.Expr:
    """Integer cents as float 元, each the nearest double to the exact value (as ``float(Decimal)`` gives).

    ``cents / 100`` in polars multiplies by 0.01, which is one ulp off for many values.
    """
    def divide(cents: pl.Series) -> pl.Series:
        exact = pl.Series(cents.name, cents.fill_null(0).to_numpy().astype("float64") / 100.0)
        return exact.set(cents.is_null(), None)  # a missing balance stays null (not 0.0)

    return pl.col(column).map_batches(divide, return_dtype=pl.Float64)


def micros_to_cents(micros: pl.Expr, wanyuan: bool) -> pl.Expr:
    """Micro-units to cents, ×10,000 for 万元, rounded half away from zero (Decimal's ROUND_HALF_UP)."""
    if wanyuan:
        return micros  # 10^-6 万元 is one cent
    magnitude = micros.abs()
    rounded = magnitude // 10_000 + (magnitude % 10_000 >= 5_000).cast(pl.Int64)
    return pl.when(micros < 0).then(-rounded).otherwise(rounded)


# --- dates -------------------------------------------------------------------------------------------------------

SAMPLE = 4000


def _polars_parse(values: pl.Series, fmt: str, kind: str) -> pl.Series:
    dtype = pl.Time if kind == "time" else pl.Datetime("us")
    try:
        return values.str.strptime(dtype, fmt, strict=False)
    except pl.exceptions.PolarsError:  # a format polars does not take: Python reads every value
        return pl.Series([None] * len(values), dtype=dtype)


def _python_parse(fmt: str):
    parse = dates._strp(fmt)

    def one(text: str):
        try:
            return parse(text)
        except (ValueError, TypeError, OverflowError):
            return None
    return one


def parse_column(values: pl.Series, fmt: str, kind: str) -> pl.Series:
    """Every value read with ``fmt`` as :func:`datetime.datetime.strptime` reads it; unreadable values, empty
    text and nulls are null."""
    got = _polars_parse(values, fmt, kind)
    missed = got.is_null() & values.is_not_null() & (values != "")
    if missed.any():
        # polars and Python differ at the edges (widths, spaces): Python decides the values polars missed
        idx = missed.arg_true()
        one = _python_parse(fmt)
        fixed = [one(v) for v in values.gather(idx).to_list()]
        if any(f is not None for f in fixed):
            dtype = pl.Time if kind == "time" else pl.Datetime("us")
            got = got.scatter(idx, pl.Series(fixed, dtype=dtype))
    return got


def _sample(unique: pl.Series) -> list[str]:
    if unique.len() <= SAMPLE:
        return unique.to_list()
    step = unique.len() // (SAMPLE // 2)
    return unique.head(SAMPLE // 2).to_list() + unique.gather_every(step).to_list()


def infer_column(values: pl.Series, lines: pl.Series, *, column: str, date_format: str | None,
                 prefer_time: bool) -> tuple[dates.ColumnFormat | None, pl.Series | None] | None:
    """:func:`monitor.statements.dates.infer` on a column of cleaned text, and the column read with it.

    Returns ``None`` when the column needs the row-by-row inference (shapes other than strptime formats,
    or when polars and Python disagree on the sample).
    """
    present_mask = values.is_not_null() & (values != "")
    unique = values.unique()  # the distinct values first: filtering them costs less than the column
    unique = unique.filter(unique.is_not_null() & (unique != "")).sort()  # sorted: the same sample always
    if unique.len() == 0:
        return None, None
    sample = _sample(unique)
    if date_format:
        fmt = dates.infer([(0, values[int(present_mask.arg_max())])], column=column, date_format=date_format)
        kind = "time" if fmt.kind == "time" else "date"
        return (fmt, parse_column(values, date_format, kind)) if _agrees(sample, date_format, kind) else None
    if unique.str.contains(r"^\d+\.\d+$").all():
        return None  # perhaps Excel serial numbers: read row by row
    if unique.str.contains(r"T|(Z|[+-]\d\d:?\d\d)$").all():  # perhaps ISO 8601 (dates._iso's own test)
        iso = _iso_all(unique)
        if iso is not None:
            fmt = dates.ColumnFormat("datetime", lambda v: dates._iso(str(v).strip()), "ISO 8601")
            return fmt, values.replace_strict(unique, iso, default=None, return_dtype=pl.Datetime("us"))
    python: dict[str, list] = {}  # the sample as Python reads it with each format that reads it all
    for f, _ in dates.FORMATS:
        read = _python_all(sample, f)
        if read is not None:
            python[f] = read
    fitting = [(f, k) for f, k in dates.FORMATS if f in python]
    if not fitting:  # none fits the sample, so none fits the column
        return None, None
    checked: dict[str, bool] = {}
    read_unique: dict[str, pl.Series] = {}  # the distinct values read with each format

    def fits_all(fmt: str, kind: str) -> bool:
        if fmt not in checked:
            # polars must read the sample as Python does, else the column is read row by row
            if not _agrees(sample, fmt, kind, python[fmt]):
                raise _Decline
            read_unique[fmt] = parse_column(unique, fmt, "time" if kind == "time" else "date")
            checked[fmt] = read_unique[fmt].null_count() == 0
        return checked[fmt]

    try:
        fitting = [(f, k) for f, k in fitting if fits_all(f, k)]
        if not fitting:
            return None, None
        if prefer_time and any(kind == "time" for _, kind in fitting):
            fitting = [f for f in fitting if f[1] == "time"]
        names = [f for f, _ in fitting]
        for day_first, month_first in dates.AMBIGUOUS_PAIRS:
            both = [f for f in names if f.startswith(day_first)], [f for f in names if f.startswith(month_first)]
            if both[0] and both[1]:
                present = values.filter(present_mask)
                a = parse_column(present, both[0][0], "date")
                b = parse_column(present, both[1][0], "date")
                differ = (a != b).fill_null(False)
                if differ.any():
                    first = int(differ.arg_true()[0])
                    line = int(lines.filter(present_mask)[first])
                    _ambiguous(present[first], line, column, day_first, month_first)
    except _Decline:
        return None
    fmt, kind = fitting[0]
    # each value as its distinct value was read (a lookup costs less than reading a million again)
    parsed = values.replace_strict(unique, read_unique[fmt], default=None, return_dtype=read_unique[fmt].dtype)
    return dates.ColumnFormat(kind, lambda v, f=dates._strp(fmt): f(str(v).strip()), fmt), parsed


def _iso_all(unique: pl.Series) -> pl.Series | None:
    """Each value read as :func:`monitor.statements.dates.infer` reads ISO 8601 (in China time), or ``None``
    when one is not ISO 8601. Python's own parser, once per distinct value."""
    out = []
    for text in unique.to_list():
        try:
            out.append(dates._iso(text))
        except (ValueError, TypeError, OverflowError):
            return None
    return pl.Series(out, dtype=pl.Datetime("us"))


class _Decline(Exception):
    pass


def _agrees(sample: list[str], fmt: str, kind: str, python: list | None = None) -> bool:
    """Whether polars reads every sample value as :func:`datetime.datetime.strptime` does (``python``: the
    values as Python read them, when known)."""
    got = _polars_parse(pl.Series(sample, dtype=pl.String), fmt, "time" if kind == "time" else "date").to_list()
    if python is not None:
        return all(have is None or have == want for have, want in zip(got, python))
    one = _python_parse(fmt)
    return all(have is None or have == one(text) for text, have in zip(sample, got))


def _python_all(sample: list[str], fmt: str) -> list | None:
    """Every sample value as :func:`monitor.statements.dates._strp` reads it, or ``None`` when one does not read."""
    parse = dates._strp(fmt)
    read = []
    for text in sample:
        try:
            read.append(parse(text))
        except (ValueError, TypeError, OverflowError):
            return None
    return read


def _ambiguous(text, line, column, day_first, month_first):
    from monitor.statements.errors import StatementError

    raise StatementError(
        f"ambiguous date {text!r}: day/month order cannot be told (every value fits both "
        f"{day_first} and {month_first})", line=line, column=column,
        hint="give --date-format '%d/%m/%Y' or '%m/%d/%Y', or date_format in the bank profile",
        code="ambiguous_date_order")
