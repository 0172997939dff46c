"""Periods (the month a figure refers to) and publication dates in Chinese pages.

Date-only publication dates become 00:00 UTC of the stated day: never earlier
than the bureau could have seen the page in local time, and ``.date()`` gives
back the stated day. A stated time of day is read as ``Asia/Shanghai``.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from monitor.text import nfkc

LOCAL = ZoneInfo("Asia/Shanghai")

_D = r"(?P<y>(?:19|20)\d{2})\s*(?:年|-|/|\.)\s*(?P<m>\d{1,2})\s*(?:月|-|/|\.)\s*(?P<d>\d{1,2})\s*日?"
_T = r"(?:\s*[T ]?\s*(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?"
DATE_RE = re.compile(rf"(?<!\d){_D}(?!\d)")
DATETIME_RE = re.compile(rf"(?<!\d){_D}{_T}")
COMPACT_DATE_RE = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)(?!\d)")
_AS_OF = re.compile(rf"(?:截至|截止|截止到|截至到|截止至)\s*(?:日期)?\s*[:：]?\s*{_D}")
_MONTH_CN = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*年\s*(?:度\s*)?(?P<m>\d{1,2})\s*月(?!\s*\d{1,2}\s*日)(?:份)?")
# A number followed by a unit is an amount, not a month: 1933.09万元, 2017.06元.
_MONTH_NUM = re.compile(r"(?<![\d.\-/])(?P<y>(?:19|20)\d{2})\s*(?P<sep>[-/.])\s*(?P<m>\d{1,2})"
                        r"(?![\d]|\s*[-/.]\s*\d|\s*(?:万|亿|千|元|%|笔|人|户|个|倍))")
_QUARTER = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*"
                      r"(?:年\s*(?:第\s*)?(?P<q>[1-4一二三四])\s*季度?|\s*[Qq](?P<q2>[1-4])(?!\d))")
_QUARTER_NO = {"一": 1, "二": 2, "三": 3, "四": 4}
_PUBLISHED = re.compile(
    rf"(?:发布时间|发布日期|发布于|发表时间|发表日期|公告日期|公示日期|披露日期|披露时间|更新时间|更新日期|发文日期|日期|时间)"
    rf"\s*[:：]?\s*{_D}{_T}")


def _month(y: str, m: str) -> date | None:
    try:
        return date(int(y), int(m), 1)
    except ValueError:
        return None


def _day(y: str, m: str, d: str) -> date | None:
    try:
        return date(int(y), int(m), int(d))
    except ValueError:
        return None


def parse_date(text: str) -> date | None:
    """The first calendar date in ``text`` (2018-07-09, 2018/7/9, 2018年7月9日, 20180709)."""
    t = nfkc(text)
    for regex in (DATE_RE, COMPACT_DATE_RE):
        for m in regex.finditer(t):
            d = _day(m.group("y"), m.group("m"), m.group("d"))
            if d:
                return d
    return None


def parse_period(text: str) -> date | None:
    """The month a text refers to, as its first day, or None.

    ``截至2018年6月30日`` → 2018-06-01 (a stock at the end of June; an as-of date
    on the 1st means the end of the previous month); ``2018年6月``, ``2018-06``,
    ``2018.06``, ``2018/6`` → 2018-06-01. Full dates without 截至 are not periods.

    >>> parse_period("截至2018年6月30日，平台累计借贷金额为12.35亿元")
    datetime.date(2018, 6, 1)
    >>> parse_period("2018.06 运营报告")
    datetime.date(2018, 6, 1)
    >>> parse_period("发布时间：2018-07-09") is None
    True
    """
    t = nfkc(text)
    m = _AS_OF.search(t)
    if m:
        d = _day(m.group("y"), m.group("m"), m.group("d"))
        if d:
            if d.day == 1:
                d = d - timedelta(days=1)
            return d.replace(day=1)
    m = _MONTH_CN.search(t)
    if m:
        p = _month(m.group("y"), m.group("m"))
        if p:
            return p
    m = _QUARTER.search(t)
    if m:  # a quarter's figures are stocks at its last month's end
        q = m.group("q") or m.group("q2")
        return date(int(m.group("y")), 3 * int(_QUARTER_NO.get(q, q)), 1)
    for m in _MONTH_NUM.finditer(t):
        p = _month(m.group("y"), m.group("m"))
        if p:
            return p
    return None


def to_utc(d: date, hour: int | None = None, minute: int = 0, second: int = 0) -> datetime:
    """A stated date (and optional local time) as an aware UTC datetime (see module doc)."""
    if hour is None:
        return datetime(d.year, d.month, d.day, tzinfo=timezone.utc)
    local = datetime(d.year, d.month, d.day, hour, minute, second, tzinfo=LOCAL)
    return local.astimezone(timezone.utc)


def find_published(text: str) -> datetime | None:
    """The publication time a page states ("发布时间：2018-07-09 10:00"), in UTC, or None."""
    t = nfkc(text)
    for m in _PUBLISHED.finditer(t):
        d = _day(m.group("y"), m.group("m"), m.group("d"))
        if not d:
            continue
        if m.group("H") is not None and int(m.group("H")) < 24:
            return to_utc(d, int(m.group("H")), int(m.group("M")), int(m.group("S") or 0))
        return to_utc(d)
    return None


def strip_published(text: str) -> str:
    """``text`` without publication-date phrases (so they are not read as periods)."""
    return _PUBLISHED.sub(" ", nfkc(text))
