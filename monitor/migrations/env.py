"""Alembic environment: the target is SQLModel's metadata, the URL the monitor's config."""

from alembic import context
from sqlmodel import SQLModel

from monitor import models  # noqa: F401  (registers the tables)
from monitor.migrations.env_filters import include_object

config = context.config
monitor_config = config.attributes.get("monitor_config")
if monitor_config is None:  # plain `alembic` command line: read MONITOR_* like the CLI does
    from monitor.config import load_config

    monitor_config = load_config()


def run_migrations_online() -> None:
    from monitor.db import get_engine

    engine = get_engine(monitor_config)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=SQLModel.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
