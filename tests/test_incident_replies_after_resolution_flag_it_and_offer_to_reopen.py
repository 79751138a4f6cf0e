"""Replies threaded to the incident's campaigns show on the incident; "toujours en panne"
after the resolution flags it ("1 locataire dit que l'ascenseur est encore en panne") and a
manager may reopen it, which makes the commitments owed again."""

from __future__ import annotations

import pytest

from tests.support.factories import api_user, make_user, page_login
from tests.support.incidents import building, by_kind, declare, get, paris
from tests.support.sms import http_settings, post_sms  # noqa: F401


@pytest.fixture
def settings(http_settings):  # a Twilio auth token to sign the replies, pages over http
    return http_settings


async def _sent(db, campaign_id, clock):
    """The outbox rows handed over (as the dispatcher would), so replies thread to them."""
    from sqlalchemy import update

    from crm.campaigns.models import OutboxMessage

    async with db.session() as session:
        await session.execute(update(OutboxMessage).where(OutboxMessage.campaign_id == campaign_id)
                              .values(status="delivered", sent_at=clock.now()))
        await session.commit()


async def test_replies_count_and_a_late_complaint_flags_the_resolved_incident(client, db, clock):
    b = await building(db)
    manager_user = await make_user(db, role="manager", agency="Blois")
    manager = await api_user(client, db, role="manager", agency="Blois")
    clock.set(paris(2026, 3, 2, 10, 5))
    incident = await declare(client, manager, b, starts_at=paris(2026, 3, 2, 10, 0))
    notice = (await (await client.post(f"/api/v1/incidents/{incident['id']}/notify", json={},
                                       headers=manager)).json())["campaign_id"]
    await _sent(db, notice, clock)
    clock.advance(hours=1)
    await post_sms(client, "toujours en panne !!", sender=b.by_floor("3").mobile)
    await post_sms(client, "Merci pour l'info", sender=b.by_floor("1").mobile)
    during = await get(client, manager, incident["id"])
    assert during["replies"] == {"total": 2, "problem_persists": 1, "problem_persists_after_resolution": 0}
    assert any(e["kind"] == "sms_received" and e["detail"] == "toujours en panne !!" for e in during["timeline"])

    clock.advance(hours=2)
    resp = await client.post(f"/api/v1/incidents/{incident['id']}/resolve", json={"notify": True}, headers=manager)
    resolved = await resp.json()
    await _sent(db, resolved["campaigns"][-1], clock)
    clock.advance(minutes=30)
    await post_sms(client, "L'ascenseur est encore en panne", sender=b.by_floor(None).mobile)
    flagged = await get(client, manager, incident["id"])
    assert flagged["replies"]["problem_persists_after_resolution"] == 1

    await page_login(client, manager_user)
    html = await (await client.get(f"/incidents/{incident['id']}")).text()
    assert "1 locataire dit que l&#39;ascenseur est encore en panne" in html
    assert "Rouvrir l'incident" in html


async def test_reopening_makes_the_commitments_owed_again(client, db, clock):
    b = await building(db)
    manager = await api_user(client, db, role="manager", agency="Blois")
    clock.set(paris(2026, 3, 2, 10, 5))
    incident = await declare(client, manager, b, starts_at=paris(2026, 3, 2, 10, 0))
    clock.set(paris(2026, 3, 4, 9, 0))
    await client.post(f"/api/v1/incidents/{incident['id']}/resolve", json={}, headers=manager)
    resp = await client.post(f"/api/v1/incidents/{incident['id']}/reopen", headers=manager)
    reopened = await resp.json()
    assert resp.status == 200, reopened
    assert reopened["status"] == "open" and reopened["resolved_at"] is None
    assert {c["status"] for c in reopened["commitments"]} == {"upcoming"}
    again = await client.post(f"/api/v1/incidents/{incident['id']}/reopen", headers=manager)
    assert again.status == 409
    clock.set(paris(2026, 3, 6, 9, 0))
    from tests.support.incidents import run_job

    await run_job(client)
    assert by_kind(await get(client, manager, incident["id"]))["shopping_delivery"]["status"] == "due"


async def test_an_adviser_reads_incidents_but_cannot_resolve_them(client, db, clock):
    b = await building(db)
    manager = await api_user(client, db, role="manager", agency="Blois")
    adviser = await api_user(client, db, role="adviser", agency="Blois")
    incident = await declare(client, manager, b, starts_at=clock.now())
    assert (await client.get(f"/api/v1/incidents/{incident['id']}", headers=adviser)).status == 200
    resp = await client.post(f"/api/v1/incidents/{incident['id']}/resolve", json={}, headers=adviser)
    assert resp.status == 403
