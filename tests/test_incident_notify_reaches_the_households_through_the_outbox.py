"""Notify: one click writes a campaign to the incident's households through the outbox
(opt-outs excluded, quiet hours for planned works), with the referent, start and expected end
filled in; a reminder the day before when asked; updates and "service rétabli" the same way."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from crm.campaigns.models import Campaign, OutboxMessage
from crm.incidents.models import IncidentCampaign
from tests.support.factories import api_user, make_lease
from tests.support.incidents import PARIS, building, declare, get, paris

REFERENT = {"name": "Karim Benali", "phone": "0254901234"}


async def _outbox(db, campaign_id):
    async with db.session() as session:
        return list(await session.scalars(select(OutboxMessage).where(OutboxMessage.campaign_id == campaign_id)
                                          .order_by(OutboxMessage.id)))


async def test_a_lift_breakdown_notice_goes_at_once_to_every_household_with_a_mobile(client, db, clock):
    b = await building(db)
    # Outside the building, and a neighbour who said STOP: neither gets it.
    await make_lease(db, building="A", mobile="+33699999991")
    stopper = await make_lease(db, building="B", entrance="1", mobile="+33699999992", opted_out=True)
    manager = await api_user(client, db, role="manager", agency="Blois")
    clock.set(paris(2026, 3, 1, 22, 0))  # a Sunday night: an outage alert may still go
    incident = await declare(client, manager, b, starts_at=paris(2026, 3, 1, 21, 30),
                             expected_end_at=paris(2026, 3, 2, 12, 0).isoformat())
    resp = await client.post(f"/api/v1/incidents/{incident['id']}/notify", json={}, headers=manager)
    assert resp.status == 202, await resp.text()
    campaign_id = (await resp.json())["campaign_id"]
    rows = await _outbox(db, campaign_id)
    assert sorted(r.e164 for r in rows) == sorted(h.mobile for h in b.homes)
    assert stopper.tenant_id not in {r.tenant_id for r in rows}
    assert all(r.next_try_at == clock.now() for r in rows)
    assert "l'ascenseur de votre immeuble B (Les Provinces) est en panne depuis le dimanche 01/03 à 21h30" in rows[0].body
    assert "Retour prévu : lundi 02/03 à 12h00" in rows[0].body
    async with db.session() as session:
        campaign = await session.get(Campaign, campaign_id)
        assert (campaign.category, campaign.urgent, campaign.status) == ("outage", True, "sending")
        assert (await session.scalars(select(IncidentCampaign))).one().purpose == "notice"
    assert (await get(client, manager, incident["id"]))["campaigns"] == [campaign_id]


async def test_a_planned_stop_notice_waits_for_sending_hours_and_reminds_the_day_before(client, db, clock):
    b = await building(db)
    manager = await api_user(client, db, role="manager", agency="Blois")
    clock.set(paris(2026, 3, 1, 21, 0))  # Sunday evening
    start = paris(2026, 3, 10, 8, 0)  # Tuesday
    incident = await declare(client, manager, b, planned=True, referent=REFERENT, starts_at=start,
                             expected_end_at=paris(2026, 3, 12, 17, 0).isoformat())
    resp = await client.post(f"/api/v1/incidents/{incident['id']}/notify",
                             json={"reminder_day_before": True}, headers=manager)
    assert resp.status == 202, await resp.text()
    out = await resp.json()
    notice = await _outbox(db, out["campaign_id"])
    assert notice[0].next_try_at.astimezone(PARIS) == paris(2026, 3, 2, 8, 0)  # Monday 08:00
    assert "Votre référent : Karim Benali, 02 54 90 12 34" in notice[0].body
    assert "du mardi 10/03 à 08h00 au jeudi 12/03 à 17h00" in notice[0].body
    reminder = await _outbox(db, out["reminder_campaign_id"])
    assert reminder[0].next_try_at.astimezone(PARIS) == paris(2026, 3, 9, 18, 0)
    assert reminder[0].body.startswith("Rappel : Ascenseur, coupure programmée demain")
    async with db.session() as session:
        c = await session.get(Campaign, out["reminder_campaign_id"])
        assert (c.category, c.status) == ("works", "scheduled")


async def test_an_update_and_the_resolution_go_to_the_same_households(client, db, clock):
    b = await building(db)
    manager = await api_user(client, db, role="manager", agency="Blois")
    clock.set(paris(2026, 3, 2, 10, 0))
    incident = await declare(client, manager, b, kind="heating", starts_at=paris(2026, 3, 2, 7, 0))
    resp = await client.post(f"/api/v1/incidents/{incident['id']}/updates",
                             json={"message": "Reprise prévue demain 14 h", "notify": True,
                                   "expected_end_at": paris(2026, 3, 3, 14, 0).isoformat()}, headers=manager)
    updated = await resp.json()
    assert resp.status == 200, updated
    assert updated["expected_end_at"].startswith("2026-03-03T13:00:00")
    clock.advance(days=1)
    resp = await client.post(f"/api/v1/incidents/{incident['id']}/resolve", json={"notify": True}, headers=manager)
    resolved = await resp.json()
    assert resolved["status"] == "resolved" and len(resolved["campaigns"]) == 2
    [update_rows, resolved_rows] = [await _outbox(db, c) for c in resolved["campaigns"]]
    assert {r.body for r in update_rows} == {"Reprise prévue demain 14 h"}
    assert resolved_rows[0].body.startswith("Bonjour, Chauffage collectif : service rétabli à Les Provinces.")
    assert {r.e164 for r in resolved_rows} == {h.mobile for h in b.homes}
    titles = [e["title"] for e in resolved["timeline"]]
    assert "Reprise prévue demain 14 h" in titles
    assert any(t.startswith("SMS envoyé : Service rétabli (4 SMS)") for t in titles)


async def test_nobody_reachable_leaves_no_half_made_campaign(client, db, clock):
    b = await building(db, mobile=False)
    manager = await api_user(client, db, role="manager", agency="Blois")
    incident = await declare(client, manager, b, starts_at=clock.now() - timedelta(minutes=5))
    resp = await client.post(f"/api/v1/incidents/{incident['id']}/notify", json={}, headers=manager)
    assert resp.status == 422 and (await resp.json())["error"]["code"] == "no_recipients"
    async with db.session() as session:
        assert (await session.scalars(select(Campaign))).all() == []
