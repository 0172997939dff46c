"""Recognition: encoding, rows of cells, delimiter, header row, preamble key–value lines."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from monitor.statements.aliases import FLAG_WORDS, HEADER_ALIASES, PREAMBLE_KEYS
from monitor.statements.errors import StatementError

DELIMITERS = (",", "\t", "|", ";")
HEADER_SCAN_ROWS = 40
MIN_HEADER_SCORE = 3
EXCEL_SUFFIXES = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls"}

Cell = object  # str, or a typed Excel value (float, int, datetime, date, time)


@dataclass
class Sheet:
    """One sheet of a workbook (or table of an HTML file) within :attr:`Grid.rows`."""

    name: str
    start: int  # index in ``Grid.rows`` of the sheet's first row
    header: int | None  # index in ``Grid.rows`` of its header row; None: no header (a cover sheet)


@dataclass
class Grid:
    """A file as rows of cells, each row with its 1-based line (text), sheet row (Excel) or ``<tr>`` (HTML)
    number. A workbook's sheets follow one another in ``rows`` (see :attr:`sheets`, set by :func:`find_header`).
    """

    path: Path
    encoding: str  # utf-8, utf-8-sig, utf-16, gb18030, xlsx, xls, html/<charset>
    lines: list[str] | None  # text files read by delimiter: the decoded physical lines (split on LF only)
    rows: list[tuple[int, list[Cell]]] = field(default_factory=list)
    delimiter: str | None = None
    ends_with_newline: bool = True
    data: bytes | None = field(default=None, repr=False)  # UTF-8 text files: the bytes as read
    # spreadsheets and HTML: every sheet (table) as ``(name, rows)``, in workbook order
    book: list[tuple[str, list[tuple[int, list[Cell]]]]] | None = field(default=None, repr=False)
    sheets: list[Sheet] = field(default_factory=list)
    fixed_width: bool = False  # a print whose columns are cut at the header's display columns

    @property
    def data_sheets(self) -> list[Sheet]:
        """The sheets read for rows (those with a header)."""
        return [s for s in self.sheets if s.header is not None]

    def sheet_at(self, index: int) -> Sheet | None:
        """The sheet holding ``rows[index]`` (None for text files)."""
        if not self.sheets:
            return None
        at = bisect_right([s.start for s in self.sheets], index) - 1
        return self.sheets[at] if at >= 0 else None


def detect_encoding(raw: bytes) -> str:
    """``utf-8-sig`` (BOM), ``utf-16`` (a UTF-16 BOM: Excel's "Unicode text"), ``utf-8`` when the bytes are
    valid UTF-8, else ``gb18030`` (a superset of GBK)."""
    if raw.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    head = raw[:4096]
    half = len(head) // 2
    if half and b"\x00" in head:  # UTF-16 without a BOM: ASCII characters have a zero byte, all on one side
        odd, even = head[1::2].count(b"\x00"), head[0::2].count(b"\x00")
        if odd > half * 0.3 and even < half * 0.02:
            return "utf-16-le"
        if even > half * 0.3 and odd < half * 0.02:
            return "utf-16-be"
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
    if not found:
        for part in bilingual_parts(key):  # 交易日期 Transaction Date: the Chinese words, else the English
            found = list((extra or {}).get(part, ())) + ALIAS_INDEX.get(part, [])
            if found:
                break
    return found or _roles_with_note(label, extra)


_NOTE = re.compile(r"^(.+?)[(（]([^()（）]*)[)）]$")
_FLAG_CODE = re.compile(r"(?<![0-9A-Za-z])([0-9A-Za-z])\s*[-=:：为]?\s*([借贷收付支入出])")


@functools.lru_cache(maxsize=256)  # asked once per row of a flag column
def flag_codes(label: object) -> dict[str, str]:
    """The codes a flag column's header states, ``借贷标志(1-借 2-贷)`` -> ``{"1": "debit", "2": "credit"}``."""
    return {code.lower(): FLAG_WORDS[word] for code, word in _FLAG_CODE.findall(clean_text(label))}


def _roles_with_note(label: object, extra) -> list[tuple[str, int]]:
    """A known word with a note in brackets that says how to read it: a flag column's codes
    (``借贷方向(1:借 2:贷)``) or a money column's unit (``发生额(元)``, ``(万元)``, ``(分)``, which the reader's
    unit rule sees in the label)."""
    match = _NOTE.match(clean_text(label))
    if not match:
        return []
    roles = header_roles(match.group(1), extra)
    note = norm_label(match.group(2))
    if roles and roles[0][0] == "direction" and flag_codes(label):
        return roles[:1]
    if roles and roles[0][0] in ("amount", "debit", "credit", "balance") and note in ("元", "万元", "分", "人民币元"):
        return roles[:1]
    return []


_BILINGUAL = re.compile(r"([^a-z]*[\u4e00-\u9fff][^a-z]*?)\s*([a-z][a-z0-9 ./&'-]*)")


def bilingual_parts(key: str) -> list[str]:
    """A normalised label written in Chinese then English (``账号 account no.``): the two, else ``[]``."""
    match = _BILINGUAL.fullmatch(key)
    return [norm_label(match.group(1)), norm_label(match.group(2))] if match else []


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
    if raw[:4] == b"PK\x03\x04":
        kind = "xlsx"
    elif raw[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        kind = "xls"
    elif is_spreadsheetml(raw):  # Excel 2003 XML, also delivered as ".xls"
        book = _spreadsheetml_book(path, raw)
        return Grid(path, "spreadsheetml", None, book[0][1] if book else [], book=book)
    elif _MHTML.match(raw[:4096]):  # a "single file web page": the HTML inside MIME parts
        book = _mhtml_book(path, raw, encoding)
        return Grid(path, "mhtml", None, book[0][1] if book else [], book=book)
    elif is_html(raw):  # many online banks' ".xls" is an HTML table
        enc = encoding or _html_encoding(raw)
        book = _html_tables(path, raw, enc)
        return Grid(path, f"html/{enc}", None, book[0][1] if book else [], book=book)
    if kind == "xlsx":
        book = _xlsx_book(path)
        return Grid(path, "xlsx", None, book[0][1] if book else [], book=book)
    if kind == "xls":
        book = _xls_book(path)
        return Grid(path, "xls", None, book[0][1] if book else [], book=book)
    enc = encoding or detect_encoding(raw)
    if enc in ("utf-8", "utf-8-sig") and (encoding is None or _valid(raw, path, enc)):
        start = 3 if enc == "utf-8-sig" and raw.startswith(codecs.BOM_UTF8) else 0
        return Grid(path, enc, Utf8Lines(raw, start), [], ends_with_newline=raw.endswith(b"\n") or len(raw) == start,
                    data=raw)
    text = _decode(raw, enc, path)
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
    _decode(raw, enc, path)
    return True


def _decode(raw: bytes, enc: str, path: Path, what: str = "") -> str:
    """``raw`` decoded, or a StatementError naming the line of the first byte that does not decode."""
    try:
        return raw.decode(enc)
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise StatementError(f"cannot decode {what}as {enc}", path=path, line=line,
                             hint="set encoding in the bank profile") from None
    except LookupError:
        raise StatementError(f"unknown encoding {enc!r}", path=path, hint="encoding = \"gb18030\"") from None


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


def _xlsx_book(path: Path) -> list[tuple[str, list[tuple[int, list[Cell]]]]]:
    """Every sheet's rows (hidden sheets too: a sheet left out would be rows missing without a word)."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=False, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise StatementError(f"cannot open as XLSX: {exc}", path=path) from None
    sheets = []
    for sheet in book.worksheets:
        rows = [(number, ["" if v is None else v for v in values])
                for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)]
        sheets.append((sheet.title, rows))
    book.close()
    return sheets


def _xls_book(path: Path) -> list[tuple[str, list[tuple[int, list[Cell]]]]]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        sheets = []
        for index, name in enumerate(book.sheet_names):
            values = book.get_sheet_by_index(index).to_python(skip_empty_area=False)
            sheets.append((name, [(number, list(row)) for number, row in enumerate(values, start=1)]))
    except Exception as exc:  # calamine's errors are not a public hierarchy
        raise StatementError(f"cannot open as XLS: {exc}", path=path) from None
    return sheets


_HTML_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*"
                         rb"<(?:!doctype\s+html|html|head|body|meta|table)\b", re.I | re.S)
_HTML_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.I)


def is_html(raw: bytes) -> bool:
    """Whether the bytes are an HTML document (decided by content: the file name says ``.xls``)."""
    return bool(_HTML_START.match(raw[:4096]))


def _html_encoding(raw: bytes) -> str:
    """UTF-8 when the bytes are UTF-8 (BOM or valid), else the declared charset (GB2312 and GBK read as
    GB18030, their superset: exports declaring gb2312 are GBK), else GB18030."""
    if raw.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    declared = _HTML_CHARSET.search(raw[:4096])
    name = declared.group(1).decode("ascii").lower() if declared else ""
    if name and name not in ("gb2312", "gbk", "gb18030", "utf-8", "utf8"):
        try:
            codecs.lookup(name)
            return name
        except LookupError:
            pass
    return "gb18030"


_HTML_SPACE = re.compile(r"[ \t\r\n\f]+")


def _html_tables(path: Path, raw: bytes, enc: str) -> list[tuple[str, list[tuple[int, list[Cell]]]]]:
    """Each outermost ``<table>`` as ``("table N", rows)``: a row per ``<tr>`` numbered from 1 within its
    table, ``colspan`` and ``rowspan`` laid out as Excel lays out merged cells (the value in the first
    column, the covered cells empty), ``&nbsp;`` empty."""
    import lxml.html

    text = _decode(raw, enc, path, "the HTML ")
    text = re.sub(r"^\ufeff?\s*<\?xml[^>]*>", "", text)  # lxml refuses a str with an encoding declaration
    try:
        doc = lxml.html.document_fromstring(text)
    except Exception as exc:  # lxml's parser errors are several types
        raise StatementError(f"cannot read as HTML: {exc}", path=path) from None
    book = []
    for number, table in enumerate(doc.xpath("//table[not(ancestor::table)]"), start=1):
        rows: list[tuple[int, list[Cell]]] = []
        below: dict[int, int] = {}  # column -> rows still covered by a rowspan from above
        for line, tr in enumerate(table.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr"), start=1):
            cells: list[Cell] = []

            def covered():
                while below.get(len(cells), 0) > 0:
                    below[len(cells)] -= 1
                    cells.append("")

            for td in tr.xpath("./td | ./th"):
                covered()
                for br in td.iter("br"):
                    br.tail = "\n" + (br.tail or "")
                value = _HTML_SPACE.sub(" ", td.text_content()).strip(" ")
                span, down = _span(td.get("colspan")), _span(td.get("rowspan"))
                for k in range(span):
                    if down > 1:
                        below[len(cells)] = down - 1
                    cells.append(value if k == 0 else "")
            covered()
            rows.append((line, cells))
        width = max((len(c) for _, c in rows), default=0)  # Excel's used range: every row as wide
        book.append((f"table {number}", [(line, cells + [""] * (width - len(cells))) for line, cells in rows]))
    return book


_MHTML = re.compile(rb"^(?:[\w-]+:[^\n]*\n(?:[ \t][^\n]*\n)*)*?MIME-Version:", re.I)


def _mhtml_book(path: Path, raw: bytes, encoding: str | None) -> list[tuple[str, list[tuple[int, list[Cell]]]]]:
    """The tables of every HTML part of an MHTML file (Excel saves each sheet as a part), named by the part's
    file name when there are several."""
    import email
    from email import policy

    message = email.message_from_bytes(raw, policy=policy.compat32)
    book = []
    for part in message.walk():
        if part.get_content_type() != "text/html":
            continue
        body = part.get_payload(decode=True) or b""
        if b"<table" not in body.lower():
            continue
        charset = part.get_content_charset()
        enc = encoding or (charset if charset and charset.lower() not in ("gb2312", "gbk") else None) \
            or _html_encoding(body)
        name = (part.get("Content-Location") or "").rsplit("/", 1)[-1]
        if name.lower() == "tabstrip.htm":  # Excel's row of sheet tabs, not a sheet
            continue
        for table, rows in _html_tables(path, body, enc):
            book.append((f"{name} {table}".strip() if name else table, rows))
    if not book:
        raise StatementError("an MHTML file with no HTML table", path=path)
    return book


_SS = "urn:schemas-microsoft-com:office:spreadsheet"
_SPREADSHEETML = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*\?>.*?<(?:\w+:)?Workbook\b[^>]*"
                            + re.escape(_SS.encode()), re.S)


def is_spreadsheetml(raw: bytes) -> bool:
    """Whether the bytes are an Excel 2003 XML workbook (SpreadsheetML)."""
    return bool(_SPREADSHEETML.match(raw[:8192]))


def _spreadsheetml_book(path: Path, raw: bytes) -> list[tuple[str, list[tuple[int, list[Cell]]]]]:
    """Each ``<Worksheet>`` as ``(name, rows)``: rows numbered as Excel shows them (``ss:Index`` skips),
    cells placed at their column (``ss:Index``; ``ss:MergeAcross`` leaves the covered cells empty), numbers
    as numbers, ``DateTime`` as datetimes, everything else as text."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        raise StatementError(f"cannot read as an Excel XML workbook: {exc}", path=path,
                             line=exc.lineno if getattr(exc, "lineno", None) else None) from None
    ns = {"ss": _SS}
    book = []
    for number, sheet in enumerate(root.findall("ss:Worksheet", ns), start=1):
        rows: list[tuple[int, list[Cell]]] = []
        line = 0
        for row in sheet.findall("ss:Table/ss:Row", ns):
            line = _ss_index(row, line + 1)
            cells: list[Cell] = []
            for cell in row.findall("ss:Cell", ns):
                at = _ss_index(cell, len(cells) + 1)
                cells += [""] * (at - 1 - len(cells))
                data = cell.find("ss:Data", ns)
                cells.append(_ss_value(data) if data is not None else "")
                cells += [""] * _span(cell.get(f"{{{_SS}}}MergeAcross"), 0)
            rows.append((line, cells))
        width = max((len(c) for _, c in rows), default=0)
        book.append((sheet.get(f"{{{_SS}}}Name") or f"Sheet{number}",
                     [(line, cells + [""] * (width - len(cells))) for line, cells in rows]))
    return book


def _ss_index(element, default: int) -> int:
    value = element.get(f"{{{_SS}}}Index")
    try:
        return max(default, int(value)) if value else default
    except ValueError:
        return default


def _ss_value(data) -> Cell:
    text = "".join(data.itertext())
    kind = data.get(f"{{{_SS}}}Type")
    try:
        if kind == "Number":
            number = text.strip()
            return int(number) if re.fullmatch(r"-?\d+", number) else float(number)
        if kind == "DateTime":
            return dt.datetime.fromisoformat(text.strip()[:19])  # as openpyxl gives a date cell
    except ValueError:
        pass
    return text


def _span(value: str | None, least: int = 1) -> int:
    try:
        return max(least, min(int(value or least), 1000))
    except ValueError:
        return least


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
        best = _book_header(grid, extra)
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
        if best is None and not delimiter:
            best = _fixed_width_header(grid, extra)
    if best is None:
        raise _no_header().at(grid.path)
    if grid.lines is not None:
        grid.delimiter = best.delimiter
        grid.rows = SplitLines(grid.lines, best.delimiter)
    return best


def _no_header() -> StatementError:
    return StatementError(
        f"no header row found in the first {HEADER_SCAN_ROWS} lines (no line has {MIN_HEADER_SCORE} known "
        "column names)",
        hint="write a bank profile with [columns] naming this file's header words, or --delimiter",
        code="no_header")


def _sheet_header(rows, extra) -> Header | None:
    best = None
    for index, (line, cells) in enumerate(rows[:HEADER_SCAN_ROWS]):
        score = _score(cells, extra)
        if score >= MIN_HEADER_SCORE and (best is None or score > best.score):
            best = Header(index, line, [clean_text(c) for c in cells], None, score)
    return best


def _sub_header(rows, found: Header, extra) -> tuple[list, Header]:
    """A header of two rows (``发生额`` over ``借方 | 贷方``): the labels of the row below the header, each
    read with the label above it (``借方发生额``), when every one of them is a known column name that way.
    The two rows become one header row and an empty row (the line numbers stay)."""
    at = found.index + 1
    if at >= len(rows):
        return rows, found
    top = list(found.cells)
    below = [c for c in rows[at][1]]
    if any(not isinstance(c, str) for c in below if c not in ("", None)):
        return rows, found
    below = [clean_text(c) for c in below]
    if not any(below):
        return rows, found
    merged, parent = [], ""
    for j in range(max(len(top), len(below))):
        above = top[j] if j < len(top) else ""
        child = below[j] if j < len(below) else ""
        parent = above or parent  # a merged cell's label covers the empty cells to its right
        if not child:
            merged.append(above)
            continue
        label = next((c for c in (child, child + parent, parent + child) if header_roles(c, extra)), None)
        if label is None:
            return rows, found  # not a header row: the first row of data, or words not known
        merged.append(label)
    score = _score(merged, extra)
    if score <= found.score:
        return rows, found
    rows = list(rows)
    rows[found.index] = (rows[found.index][0], merged)
    rows[at] = (rows[at][0], [""] * len(rows[at][1]))
    return rows, Header(found.index, found.line, merged, None, score)


def _labels(cells) -> list[str]:
    labels = [norm_label(c) for c in cells]
    while labels and not labels[-1]:
        labels.pop()
    return labels


def _book_header(grid: Grid, extra) -> Header | None:
    """The first data sheet's header; ``grid.rows`` becomes every sheet's rows one after another.

    Sheets before the first data sheet with no header (a cover sheet of 账号/户名 pairs) are its preamble.
    Each later sheet must have the same header (its title and preamble lines are read by the reader, its
    rows continue the statement); a later sheet with rows but no header is refused, never skipped.
    """
    book = grid.book if grid.book is not None else [("", list(grid.rows))]
    rows: list[tuple[int, list[Cell]]] = []
    sheets: list[Sheet] = []
    first: Header | None = None
    first_sheet = ""
    for name, sheet_rows in book:
        if not any(clean_text(c) for _, cells in sheet_rows for c in cells):
            continue  # an empty sheet
        found = _sheet_header(sheet_rows, extra)
        if found is not None:
            sheet_rows, found = _sub_header(sheet_rows, found, extra)
        if found is None:
            if first is not None:
                busy = next((line for line, cells in sheet_rows
                             if sum(1 for c in cells if clean_text(c)) >= MIN_HEADER_SCORE), None)
                if busy is not None:
                    raise StatementError(
                        f"sheet {name!r} has rows but no header row (sheet {first_sheet!r} has one)", line=busy,
                        hint="give the sheet the header of the first data sheet, or save it as a file of its own")
                continue  # a note sheet after the data
            sheets.append(Sheet(name, len(rows), None))
            rows += sheet_rows
            continue
        if first is not None and _labels(found.cells) != _labels(first.cells):
            raise StatementError(
                f"sheet {name!r} has another header than sheet {first_sheet!r}: "
                f"{[c for c in found.cells if c]} against {[c for c in first.cells if c]}", line=found.line,
                hint="read the sheets as separate files, each with its own bank profile")
        at = len(rows)
        sheets.append(Sheet(name, at, at + found.index))
        if first is None:
            first, first_sheet = Header(at + found.index, found.line, found.cells, None, found.score), name
        width = len(found.cells)  # a row narrower than the header (a shorter used range) has empty cells
        rows += [(line, cells + [""] * (width - len(cells))) for line, cells in sheet_rows]
    if first is None:
        return None
    grid.rows, grid.sheets = rows, sheets
    return first


# --- fixed-width prints ----------------------------------------------------------------------------------

_FIELD_GAP = re.compile(r"[ \t\u3000]{2,}|\u3000")


def display_width(text: str) -> int:
    """Columns ``text`` takes in a print: East Asian wide, full-width and ambiguous characters take two
    (a GBK counter print gives every Chinese character two columns)."""
    return sum(2 if ord(ch) > 0x7F and unicodedata.east_asian_width(ch) in "WFA" else
               0 if unicodedata.combining(ch) else 1 for ch in text)


def _fields(line: str, gap: re.Pattern = _FIELD_GAP) -> list[tuple[int, int, int, int]]:
    """``(start column, end column, start index, end index)`` of each run of text between gaps."""
    found = []
    at = 0
    for part in gap.split(line.rstrip("\r")):
        index = line.index(part, at) if part else at
        if part.strip():
            text = part.strip()
            begin = index + (len(part) - len(part.lstrip()))
            col = display_width(line[:begin])
            found.append((col, col + display_width(text), begin, begin + len(text)))
        at = index + len(part)
    return found


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return min(a[1], b[1]) - max(a[0], b[0])


@dataclass
class FixedWidth:
    """The header's columns of a fixed-width print, as display-column spans."""

    spans: list[tuple[int, int]]
    # each column's reach: its label and every value seen overlapping the label alone (wider than the label)
    reach: list[tuple[int, int]] = field(default_factory=list)

    def learn(self, line: str) -> None:
        """Widen the columns' reach by the line's values that overlap one label only."""
        if not self.reach:
            self.reach = list(self.spans)
        for start, end, _, _ in _fields(line):
            under = [i for i, s in enumerate(self.spans) if _overlap((start, end), s) > 0]
            if len(under) == 1:
                low, high = self.reach[under[0]]
                self.reach[under[0]] = (min(low, start), max(high, end))

    def split(self, line: str) -> list[str] | None:
        """The line's cells under the header's columns; None when its text does not stand in columns
        (a footer sentence across several columns)."""
        cells = [""] * len(self.spans)
        placed: dict[int, tuple[int, int]] = {}
        for start, end, begin, stop in _fields(line):
            pieces = [(start, end, begin, stop)]
            if sum(1 for s in self.spans if _overlap((start, end), s) > 0) > 1:
                # two columns joined by one space (a right-aligned amount and the next column)
                pieces = [(start + s, start + e, begin + b, begin + t)
                          for s, e, b, t in _fields(line[begin:stop], re.compile(r"[ \t]+"))]
                if any(sum(1 for s in self.spans if _overlap((a, z), s) > 0) > 1 for a, z, _, _ in pieces):
                    pieces = self._cut(line, start, end, begin, stop)
                    if pieces is None:
                        return None
            for a, z, b, t in pieces:
                overlaps = [_overlap((a, z), s) for s in self.spans]
                column = max(range(len(self.spans)), key=lambda i: overlaps[i])
                if overlaps[column] <= 0:
                    # under no label (a short value right-aligned in a wide column): the one column whose
                    # values reach it, else the line is not read as a row
                    reached = [i for i, r in enumerate(self.reach or self.spans) if _overlap((a, z), r) > 0]
                    if len(reached) != 1:
                        return None
                    column = reached[0]
                if column in placed:  # text in one column with wide gaps (a name with two spaces)
                    b = placed[column][0]
                placed[column] = (b, t)
        for column, (b, t) in placed.items():
            cells[column] = line[b:t]
        return cells

    def _cut(self, line, start, end, begin, stop):
        """A value that fills its column and runs into the next one's (``2789…4875南京…公司``), cut where the
        next columns start; None unless each cut falls between a digit or letter and a Chinese character."""
        cuts = [s for s, _ in self.spans if start < s < end]
        pieces, col, piece_start = [], start, (start, begin)
        for index in range(begin, stop):
            if cuts and col >= cuts[0]:
                before, after = line[index - 1], line[index]
                if _kind(before) == _kind(after):
                    return None
                pieces.append((piece_start[0], col, piece_start[1], index))
                piece_start = (col, index)
                cuts.pop(0)
            col += display_width(line[index])
        if cuts:
            return None
        pieces.append((piece_start[0], end, piece_start[1], stop))
        return pieces


def _kind(ch: str) -> str:
    if ch.isspace():
        return " "
    if ord(ch) < 0x80:
        return "a"
    return "w"


def _fixed_width_header(grid: Grid, extra) -> Header | None:
    """A print padded with spaces to the header's columns: the header is the line whose runs of text
    (apart by two or more spaces, or by one) are most often known column names. ``grid.rows`` becomes the
    lines cut at its columns; rules, blank lines and the page header repeated above each page's header
    are empty rows, lines not standing in columns one cell."""
    best = None
    for number, text in enumerate(grid.lines[:HEADER_SCAN_ROWS], start=1):
        for gap in (_FIELD_GAP, re.compile(r"[ \t\u3000]+")):
            fields = _fields(text, gap)
            cells = [text[b:t] for _, _, b, t in fields]
            score = _score(cells, extra)
            if score >= MIN_HEADER_SCORE and (best is None or score > best[0].score):
                best = (Header(number - 1, number, [clean_text(c) for c in cells], None, score),
                        [(s, e) for s, e, _, _ in fields])
    if best is None:
        return None
    header, spans = best
    folded = {_fold_digits(line) for line in grid.lines[:header.index] if line.strip() and not _RULE.match(line)}
    layout = FixedWidth(spans)
    for text in grid.lines[header.index + 1:]:
        layout.learn(text)
    rows: list[tuple[int, list[Cell]]] = []
    for number, text in enumerate(grid.lines, start=1):
        if number <= header.index:
            rows.append((number, [text.strip()]))  # the preamble: key：value segments apart by spaces
        elif not text.strip() or _RULE.match(text) or _fold_digits(text) in folded:
            rows.append((number, []))
        else:
            cells = layout.split(text)
            rows.append((number, cells if cells is not None else [text.strip()] + [""] * (len(spans) - 1)))
    rows[header.index] = (header.line, list(header.cells))
    grid.rows, grid.lines, grid.delimiter, grid.fixed_width = rows, None, None, True
    return header


_RULE = re.compile(r"^[\s+\-=_─━┼┏┓┗┛│|.·*]*$")


def _fold_digits(line: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", " ", line.strip()))


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
