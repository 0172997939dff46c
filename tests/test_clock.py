"""One aware-UTC path: the store's columns read back aware UTC on SQLite and PostgreSQL; as_utc for the rest."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import TIMESTAMP, DateTime, func
from sqlalchemy.exc import StatementError
from sqlmodel import Session, SQLModel, select
from sqlmodel.sql.sqltypes import UTCDateTime

import monitor.models  # noqa: F401 - registers the tables
from monitor.clock import as_utc, utcnow
from monitor.db import get_engine
from monitor.models import SweepRun

BEIJING = timezone(timedelta(hours=8))


def _is_utc(value) -> bool:
    return isinstance(value, datetime) and value.tzinfo is not None and value.utcoffset() == timedelta(0)


def test_every_datetime_column_is_the_aware_utc_type():
    types = [(t.name, c.name, c.type) for t in SQLModel.metadata.tables.values() for c in t.columns]
    assert len([c for c in types if isinstance(c[2], UTCDateTime)]) > 20
    assert [c for c in types if isinstance(c[2], (DateTime, TIMESTAMP))] == []  # plain types read back naive


def test_datetimes_read_back_aware_utc(store):
    engine = get_engine(store)
    moment = datetime(2018, 6, 1, 8, 30, tzinfo=BEIJING)  # 00:30 UTC
    with Session(engine) as session:
        run = SweepRun(as_of=moment, started_at=moment + timedelta(hours=1))
        session.add(run)
        session.commit()
        run_id = run.id
    with Session(engine) as session:
        row = session.get(SweepRun, run_id)
        read = [row.as_of, row.started_at, row.requested_at,
                session.exec(select(SweepRun.as_of).where(SweepRun.id == run_id)).one(),
                session.exec(select(func.max(SweepRun.started_at))).one()]
    assert all(_is_utc(v) for v in read), read
    assert read[0] == moment and read[0].hour == 0 and read[3] == moment
    assert read[4] == moment + timedelta(hours=1)


def test_naive_datetimes_are_refused_on_write(store):
    with Session(get_engine(store)) as session:
        session.add(SweepRun(as_of=datetime(2018, 6, 1)))
        with pytest.raises(StatementError, match="timezone"):
            session.commit()


def test_as_utc():
    assert as_utc(None) is None
    assert as_utc(datetime(2018, 6, 1, 8, tzinfo=BEIJING)) == datetime(2018, 6, 1, tzinfo=timezone.utc)
    assert _is_utc(as_utc(datetime(2018, 6, 1, 8, tzinfo=BEIJING)))
    assert as_utc(datetime(2018, 6, 1, 8)) == datetime(2018, 6, 1, 8, tzinfo=timezone.utc)  # naive: UTC
    assert as_utc(date(2018, 6, 1)) == datetime(2018, 6, 1, tzinfo=timezone.utc)
    assert as_utc("2018-06-01T08:00:00+08:00") == datetime(2018, 6, 1, tzinfo=timezone.utc)
    assert _is_utc(utcnow())
