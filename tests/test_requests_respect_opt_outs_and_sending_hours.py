"""A tenant who replied STOP gets no status SMS (the request shows why); a step reached at
night waits for the allowed sending hours of non-urgent messages."""

from datetime import datetime

from crm.campaigns.dispatcher import dispatch_once
from tests.conftest import PARIS
from tests.support.requests import open_request, request_messages, sent_sms, tenant_and_adviser


async def test_an_opted_out_tenant_gets_nothing_and_the_step_says_so(client, db, app):
    tenant, headers = await tenant_and_adviser(client, db, opted_out=True)
    created = await open_request(client, headers, tenant)
    assert await sent_sms(app, db) == []
    message = (await request_messages(db, created["id"]))["registered"]
    assert message.outbox_message_id is None and message.skipped == "opted_out"
    assert created["steps"][0]["sms"] == {"id": None, "status": "opted_out"}


async def test_a_tenant_without_mobile_is_recorded_as_such(client, db, app):
    tenant, headers = await tenant_and_adviser(client, db, mobile=None, landline="+33254000001")
    created = await open_request(client, headers, tenant)
    assert (await request_messages(db, created["id"]))["registered"].skipped == "no_mobile"


async def test_a_request_registered_on_sunday_evening_is_texted_on_monday_at_8(client, db, app, clock):
    clock.set(datetime(2026, 11, 15, 21, 0, tzinfo=PARIS))  # Sunday 21:00
    tenant, headers = await tenant_and_adviser(client, db)
    await open_request(client, headers, tenant)
    assert await dispatch_once(app) == 0
    clock.set(datetime(2026, 11, 16, 7, 59, tzinfo=PARIS))
    assert await dispatch_once(app) == 0
    clock.set(datetime(2026, 11, 16, 8, 0, tzinfo=PARIS))
    assert len(await sent_sms(app, db)) == 1
