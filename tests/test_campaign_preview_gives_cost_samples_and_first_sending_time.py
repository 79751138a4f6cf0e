"""The preview: encoding, segments of the longest rendering, cost, samples, exclusions and
the first sending time (quiet hours for non-urgent messages, now for urgent outages)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.support.campaigns import building_b, ids
from tests.support.factories import api_user, make_lease

PARIS = ZoneInfo("Europe/Paris")


async def create_and_preview(client, headers, **body):
    payload = {"name": "Test", "category": "information", "body": "Bonjour"}
    payload.update(body)
    resp = await client.post("/api/v1/campaigns", headers=headers, json=payload)
    assert resp.status == 201, await resp.text()
    campaign = await resp.json()
    resp = await client.get(f"/api/v1/campaigns/{campaign['id']}/preview", headers=headers)
    assert resp.status == 200
    return await resp.json()


@pytest.fixture
async def manager(client, db):
    return await api_user(client, db, "manager", "Blois")


async def test_a_gsm7_message_counts_segments_of_the_longest_rendering_and_the_cost(client, db, manager):
    # "X" * 150 + " " + last name: 157 characters for "Lu" (1 segment), 165 for "Dumont-Zola" (2).
    await make_lease(db, building="B", mobile="+33611000001", last_name="Lu")
    await make_lease(db, building="B", mobile="+33611000002", last_name="Dumont-Zola")
    await make_lease(db, building="B", mobile=None, last_name="Sansmobile")
    place = await ids(db, building="B")
    p = await create_and_preview(client, manager, body="X" * 150 + " {{ last_name }}",
                                 audience={"buildings": [place["building"]]})
    assert p["recipients"] == 2
    assert p["excluded"] == {"opted_out": 0, "no_mobile": 1, "duplicate_phone": 0}
    assert p["encoding"] == "GSM-7"
    assert p["segments_per_message"] == 2
    assert p["total_segments"] == 3
    assert p["estimated_cost"] == round(3 * 0.0725, 2)
    assert p["ucs2_characters"] == []
    assert {s["phone"] for s in p["samples"]} == {"+33611000001", "+33611000002"}
    assert p["too_long"] is False and p["gsm_friendly_body"] is None


async def test_a_curly_apostrophe_makes_it_ucs2_and_the_gsm_friendly_version_is_offered(client, db, manager):
    await building_b(db, 4)
    place = await ids(db, building="B")
    body = ("L’ascenseur est réparé. " + "Merci de votre patience " * 3).strip()
    p = await create_and_preview(client, manager, body=body, audience={"buildings": [place["building"]]})
    assert p["encoding"] == "UCS-2"
    assert p["ucs2_characters"] == ["’"]
    assert len(body) == 95  # > 70: two UCS-2 segments of 67
    assert p["segments_per_message"] == 2
    assert p["total_segments"] == 8
    assert p["estimated_cost"] == round(8 * 0.0725, 2)
    assert p["gsm_friendly_body"] == body.replace("’", "'")


async def test_a_body_over_ten_segments_is_flagged_and_refused_at_launch(client, db, manager):
    await building_b(db, 1)
    place = await ids(db, building="B")
    p = await create_and_preview(client, manager, body="A" * 1540 + "{{ last_name }}",
                                 audience={"buildings": [place["building"]]})
    assert p["too_long"] is True
    assert p["segments_per_message"] == 11
    assert any("10 segments" in problem for problem in p["problems"])
    resp = await client.get("/api/v1/campaigns?per_page=1", headers=manager)
    campaign_id = (await resp.json())["items"][0]["id"]
    resp = await client.post(f"/api/v1/campaigns/{campaign_id}/launch", headers=manager)
    assert resp.status == 422
    assert (await resp.json())["error"]["code"] == "message_too_long"


async def test_a_rent_reminder_on_saturday_at_21h_waits_for_monday_8h(client, db, manager, clock):
    await building_b(db, 1)
    place = await ids(db, building="B")
    clock.set(datetime(2026, 11, 21, 21, 0, tzinfo=PARIS))
    p = await create_and_preview(client, manager, category="rent_reminder",
                                 audience={"buildings": [place["building"]]})
    assert datetime.fromisoformat(p["first_send_at"]) == datetime(2026, 11, 23, 8, 0, tzinfo=PARIS)


async def test_a_rent_reminder_on_sunday_waits_for_monday_8h(client, db, manager, clock):
    await building_b(db, 1)
    place = await ids(db, building="B")
    clock.set(datetime(2026, 11, 22, 11, 30, tzinfo=PARIS))
    p = await create_and_preview(client, manager, category="rent_reminder",
                                 audience={"buildings": [place["building"]]})
    assert datetime.fromisoformat(p["first_send_at"]) == datetime(2026, 11, 23, 8, 0, tzinfo=PARIS)


async def test_an_urgent_outage_on_saturday_at_21h_goes_at_once(client, db, manager, clock):
    await building_b(db, 1)
    place = await ids(db, building="B")
    clock.set(datetime(2026, 11, 21, 21, 0, tzinfo=PARIS))
    p = await create_and_preview(client, manager, category="outage",
                                 audience={"buildings": [place["building"]]})
    assert datetime.fromisoformat(p["first_send_at"]) == datetime(2026, 11, 21, 21, 0, tzinfo=PARIS)


async def test_a_non_urgent_outage_waits_and_a_later_send_at_is_kept(client, db, manager, clock):
    await building_b(db, 1)
    place = await ids(db, building="B")
    clock.set(datetime(2026, 11, 21, 21, 0, tzinfo=PARIS))
    p = await create_and_preview(client, manager, category="outage", urgent=False,
                                 audience={"buildings": [place["building"]]})
    assert datetime.fromisoformat(p["first_send_at"]) == datetime(2026, 11, 23, 8, 0, tzinfo=PARIS)
    later = datetime(2026, 11, 24, 14, 0, tzinfo=PARIS)
    p = await create_and_preview(client, manager, category="works", send_at=later.isoformat(),
                                 audience={"buildings": [place["building"]]})
    assert datetime.fromisoformat(p["first_send_at"]) == later


async def test_a_rent_reminder_cannot_be_urgent(client, db, manager):
    await building_b(db, 1)
    place = await ids(db, building="B")
    resp = await client.post("/api/v1/campaigns", headers=manager, json={
        "name": "x", "category": "rent_reminder", "body": "Bonjour", "urgent": True,
        "audience": {"buildings": [place["building"]]}})
    assert resp.status == 422
    assert (await resp.json())["error"]["code"] == "urgent_not_allowed"


async def test_the_wizard_previews_an_unsaved_campaign_without_storing_it(client, db, manager):
    await building_b(db, 2)
    place = await ids(db, building="B")
    resp = await client.post("/api/v1/campaigns/preview", headers=manager, json={
        "name": "x", "category": "outage", "body": "Panne {{ building }}",
        "audience": {"buildings": [place["building"]]}})
    assert resp.status == 200
    assert (await resp.json())["samples"][0]["text"] == "Panne B"
    resp = await client.get("/api/v1/campaigns", headers=manager)
    assert (await resp.json())["total"] == 0


async def test_a_lift_outage_lists_reduced_mobility_tenants_to_call(client, db, manager):
    await building_b(db, 1)
    await make_lease(db, building="B", mobile=None, landline="+33254222222", reduced_mobility=True,
                     last_name="Fauteuil")
    place = await ids(db, building="B")
    p = await create_and_preview(client, manager, category="outage", preset="lift_outage",
                                 audience={"buildings": [place["building"]]})
    assert [(t["name"], t["phone"]) for t in p["to_call"]] == [("Mme Sandrine Fauteuil", "+33254222222")]
    p = await create_and_preview(client, manager, category="outage", preset="water_cut",
                                 body="Coupure d'eau.", audience={"buildings": [place["building"]]})
    assert p["to_call"] == []
