"""The one way to reach the store: engines, sessions and schema upgrades."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator

from sqlalchemy import Engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlmodel import Session, SQLModel, create_engine, func, select

from monitor import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from monitor.config import Config
from monitor.errors import StoreError

MIGRATIONS = Path(__file__).with_name("migrations")
_ENGINES: dict[str, Engine] = {}


def _describe(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def get_engine(config: Config) -> Engine:
    """The engine of ``config.db_url`` (one per URL and process)."""
    url = config.db_url
    engine = _ENGINES.get(url)
    if engine is not None:
        return engine
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(f"database URL {url!r} is not a valid SQLAlchemy URL") from None
    kwargs: dict = {}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    elif parsed.get_backend_name() == "postgresql":
        kwargs["pool_pre_ping"] = True
        kwargs["connect_args"] = {"connect_timeout": 5}
    try:
        engine = create_engine(url, **kwargs)
    except (ArgumentError, ImportError) as exc:
        raise StoreError(f"cannot use database {_describe(url)}: {exc}") from None
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    _ENGINES[url] = engine
    return engine


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def dispose_engines() -> None:
    for engine in _ENGINES.values():
        engine.dispose()
    _ENGINES.clear()


def check_connection(config: Config) -> None:
    """Raise :class:`StoreError` with one clear line when the store cannot be reached."""
    engine = get_engine(config)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except (OperationalError, SQLAlchemyError) as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else type(exc).__name__
        raise StoreError(f"cannot reach database {_describe(config.db_url)}: {reason}") from None


@contextlib.contextmanager
def session_scope(config: Config) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    session = Session(get_engine(config), expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _alembic_config(config: Config):
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["monitor_config"] = config
    return cfg


def init_db(config: Config) -> str:
    """Create or upgrade the schema to the newest migration; return the revision."""
    from alembic import command

    check_connection(config)
    command.upgrade(_alembic_config(config), "head")
    return current_revision(config) or "?"


def current_revision(config: Config) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with get_engine(config).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(config: Config) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config(config)).get_current_head()


def require_schema(config: Config) -> None:
    """Raise unless the store exists at the newest revision (commands that need data call this)."""
    check_connection(config)
    current, head = current_revision(config), head_revision(config)
    if current is None:
        raise StoreError(f"database {_describe(config.db_url)} has no schema: run `monitor init-db`")
    if current != head:
        raise StoreError(f"database schema is at {current}, code expects {head}: run `monitor init-db`")


def table_counts(config: Config) -> dict[str, int]:
    """Rows per table of the store (for ``monitor status``)."""
    engine = get_engine(config)
    present = set(inspect(engine).get_table_names())
    counts: dict[str, int] = {}
    with Session(engine) as session:
        for table in SQLModel.metadata.sorted_tables:
            if table.name in present:
                counts[table.name] = session.exec(select(func.count()).select_from(table)).one()
    return counts
