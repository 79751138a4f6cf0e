"""replies saying the outage goes on: counted when the campaign is read, no counter column

The webhook incremented ``campaign.problem_persists_count`` for every "toujours en panne":
every tenant answering one outage waited for that one row's lock. The count is now taken
from ``inbound_message`` when the campaign is read (``crm.inbox.reactions.campaign_replies``).

Revision ID: 7c3d5e9a1b20
Revises: 31e6bef85dca
Create Date: 2026-12-03 19:40:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '7c3d5e9a1b20'
down_revision: Union[str, None] = '31e6bef85dca'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_column('problem_persists_count')


def downgrade() -> None:
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.add_column(sa.Column('problem_persists_count', sa.Integer(), nullable=False,
                                      server_default='0'))
    # What the replies said, as the column held it (outages and works only).
    op.execute("""
        UPDATE campaign SET problem_persists_count = (
            SELECT count(*) FROM inbound_message m
            WHERE m.campaign_id = campaign.id AND m.intent = 'problem_persists')
        WHERE category IN ('outage', 'works')""")
