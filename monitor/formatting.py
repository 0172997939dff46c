"""Numbers, dates and codes as people read them, in Chinese or English.

One layer for the portal's pages, its exports and the PDFs. Every function takes the locale as an
argument (``"zh_CN"``, ``"en"``...) and needs no request: Babel's number formats do the grouping.
Money columns share one unit chosen for the column (:func:`money_unit`): 万元 or 亿元 in Chinese, yuan
with separators in English. Shares are percentages.
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.numbers import parse_pattern

from monitor import labels
from monitor.clock import as_utc
from monitor.vocab import EVIDENCE_METRICS, METRICS_BY_NAME, evidence_code, evidence_label, pattern_names

DASH = "—"

# Evidence keys whose values are fractions (shown as percentages).
_SHARE_KEY = re.compile(r"(share|ratio|yield|_rate)")
# Keys that compare with another figure of the same map (a city median, a baseline, a gap): they are of that
# figure's kind, named by the map's ``metric`` or by its first share or amount (yield 14.6%, city median 10.3%).
_RELATIVE_KEYS = {"city_median", "gap", "latest", "baseline", "jump", "threshold"}
_UNIT_SUFFIX = re.compile(r"\s*(（元）|\(yuan\))$")


def is_zh(locale) -> bool:
    return str(locale or "zh_CN").startswith("zh")


def _babel_locale(locale) -> str:
    return "zh_Hans_CN" if is_zh(locale) else "en"


@functools.lru_cache(maxsize=None)
def _pattern(fmt: str):
    return parse_pattern(fmt)


@functools.lru_cache(maxsize=None)
def _locale(name: str) -> Locale:
    return Locale.parse(name)


def format_decimal(value, format: str, locale: str) -> str:
    """Babel's ``format_decimal`` with the pattern and locale parsed once (a page formats thousands of cells)."""
    return _pattern(format).apply(value, _locale(locale))


def format_percent(value, format: str, locale: str) -> str:
    """Babel's ``format_percent``, likewise cached."""
    return _pattern(format).apply(value, _locale(locale))


# --------------------------------------------------------------------------- numbers
def number(value, locale="zh_CN", digits: int = 0) -> str:
    """A plain number with grouped digits (``digits`` decimals at most)."""
    if value is None:
        return DASH
    fmt = "#,##0" + ("." + "#" * digits if digits else "")
    return format_decimal(value, format=fmt, locale=_babel_locale(locale))


def share(value, locale="zh_CN", digits: int = 1) -> str:
    """A fraction as a percentage: 0.8454 → 84.5%."""
    if value is None:
        return DASH
    return format_percent(value, format="#,##0." + "0" * digits + "%", locale=_babel_locale(locale))


MONEY_UNITS = {"亿元": 1e8, "万元": 1e4, "元": 1.0, "yuan": 1.0}


def money_unit(values, locale="zh_CN") -> str:
    """The one unit of a money column: 亿元 when its typical value reaches 1 亿, else 万元 (Chinese); yuan
    in English. The typical value is the median of the non-zero amounts, so one outlier does not switch it."""
    if not is_zh(locale):
        return "yuan"
    amounts = sorted(abs(float(v)) for v in values if v not in (None, 0))
    if not amounts:
        return "万元"
    typical = amounts[len(amounts) // 2]
    return "亿元" if typical >= 1e8 else "万元"


def money_in(value, unit: str, locale="zh_CN") -> str:
    """An amount in 元 as a number in ``unit`` (the unit named by the column heading)."""
    if value is None:
        return DASH
    scaled = float(value) / MONEY_UNITS[unit]
    return format_decimal(scaled, format="#,##0.00", locale=_babel_locale(locale))


def money(value, locale="zh_CN") -> str:
    """A single amount in 元 with its unit: 2.50 亿元 / 12.35 万元 / 999.00 元; 44,944,928 yuan in English."""
    if value is None:
        return DASH
    v = float(value)
    if not is_zh(locale):
        return f"{format_decimal(round(v), format='#,##0', locale='en')} yuan"
    unit = "亿元" if abs(v) >= 1e8 else "万元" if abs(v) >= 1e4 else "元"
    return f"{money_in(v, unit, locale)} {unit}"


def score(value, locale="zh_CN") -> str:
    """A risk index value: one decimal."""
    return DASH if value is None else format_decimal(value, format="#,##0.0", locale=_babel_locale(locale))


_AMOUNT = re.compile(r"(\d[\d,，]*(?:\.\d+)?)\s*(亿|万)?\s*元")
_AMOUNT_UNITS = {"亿": 100_000_000, "万": 10_000, None: 1}
# Events whose text states the sum at stake (a judgment, an enforcement, a dishonest-debtor record). A
# registry change's text states capital before and after, a news item anything: never read as the event's.
AMOUNT_IN_TEXT_KINDS = ("lawsuit", "enforcement", "dishonest")


def amount_from_text(text: str | None) -> float | None:
    """The first amount in yuan a text states (``460,000元``, ``46万元``, ``1.2亿元``); ``None`` without one.

    >>> amount_from_text("判令被告偿还借款本金460,000元及利息")
    460000.0
    >>> amount_from_text("涉案金额1.2亿元")
    120000000.0
    """
    match = _AMOUNT.search(text or "")
    if match is None:
        return None
    digits = match.group(1).replace(",", "").replace("，", "")
    try:
        return round(float(digits) * _AMOUNT_UNITS[match.group(2)], 2)
    except ValueError:
        return None


def event_amount(event) -> float | None:
    """An event's amount in 元: the stored one, else, for court records, the first amount its title or text
    states (``event``: an object or a dict with ``kind``, ``amount``, ``title``, ``body``)."""
    get = event.get if isinstance(event, dict) else lambda name: getattr(event, name, None)
    if get("amount") is not None:
        return get("amount")
    if get("kind") not in AMOUNT_IN_TEXT_KINDS:
        return None
    return amount_from_text(get("title")) or amount_from_text(get("body"))


# --------------------------------------------------------------------------- dates and moments
def day(value, locale="zh_CN") -> str:
    """A calendar date: 2018年6月1日 in Chinese, 2018-06-01 otherwise."""
    if value is None or value == "":
        return DASH
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.date()
    if is_zh(locale):
        return f"{value.year}年{value.month}月{value.day}日"
    return value.isoformat()


def month(value, locale="zh_CN") -> str:
    """A disclosure period: 2018年6月 / 2018-06."""
    if value is None:
        return DASH
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return f"{value.year}年{value.month}月" if is_zh(locale) else f"{value.year}-{value.month:02d}"


def local(value, tz: str = "Asia/Shanghai") -> datetime | None:
    """A stored moment (naive values are UTC) in the bureau's time zone."""
    return None if value is None else as_utc(value).astimezone(ZoneInfo(tz))


def moment(value, tz: str = "Asia/Shanghai", locale="zh_CN") -> str:
    """A system moment in the bureau's time zone: 2018年6月1日 14:05 / 2018-06-01 14:05."""
    if value is None:
        return DASH
    t = local(value, tz)
    return f"{day(t.date(), locale)} {t:%H:%M}"


def moment_iso(value, tz: str = "Asia/Shanghai") -> str:
    """A moment for exports: local time with its offset, ``2018-06-01T10:00:00+08:00``."""
    return "" if value is None else local(value, tz).isoformat(timespec="seconds")


def duration(seconds, locale="zh_CN") -> str:
    """A run's length: 42 秒 / 3 分 5 秒 / 1 小时 2 分 (42 s / 3 min 5 s in English); under half a second,
    <1秒 / <1 s (a stage that ran is never shown as taking no time)."""
    if seconds is None:
        return DASH
    if 0 < float(seconds) < 0.5:
        return "<1秒" if is_zh(locale) else "<1 s"
    s = int(round(float(seconds)))
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    zh = is_zh(locale)
    units = ("小时", "分", "秒") if zh else (" h", " min", " s")
    parts = [f"{n}{u}" for n, u in zip((h, m, sec), units) if n]
    return ("" if zh else " ").join(parts) or ("0秒" if zh else "0 s")


# --------------------------------------------------------------------------- codes
def pattern_name(code, locale="zh_CN") -> str:
    """A finding kind or contribution key for people (the names of the detectors' and indicators' records,
    :func:`monitor.vocab.pattern_names`); unknown codes as they are, as words in English."""
    if code is None:
        return DASH
    code = str(code)
    if code.startswith("indicator."):
        code = code.split(".", 1)[1]
    names = pattern_names().get(code)
    if names is None:
        return code if is_zh(locale) else code.replace("_", " ")
    return names[0 if is_zh(locale) else 1]


def band_name(band, locale="zh_CN") -> str:
    """A risk band by the vocabulary of :mod:`monitor.labels` (no band: green)."""
    return labels.name("band", band or "green", labels.translations(locale))


def evidence_key(key, locale="zh_CN") -> str:
    """An evidence key's name without its unit suffix (the value carries its unit); unknown codes read
    as words in English."""
    name = _UNIT_SUFFIX.sub("", evidence_label(str(key), is_zh(locale)))
    return name if is_zh(locale) else name.replace("_", " ")


def _is_amount(key: str) -> bool:
    names = EVIDENCE_METRICS.get(key)
    if names is not None:
        return names[1].endswith("(yuan)")
    metric = METRICS_BY_NAME.get(key)
    return metric is not None and metric.unit == "yuan"


def _is_share(key: str) -> bool:
    metric = METRICS_BY_NAME.get(key)
    if metric is not None:
        return metric.unit == "ratio"
    return bool(_SHARE_KEY.search(key))


def _reference_kind(metrics) -> str | None:
    """``"share"`` or ``"amount"``: the kind of the figure a map's relative keys compare with."""
    if not isinstance(metrics, dict):
        return None
    named = METRICS_BY_NAME.get(str(metrics.get("metric") or ""))
    if named is not None:
        return "share" if named.unit == "ratio" else "amount" if named.unit == "yuan" else None
    for k, v in metrics.items():
        if k in _RELATIVE_KEYS or isinstance(v, bool) or not isinstance(v, (int, float)):
            continue
        if _is_amount(str(k)):
            return "amount"
        if _is_share(str(k)):
            return "share"
    return None


def evidence_value(key, value, locale="zh_CN", context: dict | None = None) -> str:
    """A detector's computed number by what its key means: amounts with their unit, fractions as
    percentages, counts grouped, yes/no, codes named, short lists and maps. ``context``: the map the value
    belongs to, which gives a relative key (a city median, a gap, a baseline) the kind of what it compares."""
    zh = is_zh(locale)
    key = str(key or "")
    if value is None:
        return DASH
    if isinstance(value, bool):
        return ("是" if value else "否") if zh else ("yes" if value else "no")
    if isinstance(value, (int, float)):
        kind = _reference_kind(context) if key in _RELATIVE_KEYS else None
        if kind == "amount" or (kind is None and _is_amount(key)):
            return money(value, locale)
        if (kind == "share" or (kind is None and _is_share(key))) and isinstance(value, float) and abs(value) <= 10:
            return share(value, locale)
        if isinstance(value, int):
            return number(value, locale)
        return number(value, locale, 2 if abs(value) >= 1 else 4)
    if isinstance(value, str):
        return evidence_code(value, zh)
    if isinstance(value, dict):
        # A map's entries are of their own kind when their key says so (excess_share), else of the map's
        # (``outstanding_balance: {disclosed: ..., flows: ...}`` holds amounts).
        text = ("；" if zh else "; ").join(
            f"{evidence_key(k, locale)}: {evidence_value(k if _is_amount(str(k)) or _is_share(str(k)) else key, v, locale)}"
            for k, v in value.items())
    elif isinstance(value, (list, tuple)):
        text = ("、" if zh else ", ").join(evidence_value(key, v, locale) for v in value)
    else:
        return str(value)
    return text if len(text) <= 160 else text[:157] + "…"


def summary_metrics(metrics: dict | None, locale="zh_CN", limit: int = 3) -> str:
    """The first few scalar numbers of a finding's evidence, named: the present state in one line."""
    parts = []
    for k, v in (metrics or {}).items():
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            parts.append(f"{evidence_key(k, locale)} {evidence_value(k, v, locale, metrics)}")
        if len(parts) >= limit:
            break
    return ("，" if is_zh(locale) else ", ").join(parts)
