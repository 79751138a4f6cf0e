"""A reply holding several intents is filed under the most actionable one, and a callback
asked for beside a complaint is still booked (through the real, signed webhook)."""

from __future__ import annotations

from sqlalchemy import select

from crm.calls.models import CallTask
from tests.support.factories import make_lease
from tests.support.sms import inbound, post_sms, settings  # noqa: F401

NUMBER = "+33612345678"


async def test_a_callback_asked_beside_a_complaint_still_books_the_call(client, db):
    await make_lease(db, mobile=NUMBER)
    resp = await post_sms(client, "Rappelez-moi svp. Toujours pas de chauffage !")
    assert "un conseiller de votre agence vous rappelle" in await resp.text()
    [m] = await inbound(db)
    assert m.intent == "problem_persists"
    async with db.session() as session:
        [task] = list(await session.scalars(select(CallTask)))
    assert task.requested_by_sms


async def test_a_complaint_alone_books_no_call(client, db):
    await make_lease(db, mobile=NUMBER)
    resp = await post_sms(client, "Toujours pas de chauffage !")
    assert "<Message>" not in await resp.text()
    async with db.session() as session:
        assert list(await session.scalars(select(CallTask))) == []
