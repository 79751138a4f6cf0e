"""STOP / START by SMS (RULES.md): one word in any case, with or without accents or spaces;
confirmed once; history kept with date and source; pending messages stop at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from crm.campaigns.models import Campaign, CampaignStatus, OutboxMessage, OutboxStatus
from crm.inbox.inbound import OPT_IN_CONFIRMATION, OPT_OUT_CONFIRMATION
from crm.models import OptOutEvent
from crm.tenants.optouts import is_opted_out
from tests.support.campaigns import ids
from tests.support.factories import api_user, make_lease
from tests.support.sms import inbound, post_sms, settings  # noqa: F401

NUMBER = "+33612345678"


async def _events(db):
    async with db.session() as session:
        return list(await session.scalars(select(OptOutEvent).order_by(OptOutEvent.id)))


@pytest.mark.parametrize("word", ["STOP", "stop", " Stop ", "Arrêt", "ARRET", "arrête !", "Désabonner",
                                  "S T O P", "stopall", "Unsubscribe", "cancel", "END", "quit."])
async def test_an_opt_out_word_stops_the_number_and_is_confirmed(client, db, clock, word):
    lease = await make_lease(db, mobile=NUMBER)
    resp = await post_sms(client, word)
    assert resp.status == 200
    xml = await resp.text()
    assert "<Message>" in xml and "ne recevrez plus de SMS" in xml
    [event] = await _events(db)
    assert (event.e164, event.opted_out, event.source) == (NUMBER, True, "sms")
    assert event.at == clock.now() and event.tenant_id == lease.tenant_id
    [m] = await inbound(db)
    assert m.intent == "opt_out" and m.status == "handled"


@pytest.mark.parametrize("text", ["stop les travaux svp", "Arrêtez de m'appeler le soir", "STOP 2"])
async def test_a_sentence_containing_stop_is_not_an_opt_out(client, db, text):
    await make_lease(db, mobile=NUMBER)
    resp = await post_sms(client, text)
    assert "<Message>" not in await resp.text()
    assert await _events(db) == []
    [m] = await inbound(db)
    assert m.intent != "opt_out" and m.status == "open"


async def test_the_confirmation_is_sent_once_even_if_the_tenant_repeats_stop(client, db, clock):
    await make_lease(db, mobile=NUMBER)
    first = await (await post_sms(client, "STOP")).text()
    clock.advance(minutes=5)
    second = await (await post_sms(client, "stop")).text()
    assert OPT_OUT_CONFIRMATION.split(".")[0] in first
    assert "<Message>" not in second
    async with db.session() as session:
        assert await is_opted_out(session, NUMBER)


async def test_a_replayed_stop_webhook_does_not_confirm_twice(client, db):
    await make_lease(db, mobile=NUMBER)
    first = await (await post_sms(client, "STOP", sid="SM" + "1" * 32)).text()
    again = await (await post_sms(client, "STOP", sid="SM" + "1" * 32)).text()
    assert "<Message>" in first and "<Message>" not in again
    assert len(await _events(db)) == 1


async def test_start_after_stop_reverses_it_and_keeps_the_history(client, db, clock):
    await make_lease(db, mobile=NUMBER)
    await post_sms(client, "STOP")
    clock.advance(days=2)
    resp = await post_sms(client, "Start")
    assert "vous recevez de nouveau" in await resp.text()
    assert OPT_IN_CONFIRMATION.startswith("C'est noté")
    events = await _events(db)
    assert [(e.opted_out, e.source) for e in events] == [(True, "sms"), (False, "sms")]
    assert events[1].at - events[0].at == timedelta(days=2)
    async with db.session() as session:
        assert not await is_opted_out(session, NUMBER)


async def test_oui_reverses_an_opt_out_but_is_an_ordinary_answer_otherwise(client, db):
    await make_lease(db, mobile=NUMBER)
    resp = await post_sms(client, "Oui")
    assert "<Message>" not in await resp.text()
    assert await _events(db) == []
    await post_sms(client, "STOP")
    resp = await post_sms(client, "OUI")
    assert "vous recevez de nouveau" in await resp.text()
    messages = await inbound(db)
    assert [m.intent for m in messages] == ["other", "opt_out", "opt_in"]


async def test_stop_cancels_every_pending_message_to_that_number_at_once(client, db, clock):
    lease = await make_lease(db, mobile=NUMBER)
    other = await make_lease(db, mobile="+33698765432")
    async with db.session() as session:
        campaign = Campaign(name="Travaux", category="works", body="x", status=CampaignStatus.SENDING,
                            agency_id=lease.agency_id, created_at=clock.now())
        session.add(campaign)
        await session.flush()
        for tenant_id, e164 in ((lease.tenant_id, NUMBER), (other.tenant_id, "+33698765432")):
            session.add(OutboxMessage(campaign_id=campaign.id, tenant_id=tenant_id, e164=e164,
                                      body="Travaux demain", status=OutboxStatus.PENDING,
                                      next_try_at=clock.now() + timedelta(hours=3),
                                      created_at=clock.now()))
        await session.commit()
    await post_sms(client, "STOP")
    async with db.session() as session:
        rows = {r.e164: r for r in await session.scalars(select(OutboxMessage))}
    assert rows[NUMBER].status == OutboxStatus.CANCELLED
    assert rows[NUMBER].updated_at == clock.now()  # the same instant as the STOP
    assert rows["+33698765432"].status == OutboxStatus.PENDING


async def test_a_campaign_launched_after_stop_skips_the_number(client, db):
    await make_lease(db, mobile=NUMBER, building="B")
    await make_lease(db, mobile="+33698765432", building="B")
    await post_sms(client, "STOP")
    headers = await api_user(client, db, role="manager")
    place = await ids(db, building="B")
    resp = await client.post("/api/v1/campaigns", headers=headers, json={
        "name": "Nettoyage des caves", "category": "works", "urgent": False,
        "body": "Nettoyage des caves du bâtiment B jeudi.",
        "audience": {"buildings": [place["building"]]}})
    assert resp.status in (200, 201), await resp.text()
    campaign_id = (await resp.json())["id"]
    resp = await client.post(f"/api/v1/campaigns/{campaign_id}/launch", headers=headers)
    assert resp.status in (200, 202), await resp.text()
    async with db.session() as session:
        numbers = set(await session.scalars(
            select(OutboxMessage.e164).where(OutboxMessage.campaign_id == campaign_id)))
    assert numbers == {"+33698765432"}


async def test_after_stop_the_dispatcher_sends_nothing_more_to_that_number(client, db, clock, app):
    from crm.campaigns.dispatcher import dispatch_once
    from crm.sms.models import LocalSms

    await make_lease(db, mobile=NUMBER, building="B")
    await make_lease(db, mobile="+33698765432", building="B")
    headers = await api_user(client, db, role="manager")
    place = await ids(db, building="B")
    resp = await client.post("/api/v1/campaigns", headers=headers, json={
        "name": "Ascenseur", "category": "outage", "body": "L'ascenseur du bâtiment B est arrêté.",
        "audience": {"buildings": [place["building"]]}})
    campaign_id = (await resp.json())["id"]
    await client.post(f"/api/v1/campaigns/{campaign_id}/launch", headers=headers)
    await post_sms(client, "STOP")  # lands before the dispatcher's next tick
    await dispatch_once(app)
    async with db.session() as session:
        sent_to = set(await session.scalars(select(LocalSms.to)))
    assert sent_to == {"+33698765432"}
