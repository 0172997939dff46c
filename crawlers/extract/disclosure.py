"""Layout-independent extraction of monthly disclosure figures (信息披露).

A page never seen before is read by *labels*: every label of
:data:`monitor.vocab.METRICS` (and its synonyms), matched after
:func:`monitor.text.normalize_label`, wherever it sits — table rows, tables
with months as columns or as rows, header/value tables, ``<dl>`` lists,
``label：value`` text (several per line) and prose ("截至2018年6月30日，平台累计
借贷金额为12.35亿元，借贷余额3.2亿元"). Each value keeps its raw label and raw
value; :func:`extract_disclosure` says why when a page that names metrics
yields none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

from monitor.text import nfkc, normalize_label
from monitor.vocab import METRICS, Metric

from crawlers.extract.dates import DATE_RE, find_published, parse_date, parse_period, strip_published, to_utc
from crawlers.extract.html import clean, element_text, parse_html, text_lines, title
from crawlers.extract.quantities import NUMBER, UNIT, Quantity, parse_quantity, to_canonical

CANONICAL_UNIT = {"yuan": "元", "count": "count", "ratio": "ratio"}
_UNIT_SUFFIXES = ("单位亿元", "单位万元", "单位元", "亿元", "万元", "千元", "元", "万笔", "万人", "%", "‰",
                  "笔", "人", "户", "个")
_PREFIXES = ("截至本月末", "截至当月末", "截至本期末", "截至月末", "本月末", "当月末", "本平台", "平台", "当月", "本月")
_NUMBERING = re.compile(r"^(?:\d{1,2}|[一二三四五六七八九十]{1,3})(?=\D)")
_UNIT_IN_TEXT = re.compile(r"(?:单位\s*[:：]?\s*(?:人民币)?\s*|[(（]\s*)(亿元|万元|千元|元)")


@dataclass(frozen=True)
class ExtractedValue:
    metric: str
    period: date
    value: float
    unit: str  # 元 / count / ratio
    raw_label: str
    raw_value: str
    how: str  # table-columns, table-rows, table-header, table, dl, text


@dataclass
class DisclosureResult:
    values: list[ExtractedValue] = field(default_factory=list)
    period: date | None = None  # the page's own period, when it states one
    published_at: datetime | None = None
    title: str = ""
    label_hits: int = 0  # metric labels the page mentions (data expected when > 0)
    reason: str | None = None  # why a page that names metrics gave no values


@lru_cache(maxsize=1)
def _label_table() -> dict[str, Metric]:
    return {normalize_label(label): m for m in METRICS for label in m.labels}


@lru_cache(maxsize=1)
def _label_regex() -> re.Pattern:
    labels = sorted({nfkc(label) for m in METRICS for label in m.labels}, key=len, reverse=True)
    return re.compile("|".join(re.escape(label) for label in labels))


def match_label(text: str) -> tuple[Metric, str | None] | None:
    """The metric a label cell names and a unit printed in it, e.g. "借贷余额（万元）" → (outstanding_balance, 万元).

    Tolerates numbering ("1、"), a "平台"/"截至本月末" prefix and a unit suffix.
    """
    key = normalize_label(text)
    if not key or len(key) > 40:
        return None
    table = _label_table()
    stems = [key]
    numbered = _NUMBERING.sub("", key)
    if numbered != key and numbered:
        stems.append(numbered)
    for stem in list(stems):
        for prefix in _PREFIXES:
            if stem.startswith(prefix) and len(stem) > len(prefix):
                stems.append(stem[len(prefix):])
    for stem in stems:
        if stem in table:
            return table[stem], None
        for suffix in _UNIT_SUFFIXES:
            if stem.endswith(suffix) and stem[: -len(suffix)] in table:
                unit = suffix.removeprefix("单位")
                return table[stem[: -len(suffix)]], unit
    return None


def _value(metric: Metric, q: Quantity, hint: str | None) -> float | None:
    # A hint in 亿元/万元 only scales amounts; counts and ratios ignore it.
    if metric.unit != "yuan" and hint in ("亿元", "万元", "千元", "元"):
        hint = None
    return to_canonical(q, metric.unit, hint)


class _Collector:
    def __init__(self) -> None:
        self.values: dict[tuple[str, date], ExtractedValue] = {}

    def add(self, metric: Metric, period: date | None, q: Quantity | None, hint: str | None,
            raw_label: str, raw_value: str, how: str) -> bool:
        if q is None or period is None:
            return False
        value = _value(metric, q, hint)
        if value is None:
            return False
        key = (metric.name, period)
        # The first reading wins (tables before text): pages repeat headline figures in prose.
        self.values.setdefault(key, ExtractedValue(metric.name, period, value, CANONICAL_UNIT[metric.unit],
                                                   raw_label.strip()[:200], raw_value.strip()[:200], how))
        return True


def _grid(table) -> list[list[str]]:
    rows = []
    for tr in table.iter("tr"):
        cells: list[str] = []
        for cell in tr:
            if cell.tag in ("td", "th"):
                try:
                    span = max(1, min(20, int(cell.get("colspan") or 1)))
                except ValueError:
                    span = 1
                cells.extend([element_text(cell)] * span)
        if cells:
            rows.append(cells)
    return rows


def _short_period(text: str) -> date | None:
    return parse_period(text) if text and len(text) <= 30 else None


def _unit_only(text: str) -> str | None:
    t = normalize_label(text).removeprefix("单位")
    return t if t in ("亿元", "万元", "千元", "元", "%", "笔", "人", "户", "个") else None


def _table(table, page_period: date | None, out: _Collector, context_hint: str | None) -> int:
    """Read one table; return how many values it gave."""
    rows = _grid(table)
    if not rows:
        return 0
    n0 = len(out.values)
    labels = [[match_label(c) for c in row] for row in rows]
    caption = table.find("caption")
    hint = context_hint
    if caption is not None:
        m = _UNIT_IN_TEXT.search(element_text(caption))
        hint = m.group(1) if m else hint
    for row, lab in zip(rows, labels):  # a header cell like "数值（万元）" sets the table's unit
        for cell, lb in zip(row, lab):
            if lb is None:
                m = _UNIT_IN_TEXT.search(cell)
                if m and len(cell) <= 20:
                    hint = m.group(1)
        break

    # (A) months as columns: a header row with periods, metric labels down the first columns.
    for h, row in enumerate(rows):
        pcols = {j: p for j, c in enumerate(row) if j > 0 and labels[h][j] is None and (p := _short_period(c))}
        if not pcols:
            continue
        for r in range(h + 1, len(rows)):
            lab_j = next((j for j, lb in enumerate(labels[r]) if lb is not None and j not in pcols), None)
            if lab_j is None:
                continue
            metric, lhint = labels[r][lab_j]
            for j, period in pcols.items():
                if j > lab_j and j < len(rows[r]):
                    out.add(metric, period, parse_quantity(rows[r][j]), lhint or hint,
                            rows[r][lab_j], rows[r][j], "table-columns")
        if len(out.values) > n0:
            return len(out.values) - n0
        break

    # (B) months as rows: a header row of labels, a period in each data row.
    for h, lab in enumerate(labels):
        lcols = {j: lb for j, lb in enumerate(lab) if lb is not None}
        if len(lcols) < 1:
            continue
        body = [(r, next((p for j, c in enumerate(rows[r]) if j not in lcols and (p := _short_period(c))), None))
                for r in range(h + 1, len(rows))]
        if sum(1 for _r, p in body if p) == 0:
            break
        for r, period in body:
            for j, (metric, lhint) in lcols.items():
                if j < len(rows[r]):
                    out.add(metric, period, parse_quantity(rows[r][j]), lhint or hint,
                            rows[h][j], rows[r][j], "table-rows")
        if len(out.values) > n0:
            return len(out.values) - n0
        break

    # (C) a header row of labels with one row of values beneath.
    for h in range(len(rows) - 1):
        lcols = {j: lb for j, lb in enumerate(labels[h]) if lb is not None}
        if len(lcols) >= 2 and not any(labels[h + 1]):
            for j, (metric, lhint) in lcols.items():
                if j < len(rows[h + 1]):
                    out.add(metric, page_period, parse_quantity(rows[h + 1][j]), lhint or hint,
                            rows[h][j], rows[h + 1][j], "table-header")
            if len(out.values) > n0:
                return len(out.values) - n0

    # (D) label | value [| unit] rows, possibly several pairs per row.
    for row, lab in zip(rows, labels):
        for j, lb in enumerate(lab):
            if lb is None:
                continue
            metric, lhint = lb
            for k in range(j + 1, len(row)):
                if lab[k] is not None:
                    break
                q = parse_quantity(row[k])
                if q is not None:
                    unit_cell = _unit_only(row[k + 1]) if k + 1 < len(row) and q.unit is None else None
                    out.add(metric, page_period, q, unit_cell or lhint or hint, row[j], row[k], "table")
                    break
    return len(out.values) - n0


def _dl(dl, page_period: date | None, out: _Collector) -> int:
    n0 = len(out.values)
    current = None
    for child in dl:
        if child.tag == "dt":
            current = (match_label(element_text(child)), element_text(child))
        elif child.tag == "dd" and current is not None:
            lb, raw_label = current
            if lb is not None:
                text = element_text(child)
                q = parse_quantity(text)
                if q is None:  # "3.20 亿元（较上月+2%）": take the leading figure
                    m = re.match(rf"\s*({NUMBER})\s*({UNIT})?", nfkc(text))
                    q = parse_quantity(m.group(0)) if m else None
                out.add(lb[0], page_period, q, lb[1], raw_label, text, "dl")
            current = None
    return len(out.values) - n0


_REPORT_TITLE = re.compile(r"运营报告|运营数据|信息披露|数据披露|月报|运营月报")
def _cards(tree, page_period: date | None, out: _Collector) -> int:
    """Figure-above-label blocks ("6,592.63" over "累计撮合金额（万元）"): small elements holding one
    label preceded by one number."""
    n0 = len(out.values)
    regex = _label_regex()
    for el in list(tree.iter("li", "div", "section", "span", "td", "dd", "p")):
        if el.getparent() is None:
            continue
        text = element_text(el)
        if not text or len(text) > 60:
            continue
        hits = list(regex.finditer(text))
        if len(hits) != 1 or hits[0].start() == 0:
            continue
        q = parse_quantity(text[: hits[0].start()])
        lb = match_label(text[hits[0].start():])
        if q is None or lb is None:
            continue
        metric, hint = lb
        if out.add(metric, page_period, q, hint, text[hits[0].start():], text[: hits[0].start()], "cards"):
            el.drop_tree()
    return len(out.values) - n0


_GAP_STOP = re.compile(r"[。；;!?！？]")
_TAIL = re.compile(rf"(?P<tail>[^\d\n\t]{{0,14}}?)(?P<num>{NUMBER})\s*(?P<unit>{UNIT})?")


def _text(lines: list[str], page_period: date | None, out: _Collector) -> int:
    n0 = len(out.values)
    regex = _label_regex()
    heading_period = None
    for line in lines:
        line_period = parse_period(line)
        hits = list(regex.finditer(line))
        if not hits:
            if line_period and len(line) <= 40:
                heading_period = line_period
            continue
        period = line_period or heading_period or page_period
        for i, hit in enumerate(hits):
            end = hits[i + 1].start() if i + 1 < len(hits) else len(line)
            m = _TAIL.match(line, hit.end(), end)
            if not m or _GAP_STOP.search(m.group("tail")):
                continue
            after = line[m.end():m.end() + 1]
            if m.group("unit") is None and (after in ("年", "月", "日") or re.match(r"[-/.]\d", line[m.end():m.end() + 2])):
                continue  # a date, not a figure
            metric, lhint = match_label(hit.group(0)) or (None, None)
            if metric is None:
                continue
            um = _UNIT_IN_TEXT.search(m.group("tail"))
            hint = um.group(1) if um else (_unit_only(m.group("tail")) or lhint)
            q = Quantity(parse_quantity(m.group("num")).number, m.group("unit"))
            out.add(metric, period, q, hint, hit.group(0), line[m.start("num"):m.end()], "text")
    return len(out.values) - n0


def _bare_date(tree, lines: list[str]) -> datetime | None:
    """A publication date stated without a label: ``<time datetime>``, a meta tag, or a line that is only a date."""
    for el in tree.iter("time"):
        d = parse_date(el.get("datetime") or element_text(el))
        if d:
            return to_utc(d)
    for el in tree.iter("meta"):
        name = (el.get("name") or el.get("property") or "").lower()
        if name in ("publishdate", "pubdate", "article:published_time", "date", "dc.date"):
            d = parse_date(el.get("content") or "")
            if d:
                return to_utc(d)
    for line in lines[:30]:
        if len(line) <= 24:
            m = DATE_RE.search(line)
            if m and len(line.strip()) - len(m.group(0)) <= 6:
                d = parse_date(m.group(0))
                if d:
                    return to_utc(d)
    return None


def page_period(tree, lines: list[str]) -> date | None:
    """The month a page reports on: from its title, headings, then its first lines."""
    candidates = [title(tree)]
    for tag in ("h1", "h2", "h3"):
        candidates += [element_text(h) for h in tree.iter(tag)]
    candidates += lines[:40]
    for text in candidates:
        p = parse_period(strip_published(text))
        if p:
            return p
    return None


def extract_disclosure(html: str, tree=None) -> DisclosureResult:
    """Read every disclosed metric value of a page (see module docstring).

    ``tree``: ``html`` already parsed (it is pruned in place).
    """
    tree = clean(tree if tree is not None else parse_html(html))
    all_lines = text_lines(tree.body if tree.body is not None else tree)
    result = DisclosureResult(title=title(tree))
    result.published_at = find_published("\n".join([result.title, *all_lines])) or _bare_date(tree, all_lines)
    lines = [strip_published(line) for line in all_lines]
    result.period = page_period(tree, lines)
    regex = _label_regex()
    result.label_hits = sum(len(regex.findall(line)) for line in lines)
    out = _Collector()

    tables = [t for t in tree.iter("table") if not list(t.iter("table"))[1:]]  # innermost first
    for table in tables:
        prev = table.getprevious()
        context = _UNIT_IN_TEXT.search(element_text(prev)) if prev is not None else None
        if _table(table, result.period, out, context.group(1) if context else None):
            table.drop_tree()
    for dl in list(tree.iter("dl")):
        if _dl(dl, result.period, out):
            dl.drop_tree()
    _cards(tree, result.period, out)
    rest = [strip_published(line) for line in text_lines(tree.body if tree.body is not None else tree,
                                                          skip_links=True)]
    _text(rest, result.period, out)

    result.values = sorted(out.values.values(), key=lambda v: (v.period, v.metric))
    if not result.values and result.label_hits:
        result.reason = ("names disclosure metrics but no period could be found" if result.period is None
                         else "names disclosure metrics but no label/value pair could be read")
    elif not result.values and regex.search(nfkc(html)):
        result.reason = "disclosure metrics appear only inside scripts or markup (page rendered by JavaScript?)"
    elif not result.values and _REPORT_TITLE.search(result.title) and parse_period(result.title):
        result.reason = "titled as a monthly report but names no disclosure metric"
    return result
