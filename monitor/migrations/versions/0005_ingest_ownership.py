"""ingest ownership: one ingestfile row per file

One commit record (status ``ok``) per source file: a partial unique index on
``ingestfile.sha256`` where ``status = 'ok'`` (SQLite and PostgreSQL both
have partial indexes). Failed attempts stay recorded beside it. Keyed on the
file's sha256 alone, as the ingest's duplicate check is: a file committed
for one institution is a duplicate for any other (and ``institution_id`` may
be NULL, which a unique index would not compare). Stores that already hold
several ``ok`` rows for a file (concurrent ingests before this revision) keep
the first as the commit record; the later ones become ``duplicate`` with no
new rows.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0005'
down_revision: Union[str, None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

INDEX = 'uq_ingestfile_sha256_ok'
WHERE = "status = 'ok'"


def upgrade() -> None:
    op.execute(sa.text(
        "UPDATE ingestfile SET status = 'duplicate', rows_new = 0 WHERE status = 'ok' AND id > "
        "(SELECT min(f.id) FROM ingestfile f WHERE f.sha256 = ingestfile.sha256 AND f.status = 'ok')"))
    with op.batch_alter_table('ingestfile', schema=None) as batch_op:
        batch_op.create_index(INDEX, ['sha256'], unique=True,
                              sqlite_where=sa.text(WHERE), postgresql_where=sa.text(WHERE))


def downgrade() -> None:
    with op.batch_alter_table('ingestfile', schema=None) as batch_op:
        batch_op.drop_index(INDEX)
