"""The inbox pages: the open count in the navigation, the list, a conversation with messages
both ways, a reply from the form, "traité"."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from crm.campaigns.models import OutboxMessage
from tests.support.factories import make_lease, make_user
from tests.support.sms import (  # noqa: F401 - fixtures
    http_settings,
    inbound,
    make_sent_campaign,
    page_login,
    post_sms,
)


@pytest.fixture
def settings(http_settings):
    return http_settings


async def _conversation(client, db, clock):
    lease = await make_lease(db, mobile="+33612345678", last_name="Durand")
    await make_sent_campaign(db, name="Coupure d'eau", agency_id=lease.agency_id,
                             recipients=[(lease.tenant_id, "+33612345678")],
                             body="Coupure d'eau ce jour de 9h à 12h au bâtiment B.",
                             sent_at=clock.now() - timedelta(hours=2))
    await post_sms(client, "Quand est-ce que l'eau revient ?")
    clock.advance(minutes=2)
    await post_sms(client, "Merci !", sender="+33699999999")  # unknown number, handled
    return lease


async def test_the_navigation_shows_the_open_count_of_the_agency(client, db, clock):
    await _conversation(client, db, clock)
    await post_sms(client, "Rappelez-moi", sender="+33688888888")  # unknown number: no agency
    token = await page_login(client, await make_user(db, role="adviser"))
    html = await (await client.get("/messages")).text()
    assert token
    assert re.search(r'Messages reçus <span class="badge">1</span>', html)


async def test_the_list_shows_open_messages_with_intent_and_tenant(client, db, clock):
    await _conversation(client, db, clock)
    await page_login(client, await make_user(db, role="adviser"))
    html = await (await client.get("/messages")).text()
    assert "Quand est-ce que l&#39;eau revient ?" in html
    assert "Mme Sandrine Durand" in html and ">Question<" in html
    assert "Merci !" not in html  # handled, and from another agency's point of view unknown
    handled = await (await client.get("/messages?status=all&intent=question")).text()
    assert "Quand est-ce que l&#39;eau revient ?" in handled


async def test_the_conversation_shows_both_ways_and_a_reply_box_with_a_counter(client, db, clock):
    await _conversation(client, db, clock)
    [m, _] = await inbound(db)
    await page_login(client, await make_user(db, role="adviser"))
    html = await (await client.get(f"/messages/{m.id}")).text()
    out_at = html.index("Coupure d&#39;eau ce jour de 9h à 12h")
    in_at = html.index("Quand est-ce que l&#39;eau revient ?</div>")
    assert out_at < in_at  # oldest first: our SMS, then the tenant's reply
    assert 'id="reply-body"' in html and 'id="segments"' in html
    assert "Marquer comme traité" in html


async def test_a_reply_from_the_form_is_queued_and_the_message_can_be_marked_handled(client, db, clock):
    lease = await _conversation(client, db, clock)
    [m, _] = await inbound(db)
    csrf = await page_login(client, await make_user(db, role="adviser"))
    resp = await client.post(f"/messages/{m.id}/reply", allow_redirects=False,
                             data={"csrf_token": csrf, "body": "Vers 12h, merci de votre patience."})
    assert resp.status == 303 and resp.headers["Location"] == f"/messages/{m.id}?envoye=1"
    async with db.session() as session:
        sent = (await session.scalars(select(OutboxMessage).where(
            OutboxMessage.body == "Vers 12h, merci de votre patience."))).one()
    assert (sent.e164, sent.tenant_id) == ("+33612345678", lease.tenant_id)
    html = await (await client.get(f"/messages/{m.id}?envoye=1")).text()
    assert "Réponse envoyée." in html and "Vers 12h, merci de votre patience." in html

    resp = await client.post(f"/messages/{m.id}/handled", data={"csrf_token": csrf},
                             allow_redirects=False)
    assert resp.status == 303
    [m, _] = await inbound(db)
    assert m.status == "handled"
    html = await (await client.get("/messages")).text()
    assert 'class="badge"' not in html


async def test_a_form_without_csrf_token_sends_nothing(client, db, clock):
    await _conversation(client, db, clock)
    [m, _] = await inbound(db)
    await page_login(client, await make_user(db, role="adviser"))
    resp = await client.post(f"/messages/{m.id}/reply", data={"body": "Bonjour"},
                             allow_redirects=False)
    assert resp.status == 403
    async with db.session() as session:
        assert (await session.scalars(select(OutboxMessage).where(OutboxMessage.body == "Bonjour"))).first() is None


async def test_an_empty_reply_shows_a_french_error_and_keeps_the_page(client, db, clock):
    await _conversation(client, db, clock)
    [m, _] = await inbound(db)
    csrf = await page_login(client, await make_user(db, role="adviser"))
    resp = await client.post(f"/messages/{m.id}/reply", data={"csrf_token": csrf, "body": "   "})
    assert resp.status == 422
    assert "Le message est vide." in await resp.text()


async def test_an_admin_sees_every_agency_and_may_filter_by_one(client, db, clock):
    await _conversation(client, db, clock)
    await make_lease(db, agency="Vendôme", mobile="+33655555555")
    await post_sms(client, "Pourquoi ce message ?", sender="+33655555555")
    await page_login(client, await make_user(db, role="admin", agency=None))
    html = await (await client.get("/messages")).text()
    assert "Pourquoi ce message ?" in html and "Quand est-ce que l&#39;eau revient ?" in html
    vendome = re.search(r'<option value="(\d+)" >Vendôme</option>', html).group(1)
    only = await (await client.get(f"/messages?agency={vendome}")).text()
    assert "Pourquoi ce message ?" in only and "Quand est-ce que l&#39;eau revient ?" not in only
