"""disclosure flags: suspect values kept flagged, estimated dates, notice families

``disclosurefact.suspect`` (why a value is implausible; such a value is shown, never used as fact),
``disclosurefact.confidence`` (how its label was matched), ``estimated`` on ``disclosurefact`` and
``document`` (``available_at`` is the regulatory deadline, the page stating no date) and
``event.family`` (a platform notice's family: wind_down, benign_exit, distress ...) and
``institution.aliases`` (brands the platform's own site states, to link complaints and news).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0006'
down_revision: Union[str, None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # Native ADD/DROP COLUMN on SQLite: recreating tables would trip the foreign keys pointing at them.
    with op.batch_alter_table('disclosurefact', recreate='never') as batch_op:
        batch_op.add_column(sa.Column('estimated', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('suspect', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True))
        batch_op.add_column(sa.Column('confidence', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
    with op.batch_alter_table('document', recreate='never') as batch_op:
        batch_op.add_column(sa.Column('estimated', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('event', recreate='never') as batch_op:
        batch_op.add_column(sa.Column('family', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
    with op.batch_alter_table('institution', recreate='never') as batch_op:
        batch_op.add_column(sa.Column('aliases', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))


def downgrade() -> None:
    with op.batch_alter_table('institution', recreate='never') as batch_op:
        batch_op.drop_column('aliases')
    with op.batch_alter_table('event', recreate='never') as batch_op:
        batch_op.drop_column('family')
    with op.batch_alter_table('document', recreate='never') as batch_op:
        batch_op.drop_column('estimated')
    with op.batch_alter_table('disclosurefact', recreate='never') as batch_op:
        batch_op.drop_column('confidence')
        batch_op.drop_column('suspect')
        batch_op.drop_column('estimated')
