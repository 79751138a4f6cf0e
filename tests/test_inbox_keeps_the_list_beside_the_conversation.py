"""The inbox page holds the list and one conversation (side by side on wide screens): the
list's page opens the newest conversation beside it, a conversation's page keeps the list
with the filters, search and page it was chosen from, and every form of the conversation
comes back to that same list — only ever to an inbox address."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlencode

from sqlalchemy import select

from crm.inbox.models import InboundMessage
from crm.inbox.understanding import Intent
from tests.support.factories import make_lease, make_user, page_login


async def _messages(db, clock) -> dict[str, InboundMessage]:
    martin = await make_lease(db, last_name="Martin", mobile="+33611000001")
    durand = await make_lease(db, last_name="Durand", mobile="+33611000002")
    async with db.session() as s:
        for i, (lease, phone, body, intent) in enumerate([
                (martin, "+33611000001", "Toujours pas d'eau chaude au 3e", Intent.PROBLEM_PERSISTS),
                (durand, "+33611000002", "Pouvez-vous me rappeler svp", Intent.CALLBACK_REQUEST),
                (durand, "+33611000002", "Merci pour l'info", Intent.QUESTION)]):
            s.add(InboundMessage(provider_sid=f"SM{i:032d}", from_e164=phone, body=body, received_at=clock.now() - timedelta(minutes=10 - i),
                                 tenant_id=lease.tenant_id, agency_id=lease.agency_id, intent=intent))
        await s.commit()
        return {m.body: m for m in await s.scalars(select(InboundMessage))}


def _list_part(html: str) -> str:
    return html.split('id="inbox-list-title"')[1].split('id="conversation"')[0]


async def test_the_list_page_opens_the_newest_conversation_beside_the_list(client, db, clock):
    msgs = await _messages(db, clock)
    await page_login(client, await make_user(db, "adviser", "Blois"))
    html = await (await client.get("/messages")).text()
    newest = msgs["Merci pour l'info"]
    assert 'data-view="list"' in html and 'class="inbox-split has-panel"' in html
    pane = html.split('id="conversation"')[1]
    assert f'action="/messages/{newest.id}/reply"' in pane
    assert "Pouvez-vous me rappeler svp</div>" in pane  # the whole thread with that number
    assert re.search(rf'href="/messages/{newest.id}" aria-current="true"', html)
    assert "<h1" in html.split('id="conversation"')[0] and "<h1" not in pane


async def test_a_conversation_s_page_keeps_the_list_it_was_chosen_from(client, db, clock):
    msgs = await _messages(db, clock)
    await page_login(client, await make_user(db, "adviser", "Blois"))
    target = msgs["Pouvez-vous me rappeler svp"]
    html = await (await client.get(f"/messages/{target.id}?q=durand&status=all")).text()
    assert 'data-view="conversation"' in html
    listing = _list_part(html)
    assert "Merci pour l&#39;info" in listing and "eau chaude" not in listing  # the search holds
    # Choosing another conversation keeps the search and the status.
    other = msgs["Merci pour l'info"]
    assert f'href="/messages/{other.id}?q=durand&amp;status=all"' in listing
    assert f'href="/messages/{target.id}?q=durand&amp;status=all" aria-current="true"' in listing
    assert 'name="liste" value="q=durand&amp;status=all"' in html
    assert 'href="/messages.csv?q=durand&amp;status=all"' in html
    assert "<h1" in html.split('id="conversation"')[1]  # the conversation is the page's subject


async def test_pages_of_the_list_keep_the_search(client, db, clock):
    await _messages(db, clock)
    await page_login(client, await make_user(db, "adviser", "Blois"))
    html = await (await client.get("/messages?q=durand&per_page=1")).text()
    assert 'href="?q=durand&amp;per_page=1&amp;page=2"' in html


async def test_the_conversation_s_forms_come_back_to_the_same_list(client, db, clock):
    msgs = await _messages(db, clock)
    me = await make_user(db, "adviser", "Blois")
    csrf = await page_login(client, me)
    target = msgs["Pouvez-vous me rappeler svp"]
    liste = urlencode({"q": "durand", "status": "all", "page": "1"})
    back = f"/messages/{target.id}?q=durand&status=all&page=1"

    def post(path, **data):
        return client.post(path, allow_redirects=False, data={"csrf_token": csrf, "liste": liste, **data})

    resp = await post(f"/messages/{target.id}/reply", body="Nous vous rappelons demain.")
    assert resp.headers["Location"] == back + "&envoye=1"
    resp = await post(f"/messages/{target.id}/attribuer", assigned_to=str(me.id))
    assert resp.headers["Location"] == back
    resp = await post(f"/messages/{target.id}/intent", intent=Intent.QUESTION)
    assert resp.headers["Location"] == back + "&corrige=1"
    resp = await post(f"/messages/{target.id}/rappel", callback_at="2026-11-18T14:30")
    assert resp.headers["Location"] == back
    # "non" to a possible objection in the list, beside the open conversation: back to both.
    flagged, other = msgs["Toujours pas d'eau chaude au 3e"], msgs["Merci pour l'info"]
    async with db.session() as s:
        for m in (flagged, other):
            (await s.get(InboundMessage, m.id)).review = "opt_out"
        await s.commit()
    resp = await post(f"/messages/{flagged.id}/review", decision="dismiss", back=str(target.id))
    assert resp.headers["Location"] == back
    resp = await post(f"/messages/{other.id}/review", decision="dismiss", back="list")
    assert resp.headers["Location"] == "/messages?q=durand&status=all&page=1"
    resp = await post(f"/messages/{target.id}/handled")
    assert resp.headers["Location"] == "/messages?q=durand&status=all&page=1"
    async with db.session() as s:
        stored = await s.get(InboundMessage, target.id)
    assert (stored.assigned_to, stored.intent, stored.status) == (me.id, Intent.QUESTION, "handled")


async def test_a_refused_reply_shows_the_same_list_beside_it(client, db, clock):
    msgs = await _messages(db, clock)
    csrf = await page_login(client, await make_user(db, "adviser", "Blois"))
    target = msgs["Pouvez-vous me rappeler svp"]
    resp = await client.post(f"/messages/{target.id}/reply", data={
        "csrf_token": csrf, "liste": "q=durand", "body": "   "})
    assert resp.status == 422
    html = await resp.text()
    assert "Le message est vide." in html
    assert "eau chaude" not in _list_part(html) and "Merci pour l&#39;info" in _list_part(html)


async def test_the_carried_state_only_ever_leads_to_an_inbox_address(client, db, clock):
    msgs = await _messages(db, clock)
    csrf = await page_login(client, await make_user(db, "adviser", "Blois"))
    target = msgs["Pouvez-vous me rappeler svp"]
    for liste in ("next=https://evil.example/", "//evil.example", "q=a%0d%0aSet-Cookie:x",
                  "status=all&redirect=/login"):
        resp = await client.post(f"/messages/{target.id}/handled", allow_redirects=False,
                                 data={"csrf_token": csrf, "liste": liste})
        location = resp.headers["Location"]
        assert location.startswith("/messages") and "evil" not in location and "\n" not in location
        assert "redirect" not in location


async def test_an_old_side_link_opens_the_conversation_with_its_list(client, db, clock):
    msgs = await _messages(db, clock)
    await page_login(client, await make_user(db, "adviser", "Blois"))
    target = msgs["Pouvez-vous me rappeler svp"]
    html = await (await client.get(f"/messages?q=durand&ouvert={target.id}")).text()
    assert 'data-view="conversation"' in html
    assert f'action="/messages/{target.id}/reply"' in html
    assert 'name="liste" value="q=durand"' in html
