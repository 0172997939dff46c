"""What Alembic compares: everything but the tables other libraries own in the same database."""

# APScheduler's SQLAlchemy job store creates and manages its own table.
FOREIGN_TABLES = {"apscheduler_jobs"}


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    return not (type_ == "table" and name in FOREIGN_TABLES)
