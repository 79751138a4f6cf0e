"""The incoming-SMS webhook: signed like Twilio signs it, stored once, threaded, TwiML out."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from crm.models import Agency
from tests.support.factories import make_lease
from tests.support.sms import (  # noqa: F401 - `settings` overrides the suite's fixture
    PUBLIC_URL,
    inbound,
    make_sent_campaign,
    new_sid,
    post_sms,
    settings,
    sign,
    twilio_params,
)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'


async def test_a_signed_sms_is_stored_and_answered_with_empty_twiml(client, db, clock):
    lease = await make_lease(db, mobile="+33612345678")
    resp = await post_sms(client, "Bonjour, à quelle heure passe le technicien ?")
    assert resp.status == 200
    assert resp.content_type == "text/xml"
    assert await resp.text() == EMPTY_TWIML
    [m] = await inbound(db)
    assert m.body == "Bonjour, à quelle heure passe le technicien ?"
    assert m.tenant_id == lease.tenant_id and m.agency_id == lease.agency_id
    assert m.intent == "question" and m.status == "open"
    assert m.received_at == clock.now()


async def test_a_request_without_signature_is_refused_and_nothing_is_stored(client, db):
    params = twilio_params("STOP")
    resp = await client.post("/webhooks/twilio/sms", data=urlencode(params),
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert resp.status == 403
    assert (await resp.json())["error"]["code"] == "signature_missing"
    assert await inbound(db) == []


async def test_a_request_signed_with_another_token_is_refused(client, db):
    params = twilio_params("Bonjour")
    resp = await post_sms(client, "", params=params, signature=sign(params, token="0" * 32))
    assert resp.status == 403
    assert await inbound(db) == []


async def test_a_tampered_body_breaks_the_signature(client, db):
    params = twilio_params("merci")
    signature = sign(params)
    params["Body"] = "STOP"
    resp = await post_sms(client, "", params=params, signature=signature)
    assert resp.status == 403
    assert await inbound(db) == []


async def test_the_signature_is_checked_against_the_public_url_not_the_proxy_host(client, db):
    """Behind a reverse proxy the app sees http://127.0.0.1:port; Twilio signed the public
    https URL. Signing the URL the app sees must fail; the public one must pass, whatever the
    forwarded scheme and host headers say."""
    params = twilio_params("Bonjour")
    seen_url = str(client.make_url("/webhooks/twilio/sms"))
    resp = await post_sms(client, "", params=params, signature=sign(params, url=seen_url))
    assert resp.status == 403
    resp = await post_sms(client, "", params=params,
                          headers={"X-Forwarded-Proto": "http", "X-Forwarded-Host": "evil.example",
                                   "Host": "internal:8080"})
    assert resp.status == 200
    assert len(await inbound(db)) == 1
    assert seen_url.startswith("http://127.0.0.1") and PUBLIC_URL.startswith("https://")


async def test_the_same_message_sid_replayed_is_stored_once(client, db):
    await make_lease(db, mobile="+33612345678")
    sid = new_sid()
    for _ in range(3):
        resp = await post_sms(client, "Merci pour l'info", sid=sid)
        assert resp.status == 200
    [m] = await inbound(db)
    assert m.provider_sid == sid


async def test_an_oversized_request_is_refused_with_413_and_nothing_stored(client, db):
    params = twilio_params("x" * 40_000)
    resp = await post_sms(client, "", params=params)
    assert resp.status == 413
    assert await inbound(db) == []


async def test_a_json_body_is_refused_with_415(client, db):
    resp = await client.post("/webhooks/twilio/sms", json={"Body": "STOP"},
                             headers={"X-Twilio-Signature": "x"})
    assert resp.status == 415
    assert await inbound(db) == []


async def test_a_signed_request_without_message_sid_or_sender_is_refused_with_400(client, db):
    params = twilio_params("Bonjour")
    del params["MessageSid"]
    resp = await post_sms(client, "", params=params)
    assert resp.status == 400
    assert (await resp.json())["error"]["code"] == "malformed_webhook"
    params = twilio_params("Bonjour", sender="not-a-number")
    resp = await post_sms(client, "", params=params)
    assert resp.status == 400
    assert await inbound(db) == []


async def test_an_unknown_number_is_stored_without_tenant_or_agency(client, db):
    await make_lease(db, mobile="+33612345678")
    resp = await post_sms(client, "C'est qui ?", sender="+33799999999")
    assert resp.status == 200
    [m] = await inbound(db)
    assert m.from_e164 == "+33799999999"
    assert m.tenant_id is None and m.agency_id is None and m.campaign_id is None


async def test_a_reply_is_tied_to_the_latest_sms_sent_to_that_number(client, db, clock):
    lease = await make_lease(db, mobile="+33612345678")
    older = await make_sent_campaign(db, name="Ascenseur", agency_id=lease.agency_id,
                                     recipients=[(lease.tenant_id, "+33612345678")],
                                     sent_at=clock.now() - timedelta(days=3))
    latest = await make_sent_campaign(db, name="Coupure d'eau", agency_id=lease.agency_id,
                                      recipients=[(lease.tenant_id, "+33612345678")],
                                      sent_at=clock.now() - timedelta(hours=2))
    await post_sms(client, "ok merci")
    [m] = await inbound(db)
    assert m.campaign_id == latest.id != older.id
    assert m.outbox_message_id is not None


async def test_a_reply_after_the_threading_window_is_not_tied_to_the_old_campaign(client, db, clock):
    lease = await make_lease(db, mobile="+33612345678")
    await make_sent_campaign(db, agency_id=lease.agency_id,
                             recipients=[(lease.tenant_id, "+33612345678")],
                             sent_at=clock.now() - timedelta(days=8))
    await post_sms(client, "toujours pas d'eau")
    [m] = await inbound(db)
    assert m.campaign_id is None and m.outbox_message_id is None
    assert m.tenant_id == lease.tenant_id


async def test_a_number_shared_by_two_households_goes_to_the_one_the_sms_was_sent_to(client, db, clock):
    parent = await make_lease(db, mobile="+33611111111", last_name="Martin",
                              residence="Les Provinces")
    child = await make_lease(db, mobile="+33611111111", last_name="Martin-Fils",
                             agency="Vendôme", residence="Les Rottes")
    campaign = await make_sent_campaign(db, agency_id=parent.agency_id,
                                        recipients=[(parent.tenant_id, "+33611111111")],
                                        sent_at=clock.now() - timedelta(hours=1))
    await post_sms(client, "merci", sender="+33611111111")
    [m] = await inbound(db)
    assert m.tenant_id == parent.tenant_id and m.agency_id == parent.agency_id
    assert m.campaign_id == campaign.id
    assert child.tenant_id != parent.tenant_id


async def test_without_a_thread_a_shared_number_goes_to_the_household_with_the_active_lease(client, db):
    from datetime import date

    gone = await make_lease(db, mobile="+33622222222", agency="Vendôme", last_name="Ancien",
                            lease_start=date(2020, 1, 1), lease_end=date(2025, 6, 30))
    current = await make_lease(db, mobile="+33622222222", last_name="Actuel",
                               lease_start=date(2024, 3, 1))
    await post_sms(client, "Bonjour", sender="+33622222222")
    [m] = await inbound(db)
    assert m.tenant_id == current.tenant_id != gone.tenant_id
    async with db.session() as session:
        assert (await session.get(Agency, m.agency_id)).name == "Blois"


async def test_concurrent_deliveries_of_the_same_sid_store_one_row_and_all_get_200(client, db):
    import asyncio

    await make_lease(db, mobile="+33612345678")
    params = twilio_params("Toujours pas d'eau")
    answers = await asyncio.gather(*(post_sms(client, "", params=params) for _ in range(4)))
    assert [r.status for r in answers] == [200] * 4
    [m] = await inbound(db)
    assert m.provider_sid == params["MessageSid"]


async def test_a_body_with_a_nul_character_is_refused_with_400_not_a_server_error(client, db):
    params = twilio_params("STOP\x00")
    resp = await post_sms(client, "", params=params)
    assert resp.status == 400
    assert await inbound(db) == []


async def test_an_oversized_chunked_request_without_length_is_refused_with_413(client, db):
    params = twilio_params("x" * 40_000)
    payload = urlencode(params).encode()

    async def chunks():
        for i in range(0, len(payload), 4096):
            yield payload[i:i + 4096]

    resp = await client.post("/webhooks/twilio/sms", data=chunks(), headers={
        "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": sign(params)})
    assert resp.status == 413
    assert await inbound(db) == []
