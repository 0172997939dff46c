"""Layout-independent extraction of monthly disclosure figures (信息披露).

A page never seen before is read by *labels*, understood by meaning
(:mod:`crawlers.extract.labels`: footnote marks, bracketed units and
qualifiers, synonyms and keyword families), wherever they sit: tables in
either orientation (periods in columns or rows, two-level headers, a unit
column, 本月/累计 columns, several pairs per row), ``div`` tables, definition
lists, cards, label-above-value and value-above-label blocks, lists, ``<pre>``
text and sentences (截至2018年6月末，平台累计交易总额为1.17亿元). Units are taken from
the value, the label, a unit column or header, a caption or a 单位 line.

Every value carries its raw label and value, how it was read, the confidence
of the label match and, when implausible, a ``suspect`` reason (a share above
100 %, a count with decimals, a balance 10⁴× its neighbour on the same page).
Labels that look like disclosure items but are not understood are returned
too, and :func:`extract_disclosure` says why when a page expected to hold
figures yields none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from datetime import date, datetime
from typing import Mapping

from monitor.text import nfkc
from monitor.vocab import DISCLOSURE_ITEMS, DISCLOSURE_TEXTS, Metric

from crawlers.extract.dates import DATE_RE, find_published, parse_date, parse_period, strip_published, to_utc
from crawlers.extract.html import clean, element_text, parse_html, text_lines, title
from crawlers.extract.labels import Label, looks_like_item, read_label, strip_marks
from crawlers.extract.quantities import NUMBER, UNIT, Quantity, parse_quantity, to_canonical

CANONICAL_UNIT = {"yuan": "元", "count": "count", "ratio": "ratio"}
_UNIT_IN_TEXT = re.compile(r"(?:单位\s*[:：]?\s*(?:人民币)?\s*|[(（]\s*)(亿元|万元|千元|元)")
_UNIT_WORDS = ("亿元", "万元", "千元", "元", "%", "笔", "人", "户", "个", "万笔", "万人")
# Column headers that say "the value" rather than naming an item.
_GENERIC_HEADER = re.compile(r"^(?:数值|数据|指标值|数额|金额|本期|本期数据|本月数据|本期数值|披露值|当期|当期数据|"
                             r"统计值|运营数据|统计数据|内容|值|截至.*|截止.*)$")
_NOT_VALUE_HEADER = re.compile(r"环比|同比|增减|变动|增长|说明|备注|口径|单位")


@dataclass(frozen=True)
class ExtractedValue:
    metric: str  # code, see monitor.vocab.DISCLOSURE_ITEMS
    period: date
    value: float
    unit: str  # 元 / count / ratio
    raw_label: str
    raw_value: str
    how: str  # table, grid, text, lines
    item: str = ""  # the guideline's name of the item
    confidence: str = "exact"  # exact / operator / family
    suspect: str | None = None  # why the value is implausible; None: plausible


@dataclass(frozen=True)
class ExtractedText:
    item: str  # 收费标准
    period: date | None
    raw_label: str
    text: str


@dataclass
class DisclosureResult:
    values: list[ExtractedValue] = field(default_factory=list)
    period: date | None = None  # the page's own period, when it states one
    published_at: datetime | None = None
    title: str = ""
    label_hits: int = 0  # item labels the page shows (figures expected when > 0)
    labels_seen: list[str] = field(default_factory=list)  # item labels the page shows, as printed
    not_understood: list[str] = field(default_factory=list)  # labels with figures that look like items
    texts: list[ExtractedText] = field(default_factory=list)  # items given as text (收费标准)
    reason: str | None = None  # why a page that names items gave no values


def match_label(text: str, synonyms: Mapping[str, str] | None = None) -> tuple[Metric, str | None] | None:
    """The item a label cell names and a unit printed in it, e.g. "借贷余额（万元）" → (outstanding_balance, 万元)."""
    lb = read_label(text, synonyms)
    return (lb.metric, lb.unit) if lb.metric is not None else None


def _value(metric: Metric, q: Quantity, hint: str | None) -> float | None:
    # Amount units only scale amounts; counts and ratios ignore them (单位：万元/笔/人).
    if metric.unit != "yuan" and hint in ("亿元", "万元", "千元", "元"):
        hint = None
    if metric.unit == "yuan" and hint in ("%", "笔", "人", "户", "个"):
        hint = None
    if metric.unit == "ratio" and q.unit is None and hint is None:
        return float(q.number) if abs(q.number) <= 1 else float(q.number / 100)
    return to_canonical(q, metric.unit, hint)


class _Collector:
    def __init__(self, synonyms: Mapping[str, str] | None) -> None:
        self.values: dict[tuple[str, date], ExtractedValue] = {}
        self.synonyms = synonyms
        self.seen: dict[str, None] = {}
        self.unknown: dict[str, None] = {}
        self.bare: set[tuple[str, date]] = set()  # ratios printed without % or any unit around them

    def label(self, text: str, value_unit: str | None = None) -> Label:
        return read_label(text, self.synonyms, value_unit)

    def miss(self, text: str) -> None:
        if looks_like_item(text) and not re.search(r"[=×÷]", text):
            self.unknown.setdefault(text.strip()[:100])

    def add(self, lb: Label, period: date | None, q: Quantity | None, hint: str | None,
            raw_label: str, raw_value: str, how: str) -> bool:
        if q is None or period is None or lb.metric is None:
            return False
        metric = lb.metric
        value = _value(metric, q, q.unit or lb.unit or hint)
        if value is None:
            return False
        key = (metric.name, period)
        self.seen.setdefault(raw_label.strip()[:100])
        if metric.unit == "ratio" and not (q.unit or lb.unit or hint) and key not in self.values:
            self.bare.add(key)
        # The first reading wins (tables before text): pages repeat headline figures in prose.
        self.values.setdefault(key, ExtractedValue(metric.name, period, value, CANONICAL_UNIT[metric.unit],
                                                   raw_label.strip()[:200], raw_value.strip()[:200], how,
                                                   metric.item, lb.confidence or "exact"))
        return True


# --------------------------------------------------------------------------- tables
def _cells(row) -> list:
    return [c for c in row if isinstance(c.tag, str) and (c.tag in ("td", "th") or _has_class(c, "td", "th"))]


def _has_class(el, *names: str) -> bool:
    return bool(set((el.get("class") or "").split()) & set(names))


def _rows(table) -> list:
    if table.tag == "table":
        return [tr for tr in table.iter("tr")]
    return [c for c in table if isinstance(c.tag, str) and _has_class(c, "tr")]


def _grid(table) -> list[list[str]]:
    """Cell texts with colspan and rowspan spread; footnote marks in <sup> removed already."""
    grid: list[list[str]] = []
    pending: dict[tuple[int, int], str] = {}
    for r, tr in enumerate(_rows(table)):
        row: list[str] = []
        j = 0
        for cell in _cells(tr):
            while (r, j) in pending:
                row.append(pending.pop((r, j)))
                j += 1
            text = element_text(cell)
            try:
                cspan = max(1, min(20, int(cell.get("colspan") or 1)))
                rspan = max(1, min(50, int(cell.get("rowspan") or 1)))
            except ValueError:
                cspan, rspan = 1, 1
            for _ in range(cspan):
                for k in range(1, rspan):
                    pending[(r + k, j)] = text
                row.append(text)
                j += 1
        while (r, j) in pending:
            row.append(pending.pop((r, j)))
            j += 1
        if row:
            grid.append(row)
    return grid


def _quantity(text: str) -> Quantity | None:
    q = parse_quantity(text)
    if q is None:  # "3.20 亿元（较上月+2%）": the leading figure
        m = re.match(rf"\s*({NUMBER})\s*({UNIT})?\s*[(（]", nfkc(text))
        q = parse_quantity(m.group(1) + (m.group(2) or "")) if m else None
    return q


def _unit_only(text: str) -> str | None:
    t = re.sub(r"[\s()（）:：]", "", nfkc(text)).removeprefix("单位")
    return t if t in _UNIT_WORDS else None


def _is_number_cell(text: str) -> bool:
    return _quantity(text) is not None and parse_period(text) is None


def _table(table, period: date | None, out: _Collector, hint: str | None) -> int:
    """Read one table (or div table); return how many values it gave."""
    grid = _grid(table)
    if not grid:
        return 0
    n0 = len(out.values)
    width = max(len(r) for r in grid)
    grid = [r + [""] * (width - len(r)) for r in grid]
    numeric = [[_is_number_cell(c) for c in row] for row in grid]
    caption = table.find("caption") if table.tag == "table" else None
    if caption is not None:
        m = _UNIT_IN_TEXT.search(element_text(caption))
        hint = m.group(1) if m else hint
        period = parse_period(strip_published(element_text(caption))) or period
    # Header rows: the leading rows without figures.
    h = 0
    while h < len(grid) and not any(numeric[h]):
        h += 1
    if h == len(grid):
        # No figures: maybe a horizontal table whose value row holds units in the cells? nothing to read.
        return 0
    headers = []
    for j in range(width):
        parts = []
        for r in range(h):
            t = grid[r][j]
            if t and t not in parts:
                parts.append(t)
        headers.append(" / ".join(parts))
    # A row of labels followed by a row of values (horizontal tables wrapped over several rows).
    r = h
    while r < len(grid):
        row = grid[r]
        nums = numeric[r]
        # Row header: a period in the first cells means one row per period.
        row_period = None
        for j in range(min(2, width)):
            if not nums[j] and (p := _short_period(row[j])):
                row_period = p
        label_row = [c if not n else "" for c, n in zip(row, nums)]
        if not any(nums):
            # a label row of a horizontal table: values in the next row
            if r + 1 < len(grid) and any(numeric[r + 1]):
                nxt = grid[r + 1]
                for j in range(width):
                    if numeric[r + 1][j] and row[j] and not numeric[r][j]:
                        lb = out.label(row[j], _quantity(nxt[j]).unit)
                        if lb.metric is None:
                            out.miss(row[j])
                        out.add(lb, row_period or period, _quantity(nxt[j]), hint, row[j], nxt[j], "table")
                r += 2
                continue
            r += 1
            continue
        unit_cell = next((u for c, n in zip(row, nums) if not n and (u := _unit_only(c))), None)
        for j in range(width):
            if not nums[j]:
                continue
            head = headers[j]
            if head and _NOT_VALUE_HEADER.search(head) and not read_label(head).metric:
                continue
            # The nearest label cell to the left.
            left = next((row[k] for k in range(j - 1, -1, -1)
                         if not nums[k] and label_row[k] and not _unit_only(row[k]) and not _short_period(row[k])),
                        "")
            q = _quantity(row[j])
            col_period = _short_period(head) if head else None
            p = row_period or col_period or period
            head_unit = None
            hm = _UNIT_IN_TEXT.search(head or "")
            if hm:
                head_unit = hm.group(1)
            elif head and re.search(r"[(（]\s*%\s*[)）]", head):
                head_unit = "%"
            candidates = []
            if row_period is not None:  # one row per period: the column names the item, else the row does
                candidates += [head, left]
            elif col_period is not None or not head or _GENERIC_HEADER.match(_plain(head)):
                candidates.append(left)
            else:
                candidates += [f"{left} / {head}" if left else head]
                if not left:
                    candidates.append(head)
            raw_label, lb = "", None
            for cand in candidates:
                if not cand:
                    continue
                lb = out.label(cand.replace(" / ", ""), q.unit or unit_cell)
                raw_label = cand
                if lb.metric is not None:
                    break
            if lb is None:
                continue
            if lb.metric is None:
                out.miss(raw_label)
                continue
            # Units: in the cell, in the label, in a unit cell of the row, in the column header, for the table.
            u = q.unit or lb.unit or unit_cell or head_unit or hint
            out.add(lb, p, q, u, raw_label, row[j], "table")
        r += 1
    return len(out.values) - n0


def _plain(text: str) -> str:
    return re.sub(r"[\s()（）:：/]|单位|万元|亿元|元|%", "", nfkc(text))


def _short_period(text: str) -> date | None:
    return parse_period(text) if text and len(text) <= 30 else None


# --------------------------------------------------------------------------- text
_CLAUSE_SPLIT = re.compile(r"[。；;，,！!？?\t]|\s{2,}")
_NUM = re.compile(rf"(?P<num>{NUMBER})\s*(?P<unit>{UNIT})?")
_LEAD = re.compile(r"^\s*(?:\d{1,2}\s*[、.)]|[(]\s*\d{1,2}\s*[)]|[一二三四五六七八九十]{1,3}\s*[、.]|其中|另外|此外|以及|和|及)\s*")
_VERBS = re.compile(r"(?:为|是|达到|达|共计|合计|共|约|总计|累计为)$")


_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_PERCENT = re.compile(r"百分之([零〇一二两三四五六七八九十]+(?:点[零〇一二三四五六七八九]+)?)")


def _cn_number(text: str) -> str:
    """A Chinese numeral below 100 with decimals (十五, 二十三点五) as digits."""
    whole, _, frac = text.partition("点")
    if "十" in whole:
        tens, _, ones = whole.partition("十")
        n = _CN_DIGITS.get(tens, 1) * 10 + _CN_DIGITS.get(ones, 0)
    else:
        n = _CN_DIGITS.get(whole, 0)
    return f"{n}.{''.join(str(_CN_DIGITS[c]) for c in frac)}" if frac else str(n)


def _clauses(line: str) -> list[str]:
    line = _CN_PERCENT.sub(lambda m: _cn_number(m.group(1)) + "%", line)  # 百分之十五 → 15%
    # Thousands separators must not split a clause: "1,234.56" keeps its comma.
    protected = re.sub(r"(?<=\d),(?=\d{3})", "\x00", line)
    return [c.replace("\x00", ",") for c in _CLAUSE_SPLIT.split(protected) if c and c.strip()]


def _pairs(clause: str) -> list[tuple[str, Quantity, str]]:
    """(label, quantity, raw value) pairs of a clause: each figure with the words before it."""
    out = []
    start = 0
    for m in _NUM.finditer(clause):
        after = clause[m.end():m.end() + 2]
        unit = m.group("unit")
        if unit is None and (after[:1] in ("年", "月", "日", "天", "号", "-", "/", ":", "季", "期", "个", "次")
                             or clause[max(0, m.start() - 1):m.start()] in ("第", "-", "/", ".")):
            continue  # a date, a duration or a part of a label (逾期90天以上金额)
        if unit in ("个", "次", "家") or clause[m.end():m.end() + 1] in ("天", "年", "个"):
            continue
        label = clause[start:m.start()]
        start = m.end()
        label = _LEAD.sub("", label.strip(" :：\u3000"))
        label = _VERBS.sub("", label.strip()).strip(" :：")
        q = Quantity(parse_quantity(m.group("num")).number, unit)
        out.append((label, q, clause[m.start():m.end()]))
    return out


def _text(lines: list[tuple[str, date | None]], out: _Collector) -> int:
    """Read label/figure pairs from text lines, each line with the period of its context."""
    n0 = len(out.values)
    pending: tuple[str, Label, date | None] | None = None  # a label line waiting for its figure
    prev_label: tuple[str, Label] | None = None
    consumed = -1
    for i, (line, period) in enumerate(lines):
        if i == consumed:
            continue
        line_period = parse_period(line) if re.search(r"截至|截止|末", line) else None
        pairs = [p for c in _clauses(line) for p in _pairs(c)]
        whole = parse_quantity(line)
        if whole is not None and pending is not None:
            raw, lb, lp = pending
            out.add(lb, lp, whole, None, raw, line, "lines")
            pending = None
            continue
        if whole is not None and i + 1 < len(lines):
            nxt = lines[i + 1][0]
            if len(nxt) <= 30 and parse_quantity(nxt) is None and not [x for c in _clauses(nxt) for x in _pairs(c)]:
                lb = out.label(nxt, whole.unit)
                if lb.metric is not None:  # the figure above its label (dashboards)
                    out.add(lb, period, whole, None, nxt, line, "lines")
                    consumed = i + 1
                    continue
        if not pairs:
            lb = out.label(line) if len(line) <= 30 else Label(None, None, None, "")
            pending = (line, lb, period) if lb.metric is not None else None
            continue
        pending = None
        for label, q, raw in pairs:
            if not label:
                continue
            lb = out.label(label, q.unit)
            if lb.metric is None and prev_label is not None and lb.key in ("笔数", "金额", "余额"):
                # "其中逾期90天以上金额5.2万元、笔数63笔": the figure's words continue the previous label
                stem = re.sub(r"(金额|余额|笔数)$", "", prev_label[1].key)
                lb2 = out.label(stem + lb.key, q.unit)
                if lb2.metric is not None:
                    lb = lb2
            if lb.metric is None:
                out.miss(label)
                continue
            prev_label = (label, lb)
            out.add(lb, line_period or period, q, None, label, raw, "text")
    return len(out.values) - n0


_TEXT_LABEL = re.compile(r"^\s*(?:[一二三四五六七八九十]{1,3}\s*[、.]|\d{1,2}\s*[、.])?\s*(?P<label>%s)\s*[:：\t]?\s*(?P<text>.*)$"
                         % "|".join(DISCLOSURE_TEXTS))


def _texts(lines: list[str], period: date | None) -> list[ExtractedText]:
    """Items the guideline asks for as text (收费标准): the words after the label, or the next line."""
    out = []
    for i, line in enumerate(lines):
        m = _TEXT_LABEL.match(line)
        if not m:
            continue
        text = m.group("text").strip() or (lines[i + 1] if i + 1 < len(lines) else "")
        if text and not any(t.item == m.group("label") for t in out):
            out.append(ExtractedText(m.group("label"), period, m.group("label"), text[:2000]))
    return out


# --------------------------------------------------------------------------- plausibility
_STEADY = ("outstanding_balance", "cumulative_lending_amount", "interest_balance")


def _bare_ratios(values: dict[tuple[str, date], ExtractedValue], bare: set[tuple[str, date]]) -> None:
    """Ratios printed without a unit are fractions when ≤ 1, else percentages; when one item shows both
    on a page (项目逾期率 1.12 | 0.98 | 1.05), all of them are percentages."""
    percent_items = {m for (m, p) in bare if float(parse_quantity(values[(m, p)].raw_value).number) > 1}
    for key in bare:
        v = values[key]
        if key[0] in percent_items and v.value <= 1 and float(parse_quantity(v.raw_value).number) <= 1:
            values[key] = replace(v, value=v.value / 100)


def _suspects(values: dict[tuple[str, date], ExtractedValue], bare: set[tuple[str, date]] = frozenset()) -> None:
    """Flag implausible values in place (never drop them: the page said so)."""
    from monitor.vocab import METRICS_BY_NAME

    def flag(key, why):
        v = values[key]
        if v.suspect is None:
            values[key] = replace(v, suspect=why)

    for key, v in list(values.items()):
        m = METRICS_BY_NAME[v.metric]
        if v.value < m.low or v.value > m.high:
            flag(key, f"outside the plausible range {m.low:g}–{m.high:g} of {m.item}")
        elif m.kind == "count" and abs(v.value - round(v.value)) > 1e-9:
            flag(key, "a count with decimals")
        elif m.kind == "rate" and key in bare and v.value >= 0.3:
            flag(key, f"{v.raw_value} printed without a unit: read as a fraction, may be a percentage")
    by_metric: dict[str, list[ExtractedValue]] = {}
    for v in values.values():
        by_metric.setdefault(v.metric, []).append(v)
    for metric, vs in by_metric.items():
        # Only large, slow stocks: overdue or related-party amounts can rise 1000× in a real crisis.
        if metric not in _STEADY or len(vs) < 2:
            continue
        vs.sort(key=lambda v: v.period)
        positive = sorted(v.value for v in vs if v.value > 0)
        if len(positive) < 2:
            continue
        if len(vs) == 2:
            a, b = vs
            if a.value > 0 and b.value > 0 and not 1e-3 < b.value / a.value < 1e3:
                flag((metric, b.period), f"{b.value / a.value:.3g}× the value of {a.period:%Y-%m} on the same page")
            continue
        for v in vs:
            others = [x.value for x in vs if x is not v and x.value > 0]
            median = sorted(others)[(len(others) - 1) // 2] if others else 0
            if v.value > 0 and median > 0 and not 1e-3 < v.value / median < 1e3:
                flag((metric, v.period), f"{v.value / median:.3g}× the median of the other periods on the same page")
    # An overdue rate against the page's own amounts: 0.0123% printed where 1.23% is meant.
    for (metric, period), v in list(values.items()):
        if metric != "amount_overdue_rate" or v.value <= 0:
            continue
        overdue, balance = values.get(("overdue_amount", period)), values.get(("outstanding_balance", period))
        if overdue and balance and overdue.value > 0 and balance.value > 0 and overdue.suspect is None \
                and balance.suspect is None:
            ratio = v.value / (overdue.value / balance.value)
            if not 0.05 < ratio < 20:
                flag((metric, period), f"{v.raw_value} does not match 逾期金额/借贷余额 "
                                       f"= {overdue.value / balance.value:.4%} on the same page")


# --------------------------------------------------------------------------- page
def _join_definitions(tree) -> None:
    """Each ``<dt>`` and the ``<dd>`` after it become one ``label：value`` line.

    Flattened into separate lines, a ``<dt>`` the reader does not understand would leave its figure
    to be taken as the figure above the next label (the dashboard reading).
    """
    for dl in list(tree.iter("dl")):
        children = [c for c in dl if isinstance(c.tag, str)]
        for dt, dd in zip(children, children[1:]):
            if dt.tag != "dt" or dd.tag != "dd" or dd.getparent() is None:
                continue
            label, value = element_text(dt), element_text(dd)
            if not label or not value:
                continue
            for child in list(dt):
                dt.remove(child)
            dt.text = f"{label.rstrip('：:')}：{value}"
            tail = dd.tail
            dl.remove(dd)
            if tail:
                dt.tail = (dt.tail or "") + tail


def _prepare(tree) -> None:
    """Footnote marks in <sup> out; tab panes get their tab's title as a heading (before chrome is dropped)."""
    for el in tree.iter():  # ¹ and ① would become digits under NFKC
        if el.text:
            el.text = strip_marks(el.text)
        if el.tail:
            el.tail = strip_marks(el.tail)
    for sup in list(tree.iter("sup")):
        if len(element_text(sup)) <= 3 and sup.getparent() is not None:
            sup.drop_tree()
    tabs = {}
    for a in tree.iter("a"):
        href = a.get("href") or a.get("data-target") or ""
        if href.startswith("#") and len(href) > 1 and (p := _short_period(element_text(a))):
            tabs[href[1:]] = element_text(a)
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        pid = el.get("id")
        if pid and pid in tabs:
            import lxml.html
            heading = lxml.html.Element("h4")
            heading.text = tabs[pid]
            el.insert(0, heading)
            heading.tail = el.text
            el.text = None


_HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6", "caption", "legend", "strong", "b"}


def _context_period(el, page: date | None) -> date | None:
    """The period of the nearest preceding heading (an archive's section, a tab), else the page's."""
    node = el
    steps = 0
    while node is not None and steps < 400:
        prev = node.getprevious()
        while prev is not None:
            steps += 1
            if isinstance(prev.tag, str):
                for h in ([prev] if prev.tag in _HEADING_TAGS else []) + \
                        [x for x in prev.iter(*_HEADING_TAGS)][::-1]:
                    t = strip_published(element_text(h))
                    if len(t) <= 40 and (p := parse_period(t)):
                        return p
            prev = prev.getprevious()
        node = node.getparent()
    return page


def _div_tables(tree) -> list:
    return [el for el in tree.iter("div", "ul", "section")
            if sum(1 for c in el if isinstance(c.tag, str) and _has_class(c, "tr")) >= 2]


def _unit_line(el) -> str | None:
    """A 单位：万元 line just above a table (or in its first cell)."""
    prev = el.getprevious()
    for _ in range(3):
        if prev is None:
            break
        text = element_text(prev)
        if len(text) <= 60:
            m = _UNIT_IN_TEXT.search(text)
            if m:
                return m.group(1)
        prev = prev.getprevious()
    parent = el.getparent()
    if parent is not None and parent.tag != "body":
        text = parent.text or ""
        m = _UNIT_IN_TEXT.search(nfkc(text))
        if m:
            return m.group(1)
    return None


def _annotated_lines(tree, page: date | None) -> list[tuple[str, date | None]]:
    """Text lines with the period of the heading they come under."""
    out = []
    current = page
    for line in text_lines(tree.body if tree.body is not None else tree, skip_links=True):
        line = strip_published(line)
        if not line:
            continue
        p = parse_period(line) if len(line) <= 40 else None
        if p and not [x for c in _clauses(line) for x in _pairs(c)]:  # a heading, not a dated sentence
            current = p
        out.append((line, current))
    return out


@lru_cache(maxsize=1)
def _mentions() -> re.Pattern:
    """Any spelling of an item the vocabulary knows, in running text."""
    labels = sorted({nfkc(label) for m in DISCLOSURE_ITEMS for label in m.all_labels}, key=len, reverse=True)
    return re.compile("|".join(re.escape(label) for label in labels))


def page_outcome(result: DisclosureResult) -> tuple[str | None, str | None, list[dict]]:
    """(status, error, facts) of a disclosure page: ``ok`` with the facts to store, ``unreadable`` with
    why, or ``None`` when the page holds no disclosure (the caller decides: a notice, or skipped).

    A suspect value is not stored as a fact (the store has no flag for it yet): it is named in the
    error, as are labels not understood.
    """
    facts = [{"metric": v.metric, "period": v.period, "value": v.value, "unit": v.unit,
              "raw_label": v.raw_label, "raw_value": v.raw_value} for v in result.values if not v.suspect]
    suspects = "; ".join(f"{v.raw_label}={v.raw_value} ({v.period:%Y-%m}): {v.suspect}"
                         for v in result.values if v.suspect)
    suspects = f"suspect values not stored: {suspects}" if suspects else None
    unknown = f"labels not understood: {'、'.join(result.not_understood[:10])}" if result.not_understood else None
    if facts:
        return "ok", "; ".join(x for x in (suspects, unknown) if x) or None, facts
    if suspects:  # every figure read is implausible
        return "unreadable", suspects, []
    if result.reason:
        return "unreadable", result.reason, []
    return None, None, []


_REPORT_TITLE = re.compile(r"运营报告|运营数据|信息披露|数据披露|月报|运营月报")


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
        if len(line) <= 24 and not re.search(r"截至|截止|统计", line):  # a cut-off date is not a publication
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


def extract_disclosure(html: str, tree=None, synonyms: Mapping[str, str] | None = None) -> DisclosureResult:
    """Read every disclosed item of a page (see module docstring).

    ``tree``: ``html`` already parsed (it is pruned in place); ``synonyms``: operator labels → metric
    codes (``<instance_dir>/synonyms.toml``, see :func:`crawlers.extract.synonyms.load_synonyms`).
    """
    tree = tree if tree is not None else parse_html(html)
    _prepare(tree)
    tree = clean(tree)
    all_lines = text_lines(tree.body if tree.body is not None else tree)
    result = DisclosureResult(title=title(tree))
    result.published_at = find_published("\n".join([result.title, *all_lines])) or _bare_date(tree, all_lines)
    lines = [strip_published(line) for line in all_lines]
    result.period = page_period(tree, lines)
    out = _Collector(synonyms)
    result.texts = _texts(lines, result.period)

    tables = [t for t in tree.iter("table") if not list(t.iter("table"))[1:]]  # innermost first
    for table in [*tables, *_div_tables(tree)]:
        if table.getparent() is None:
            continue
        hint = _unit_line(table)
        if _table(table, _context_period(table, result.period), out, hint):
            table.drop_tree()
    _join_definitions(tree)
    _text(_annotated_lines(tree, result.period), out)

    _bare_ratios(out.values, out.bare)
    _suspects(out.values, out.bare)
    result.values = sorted(out.values.values(), key=lambda v: (v.period, v.metric))
    result.labels_seen = list(out.seen)
    result.not_understood = [t for t in out.unknown if t not in out.seen]
    mentioned = [m for line in lines for m in _mentions().findall(line)]
    result.label_hits = len(mentioned)
    if not result.values and mentioned:
        result.reason = ("names disclosure items but no period could be found" if result.period is None
                         else "names disclosure items but no label/value pair could be read") + \
            ": " + "、".join(list(dict.fromkeys(mentioned))[:10])
    elif not result.values and out.unknown:
        result.reason = "labels not understood: " + "、".join(list(out.unknown)[:10])
    elif not result.values and _mentions().search(nfkc(html)):
        result.reason = "disclosure items appear only inside scripts or markup (page rendered by JavaScript?)"
    elif not result.values and _REPORT_TITLE.search(result.title) and parse_period(result.title):
        result.reason = "titled as a monthly report but names no disclosure item"
    return result
