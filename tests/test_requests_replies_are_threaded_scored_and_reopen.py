"""Replies to a request's SMS, through the real Twilio webhook: an answer to the satisfaction
question is scored and filed (or left in the inbox when unclear); "toujours pas réparé" after
``done`` reopens the request and alerts its owner; the conversation links to the request."""

import pytest

from tests.support.factories import api_user, make_user
from tests.support.requests import move, open_request, sent_sms, stored, tenant_and_adviser
from tests.support.sms import http_settings, inbound, post_sms  # noqa: F401


@pytest.fixture
def settings(http_settings):  # a Twilio auth token, and a session cookie over plain http
    return http_settings


async def _closed_request(client, db, app):
    tenant, headers = await tenant_and_adviser(client, db)
    created = await open_request(client, headers, tenant)
    await move(client, headers, created["id"], "done")
    await move(client, headers, created["id"], "closed")
    sms = await sent_sms(app, db)
    assert "Êtes-vous satisfait du traitement de votre demande" in sms[-1][1]
    return created, headers


@pytest.mark.parametrize(("reply", "score"), [("4", 4), ("3 merci", 3), ("très satisfait", 4),
                                              ("pas du tout satisfait", 1), ("bof", 2)])
async def test_an_answer_to_the_question_is_kept_on_the_request_and_filed(client, db, app, reply, score):
    created, headers = await _closed_request(client, db, app)
    resp = await post_sms(client, reply)
    assert resp.status == 200
    assert (await stored(db, created["id"])).satisfaction == score
    [message] = await inbound(db)
    assert message.status == "handled"
    body = await (await client.get(f"/api/v1/requests/{created['id']}", headers=headers)).json()
    assert body["satisfaction"] == score


async def test_an_unclear_answer_stays_in_the_inbox_with_no_score(client, db, app):
    created, _ = await _closed_request(client, db, app)
    await post_sms(client, "C'est qui ?")
    assert (await stored(db, created["id"])).satisfaction is None
    [message] = await inbound(db)
    assert message.status == "open"


async def test_still_broken_after_done_reopens_the_request_and_alerts_its_owner(client, db, app):
    tenant, headers = await tenant_and_adviser(client, db)
    owner = await make_user(db, "adviser", "Blois")
    created = await open_request(client, headers, tenant, owner_id=owner.id)
    await move(client, headers, created["id"], "done")
    await sent_sms(app, db)
    await post_sms(client, "Toujours pas réparé, ça fuit encore")
    item = await stored(db, created["id"])
    assert item.status == "in_progress" and item.reopened_alert_at is not None
    body = await (await client.get(f"/api/v1/requests/{created['id']}", headers=headers)).json()
    assert [s["status"] for s in body["steps"]][-2:] == ["done", "in_progress"]
    assert "Toujours pas réparé" in body["steps"][-1]["note"]
    [message] = await inbound(db)
    assert message.status == "open"  # an adviser answers the tenant
    from tests.support.factories import page_login

    await page_login(client, owner)
    nav = await (await client.get("/demandes/mes")).text()
    assert "Mes demandes" in nav and "rouverte par le locataire" in nav
    conversation = await (await client.get(f"/messages/{message.id}")).text()
    assert f'href="/demandes/{created["id"]}"' in conversation


async def test_a_reply_to_someone_else_s_sms_changes_no_request(client, db, app):
    tenant, headers = await tenant_and_adviser(client, db)
    created = await open_request(client, headers, tenant)
    await move(client, headers, created["id"], "done")
    await sent_sms(app, db)
    manager = await api_user(client, db, "manager", "Blois")
    resp = await client.post(f"/api/v1/tenants/{tenant}/sms", json={"body": "Bonjour"}, headers=manager)
    assert resp.status == 202
    await sent_sms(app, db)
    await post_sms(client, "toujours pas réparé")
    assert (await stored(db, created["id"])).status == "done"  # answered the adviser's SMS
