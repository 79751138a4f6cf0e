"""Each landlord sets its own commitments on an admin page (RULES.md's values until then):
a lift's shopping delivery after 2 working days instead of 3, no rebate for cleaning; bad
numbers change nothing; managers cannot reach the page."""

from __future__ import annotations

from tests.support.factories import api_user, make_user, page_login
from tests.support.incidents import building, by_kind, declare, paris


async def test_the_admin_page_shows_the_defaults_and_saves_new_thresholds(client, db, clock):
    b = await building(db)
    admin = await make_user(db, role="admin", agency=None)
    csrf = await page_login(client, admin)
    page = await (await client.get("/engagements/reglages")).text()
    assert 'name="lift.shopping_delivery.days" value="3"' in page
    assert 'name="lift.rent_rebate.percent" value="5"' in page
    resp = await client.post("/engagements/reglages", data={
        "csrf_token": csrf,
        "lift.shopping_delivery.enabled": "1", "lift.shopping_delivery.days": "2",
        "lift.rent_rebate.enabled": "1", "lift.rent_rebate.days": "8", "lift.rent_rebate.percent": "7,5",
        "heating.heaters.enabled": "1", "heating.heaters.days": "3",
        "heating.rent_rebate.enabled": "1", "heating.rent_rebate.days": "8", "heating.rent_rebate.percent": "5",
        "cleaning.rent_rebate.days": "3", "cleaning.rent_rebate.percent": "5",  # unticked: off
    }, allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == "/engagements/reglages"
    assert "Engagements enregistrés." in await (await client.get("/engagements/reglages")).text()

    manager = await api_user(client, db, role="manager", agency="Blois")
    clock.set(paris(2026, 3, 2, 10, 5))
    lift = by_kind(await declare(client, manager, b, starts_at=paris(2026, 3, 2, 10, 0)))
    assert lift["shopping_delivery"]["due_on"] == "2026-03-05"
    assert lift["rent_rebate"]["rebate_percent"] == 7.5
    cleaning = await declare(client, manager, b, kind="cleaning", starts_at=paris(2026, 3, 2, 10, 0))
    assert cleaning["commitments"] == []


async def test_bad_numbers_change_nothing(client, db, clock):
    admin = await make_user(db, role="admin", agency=None)
    csrf = await page_login(client, admin)
    resp = await client.post("/engagements/reglages", data={
        "csrf_token": csrf, "lift.shopping_delivery.enabled": "1", "lift.shopping_delivery.days": "0"},
        allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == "/engagements/reglages"
    page = await (await client.get("/engagements/reglages")).text()
    assert "a été changé" in page and 'class="flash error"' in page
    assert 'name="lift.shopping_delivery.days" value="3"' in page


async def test_managers_cannot_change_them(client, db, clock):
    csrf = await page_login(client, await make_user(db, role="manager", agency="Blois"))
    assert (await client.get("/engagements/reglages", allow_redirects=False)).status == 403
    resp = await client.post("/engagements/reglages", data={"csrf_token": csrf, "lift.shopping_delivery.days": "1"},
                             allow_redirects=False)
    assert resp.status == 403
