"""The regulatory deadline of a monthly disclosure: the fifth working day after the month ends.

网络借贷信息中介机构业务活动信息披露指引 (2017): operating data of a month are disclosed within the
first five working days of the next month. Working days skip weekends and the public holidays
declared below (New Year, Spring Festival, Qingming, Labour Day, National Day, 2016–2020); the
make-up working weekends (调休) are not counted as working days, which can only move a deadline later.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from monitor.clock import as_utc

WORKING_DAYS = 5


def _span(first: str, last: str) -> set[date]:
    a, b = date.fromisoformat(first), date.fromisoformat(last)
    return {a + timedelta(days=i) for i in range((b - a).days + 1)}


# Public holidays (国务院办公厅 notices) that can fall in a month's first working days.
HOLIDAYS: frozenset[date] = frozenset().union(*(_span(a, b) for a, b in (
    ("2016-01-01", "2016-01-03"), ("2016-02-07", "2016-02-13"), ("2016-04-02", "2016-04-04"),
    ("2016-04-30", "2016-05-02"), ("2016-10-01", "2016-10-07"),
    ("2016-12-31", "2017-01-02"), ("2017-01-27", "2017-02-02"), ("2017-04-02", "2017-04-04"),
    ("2017-04-29", "2017-05-01"), ("2017-10-01", "2017-10-08"),
    ("2017-12-30", "2018-01-01"), ("2018-02-15", "2018-02-21"), ("2018-04-05", "2018-04-07"),
    ("2018-04-29", "2018-05-01"), ("2018-10-01", "2018-10-07"),
    ("2018-12-30", "2019-01-01"), ("2019-02-04", "2019-02-10"), ("2019-04-05", "2019-04-07"),
    ("2019-05-01", "2019-05-04"), ("2019-10-01", "2019-10-07"),
    ("2020-01-01", "2020-01-01"), ("2020-01-24", "2020-02-02"), ("2020-04-04", "2020-04-06"),
    ("2020-05-01", "2020-05-05"), ("2020-10-01", "2020-10-08"),
)))


def is_working_day(d: date) -> bool:
    return d.weekday() < 5 and d not in HOLIDAYS


def disclosure_deadline(period: date) -> date:
    """The last day a month's report (``period``: any day of that month) is due: its fifth working day after."""
    d = date(period.year + (period.month == 12), period.month % 12 + 1, 1)
    count = 0
    while True:
        if is_working_day(d):
            count += 1
            if count == WORKING_DAYS:
                return d
        d += timedelta(days=1)


def deadline_end(period: date) -> datetime:
    """The deadline's end (23:59:59 Beijing time) in UTC: a report is available by then at the latest."""
    d = disclosure_deadline(period)
    beijing = timezone(timedelta(hours=8))
    return datetime.combine(d, time(23, 59, 59), tzinfo=beijing).astimezone(timezone.utc)


def estimated_available(period: date, fetched_at: datetime) -> tuple[datetime, bool]:
    """(available_at, estimated) of an undated page's figures for ``period``: the deadline when the page was
    fetched after it (a late crawl of an archived report), else the fetch time (a live crawl)."""
    end = deadline_end(period)
    fetched = as_utc(fetched_at)
    return (end, True) if fetched > end else (fetched, False)
