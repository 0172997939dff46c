"""Format recognition of transfer files: header spellings, encodings, time formats, names and folders.

Pure functions of a file's first bytes, its header cells or its path; nothing
here reads a whole file.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Sequence

from monitor.errors import InputError
from monitor.text import normalize_label
from monitor.vocab import TRANSFER_FIELDS

FIELDS = {f.name: f for f in TRANSFER_FIELDS}
REQUIRED = tuple(f.name for f in TRANSFER_FIELDS if f.required)
OPTIONAL = tuple(f.name for f in TRANSFER_FIELDS if not f.required)
_ALIASES: dict[str, str] = {normalize_label(a): f.name for f in TRANSFER_FIELDS for a in (f.name, *f.aliases)}
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M",
                "%Y%m%d%H%M%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y%m%d %H:%M:%S",
                "%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日")
QUOTE_MAX = 300  # characters of a value quoted in an error message
_PERIOD_IN_NAME = re.compile(r"(?:^|\D)(\d{4})-?(\d{2})(?:-?(\d{2}))?$")


def quote(value, limit: int = QUOTE_MAX) -> str:
    """``repr`` of a value for an error message, cut to ``limit`` characters (a 50 MB field stays readable).

    >>> quote("x" * 1000, 5)
    "'xxxxx'... (1,000 characters)"
    """
    text = "" if value is None else str(value)
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}... ({len(text):,} characters)"


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


def pick_time_format(samples: Sequence[str]) -> str | None:
    """The first of :data:`TIME_FORMATS` that reads every non-empty sample, or ``None``.

    A file uses one format; parsing with it alone is ~10x faster than trying
    the whole list on every row (the list remains the fallback).
    """
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


def reads_any_time(samples: Sequence[str]) -> bool:
    """Whether some sample reads with one of :data:`TIME_FORMATS`: if none does, the column is in
    another spelling (a bad value among good ones is the canonical path's to name)."""
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
