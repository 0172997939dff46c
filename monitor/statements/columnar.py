"""Vectorised reading of a text statement's body: cells, amounts and dates column by column (polars).

Every step is exact or declines: a line or value the vectorised step cannot read exactly as the row-by-row
reader would is marked, and the reader hands it to the row-by-row code (which reads it, or raises the error
naming its line and column). So the result, and every error message, is the row-by-row reader's.
"""

from __future__ import annotations

import datetime as dt
import re

import polars as pl

from monitor.statements import dates
from monitor.statements.aliases import FOOTER_PATTERNS, OPENING_WORDS

# what Python's str.strip() removes (polars' whitespace differs at a few control characters); a test
# holds this to str.isspace()
PY_WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
                 "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
_JUNK = ["￥", "¥", "元", ",", "，", " ", "RMB", "CNY"]
MAX_WHOLE_DIGITS = 12  # amounts up to 10^12 in micro-units fit an Int64
MICRO = 1_000_000

# Lines that may be anything but a transaction row (footer, opening balance, border, page break, a repeated
# header): a superset of the row-by-row tests, which then decide for these lines only.
_SPECIAL = "|".join([
    "计", "笔", "金额", "打印", "制表", "复核", "经办", "温馨提示", "注[:：]", "以上信息", "备注[:：]",
    "total", "closing", "number of", "trailer", "opening", "b/f", "brought", "\x0c", "\r",
    *OPENING_WORDS,
])
_BORDER = r"^[\s+\-=|_─━┼┏┓┗┛│]*$"
assert all(re.fullmatch(r"[\w /]+", w) for w in OPENING_WORDS)  # plain words: no escaping in _SPECIAL
assert len(FOOTER_PATTERNS) == 6  # the triggers above were written for these patterns: review them together


def _field(delimiter: str) -> str:
    d = re.escape(delimiter)
    return f'(?:"[^"]*"|[^"{d}]*)'


def split_body(lines: list[str], delimiter: str, width: int) -> pl.DataFrame | None:
    """The body lines as a frame: ``pos`` (0-based in ``lines``), ``raw``, ``nfields``, ``simple`` and ``c0``…

    Cells are split as :func:`monitor.statements.recognise.split_line` splits them for lines whose quotes
    enclose whole fields (``simple``); other lines are left to the row-by-row code. ``None`` when the file
    needs the row-by-row split throughout (a box-drawn print).
    """
    raw = pl.Series("raw", lines, dtype=pl.String)
    if delimiter == "|" and raw.str.strip_chars(PY_WHITESPACE).str.starts_with("|").any():
        return None
    d = re.escape(delimiter)
    field = _field(delimiter)
    frame = pl.DataFrame({"pos": pl.int_range(0, len(lines), eager=True, dtype=pl.Int64), "raw": raw})
    quoted = raw.str.contains('"', literal=True)
    frame = frame.with_columns(
        quoted=quoted,
        simple=(~quoted | raw.str.contains(f"^{field}(?:{d}{field})*$")) & ~raw.str.contains("\r", literal=True),
        nfields=(raw.str.replace_all('"[^"]*"', "").str.count_matches(d, literal=False) + 1).cast(pl.Int32),
    )
    plain = frame.filter(~pl.col("quoted"))
    parts = plain.select("pos", pl.col("raw").str.split(delimiter).alias("cells"))
    parts = parts.select("pos", *[pl.col("cells").list.get(i, null_on_oob=True).alias(f"c{i}")
                                  for i in range(width)])
    with_quotes = frame.filter(pl.col("quoted") & pl.col("simple"))
    if with_quotes.height:
        import io

        body = ("\n".join(with_quotes["raw"].to_list()) + "\n").encode("utf-8")
        most = max(int(with_quotes["nfields"].max()), width)
        read = pl.read_csv(io.BytesIO(body), has_header=False, separator=delimiter, quote_char='"',
                           schema={f"c{i}": pl.String for i in range(most)}, truncate_ragged_lines=True)
        if read.height != with_quotes.height:
            return None
        read = read.select([f"c{i}" for i in range(width)]).with_columns(
            [pl.col(f"c{i}").fill_null("") for i in range(width)])
        # a field beyond a line's own count is missing (None), not empty
        read = read.with_columns(pos=with_quotes["pos"], n=with_quotes["nfields"]).with_columns(
            [pl.when(pl.col("n") > i).then(pl.col(f"c{i}")).alias(f"c{i}") for i in range(width)]).drop("n")
        parts = pl.concat([parts, read.select(parts.columns)]).sort("pos")
    frame = frame.join(parts, on="pos", how="left").sort("pos")
    return frame.with_columns([clean(pl.col(f"c{i}")).alias(f"c{i}") for i in range(width)])


def clean(expr: pl.Expr) -> pl.Expr:
    """:func:`monitor.statements.recognise.clean_text` on a column."""
    stripped = expr.str.strip_chars(PY_WHITESPACE)
    unwrapped = stripped.str.extract(r'(?s)^="(.*)"$', 1)
    return pl.when(unwrapped.is_not_null()).then(unwrapped.str.strip_chars(PY_WHITESPACE)).otherwise(stripped)


def special_lines(frame: pl.DataFrame, header_label: str, date_cols: list[int], needed: int) -> pl.Series:
    """Lines the row-by-row code must look at (see ``_SPECIAL``); the others are transaction rows."""
    lowered = pl.col("raw").str.to_lowercase()
    cells = [pl.col(f"c{i}") for i in range(len([c for c in frame.columns if re.fullmatch(r"c\d+", c)]))]
    folded = lowered.str.replace_all(r"\s", "").str.replace_many(["（", "）", "：", "／"], ["(", ")", ":", "/"])
    empty = [c.is_null() | (c == "") for c in cells]
    blank = pl.all_horizontal(empty) if empty else pl.lit(True)
    test = (
        ~pl.col("simple")
        | lowered.str.contains(_SPECIAL)
        | pl.col("raw").str.contains(_BORDER)
        | blank
        | (pl.col("nfields") < needed)
    )
    if header_label:
        test = test | folded.str.contains(header_label.replace(" ", ""), literal=True)
    if date_cols:
        test = test | pl.all_horizontal([empty[i] for i in date_cols])
    return frame.select(test.alias("special")).to_series()


# --- amounts ---------------------------------------------------------------------------------------------------

def amount_micros(values: pl.Expr) -> pl.Expr:
    """Amounts (cleaned text) as integer micro-units; null for empty text *and* for anything unusual.

    The caller tells the two apart: a null where the text is not empty goes to the row-by-row code.
    """
    text = values
    negative = text.str.starts_with("(") & text.str.ends_with(")")
    text = text.str.strip_chars("()").str.replace_many(_JUNK, [""] * len(_JUNK))
    ok = text.str.contains(r"^[+-]?\d{1,12}(\.\d{1,6})?$")
    whole = text.str.extract(r"^[+-]?(\d+)", 1).cast(pl.Int64)
    frac = text.str.extract(r"\.(\d+)$", 1).fill_null("").str.pad_end(6, "0").cast(pl.Int64)
    sign = pl.when(text.str.starts_with("-")).then(-1).otherwise(1) * pl.when(negative).then(-1).otherwise(1)
    return pl.when(ok).then((whole * MICRO + frac) * sign)


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
    if kind == "time":
        return values.str.strptime(pl.Time, fmt, strict=False)
    try:
        return values.str.strptime(pl.Datetime("us"), fmt, strict=False)
    except pl.exceptions.PolarsError:
        return pl.Series([None] * len(values), dtype=pl.Datetime("us"))


def _python_parse(fmt: str):
    parse = dates._strp(fmt)

    def one(text: str):
        try:
            return parse(text)
        except (ValueError, TypeError, OverflowError):
            return None
    return one


def parse_column(values: pl.Series, fmt: str, kind: str) -> pl.Series | None:
    """Every value read with ``fmt`` as :func:`datetime.datetime.strptime` reads it; ``None`` when it cannot
    be told cheaply (the caller then reads the column row by row). Unreadable values are null."""
    got = _polars_parse(values, fmt, kind)
    missed = got.is_null() & values.is_not_null()
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
    present = values.filter(present_mask)
    if present.len() == 0:
        return None, None
    if date_format:
        fmt = dates.infer([(0, present[0])], column=column, date_format=date_format)
        kind = fmt.kind
        parsed = parse_column(values.set(~present_mask, None), date_format, "time" if kind == "time" else "date")
        return fmt, parsed
    unique = present.unique(maintain_order=True)
    if unique.str.contains(r"^\d+(\.\d+)?$").all() or unique.str.contains(r"T|Z$|[+-]\d\d:?\d\d$").any():
        return None  # Excel serials or ISO 8601: rare in large files, read row by row
    sample = _sample(unique)
    fitting = [(f, k) for f, k in dates.FORMATS if all(dates._try(dates._strp(f), t) for t in sample)]
    if not fitting:
        return None
    checked: dict[str, bool] = {}

    def fits_all(fmt: str, kind: str) -> bool:
        if fmt not in checked:
            # polars must read the sample as Python does, else the column is read row by row
            if not _agrees(sample, fmt, kind):
                raise _Decline
            checked[fmt] = parse_column(unique, fmt, "time" if kind == "time" else "date").null_count() == 0
        return checked[fmt]

    try:
        fitting = [(f, k) for f, k in fitting if fits_all(f, k)]
        if not fitting:
            return None
        if prefer_time and any(kind == "time" for _, kind in fitting):
            fitting = [f for f in fitting if f[1] == "time"]
        names = [f for f, _ in fitting]
        for day_first, month_first in dates.AMBIGUOUS_PAIRS:
            both = [f for f in names if f.startswith(day_first)], [f for f in names if f.startswith(month_first)]
            if both[0] and both[1]:
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
    parsed = parse_column(values.set(~present_mask, None), fmt, "time" if kind == "time" else "date")
    return dates.ColumnFormat(kind, lambda v, f=dates._strp(fmt): f(str(v).strip()), fmt), parsed


class _Decline(Exception):
    pass


def _agrees(sample: list[str], fmt: str, kind: str) -> bool:
    """Whether polars reads every sample value as :func:`datetime.datetime.strptime` does."""
    got = _polars_parse(pl.Series(sample, dtype=pl.String), fmt, "time" if kind == "time" else "date").to_list()
    one = _python_parse(fmt)
    return all(have is None or have == one(text) for text, have in zip(sample, got))


def _ambiguous(text, line, column, day_first, month_first):
    from monitor.statements.errors import StatementError

    raise StatementError(
        f"ambiguous date {text!r}: day/month order cannot be told (every value fits both "
        f"{day_first} and {month_first})", line=line, column=column,
        hint="give --date-format '%d/%m/%Y' or '%m/%d/%Y', or date_format in the bank profile",
        code="ambiguous_date_order")
