"""Number and time formats of the briefings, and the Chinese names of codes (codes stay English in the store).

The names come from the one vocabulary, :mod:`monitor.labels`, translated by the catalogues in Chinese.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from monitor import formatting
from monitor.clock import as_utc
from monitor.labels import printed
from monitor.vocab import METRICS_BY_NAME, evidence_code, evidence_label

BANDS = ("red", "orange", "yellow", "green")
BAND_COLOURS = {"red": "#c62828", "orange": "#ef6c00", "yellow": "#f9a825", "green": "#2e7d32"}


def label(value, family: str | None) -> str:
    """The briefing's Chinese name of ``value``, a code of ``family`` (``monitor.labels``); no family: as it is."""
    if not value:
        return "—"
    return printed(family, value) if family else value


def evidence_metric_zh(key: str) -> str:
    """The Chinese name of a key of ``evidence.metrics`` (the core table ``monitor.vocab.EVIDENCE_METRICS``)."""
    return evidence_label(key)


def detector_zh(detector: str | None) -> str:
    """Which kind of check found it: flow and graph detectors, or indicators on disclosures, registry and events."""
    if not detector:
        return "—"
    return "风险指标" if detector.startswith("indicator.") else "资金流水/关联图谱检测"


def band_zh(band: str | None) -> str:
    return printed("band", band) if band in BANDS else "—"


def pattern_zh(kind: str | None) -> str:
    return printed("pattern", kind)


def metric_zh(name: str) -> str:
    metric = METRICS_BY_NAME.get(name)
    return metric.label if metric else name


def money(value: float | None) -> str:
    """A single amount with its unit, as the portal writes it: 12.35 万元, 2.50 亿元 (:mod:`monitor.formatting`)."""
    return formatting.money(value, "zh_CN")


def money_in(value: float | None, unit: str) -> str:
    """An amount in the unit its column names (:func:`monitor.formatting.money_unit`)."""
    return formatting.money_in(value, unit, "zh_CN")


def money_unit(values) -> str:
    """The one unit of a money column: 万元, or 亿元 when its typical amount reaches 1 亿."""
    return formatting.money_unit(list(values), "zh_CN")


def evidence_value(value, key, context=None) -> str:
    """A finding's number as the portal shows it: amounts with their unit, shares as percentages."""
    return formatting.evidence_value(key, value, "zh_CN", context)


def evidence_key(key) -> str:
    """A finding's number named without a unit suffix (its value carries the unit)."""
    return formatting.evidence_key(key, "zh_CN")


def number(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def pct(value: float | None, digits: int = 1) -> str:
    """A fraction (0.052) as a percentage (5.2%)."""
    if value is None:
        return "—"
    return f"{value * 100:.{digits}f}%"


def metric_value(name: str, value: float | None, with_unit: bool = True) -> str:
    metric = METRICS_BY_NAME.get(name)
    unit = metric.unit if metric else None
    if unit == "yuan":
        return money(value) if with_unit or value is None else f"{value / 10_000:,.2f}"
    if unit == "ratio":
        return pct(value, 2)
    return number(value)


def local_time(value: datetime | str | None, tz: str, with_time: bool = True) -> str:
    """A moment (or its ISO text; naive values are UTC) shown in the bureau's time zone."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = as_utc(value).astimezone(ZoneInfo(tz))
        return value.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def plain(value) -> str:
    """A detector's metric value for people: booleans as 是/否, small fractions with 4 digits, thousands split,
    codes and the keys of nested maps in Chinese."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1 else f"{value:,.2f}"
    if isinstance(value, (list, tuple)):
        more = f" 等 {len(value)} 项" if len(value) > PLAIN_ITEMS else ""
        return "、".join(plain(v) for v in value[:PLAIN_ITEMS]) + more
    if isinstance(value, dict):
        items = list(value.items())
        more = f" 等 {len(items)} 项" if len(items) > PLAIN_ITEMS else ""
        return "；".join(f"{evidence_label(str(k))}: {plain(v)}" for k, v in items[:PLAIN_ITEMS]) + more
    if isinstance(value, str):
        return evidence_code(value)  # ties and metric names are codes; other text stays as it is
    return str(value)


PLAIN_ITEMS = 12  # longer lists and maps are cut (the full evidence stays in the store)


# Short headings of the disclosure table's columns (the full names are listed under the table).
METRIC_SHORT_ZH = {"cumulative_lending_amount": "累计借贷", "amount_overdue_rate": "逾期率",
                   "overdue_90_amount": "逾期90天+", "top10_borrower_share": "前十大占比",
                   "related_party_balance": "关联借款", "avg_yield": "平均收益率"}


def metric_short_zh(name: str) -> str:
    return METRIC_SHORT_ZH.get(name) or metric_zh(name)


# The first amount a text states: one parser for the portal and the briefings (monitor.formatting).
amount_from_text = formatting.amount_from_text
