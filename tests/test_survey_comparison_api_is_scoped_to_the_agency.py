"""GET /api/v1/surveys/comparison: managers see their agency, admins every agency together
unless they pick one, advisers nothing."""

from datetime import datetime
from zoneinfo import ZoneInfo

from tests.support.factories import api_user
from tests.support.surveys import add_agencies, add_interviews, add_survey_answers

PARIS = ZoneInfo("Europe/Paris")
Q3 = datetime(2026, 8, 10, 10, 0, tzinfo=PARIS)


async def _data(db):
    ids = await add_agencies(db, "Blois", "Vendôme")
    # Blois, cleanliness, Q3: calls 4, 3, 3, 2, NSP -> 3/4 = 0.75; survey 4, 4, 1, 2, NSP -> 2/4 = 0.5
    await add_interviews(db, [{"cleanliness": s} for s in (4, 3, 3, 2, None)], at=Q3, agency="Blois")
    await add_survey_answers(db, "cleanliness", [4, 4, 1, 2, None], period="2026-Q3", agency="Blois")
    # Vendôme, cleanliness, Q3: calls 1, 1 -> 0/2; survey 3, 3 -> 2/2
    await add_interviews(db, [{"cleanliness": 1}] * 2, at=Q3, agency="Vendôme")
    await add_survey_answers(db, "cleanliness", [3, 3], period="2026-Q3", agency="Vendôme")
    return ids


def _item(body, theme, period):
    return next(i for i in body["items"] if i["theme"] == theme and i["period"] == period)


async def test_a_manager_sees_their_own_agency_by_default(client, db):
    ids = await _data(db)
    headers = await api_user(client, db, "manager", "Blois")
    resp = await client.get("/api/v1/surveys/comparison?year=2026", headers=headers)
    assert resp.status == 200
    body = await resp.json()
    assert len(body["items"]) == 30  # 6 themes x (4 quarters + the year)
    item = _item(body, "cleanliness", "2026-Q3")
    assert item == {
        "theme": "cleanliness", "period": "2026-Q3", "agency": {"id": ids["Blois"], "name": "Blois"},
        "calls": {"rate": 0.75, "n": 4}, "survey": {"rate": 0.5, "n": 4},
        "difference_points": 25.0,  # (0.75 - 0.5) x 100
        "significant": False,  # 4 answers a side: never flagged
    }
    assert _item(body, "cleanliness", "2026")["calls"] == {"rate": 0.75, "n": 4}
    assert _item(body, "communication", "2026-Q3")["calls"] == {"rate": None, "n": 0}


async def test_the_manager_of_blois_asking_for_vendome_gets_403(client, db):
    ids = await _data(db)
    headers = await api_user(client, db, "manager", "Blois")
    for agency in ("Vendôme", str(ids["Vendôme"])):
        resp = await client.get(f"/api/v1/surveys/comparison?year=2026&agency={agency}", headers=headers)
        assert resp.status == 403
        assert (await resp.json())["error"]["code"] == "agency_forbidden"
    resp = await client.get("/api/v1/surveys/comparison.csv?year=2026&agency=Vendôme", headers=headers)
    assert resp.status == 403
    # Naming their own agency is fine.
    resp = await client.get(f"/api/v1/surveys/comparison?agency={ids['Blois']}", headers=headers)
    assert resp.status == 200


async def test_advisers_may_not_see_the_comparison(client, db):
    await _data(db)
    headers = await api_user(client, db, "adviser", "Blois")
    assert (await client.get("/api/v1/surveys/comparison", headers=headers)).status == 403
    assert (await client.get("/api/v1/surveys/comparison.csv", headers=headers)).status == 403
    assert (await client.get("/api/v1/surveys/comparison")).status == 401


async def test_an_admin_sees_every_agency_together_unless_one_is_given(client, db):
    ids = await _data(db)
    headers = await api_user(client, db, "admin", None)
    body = await (await client.get("/api/v1/surveys/comparison?year=2026", headers=headers)).json()
    item = _item(body, "cleanliness", "2026-Q3")
    # calls 3 + 0 satisfied of 4 + 2 = 0.5; survey 2 + 2 of 4 + 2 = 0.6667; -16.7 points
    assert item["agency"] is None
    assert item["calls"] == {"rate": 0.5, "n": 6}
    assert item["survey"]["n"] == 6 and abs(item["survey"]["rate"] - 2 / 3) < 1e-9
    assert item["difference_points"] == -16.7
    body = await (await client.get(f"/api/v1/surveys/comparison?year=2026&agency={ids['Vendôme']}",
                                   headers=headers)).json()
    item = _item(body, "cleanliness", "2026-Q3")
    assert item["agency"] == {"id": ids["Vendôme"], "name": "Vendôme"}
    assert item["calls"] == {"rate": 0.0, "n": 2} and item["survey"] == {"rate": 1.0, "n": 2}
    assert item["difference_points"] == -100.0


async def test_the_year_defaults_to_the_current_one_and_must_be_a_year(client, db, clock):
    await _data(db)
    headers = await api_user(client, db, "admin", None)
    body = await (await client.get("/api/v1/surveys/comparison", headers=headers)).json()
    assert {i["period"] for i in body["items"]} == {"2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4", "2026"}
    clock.set(datetime(2027, 1, 4, 9, 0, tzinfo=PARIS))
    headers = await api_user(client, db, "admin", None)  # tokens last 30 days
    body = await (await client.get("/api/v1/surveys/comparison", headers=headers)).json()
    assert "2027" in {i["period"] for i in body["items"]}
    assert all(i["calls"]["n"] == 0 for i in body["items"])  # nothing yet in 2027
    resp = await client.get("/api/v1/surveys/comparison?year=deux-mille", headers=headers)
    assert resp.status == 400
    assert (await resp.json())["error"]["code"] == "invalid_parameter"
    resp = await client.get("/api/v1/surveys/comparison?agency=Atlantide", headers=headers)
    assert resp.status == 404


async def test_the_agency_may_be_given_by_its_code(client, db):
    from crm.models import Agency

    ids = await _data(db)
    async with db.session() as s:
        (await s.get(Agency, ids["Vendôme"])).code = "041"
        await s.commit()
    headers = await api_user(client, db, "admin", None)
    body = await (await client.get("/api/v1/surveys/comparison?year=2026&agency=041", headers=headers)).json()
    assert _item(body, "cleanliness", "2026-Q3")["agency"] == {"id": ids["Vendôme"], "name": "Vendôme"}
    resp = await client.get("/api/v1/surveys/comparison?year=2026&agency=999", headers=headers)
    assert resp.status == 404
