"""planner statistics: ANALYZE once, so that existing databases get the query plans a
launch and a preview need (later imports refresh them: crm.db.Database.refresh_statistics)

Revision ID: 5a7e1c0d9b21
Revises: fd1bdde9aebd
Create Date: 2026-11-30 23:00:00
"""
from typing import Sequence, Union

from alembic import op


revision: str = '5a7e1c0d9b21'
down_revision: Union[str, None] = 'fd1bdde9aebd'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.execute("ANALYZE")


def downgrade() -> None:
    pass  # statistics are not schema: nothing to undo
