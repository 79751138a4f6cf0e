"""The dispatcher leaves a campaign's rows alone while the campaign is "preparing": a
recipient refused on the last chunk must still turn the launch back into a draft."""

import pytest
from sqlalchemy import func, select

from crm.campaigns import preparation
from crm.campaigns.dispatcher import dispatch_once
from crm.campaigns.models import Campaign, OutboxMessage
from crm.errors import Invalid
from crm.sms.models import LocalSms
from tests.support.campaigns import (
    building_b,
    chunked_lift_draft,
    draft_campaign,
    ids,
    launch_watching,
    lift_campaign,
)
from tests.support.factories import login, make_lease, make_user


async def sent(db) -> int:
    async with db.session() as s:
        return await s.scalar(select(func.count()).select_from(LocalSms))


async def test_rows_written_during_the_preparation_leave_only_once_it_is_released(
        client, db, app, monkeypatch):
    manager, headers, campaign_id = await chunked_lift_draft(client, db, monkeypatch)
    claimed_meanwhile = []

    async def dispatch(rows: int) -> None:
        claimed_meanwhile.append(await dispatch_once(app))

    assert await launch_watching(app, campaign_id, manager, dispatch) == "sending"
    assert claimed_meanwhile == [0, 0, 0]
    assert await sent(db) == 0
    assert await dispatch_once(app) == 5
    assert await sent(db) == 5


async def test_a_blank_found_on_the_last_chunk_sends_nothing_and_gives_back_a_draft(
        client, db, app, monkeypatch):
    monkeypatch.setattr(preparation, "PREPARE_ROWS", 2)
    await building_b(db, 4)
    # The last tenant (highest id) has no building name: {{ building }} would be blank.
    await make_lease(db, building="B", mobile="+33611009999", last_name="Sans", civility="")
    manager = await make_user(db, "manager", "Blois")
    headers = await login(client, manager)
    body = lift_campaign((await ids(db, building="B"))["building"])
    body["body"] = "Bonjour {{ civility }} {{ last_name }}, l'ascenseur est en panne."
    body.pop("preset")
    campaign_id = await draft_campaign(client, headers, body)
    claimed_meanwhile = []

    async def dispatch(rows: int) -> None:
        claimed_meanwhile.append(await dispatch_once(app))

    with pytest.raises(Invalid) as refused:
        await launch_watching(app, campaign_id, manager, dispatch)
    assert refused.value.code == "blank_placeholder"
    assert claimed_meanwhile == [0, 0]  # two chunks were written before the blank one
    assert await sent(db) == 0
    async with db.session() as s:
        campaign = await s.get(Campaign, campaign_id)
        assert (campaign.status, campaign.launched_at) == ("draft", None)
        assert await s.scalar(select(func.count()).select_from(OutboxMessage)) == 0
