"""A scheduled campaign moves to "sending" when its send_at comes (the periodic job), and its
rows, written at launch with next_try_at = send_at, go from then on."""

from __future__ import annotations

from datetime import timedelta

from crm.campaigns.dispatcher import dispatch_once
from crm.campaigns.jobs import JOBS, release_scheduled_campaigns
from crm.campaigns.models import CampaignStatus, OutboxStatus
from tests.support.outbox import campaign_status, make_campaign, numbers, rows


async def test_a_scheduled_campaign_is_released_at_its_time_and_then_sent(app, db, clock) -> None:
    send_at = clock.now() + timedelta(hours=2)
    campaign = await make_campaign(db, clock.now(), numbers(3), status=CampaignStatus.SCHEDULED,
                                   next_try_at=send_at)
    assert await release_scheduled_campaigns(app) == 0
    assert await dispatch_once(app) == 0
    assert await campaign_status(db, campaign.id) == CampaignStatus.SCHEDULED

    clock.set(send_at)
    assert await release_scheduled_campaigns(app) == 1
    assert await campaign_status(db, campaign.id) == CampaignStatus.SENDING
    assert await release_scheduled_campaigns(app) == 0  # once
    assert await dispatch_once(app) == 3
    assert {r.status for r in await rows(db, campaign.id)} == {OutboxStatus.SENT}
    assert await campaign_status(db, campaign.id) == CampaignStatus.DONE


def test_the_release_job_is_declared_for_the_scheduler() -> None:
    [job] = JOBS
    assert (job.name, job.seconds, job.fn) == ("release_scheduled_campaigns", 30, release_scheduled_campaigns)
