"""Periodic jobs of the campaigns: release scheduled campaigns whose time has come.

The outbox rows were written at launch with ``next_try_at = send_at``, so the dispatcher
would pick them up anyway; this moves the campaign's status so the pages say "en cours".
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import update

from crm.campaigns.dispatcher import DISPATCHER
from crm.campaigns.models import Campaign, CampaignStatus
from crm.keys import CLOCK, DB
from crm.scheduler import Job


async def release_scheduled_campaigns(app: web.Application) -> int:
    now = app[CLOCK].now()
    async with app[DB].session() as session:
        result = await session.execute(
            update(Campaign)
            .where(Campaign.status == CampaignStatus.SCHEDULED, Campaign.send_at <= now)
            .values(status=CampaignStatus.SENDING)
            .execution_options(synchronize_session=False)
        )
        await session.commit()
    released = max(result.rowcount or 0, 0)
    if released:
        app[DISPATCHER].wake()
    return released


JOBS = [Job("release_scheduled_campaigns", 30, release_scheduled_campaigns)]
