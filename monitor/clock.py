"""The store's one clock: aware UTC moments.

Columns hand back aware UTC by themselves (every ``datetime`` field of :mod:`monitor.models` is SQLModel's
``UTCDateTime``, on SQLite and PostgreSQL alike). :func:`as_utc` is for moments from elsewhere: options and
arguments, ISO strings, JSON, Parquet rows, raw SQL, fixtures.
"""

from __future__ import annotations

from datetime import date, datetime, timezone


def utcnow() -> datetime:
    """Aware UTC now."""
    return datetime.now(timezone.utc)


def as_utc(value: datetime | date | str | None) -> datetime | None:
    """``value`` as an aware UTC datetime; naive values are taken as UTC (the store's convention).

    A ``date`` is its midnight UTC, a string is read as ISO 8601, ``None`` stays ``None``.

    >>> as_utc("2018-06-01T08:00:00+08:00")
    datetime.datetime(2018, 6, 1, 0, 0, tzinfo=datetime.timezone.utc)
    >>> as_utc("2018-06-01T00:00:00"), as_utc(date(2018, 6, 1)) == as_utc("2018-06-01T00:00:00+00:00")
    (datetime.datetime(2018, 6, 1, 0, 0, tzinfo=datetime.timezone.utc), True)
    """
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)
