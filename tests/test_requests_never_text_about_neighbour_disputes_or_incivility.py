"""Categories neighbour_dispute and incivility never send the tenant a status SMS (nor the
satisfaction question); the request says ``notify: false``."""

import pytest
from sqlalchemy import func, select

from crm.campaigns.models import OutboxMessage
from crm.requests.models import RequestMessage
from tests.support.requests import move, open_request, sent_sms, tenant_and_adviser


@pytest.mark.parametrize("category", ["neighbour_dispute", "incivility", "Troubles de voisinage"])
async def test_no_sms_at_any_step(client, db, app, category):
    tenant, headers = await tenant_and_adviser(client, db)
    created = await open_request(client, headers, tenant, kind="administrative", category=category)
    assert created["notify"] is False
    for status in ("scheduled", "done", "closed"):
        await move(client, headers, created["id"], status, appointment_at="2026-11-17T10:00:00")
    assert await sent_sms(app, db) == []
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        assert await s.scalar(select(func.count()).select_from(RequestMessage)) == 0
