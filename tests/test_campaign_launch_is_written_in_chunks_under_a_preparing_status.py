"""A launch writes its outbox rows in committed chunks while the campaign says "preparing"
(API and page), then releases it: the rows are all there once, and the status moves on."""

from sqlalchemy import func, select

from crm.campaigns.models import Campaign, OutboxMessage
from tests.support.campaigns import (
    chunked_lift_draft,
    launch_watching,
)
from tests.support.factories import page_login


async def test_the_rows_are_committed_chunk_by_chunk_while_api_and_page_say_preparing(
        client, db, app, monkeypatch):
    manager, headers, campaign_id = await chunked_lift_draft(client, db, monkeypatch)
    await page_login(client, manager)
    seen = []

    async def watch(rows: int) -> None:
        async with db.session() as s:  # committed: another session sees them
            committed = await s.scalar(select(func.count()).select_from(OutboxMessage))
        api = await (await client.get(f"/api/v1/campaigns/{campaign_id}", headers=headers)).json()
        page = await (await client.get(f"/campagnes/{campaign_id}")).text()
        seen.append((rows, committed, api["status"], "En préparation" in page))

    status = await launch_watching(app, campaign_id, manager, watch)

    assert status == "sending"
    assert seen == [(2, 2, "preparing", True), (4, 4, "preparing", True), (5, 5, "preparing", True)]
    async with db.session() as s:
        assert (await s.get(Campaign, campaign_id)).status == "sending"
        rows = (await s.scalars(select(OutboxMessage.e164).order_by(OutboxMessage.e164))).all()
    assert rows == [f"+3361100{i:04d}" for i in range(5)]
    api = await (await client.get(f"/api/v1/campaigns/{campaign_id}", headers=headers)).json()
    assert api["status"] == "sending" and api["counts"]["pending"] == 5


async def test_a_second_launch_during_the_preparation_writes_nothing_more(client, db, app, monkeypatch):
    manager, headers, campaign_id = await chunked_lift_draft(client, db, monkeypatch, homes=3)
    answers = []

    async def launch_again(rows: int) -> None:
        resp = await client.post(f"/api/v1/campaigns/{campaign_id}/launch", headers=headers)
        answers.append((resp.status, await resp.json()))

    assert await launch_watching(app, campaign_id, manager, launch_again) == "sending"
    assert answers[0] == (202, {"status": "sending", "campaign_status": "preparing"})
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(OutboxMessage)) == 3
