"""Recognition: encoding, rows of cells, delimiter, header row, preamble key–value lines."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from monitor.statements.aliases import HEADER_ALIASES, PREAMBLE_KEYS
from monitor.statements.errors import StatementError

DELIMITERS = (",", "\t", "|", ";")
HEADER_SCAN_ROWS = 40
MIN_HEADER_SCORE = 3
EXCEL_SUFFIXES = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls"}

Cell = object  # str, or a typed Excel value (float, int, datetime, date, time)


@dataclass
class Grid:
    """A file as rows of cells, each row with its 1-based line (text) or sheet row (Excel) number."""

    path: Path
    encoding: str  # utf-8, utf-8-sig, gb18030, xlsx, xls
    lines: list[str] | None  # text files: the decoded physical lines (split on LF only)
    rows: list[tuple[int, list[Cell]]] = field(default_factory=list)
    delimiter: str | None = None
    ends_with_newline: bool = True
    data: bytes | None = field(default=None, repr=False)  # UTF-8 text files: the bytes as read


def detect_encoding(raw: bytes) -> str:
    """``utf-8-sig`` (BOM), ``utf-8`` when the bytes are valid UTF-8, else ``gb18030`` (a superset of GBK)."""
    if raw.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if is_utf8(raw):
        return "utf-8"
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        raw.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise StatementError("the file is neither UTF-8 nor GB18030/GBK", line=line,
                             hint="set encoding in the bank profile") from None


def is_utf8(raw: bytes) -> bool:
    """Whether ``raw`` is valid UTF-8 (``False`` also when unsure: then decoding decides).

    A large file is checked by pyarrow in place: decoding it to a Python string costs three times the CPU.
    """
    if len(raw) < 1 << 20:
        return False
    import struct

    import pyarrow as pa

    offsets = pa.py_buffer(struct.pack("=qq", 0, len(raw)))  # one string: the whole file
    try:
        pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, pa.py_buffer(raw)]).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


_EXCEL_FORMULA = re.compile(r'^="(.*)"$', re.S)


def clean_text(value: object) -> str:
    """A cell as text without export artefacts: padding spaces and tabs, the ``="…"`` wrapper."""
    if value is None:
        return ""
    text = str(value).strip().strip("\t").strip()
    match = _EXCEL_FORMULA.match(text)
    if match:
        text = match.group(1).strip()
    return text


_LABEL_FOLD = str.maketrans({"（": "(", "）": ")", "：": ":", "　": " ", "／": "/"})


def norm_label(value: object) -> str:
    """A header or preamble label folded for alias comparison."""
    text = clean_text(value).translate(_LABEL_FOLD).lower()
    text = re.sub(r"\s+", " ", text).strip().rstrip(":").strip()
    # Chinese labels lose inner spaces (``交易 日期``); English ones keep one.
    if not re.search(r"[a-z]", text):
        text = text.replace(" ", "")
    return text


def _alias_index() -> dict[str, list[tuple[str, int]]]:
    index: dict[str, list[tuple[str, int]]] = {}
    for role, aliases in HEADER_ALIASES.items():
        for rank, alias in enumerate(aliases):
            index.setdefault(norm_label(alias), []).append((role, rank))
    return index


ALIAS_INDEX = _alias_index()
PREAMBLE_INDEX = {norm_label(a): key for key, aliases in PREAMBLE_KEYS.items() for a in aliases}


def header_roles(label: object, extra: dict[str, list[tuple[str, int]]] | None = None) -> list[tuple[str, int]]:
    """The ``(role, rank)`` pairs a header label may play (empty when it is not a known column name)."""
    key = norm_label(label)
    found = list((extra or {}).get(key, ()))
    found += ALIAS_INDEX.get(key, [])
    return found


def split_line(line: str, delimiter: str) -> list[str]:
    """One physical line split into cells (quotes honoured; a line never continues on the next)."""
    if delimiter == "|" and line.lstrip().startswith("|"):
        # A box-drawn print: ``|a |b |`` — the outer bars are frame, not empty columns.
        body = line.strip()
        body = body[1:-1] if body.endswith("|") else body[1:]
        return body.split("|")
    return next(csv.reader([line], delimiter=delimiter, quotechar='"', skipinitialspace=False), [])


def load(path: Path, encoding: str | None = None) -> Grid:
    """Read a file into a :class:`Grid`: sheet rows for XLSX/XLS, decoded lines for text."""
    kind = EXCEL_SUFFIXES.get(path.suffix.lower())
    raw = path.read_bytes()
    if kind is None and raw[:4] == b"PK\x03\x04":
        kind = "xlsx"
    elif kind is None and raw[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        kind = "xls"
    if kind == "xlsx":
        return Grid(path, "xlsx", None, _xlsx_rows(path))
    if kind == "xls":
        return Grid(path, "xls", None, _xls_rows(path))
    enc = encoding or detect_encoding(raw)
    if enc in ("utf-8", "utf-8-sig") and (encoding is None or _valid(raw, path, enc)):
        start = 3 if enc == "utf-8-sig" and raw.startswith(codecs.BOM_UTF8) else 0
        return Grid(path, enc, Utf8Lines(raw, start), [], ends_with_newline=raw.endswith(b"\n") or len(raw) == start,
                    data=raw)
    try:
        text = raw.decode(enc)
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise StatementError(f"cannot decode as {enc}", path=path, line=line,
                             hint="set encoding in the bank profile") from None
    except LookupError:
        raise StatementError(f"unknown encoding {enc!r}", path=path, hint="encoding = \"gb18030\"") from None
    # LF only: a form feed or a lone CR inside a line is not a line break for the line numbers.
    lines = text.split("\n")
    if "\r" in text:
        lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    ends = text.endswith("\n")
    if ends:
        lines.pop()
    return Grid(path, enc, lines, [], ends_with_newline=ends or not text)


def _valid(raw: bytes, path: Path, enc: str) -> bool:
    if enc == "utf-8" and is_utf8(raw):
        return True
    try:
        raw.decode(enc)
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise StatementError(f"cannot decode as {enc}", path=path, line=line,
                             hint="set encoding in the bank profile") from None
    return True


class Utf8Lines(Sequence):
    """The lines of a UTF-8 file as :func:`load` splits text (LF only, one CR before it dropped), each
    decoded when it is asked for: a large file's body is read from the bytes, not line by line."""

    PREFIX = 2000  # lines found one by one (header, preamble); beyond them all line starts at once

    def __init__(self, data: bytes, start: int = 0):
        self.data, self.start = data, start
        count = data.count(b"\n", start)
        self._len = count if data.endswith(b"\n") and len(data) > start else count + 1
        self._starts: list[int] | None = [start]
        self._all = None
        self._known: dict[int, str] = {}

    def __len__(self) -> int:
        return self._len

    def remember(self, lines: dict[int, str]) -> None:
        """Lines already decoded elsewhere (by index), so that reading them finds no line starts."""
        self._known.update(lines)

    def offset(self, index: int) -> int:
        """The byte offset where line ``index`` (0-based) starts."""
        if index < self.PREFIX and self._all is None:
            starts = self._starts
            while len(starts) <= index:
                at = self.data.find(b"\n", starts[-1]) + 1
                starts.append(at if at else len(self.data) + 1)
            return starts[index]
        if self._all is None:
            import numpy as np

            view = np.frombuffer(self.data, dtype=np.uint8)
            self._all = np.concatenate(([self.start], np.flatnonzero(view[self.start:] == 10) + self.start + 1))
        return int(self._all[index]) if index < len(self._all) else len(self.data) + 1

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._len))]
        if index < 0:
            index += self._len
        if not 0 <= index < self._len:
            raise IndexError(index)
        if index in self._known:
            return self._known[index]
        begin, end = self.offset(index), self.offset(index + 1) - 1
        line = self.data[begin:end].decode("utf-8")
        return line[:-1] if line.endswith("\r") else line


def _xlsx_rows(path: Path) -> list[tuple[int, list[Cell]]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=False, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise StatementError(f"cannot open as XLSX: {exc}", path=path) from None
    sheet = book.worksheets[0]
    rows = []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        rows.append((number, ["" if v is None else v for v in values]))
    book.close()
    return rows


def _xls_rows(path: Path) -> list[tuple[int, list[Cell]]]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        values = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine's errors are not a public hierarchy
        raise StatementError(f"cannot open as XLS: {exc}", path=path) from None
    return [(number, list(row)) for number, row in enumerate(values, start=1)]


@dataclass
class Header:
    index: int  # position in grid.rows
    line: int
    cells: list[str]
    delimiter: str | None
    score: int


def _score(cells: list[object], extra) -> int:
    labels = [c for c in cells if isinstance(c, str) and clean_text(c)]
    return sum(1 for c in labels if header_roles(c, extra))


def find_header(grid: Grid, delimiter: str | None = None, extra=None) -> Header:
    """The header row: the first of the first rows whose cells are most often known column names.

    For text files this also chooses the delimiter: the one under which some row scores best.
    """
    best: Header | None = None
    if grid.lines is None:
        for index, (line, cells) in enumerate(grid.rows[:HEADER_SCAN_ROWS]):
            score = _score(cells, extra)
            if score >= MIN_HEADER_SCORE and (best is None or score > best.score):
                best = Header(index, line, [clean_text(c) for c in cells], None, score)
    else:
        candidates = (delimiter,) if delimiter else DELIMITERS
        for number, text in enumerate(grid.lines[:HEADER_SCAN_ROWS], start=1):
            for delim in candidates:
                if delim not in text:
                    continue
                cells = split_line(text, delim)
                score = _score(cells, extra)
                if score >= MIN_HEADER_SCORE and (best is None or score > best.score):
                    best = Header(number - 1, number, [clean_text(c) for c in cells], delim, score)
        if best is None and not delimiter:
            best = _sniffed_header(grid, extra)
    if best is None:
        raise StatementError(
            f"no header row found in the first {HEADER_SCAN_ROWS} lines (no line has {MIN_HEADER_SCORE} known "
            "column names)", path=grid.path,
            hint="write a bank profile with [columns] naming this file's header words, or --delimiter",
            code="no_header")
    if grid.lines is not None:
        grid.delimiter = best.delimiter
        grid.rows = SplitLines(grid.lines, best.delimiter)
    return best


class SplitLines(Sequence):
    """``(line number, cells)`` of every text line, each line split when it is first asked for.

    A large file's body is read column-wise (:mod:`monitor.statements.columnar`): splitting a million lines
    one by one up front would cost more than reading them.
    """

    def __init__(self, lines: list[str], delimiter: str):
        self.lines, self.delimiter = lines, delimiter
        self._done: dict[int, tuple[int, list[str]]] = {}

    def __len__(self) -> int:
        return len(self.lines)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self.lines)))]
        if index < 0:
            index += len(self.lines)
        if not 0 <= index < len(self.lines):
            raise IndexError(index)
        row = self._done.get(index)
        if row is None:
            row = self._done[index] = (index + 1, split_line(self.lines[index], self.delimiter))
        return row


def _sniffed_header(grid: Grid, extra) -> Header | None:
    """Fallback when no delimiter gives a known header: let :class:`csv.Sniffer` choose, then score again."""
    sample = "\n".join(grid.lines[:HEADER_SCAN_ROWS])
    try:
        delim = csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        return None
    for number, text in enumerate(grid.lines[:HEADER_SCAN_ROWS], start=1):
        cells = split_line(text, delim)
        score = _score(cells, extra)
        if score >= 2:
            return Header(number - 1, number, [clean_text(c) for c in cells], delim, score)
    return None


def sniff_delimiter(lines: list[str]) -> str:
    """The delimiter that splits the most lines into the same number (>1) of fields."""
    best, best_score = ",", -1
    for delim in DELIMITERS:
        counts: dict[int, int] = {}
        for line in lines:
            if line.strip():
                n = len(split_line(line, delim))
                if n > 1:
                    counts[n] = counts.get(n, 0) + 1
        score = max(counts.values(), default=0)
        if score > best_score:
            best, best_score = delim, score
    return best


# --- preamble -------------------------------------------------------------------------------------------

_HASH_PREFIX = re.compile(r"^#\s*")
_SEGMENT_SPLIT = re.compile(r"\s{2,}|\u3000+")


def preamble_pairs(rows: list[list[object]]) -> list[tuple[str, str]]:
    """``(key, value)`` pairs of preamble rows: ``key：value``, ``key: [value]``, ``# key``, ``key,value`` cells.

    A key without a value takes the following cells up to the next key (``起止日期,2017-07-01,2017-07-31``).
    """
    pairs: list[list[str]] = []
    for cells in rows:
        pending: list[str] | None = None
        for cell in cells:
            if isinstance(cell, (dt.date, dt.time)):
                segments = [cell.isoformat()]
            elif isinstance(cell, (int, float)):
                segments = [str(cell)]
            else:
                text = _HASH_PREFIX.sub("", clean_text(cell))
                segments = [s for s in _SEGMENT_SPLIT.split(text) if s.strip()]
            for segment in segments:
                segment = segment.strip()
                match = re.match(r"^([^:：\[\]]{1,24}?)\s*[:：]\s*(.*)$", segment)
                if match and not re.match(r"^\d{1,2}$", match.group(1)):
                    key, value = match.group(1).strip(), _unbracket(match.group(2))
                    pending = [key] + ([value] if value else [])
                    pairs.append(pending)
                elif norm_label(segment) in PREAMBLE_INDEX:
                    pending = [segment]
                    pairs.append(pending)
                elif pending is not None:
                    pending.append(_unbracket(segment))
                else:
                    pairs.append(["", _unbracket(segment)])  # a title line
    return [(p[0], " ".join(v for v in p[1:] if v)) for p in pairs]


def _unbracket(text: str) -> str:
    text = clean_text(text)
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1].strip()
    return text
