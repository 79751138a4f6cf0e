"""The inbox as the tools people know: text search, assignment to an adviser, « planifier le rappel » on a callback request, a CSV export."""

import csv
import io
from datetime import datetime, timedelta

from sqlalchemy import select

from crm.calls.models import CallTask
from crm.inbox.models import InboundMessage
from crm.inbox.understanding import Intent
from tests.support.calls import PARIS
from tests.support.factories import make_lease, make_user, page_login


async def _messages(db, clock):
    lease = await make_lease(db, last_name="Martin", mobile="+33611000001")
    other = await make_lease(db, last_name="Durand", mobile="+33611000002")
    async with db.session() as s:
        for i, (who, body, intent) in enumerate([
                (lease, "Toujours pas d'eau chaude au 3e", Intent.PROBLEM_PERSISTS),
                (other, "Pouvez-vous me rappeler svp", Intent.CALLBACK_REQUEST),
                (other, "Merci pour l'info", Intent.QUESTION)]):
            s.add(InboundMessage(provider_sid=f"SM{i:032d}", from_e164=f"+3361100000{1 if who is lease else 2}",
                                 body=body, received_at=clock.now() - timedelta(minutes=10 - i),
                                 tenant_id=who.tenant_id, agency_id=who.agency_id, intent=intent))
        await s.commit()
        return {m.body: m for m in await s.scalars(select(InboundMessage))}


async def test_search_finds_text_names_and_numbers(client, db, clock):
    await _messages(db, clock)
    await page_login(client, await make_user(db, "adviser", "Blois"))
    html = await (await client.get("/messages?q=eau+chaude")).text()
    assert "Toujours pas d&#39;eau chaude" in html and "rappeler" not in html
    html = await (await client.get("/messages?q=durand")).text()
    assert "rappeler" in html and "eau chaude" not in html
    html = await (await client.get("/messages?q=06+11+00+00+01")).text()
    assert "eau chaude" in html and "rappeler" not in html
    html = await (await client.get("/messages?q=100%25")).text()  # LIKE wildcards are literal
    assert "0 message" in html


async def test_a_conversation_is_assigned_and_filtered_as_mine(client, db, clock):
    msgs = await _messages(db, clock)
    me = await make_user(db, "adviser", "Blois")
    csrf = await page_login(client, me)
    target = msgs["Toujours pas d'eau chaude au 3e"]
    resp = await client.post(f"/messages/{target.id}/attribuer", allow_redirects=False,
                             data={"csrf_token": csrf, "assigned_to": str(me.id)})
    assert resp.headers["Location"] == f"/messages/{target.id}"
    async with db.session() as s:
        assert (await s.get(InboundMessage, target.id)).assigned_to == me.id
    html = await (await client.get("/messages?attribue=moi")).text()
    assert "eau chaude" in html and "rappeler" not in html
    outsider = await make_user(db, "adviser", "Vendôme")
    await client.post(f"/messages/{target.id}/attribuer", data={"csrf_token": csrf, "assigned_to": str(outsider.id)})
    async with db.session() as s:
        assert (await s.get(InboundMessage, target.id)).assigned_to == me.id  # not someone of another agency


async def test_planning_the_callback_puts_the_call_in_the_queue_at_that_time(client, db, clock):
    msgs = await _messages(db, clock)
    csrf = await page_login(client, await make_user(db, "adviser", "Blois"))
    target = msgs["Pouvez-vous me rappeler svp"]
    page = await (await client.get(f"/messages/{target.id}")).text()
    assert 'action="/messages/%d/rappel"' % target.id in page and "Planifier le rappel" in page
    resp = await client.post(f"/messages/{target.id}/rappel", allow_redirects=False,
                             data={"csrf_token": csrf, "callback_at": "2026-11-18T14:30"})
    assert resp.status == 302
    async with db.session() as s:
        task = (await s.scalars(select(CallTask).where(CallTask.tenant_id == target.tenant_id))).one()
        message = await s.get(InboundMessage, target.id)
    assert task.callback_at == datetime(2026, 11, 18, 14, 30, tzinfo=PARIS)
    assert task.next_attempt_at == task.callback_at and message.status == "handled"
    assert "Rappel planifié le 18/11/2026 à 14:30" in await (await client.get(resp.headers["Location"])).text()


async def test_a_callback_in_the_past_is_refused(client, db, clock):
    msgs = await _messages(db, clock)
    csrf = await page_login(client, await make_user(db, "adviser", "Blois"))
    target = msgs["Pouvez-vous me rappeler svp"]
    await client.post(f"/messages/{target.id}/rappel", data={"csrf_token": csrf, "callback_at": "2026-11-01T10:00"})
    async with db.session() as s:
        assert (await s.scalars(select(CallTask))).all() == []


async def test_the_csv_export_lists_what_the_filters_show(client, db, clock):
    await _messages(db, clock)
    await page_login(client, await make_user(db, "adviser", "Blois"))
    html = await (await client.get("/messages?q=durand")).text()
    assert 'href="/messages.csv?q=durand"' in html
    resp = await client.get("/messages.csv?q=durand")
    assert resp.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO((await resp.read()).decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Reçu le", "Numéro", "Locataire", "Message", "Intention", "État", "Chargé"]
    assert sorted(r[3] for r in rows[1:]) == ["Merci pour l'info", "Pouvez-vous me rappeler svp"]
