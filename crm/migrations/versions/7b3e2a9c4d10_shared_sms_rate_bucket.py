"""The SMS rate bucket shared by every process (several workers on PostgreSQL)

Revision ID: 7b3e2a9c4d10
Revises: 5d1c0e7a9b31
Create Date: 2026-12-01 01:00:00.000000
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import crm.db


revision: str = '7b3e2a9c4d10'
down_revision: Union[str, None] = '5d1c0e7a9b31'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('sms_rate_bucket',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('tokens', sa.Float(), nullable=False),
    sa.Column('updated_at', crm.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )


def downgrade() -> None:
    op.drop_table('sms_rate_bucket')
