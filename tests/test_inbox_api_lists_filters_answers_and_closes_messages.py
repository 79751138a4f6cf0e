"""The inbox API: open/handled lists filtered by intent and campaign within the caller's
agency, a reply sent in the same conversation through the outbox, "handled"."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from crm.campaigns.models import Campaign, OutboxMessage
from crm.campaigns.service import progress as campaign_progress
from crm.inbox.models import InboundMessage
from tests.support.factories import api_user, make_lease
from tests.support.sms import inbound, make_sent_campaign, post_sms, settings  # noqa: F401


async def _three_replies(client, db, clock):
    lease = await make_lease(db, mobile="+33612345678")
    other = await make_lease(db, mobile="+33698765432")
    campaign = await make_sent_campaign(db, agency_id=lease.agency_id,
                                        recipients=[(lease.tenant_id, "+33612345678")],
                                        sent_at=clock.now() - timedelta(hours=1))
    await post_sms(client, "Toujours pas d'eau")  # open, tied to the campaign
    clock.advance(minutes=1)
    await post_sms(client, "Quand passe le plombier ?", sender="+33698765432")  # open
    clock.advance(minutes=1)
    await post_sms(client, "merci", sender="+33698765432")  # handled
    return lease, other, campaign


async def test_the_inbox_lists_open_messages_newest_first_by_default(client, db, clock):
    await _three_replies(client, db, clock)
    headers = await api_user(client, db)
    data = await (await client.get("/api/v1/inbox", headers=headers)).json()
    assert [i["body"] for i in data["items"]] == ["Quand passe le plombier ?", "Toujours pas d'eau"]
    assert data["total"] == 2
    item = data["items"][0]
    assert set(item) >= {"id", "tenant_id", "tenant_name", "body", "received_at", "intent",
                         "sentiment", "sentiment_score", "campaign_id", "status"}


async def test_the_inbox_filters_by_status_intent_and_campaign(client, db, clock):
    _, _, campaign = await _three_replies(client, db, clock)
    headers = await api_user(client, db)

    async def bodies(query):
        resp = await client.get(f"/api/v1/inbox?{query}", headers=headers)
        assert resp.status == 200, await resp.text()
        return [i["body"] for i in (await resp.json())["items"]]

    assert await bodies("status=handled") == ["merci"]
    assert len(await bodies("status=all")) == 3
    assert await bodies("status=all&intent=question") == ["Quand passe le plombier ?"]
    assert await bodies(f"campaign={campaign.id}") == ["Toujours pas d'eau"]
    resp = await client.get("/api/v1/inbox?status=lu", headers=headers)
    assert resp.status == 400


async def test_another_agency_sees_nothing_and_cannot_ask_for_blois(client, db, clock):
    await _three_replies(client, db, clock)
    await make_lease(db, agency="Vendôme", mobile="+33655555555")
    headers = await api_user(client, db, agency="Vendôme")
    data = await (await client.get("/api/v1/inbox?status=all", headers=headers)).json()
    assert data["items"] == []
    [m] = [m for m in await inbound(db) if m.body == "merci"]
    blois_id = m.agency_id
    resp = await client.get(f"/api/v1/inbox?agency={blois_id}", headers=headers)
    assert resp.status == 403
    resp = await client.post(f"/api/v1/inbox/{m.id}/handled", headers=headers)
    assert resp.status == 403


async def test_a_reply_goes_to_the_outbox_for_the_same_number(client, db, clock):
    lease, _, _ = await _three_replies(client, db, clock)
    [m] = [m for m in await inbound(db) if m.body == "Toujours pas d'eau"]
    headers = await api_user(client, db)
    resp = await client.post(f"/api/v1/inbox/{m.id}/reply", headers=headers,
                             json={"body": "Le plombier passe à 14h. Merci de votre patience."})
    assert resp.status == 202, await resp.text()
    outbox_id = (await resp.json())["outbox_message_id"]
    async with db.session() as session:
        row = await session.get(OutboxMessage, outbox_id)
        assert (row.e164, row.tenant_id, row.body) == ("+33612345678", lease.tenant_id,
                                                       "Le plombier passe à 14h. Merci de votre patience.")
        campaign = await session.get(Campaign, row.campaign_id)
        assert campaign.kind == "direct" and campaign.agency_id == lease.agency_id


async def test_the_tenant_s_next_reply_still_counts_for_the_outage(client, db, clock):
    _, _, outage = await _three_replies(client, db, clock)
    [m] = [m for m in await inbound(db) if m.body == "Toujours pas d'eau"]
    headers = await api_user(client, db)
    await client.post(f"/api/v1/inbox/{m.id}/reply", headers=headers,
                      json={"body": "Le plombier arrive."})
    async with db.session() as session:  # the dispatcher would do this
        row = (await session.scalars(select(OutboxMessage).where(OutboxMessage.status == "pending"))).one()
        row.status, row.sent_at = "sent", clock.now()
        await session.commit()
    clock.advance(hours=3)
    await post_sms(client, "toujours rien !")
    last = (await inbound(db))[-1]
    assert last.campaign_id == outage.id and last.outbox_message_id == row.id
    async with db.session() as session:
        assert (await campaign_progress(session, await session.get(Campaign, outage.id)))["problem_persists_count"] == 2


async def test_a_reply_to_an_opted_out_number_is_refused(client, db, clock):
    await make_lease(db, mobile="+33612345678")
    await post_sms(client, "Quand revient l'eau ?")
    await post_sms(client, "STOP")
    [question, _] = await inbound(db)
    headers = await api_user(client, db)
    resp = await client.post(f"/api/v1/inbox/{question.id}/reply", headers=headers,
                             json={"body": "Demain matin."})
    assert resp.status == 422
    assert (await resp.json())["error"]["code"] == "opted_out"
    async with db.session() as session:
        assert list(await session.scalars(select(OutboxMessage))) == []


async def test_handled_closes_the_message_and_records_who(client, db, clock):
    await make_lease(db, mobile="+33612345678")
    await post_sms(client, "Quand revient l'eau ?")
    [m] = await inbound(db)
    headers = await api_user(client, db)
    resp = await client.post(f"/api/v1/inbox/{m.id}/handled", headers=headers)
    assert resp.status == 200 and (await resp.json())["status"] == "handled"
    async with db.session() as session:
        m = await session.get(InboundMessage, m.id)
    assert m.status == "handled" and m.handled_by is not None and m.handled_at == clock.now()
    resp = await client.post("/api/v1/inbox/999999/handled", headers=headers)
    assert resp.status == 404
