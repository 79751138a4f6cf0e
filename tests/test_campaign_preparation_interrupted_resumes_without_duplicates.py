"""A launch interrupted while writing its rows (the process died, the database went away)
leaves the campaign "preparing"; the resume job writes what was missing, once, and
releases it. A cancel during the preparation stops it and cancels what was written."""


import pytest
from sqlalchemy import select

from crm.campaigns import preparation
from crm.campaigns.dispatcher import dispatch_once
from crm.campaigns.jobs import resume_preparations
from crm.campaigns.models import Campaign, OutboxMessage
from tests.support.campaigns import (
    chunked_lift_draft,
    launch_watching,
)


class Crash(Exception):
    pass


async def rows(db) -> list[tuple[str, str]]:
    async with db.session() as s:
        return list((await s.execute(select(OutboxMessage.e164, OutboxMessage.status)
                                     .order_by(OutboxMessage.e164))).all())


async def status(db, campaign_id) -> str:
    async with db.session() as s:
        return (await s.get(Campaign, campaign_id)).status


async def test_a_crash_mid_preparation_is_resumed_by_the_job_once_stalled(client, db, app, clock, monkeypatch):
    manager, headers, campaign_id = await chunked_lift_draft(client, db, monkeypatch)

    async def crash_after_two_chunks(written: int) -> None:
        if written >= 4:
            raise Crash

    with pytest.raises(Crash):
        await launch_watching(app, campaign_id, manager, crash_after_two_chunks)
    assert await status(db, campaign_id) == "preparing"
    assert len(await rows(db)) == 4
    assert await dispatch_once(app) == 0  # nothing leaves a campaign still preparing

    assert await resume_preparations(app) == 0  # too recent: perhaps still being written
    clock.advance(seconds=preparation.STALLED_AFTER.total_seconds() + 1)
    assert await resume_preparations(app) == 1
    assert await status(db, campaign_id) == "sending"
    assert await rows(db) == [(f"+3361100{i:04d}", "pending") for i in range(5)]
    assert await resume_preparations(app) == 0
    assert await dispatch_once(app) == 5


async def test_a_cancel_during_the_preparation_stops_it_and_cancels_what_was_written(
        client, db, app, monkeypatch):
    manager, headers, campaign_id = await chunked_lift_draft(client, db, monkeypatch)
    cancels = []

    async def cancel_after_first_chunk(written: int) -> None:
        if written == 2:
            resp = await client.post(f"/api/v1/campaigns/{campaign_id}/cancel", headers=headers)
            cancels.append((resp.status, await resp.json()))

    assert await launch_watching(app, campaign_id, manager, cancel_after_first_chunk) == "cancelled"
    assert cancels == [(200, {"status": "cancelled", "cancelled": 2})]
    assert await status(db, campaign_id) == "cancelled"
    assert await rows(db) == [("+33611000000", "cancelled"), ("+33611000001", "cancelled")]
    assert await dispatch_once(app) == 0
