"""Dates and times: one format inferred per column from all its values; ambiguous day/month refused."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Callable, Sequence

from monitor.statements.errors import StatementError

CHINA = dt.timezone(dt.timedelta(hours=8))  # no daylight saving since 1991
EXCEL_EPOCH = dt.datetime(1899, 12, 30)

# (name, strptime format, kind); tried in this order. ``%d/%m/%Y`` and ``%m/%d/%Y`` are the ambiguous pair.
DATE_FORMATS: tuple[tuple[str, str], ...] = (
    ("%Y-%m-%d", "date"), ("%Y/%m/%d", "date"), ("%Y.%m.%d", "date"), ("%Y%m%d", "date"),
    ("%Y年%m月%d日", "date"), ("%d %b %Y", "date"), ("%d-%b-%Y", "date"), ("%d/%m/%Y", "date"),
    ("%m/%d/%Y", "date"), ("%d.%m.%Y", "date"), ("%m.%d.%Y", "date"),
)
TIME_FORMATS: tuple[str, ...] = ("%H:%M:%S", "%H:%M", "%H%M%S", "%H时%M分%S秒", "%H时%M分")
_NUMERIC = re.compile(r"^\d+(\.\d+)?$")
AMBIGUOUS_PAIRS = (("%d/%m/%Y", "%m/%d/%Y"), ("%d.%m.%Y", "%m.%d.%Y"))


def _all_formats() -> list[tuple[str, str]]:
    out = []
    for fmt, _ in DATE_FORMATS:
        out.append((fmt, "date"))
        for tfmt in TIME_FORMATS:
            out.append((f"{fmt} {tfmt}", "datetime"))
            if fmt == "%Y-%m-%d":
                out.append((f"{fmt}T{tfmt}", "datetime"))
    out.append(("%Y%m%d%H%M%S", "datetime"))  # a host file's 20171101213154
    out += [(t, "time") for t in TIME_FORMATS]
    return out


FORMATS = _all_formats()


@dataclass
class ColumnFormat:
    """How one column's values become dates, datetimes or times."""

    kind: str  # "date", "datetime" or "time"
    parse: Callable[[object], dt.datetime | dt.time]
    name: str


def _to_local(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is not None:
        value = value.astimezone(CHINA).replace(tzinfo=None)
    return value


def _excel_serial(value: float) -> dt.datetime:
    return EXCEL_EPOCH + dt.timedelta(days=float(value))


def _iso(text: str) -> dt.datetime:
    if "T" not in text and not re.search(r"(Z|[+-]\d\d:?\d\d)$", text):
        raise ValueError(text)
    return _to_local(dt.datetime.fromisoformat(text))


def _typed(value: object) -> dt.datetime | dt.time | None:
    if isinstance(value, dt.datetime):
        return _to_local(value)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, dt.time):
        return value
    if isinstance(value, dt.timedelta):  # calamine: a time-of-day cell
        return (dt.datetime.min + value).time()
    return None


def _kind_of_typed(values: Sequence[object]) -> str | None:
    kinds = set()
    for v in values:
        if isinstance(v, dt.datetime):
            kinds.add("datetime" if (v.hour, v.minute, v.second, v.microsecond) != (0, 0, 0, 0) else "date")
        elif isinstance(v, dt.date):
            kinds.add("date")
        elif isinstance(v, (dt.time, dt.timedelta)):
            kinds.add("time")
        else:
            return None
    if kinds <= {"date", "datetime"}:
        return "datetime" if "datetime" in kinds else "date"
    return kinds.pop() if len(kinds) == 1 else None


def infer(values: Sequence[tuple[int, object]], *, column: str, date_format: str | None = None,
          prefer_time: bool = False) -> ColumnFormat | None:
    """The format that reads every non-empty value of a column, or ``None`` when none does.

    ``values`` are ``(line, value)`` pairs. Raises :class:`StatementError` when only a day-first and a
    month-first reading both fit and some value reads differently under the two.
    """
    present = [(line, v) for line, v in values if not (isinstance(v, str) and not v.strip()) and v is not None]
    if not present:
        return None
    raw = [v for _, v in present]
    if date_format:
        def parse_fixed(v, fmt=date_format):
            typed = _typed(v)
            return typed if typed is not None else dt.datetime.strptime(str(v).strip(), fmt)
        kind = "time" if not re.search(r"%[dYyjbBm]", date_format) else (
            "datetime" if re.search(r"%[HIMS]", date_format) else "date")
        return ColumnFormat(kind, parse_fixed, date_format)
    typed_kind = _kind_of_typed(raw)
    if typed_kind:
        return ColumnFormat(typed_kind, _typed, "cell")
    texts = [str(v).strip() if not isinstance(v, (int, float)) else v for v in raw]
    # Excel serial numbers (a number cell, or digits in text) in a plausible range: 1954..2064
    if all(isinstance(t, (int, float)) or (isinstance(t, str) and _NUMERIC.match(t) and "." in t)
           for t in texts) and all(20000 <= float(t) <= 60000 for t in texts):
        return ColumnFormat("datetime" if any(float(t) % 1 for t in texts) else "date",
                            lambda v: _excel_serial(float(v)), "excel serial")
    if all(isinstance(t, float) and 0 <= t < 1 for t in texts):
        return ColumnFormat("time", lambda v: (dt.datetime.min + dt.timedelta(days=float(v))).time(), "day fraction")
    texts = [str(t) for t in texts]
    if all(_try(_iso, t) for t in texts):
        return ColumnFormat("datetime", lambda v: _iso(str(v).strip()), "ISO 8601")
    fitting = [(fmt, kind) for fmt, kind in FORMATS if all(_try(_strp(fmt), t) for t in texts)]
    if not fitting:
        _refuse_odd_one(present, texts, column)
        return None
    if prefer_time and any(kind == "time" for _, kind in fitting):
        # ``175216`` reads as a time and (wrongly) as the date 1752-1-6: a time column means the time.
        fitting = [f for f in fitting if f[1] == "time"]
    names = [f for f, _ in fitting]
    for day_first, month_first in AMBIGUOUS_PAIRS:
        both = [f for f in names if f.startswith(day_first)], [f for f in names if f.startswith(month_first)]
        if both[0] and both[1]:
            for line, text in zip((ln for ln, _ in present), texts):
                a, b = _strp(both[0][0])(text), _strp(both[1][0])(text)
                if a != b:
                    raise StatementError(
                        f"ambiguous date {text!r}: day/month order cannot be told (every value fits both "
                        f"{day_first} and {month_first})", line=line, column=column,
                        hint="give --date-format '%d/%m/%Y' or '%m/%d/%Y', or date_format in the bank profile",
                        code="ambiguous_date_order")
    fmt, kind = fitting[0]
    return ColumnFormat(kind, lambda v, f=_strp(fmt): f(str(v).strip()), fmt)


def _refuse_odd_one(present, texts: list[str], column: str) -> None:
    """When one format reads all values but a few (``20170230…`` among good dates), name the first it cannot
    read: an impossible date is refused, never rolled over or clamped."""
    best, most = None, 0
    for fmt, _ in FORMATS:
        parse = _strp(fmt)
        read = sum(1 for t in texts if _try(parse, t))
        if read > most:
            best, most = fmt, read
    if best is None or most < max(2, len(texts) * 0.8):
        return
    parse = _strp(best)
    line, text = next((line, t) for (line, _), t in zip(present, texts) if not _try(parse, t))
    raise StatementError(f"cannot read the date {text!r} (the column's other values read as {best})", line=line,
                         column=column, code="bad_date",
                         hint="the date is impossible or damaged: ask the bank for a new export")


def _strp(fmt: str):
    def parse(text: str):
        if fmt == "%Y%m%d%H%M%S" and not re.fullmatch(r"\d{14}", text):
            raise ValueError(f"not 14 digits: {text!r}")  # strptime would take 2017111213154 too
        value = dt.datetime.strptime(text, fmt)
        return value.time() if not re.search(r"%[dYmb]", fmt) else value
    return parse


def _try(parse, text: str) -> bool:
    try:
        parse(text)
        return True
    except (ValueError, TypeError, OverflowError):
        return False


def combine(date_value: dt.datetime, time_value: dt.time | dt.datetime | None) -> dt.datetime:
    """A date and a time of day as one naive China-time datetime."""
    if time_value is None:
        return date_value
    if isinstance(time_value, dt.datetime):
        time_value = time_value.time()
    return dt.datetime.combine(date_value.date(), time_value)
