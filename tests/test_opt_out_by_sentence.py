"""An objection written as a sentence opts the number out exactly like STOP (one confirmation,
a history entry with source ``sms_sentence`` and the text); a possible one only flags the
reply for an adviser; opt-in sentences mirror it. Through the real, signed webhook."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.models import OptOutEvent
from crm.tenants.optouts import is_opted_out
from tests.support.factories import make_lease
from tests.support.sms import inbound, post_sms, settings  # noqa: F401

NUMBER = "+33612345678"


async def _events(db):
    async with db.session() as session:
        return list(await session.scalars(select(OptOutEvent).order_by(OptOutEvent.id)))


async def test_merci_de_ne_plus_m_envoyer_de_textos_opts_out_with_one_confirmation_and_history(client, db, clock):
    lease = await make_lease(db, mobile=NUMBER)
    resp = await post_sms(client, "merci de ne plus m'envoyer de textos")
    xml = await resp.text()
    assert resp.status == 200
    assert xml.count("<Message>") == 1 and "ne recevrez plus de SMS" in xml
    [event] = await _events(db)
    assert (event.e164, event.opted_out, event.source) == (NUMBER, True, "sms_sentence")
    assert event.note == "Réponse « merci de ne plus m'envoyer de textos »"
    assert event.at == clock.now() and event.tenant_id == lease.tenant_id
    [m] = await inbound(db)
    assert (m.intent, m.status) == ("opt_out", "handled")
    assert m.decided_by.startswith("opt_out.stop_sending")
    async with db.session() as session:
        assert await is_opted_out(session, NUMBER)


@pytest.mark.parametrize("text", [
    "plus de textos svp", "retirez mon numéro de vos envois", "je me désinscris", "stop c bon merci",
    "Je ne veux plus recevoir vos SMS", "désinscrivez moi svp", "Please stop sending me messages",
])
async def test_a_clear_objection_in_any_form_opts_out_once(client, db, text):
    await make_lease(db, mobile=NUMBER)
    first = await (await post_sms(client, text)).text()
    again = await (await post_sms(client, text)).text()
    assert "<Message>" in first and "<Message>" not in again  # confirmed once
    assert [(e.opted_out, e.source) for e in await _events(db)] == [(True, "sms_sentence")] * 2
    async with db.session() as session:
        assert await is_opted_out(session, NUMBER)


async def test_the_keyword_alone_keeps_its_own_source(client, db):
    await make_lease(db, mobile=NUMBER)
    await post_sms(client, "STOP")
    [event] = await _events(db)
    assert event.source == "sms"


async def test_a_possible_objection_changes_nothing_and_waits_for_an_adviser(client, db):
    await make_lease(db, mobile=NUMBER)
    resp = await post_sms(client, "arrêtez de me relancer pour le loyer")
    assert "<Message>" not in await resp.text()
    assert await _events(db) == []
    [m] = await inbound(db)
    assert (m.review, m.review_outcome, m.status) == ("opt_out", None, "open")
    assert m.intent != "opt_out"
    async with db.session() as session:
        assert not await is_opted_out(session, NUMBER)


async def test_an_opt_in_sentence_reverses_an_opt_out_with_its_confirmation(client, db, clock):
    await make_lease(db, mobile=NUMBER)
    await post_sms(client, "je me désinscris")
    clock.advance(days=3)
    resp = await post_sms(client, "vous pouvez de nouveau m'envoyer vos messages")
    assert "vous recevez de nouveau" in await resp.text()
    events = await _events(db)
    assert [(e.opted_out, e.source) for e in events] == [(True, "sms_sentence"), (False, "sms_sentence")]
    assert "de nouveau m'envoyer vos messages" in (events[1].note or "")
    async with db.session() as session:
        assert not await is_opted_out(session, NUMBER)


async def test_an_opt_in_sentence_from_a_number_that_never_opted_out_records_nothing(client, db):
    await make_lease(db, mobile=NUMBER)
    resp = await post_sms(client, "vous pouvez de nouveau m'envoyer vos messages")
    assert "<Message>" not in await resp.text()
    assert await _events(db) == []
    [m] = await inbound(db)
    assert m.intent == "opt_in"

