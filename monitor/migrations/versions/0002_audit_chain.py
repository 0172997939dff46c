"""audit journal hash chain; alert state

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06

``audit_entry`` gains ``prev_hash`` and ``hash`` (see monitor.audit), filled in
for the entries already there in id order; ``alert_state`` keeps, per
institution, the band that alerts were last raised against, seeded from the
latest scored sweep.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0002'
down_revision: Union[str, None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    _drop_append_only()
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_entry_hash'), ['hash'], unique=False)
    _backfill_chain()
    _append_only()

    op.create_table('alert_state',
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('band', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('sweep_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], ),
    sa.ForeignKeyConstraint(['sweep_id'], ['sweeprun.id'], ),
    sa.PrimaryKeyConstraint('institution_id')
    )
    # Alerts so far were raised against the previous sweep's scores: the latest scored sweep is that state.
    op.execute(
        "INSERT INTO alert_state (institution_id, band, sweep_id, updated_at) "
        "SELECT institution_id, band, sweep_id, CURRENT_TIMESTAMP FROM score "
        "WHERE sweep_id = (SELECT max(sweep_id) FROM score)"
    )


def downgrade() -> None:
    op.drop_table('alert_state')
    _drop_append_only()
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entry_hash'))
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
    _append_only()


def _backfill_chain() -> None:
    from monitor.audit import GENESIS, entry_content, entry_hash

    bind = op.get_bind()
    table = sa.table('audit_entry', sa.column('at', sqlmodel.sql.sqltypes.UTCDateTime()), *(sa.column(c) for c in (
        'id', 'actor_id', 'actor', 'object_type', 'object_id', 'action', 'field', 'old', 'new', 'prev_hash',
        'hash')))
    prev = GENESIS
    rows = bind.execute(sa.select(table).order_by(table.c.id)).mappings().all()
    for row in rows:
        digest = entry_hash(prev, entry_content(dict(row)))
        bind.execute(table.update().where(table.c.id == row['id']).values(prev_hash=prev, hash=digest))
        prev = digest


def _drop_append_only() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_entry_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_entry_no_delete")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry")
        op.execute("DROP FUNCTION IF EXISTS audit_entry_append_only()")


def _append_only() -> None:
    """As in 0001: the audit journal accepts INSERT only."""
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_entry_no_{action.lower()} BEFORE {action} ON audit_entry "
                f"BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END"
            )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'audit_entry is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_entry "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only()"
        )
