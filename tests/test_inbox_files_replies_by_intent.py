"""What each understood reply does: a callback request puts a call at the top of today's
queue (and is acknowledged), thanks and "c'est réparé" are filed as handled, a question waits
in the inbox."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from crm.calls.models import CallTask
from crm.inbox.inbound import CALLBACK_ACK
from tests.support.factories import make_lease
from tests.support.sms import inbound, post_sms, settings  # noqa: F401


async def test_a_callback_request_creates_a_call_task_for_today_and_is_acknowledged(client, db, clock):
    lease = await make_lease(db, mobile="+33612345678", lease_start=date(2025, 3, 1))
    resp = await post_sms(client, "Bonjour, rappelez-moi svp pour la fuite")
    xml = await resp.text()
    assert f"<Message>{CALLBACK_ACK}</Message>" in xml
    [m] = await inbound(db)
    assert m.intent == "callback_request" and m.status == "open"
    async with db.session() as session:
        [task] = list(await session.scalars(select(CallTask).where(CallTask.tenant_id == lease.tenant_id)))
    assert task.requested_by_sms and task.status == "open"
    assert task.window_start == date(2026, 11, 16)
    assert task.callback_at == clock.now()


async def test_a_callback_request_from_an_unknown_number_creates_no_task(client, db):
    resp = await post_sms(client, "rappelez moi", sender="+33788888888")
    assert "<Message>" not in await resp.text()
    async with db.session() as session:
        assert list(await session.scalars(select(CallTask))) == []
    [m] = await inbound(db)
    assert m.intent == "callback_request" and m.status == "open"


@pytest.mark.parametrize("text, intent", [
    ("Merci beaucoup pour l'information", "thanks"),
    ("L'eau est revenue, merci !", "problem_solved"),
])
async def test_thanks_and_solved_problems_are_filed_as_handled(client, db, clock, text, intent):
    await make_lease(db, mobile="+33612345678")
    resp = await post_sms(client, text)
    assert "<Message>" not in await resp.text()
    [m] = await inbound(db)
    assert (m.intent, m.status, m.handled_at) == (intent, "handled", clock.now())
    assert m.sentiment == "positive"


async def test_a_question_waits_in_the_inbox(client, db):
    await make_lease(db, mobile="+33612345678")
    await post_sms(client, "C'est prévu pour quand la réparation ?")
    [m] = await inbound(db)
    assert (m.intent, m.status, m.handled_at) == ("question", "open", None)
