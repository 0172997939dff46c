"""Tables and key–value pairs as plain records (for registry, court, complaint and news pages)."""

from __future__ import annotations

import re

from monitor.text import nfkc, normalize_label

from crawlers.extract.html import element_text, raw_text, text_lines

USCC_RE = re.compile(r"(?<![0-9A-Z])([0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10})(?![0-9A-Z])")


def table_records(table) -> tuple[list[str], list[dict]]:
    """(header, rows) of a table whose first row is a header; each row maps header → {text, hrefs}."""
    rows = [tr for tr in table.iter("tr")]
    if not rows:
        return [], []
    header = [element_text(c) for c in rows[0] if c.tag in ("td", "th")]
    out = []
    for tr in rows[1:]:
        cells = [c for c in tr if c.tag in ("td", "th")]
        # "暂无" spanning the table, or an empty row: no record
        if not cells or (len(cells) == 1 and len(header) > 1) or \
                all(element_text(c) in ("", "暂无", "无", "-", "—", "暂无数据") for c in cells):
            continue
        rec = {}
        for name, cell in zip(header, cells):
            rec[name] = {"text": raw_text(cell), "hrefs": [a.get("href") for a in cell.iter("a") if a.get("href")]}
        out.append(rec)
    return header, out


def find_column(header: list[str], *keywords: str, exclude: tuple[str, ...] = ()) -> str | None:
    """The first header cell containing one of ``keywords`` (in order of preference)."""
    for kw in keywords:
        for h in header:
            n = normalize_label(h)
            if kw in n and not any(x in n for x in exclude):
                return h
    return None


def key_values(el) -> dict[str, str]:
    """Label → value pairs of an element: ``<th>/<td>`` rows, ``<dt>/<dd>``, ``label：value`` lines.

    Keys are :func:`normalize_label` keys; the first occurrence wins.
    """
    pairs: dict[str, str] = {}
    for dl in el.iter("dl"):
        label = None
        for child in dl:
            if child.tag == "dt":
                label = element_text(child)
            elif child.tag == "dd" and label is not None:
                pairs.setdefault(normalize_label(label), raw_text(child))
                label = None
    for tr in el.iter("tr"):
        cells = [c for c in tr if c.tag in ("td", "th")]
        for i in range(0, len(cells) - 1):
            if cells[i].tag == "th" or (len(cells) % 2 == 0 and i % 2 == 0):
                key = normalize_label(element_text(cells[i]))
                if key and len(key) <= 12:
                    pairs.setdefault(key, raw_text(cells[i + 1]))
    for line in text_lines(el):
        for part in re.split(r"\t|\s{2,}|[；;]", line):
            m = re.match(r"^\s*([^:：]{1,12})[:：]\s*(.+?)\s*$", nfkc(part))
            if m:
                pairs.setdefault(normalize_label(m.group(1)), m.group(2))
    return pairs


def pick(pairs: dict[str, str], *labels: str) -> str | None:
    """The value of the first of ``labels`` present (labels given in natural form).

    Exact keys first, then keys that start with a label ("被执行人姓名/名称" for "被执行人").
    """
    for label in labels:
        v = pairs.get(normalize_label(label))
        if v:
            return v
    for label in labels:
        key = normalize_label(label)
        for k, v in pairs.items():
            if k.startswith(key) and v:
                return v
    return None


def is_key_value_table(table) -> bool:
    """A vertical table of ``<th>label</th><td>value</td>`` rows (a record, not a list)."""
    rows = [[c for c in tr if c.tag in ("td", "th")] for tr in table.iter("tr")]
    rows = [r for r in rows if r]
    return bool(rows) and all(len(r) in (2, 4) and r[0].tag == "th" for r in rows) and \
        not all(c.tag == "th" for c in rows[0])


def uscc_in(text: str | None) -> str | None:
    """A valid USCC mentioned in a text or URL, if any."""
    if not text:
        return None
    from stdnum.cn import uscc

    for m in USCC_RE.finditer(nfkc(text).upper()):
        if uscc.is_valid(m.group(1)):
            return m.group(1)
    return None
