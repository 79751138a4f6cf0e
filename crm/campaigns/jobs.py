"""Periodic jobs of the campaigns: release scheduled campaigns whose time has come, and
reconcile what the provider knows with what the outbox says (crm/campaigns/reconcile.py).

The outbox rows were written at launch with ``next_try_at = send_at``, so the dispatcher
would pick them up anyway; this moves the campaign's status so the pages say "en cours".
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import update

from crm.campaigns.dispatcher import DISPATCHER
from crm.campaigns.models import Campaign, CampaignStatus
from crm.campaigns.preparation import resume_stalled
from crm.campaigns.reconcile import reconcile
from crm.keys import CLOCK, DB, SETTINGS
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


async def resume_preparations(app: web.Application) -> int:
    """Launches interrupted while their rows were being written (preparation.py)."""
    resumed = await resume_stalled(app[DB], app[SETTINGS], app[CLOCK].now())
    if resumed:
        app[DISPATCHER].wake()
    return resumed


JOBS = [
    Job("release_scheduled_campaigns", 30, release_scheduled_campaigns),
    Job("resume_preparations", 60, resume_preparations),
    # Unknown messages, lost delivery reports, early reports, finished campaigns.
    Job("reconcile_messages", 15, reconcile),
]
