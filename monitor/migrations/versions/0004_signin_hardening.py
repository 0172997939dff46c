"""server-side sessions and personal-data permission

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0004'
down_revision: Union[str, None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # Native ADD/DROP COLUMN on SQLite (3.35+): recreating "user" would trip the foreign keys pointing at it.
    with op.batch_alter_table('user', recreate='never') as batch_op:
        batch_op.add_column(sa.Column('can_view_personal', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('session_epoch', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('user', recreate='never') as batch_op:
        batch_op.drop_column('session_epoch')
        batch_op.drop_column('can_view_personal')
