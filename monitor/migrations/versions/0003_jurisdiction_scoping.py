"""jurisdiction-scoped rules and sweeps

Rule sets belong to a jurisdiction (NULL: the store-wide default), scores
point at the exact rule set that made them, sweeps record the jurisdiction
they covered (NULL: the whole store).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0003'
down_revision: Union[str, None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('ruleset', schema=None) as batch_op:
        batch_op.add_column(sa.Column('jurisdiction_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_ruleset_jurisdiction_id'), ['jurisdiction_id'], unique=False)
        batch_op.create_foreign_key('fk_ruleset_jurisdiction_id', 'jurisdiction', ['jurisdiction_id'], ['id'])
    with op.batch_alter_table('score', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ruleset_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_score_ruleset_id', 'ruleset', ['ruleset_id'], ['id'])
    with op.batch_alter_table('sweeprun', schema=None) as batch_op:
        batch_op.add_column(sa.Column('jurisdiction_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_sweeprun_jurisdiction_id', 'jurisdiction', ['jurisdiction_id'], ['id'])
    # Scores made before this revision used the store-wide rule set of their version.
    op.execute("UPDATE score SET ruleset_id = (SELECT ruleset.id FROM ruleset "
               "WHERE ruleset.version = score.rule_version)")


def downgrade() -> None:
    with op.batch_alter_table('sweeprun', schema=None) as batch_op:
        batch_op.drop_constraint('fk_sweeprun_jurisdiction_id', type_='foreignkey')
        batch_op.drop_column('jurisdiction_id')
    with op.batch_alter_table('score', schema=None) as batch_op:
        batch_op.drop_constraint('fk_score_ruleset_id', type_='foreignkey')
        batch_op.drop_column('ruleset_id')
    with op.batch_alter_table('ruleset', schema=None) as batch_op:
        batch_op.drop_constraint('fk_ruleset_jurisdiction_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_ruleset_jurisdiction_id'))
        batch_op.drop_column('jurisdiction_id')
