"""The store on SQLite and PostgreSQL: schema, migrations, validation, append-only audit."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import SQLModel, select

from conftest import uscc_for
from monitor.db import current_revision, get_engine, head_revision, init_db, session_scope
from monitor.errors import InputError
from monitor.models import AuditEntry, DisclosureFact, Institution


def test_init_db_creates_every_model_table_at_head(store):
    tables = set(inspect(get_engine(store)).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables
    assert current_revision(store) == head_revision(store)


def test_init_db_twice_is_harmless(store):
    assert init_db(store) == head_revision(store)


def test_migrations_match_the_models(store):
    """A model change without its migration fails here."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from monitor.migrations.env_filters import include_object

    with get_engine(store).connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include_object})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_institution_uscc_is_validated(store):
    with pytest.raises(InputError, match="invalid USCC"):
        Institution(name="坏平台", name_norm="坏平台", uscc="91440300000000000X")
    good = uscc_for(42)
    with session_scope(store) as s:
        s.add(Institution(name="好平台有限公司", name_norm="好平台", uscc=good))
    with session_scope(store) as s:
        assert s.exec(select(Institution.uscc)).one() == good


def test_uscc_is_unique(store):
    with pytest.raises(IntegrityError):
        with session_scope(store) as s:
            s.add(Institution(name="A", name_norm="A", uscc=uscc_for(1)))
            s.add(Institution(name="B", name_norm="B", uscc=uscc_for(1)))


def test_vocabulary_is_checked():
    with pytest.raises(InputError, match="institution kind 'bank'"):
        Institution(name="X", name_norm="X", uscc=uscc_for(2), kind="bank")


def test_facts_can_be_read_as_of_a_date(store):
    with session_scope(store) as s:
        inst = Institution(name="甲", name_norm="甲", uscc=uscc_for(3))
        s.add(inst)
        s.flush()
        for month, published in ((5, datetime(2018, 6, 8, tzinfo=UTC)), (6, datetime(2018, 7, 9, tzinfo=UTC))):
            s.add(DisclosureFact(institution_id=inst.id, period=date(2018, month, 1), metric="outstanding_balance",
                                 value=1e8 * month, unit="yuan", available_at=published))
    with session_scope(store) as s:
        known = s.exec(select(DisclosureFact.period).where(DisclosureFact.available_at <= datetime(2018, 7, 1, tzinfo=UTC))).all()
    assert known == [date(2018, 5, 1)]


def test_audit_journal_is_append_only(store):
    with session_scope(store) as s:
        s.add(AuditEntry(actor="system", object_type="alert", object_id=1, action="status", old="new", new="closed"))
    engine = get_engine(store)
    for statement in ("UPDATE audit_entry SET new = 'new'", "DELETE FROM audit_entry"):
        with pytest.raises(DBAPIError, match="append-only"):
            with engine.begin() as conn:
                conn.execute(text(statement))
    with session_scope(store) as s:
        assert s.exec(select(AuditEntry.new)).all() == ["closed"]
