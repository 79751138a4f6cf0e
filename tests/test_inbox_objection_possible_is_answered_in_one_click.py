"""A possible objection ("arrêtez de me relancer pour le loyer") waits in the inbox: one click
on "désinscrire" opts the number out (history with the adviser, one confirmation SMS that
still leaves), "non" leaves it subscribed; by API and by the page forms (CSRF), agency-scoped."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from crm.campaigns.models import OutboxMessage
from crm.inbox.inbound import OPT_IN_CONFIRMATION, OPT_OUT_CONFIRMATION
from crm.inbox.replies.models import IntentCorrection
from crm.models import OptOutEvent
from crm.sms.models import LocalSms
from crm.tenants.optouts import is_opted_out
from tests.support.factories import api_user, make_lease, make_user, page_login
from tests.support.sms import http_settings, inbound, post_sms  # noqa: F401

NUMBER = "+33612345678"
POSSIBLE = "arrêtez de me relancer pour le loyer"


@pytest.fixture
def settings(http_settings):
    return http_settings


async def _flagged(client, db, text=POSSIBLE, agency="Blois"):
    await make_lease(db, mobile=NUMBER, agency=agency)
    await post_sms(client, text)
    [m] = await inbound(db)
    assert m.review is not None and m.review_outcome is None
    return m


async def _events(db):
    async with db.session() as session:
        return list(await session.scalars(select(OptOutEvent).order_by(OptOutEvent.id)))


async def test_accepting_by_api_opts_out_records_the_adviser_and_sends_one_confirmation(client, db, app, clock):
    from crm.campaigns.dispatcher import dispatch_once

    m = await _flagged(client, db)
    headers = await api_user(client, db, "adviser")
    resp = await client.post(f"/api/v1/inbox/{m.id}/review", json={"decision": "accept"}, headers=headers)
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert body["intent"] == "opt_out" and body["review_outcome"] == "accepted" and body["opted_out"] is True
    [event] = await _events(db)
    assert (event.opted_out, event.source, event.at) == (True, "adviser", clock.now())
    assert event.user_id is not None and POSSIBLE in (event.note or "")
    [again] = await inbound(db)
    assert (again.intent, again.status, again.review_by) == ("opt_out", "handled", event.user_id)
    await dispatch_once(app)
    async with db.session() as session:
        sent = [s.body for s in await session.scalars(select(LocalSms).where(LocalSms.to == NUMBER))]
        assert await is_opted_out(session, NUMBER)
        [correction] = list(await session.scalars(select(IntentCorrection)))
    assert sent == [OPT_OUT_CONFIRMATION]  # the confirmation reaches the opted-out number
    assert (correction.from_intent, correction.to_intent) == (m.intent, "opt_out")


async def test_dismissing_by_api_keeps_the_number_subscribed_and_closes_the_flag(client, db):
    m = await _flagged(client, db)
    headers = await api_user(client, db, "adviser")
    resp = await client.post(f"/api/v1/inbox/{m.id}/review", json={"decision": "dismiss"}, headers=headers)
    assert resp.status == 200
    assert (await resp.json())["review_outcome"] == "dismissed"
    assert await _events(db) == []
    [again] = await inbound(db)
    assert again.intent == m.intent and again.review_outcome == "dismissed"
    second = await client.post(f"/api/v1/inbox/{m.id}/review", json={"decision": "accept"}, headers=headers)
    assert second.status == 409
    assert (await second.json())["error"]["code"] == "review_closed"
    items = (await (await client.get("/api/v1/inbox?status=all", headers=headers)).json())["items"]
    assert items[0]["review"] is None and items[0]["decided_by"]


async def test_a_message_without_a_flag_cannot_be_reviewed(client, db):
    await make_lease(db, mobile=NUMBER)
    await post_sms(client, "Merci pour l'info")
    [m] = await inbound(db)
    headers = await api_user(client, db, "adviser")
    resp = await client.post(f"/api/v1/inbox/{m.id}/review", json={"decision": "accept"}, headers=headers)
    assert resp.status == 422
    assert (await resp.json())["error"]["code"] == "nothing_to_review"


async def test_another_agency_cannot_answer_the_flag(client, db):
    m = await _flagged(client, db, agency="Vendôme")
    headers = await api_user(client, db, "adviser", agency="Blois")
    resp = await client.post(f"/api/v1/inbox/{m.id}/review", json={"decision": "accept"}, headers=headers)
    assert resp.status in (403, 404)
    assert await _events(db) == []


async def test_a_possible_opt_in_is_confirmed_the_same_way(client, db):
    await make_lease(db, mobile=NUMBER)
    await post_sms(client, "STOP")
    await post_sms(client, "start mais seulement pour les coupures d'eau")
    m = (await inbound(db))[-1]
    assert m.review == "opt_in"
    headers = await api_user(client, db, "adviser")
    resp = await client.post(f"/api/v1/inbox/{m.id}/review", json={"decision": "accept"}, headers=headers)
    assert (await resp.json())["opted_out"] is False
    async with db.session() as session:
        assert not await is_opted_out(session, NUMBER)
        bodies = list(await session.scalars(select(OutboxMessage.body).where(OutboxMessage.e164 == NUMBER)))
    assert bodies == [OPT_IN_CONFIRMATION]


async def test_the_list_shows_the_flag_and_desinscrire_works_from_the_page(client, db):
    m = await _flagged(client, db)
    csrf = await page_login(client, await make_user(db, role="adviser"))
    html = await (await client.get("/messages")).text()
    assert "objection possible" in html and ">désinscrire<" in html and ">non<" in html
    refused = await client.post(f"/messages/{m.id}/review", data={"decision": "accept", "back": "list"},
                                allow_redirects=False)
    assert refused.status == 403 and await _events(db) == []  # no CSRF token
    resp = await client.post(f"/messages/{m.id}/review", allow_redirects=False,
                             data={"csrf_token": csrf, "decision": "accept", "back": "list"})
    assert resp.status == 303 and resp.headers["Location"] == "/messages"
    [event] = await _events(db)
    assert event.opted_out and event.source == "adviser"
    html = await (await client.get("/messages?status=all")).text()
    assert "objection possible" not in html


async def test_non_from_the_conversation_page_goes_back_to_it(client, db):
    m = await _flagged(client, db)
    csrf = await page_login(client, await make_user(db, role="adviser"))
    page = await (await client.get(f"/messages/{m.id}")).text()
    assert re.search(r'name="back" value="conversation"', page)
    resp = await client.post(f"/messages/{m.id}/review", allow_redirects=False,
                             data={"csrf_token": csrf, "decision": "dismiss", "back": "https://evil.example/"})
    assert resp.status == 303 and resp.headers["Location"] == f"/messages/{m.id}"
    assert await _events(db) == []
    [again] = await inbound(db)
    assert again.review_outcome == "dismissed"
