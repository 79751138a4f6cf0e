"""After a form on the incident pages, the message comes from a one-time cookie: a link
with ?message= shows nothing (nobody can craft a link that shows a fake message), a refusal
shows as an error, and a reload does not repeat the message."""

from __future__ import annotations

from sqlalchemy import select

from crm.incidents.models import Incident
from tests.support.factories import make_user, page_login
from tests.support.incidents import building


async def test_a_crafted_message_in_the_url_is_not_shown(client, db):
    b = await building(db)
    csrf = await page_login(client, await make_user(db, role="manager", agency="Blois"))
    await client.post("/incidents/nouveau", data={"csrf_token": csrf, "kind": "lift", "planned": "0",
                                                  "buildings": str(b.id)})
    async with db.session() as session:
        incident = (await session.scalars(select(Incident))).one()
    page = await (await client.get(f"/incidents/{incident.id}?message=Appelez+le+0899000000")).text()
    assert "0899000000" not in page
    for path in ("/engagements?message=Faux", "/engagements/reglages?message=Faux"):
        assert "Faux" not in await (await client.get(path)).text()


async def test_a_refusal_comes_back_as_an_error_once(client, db):
    b = await building(db)
    csrf = await page_login(client, await make_user(db, role="manager", agency="Blois"))
    await client.post("/incidents/nouveau", data={"csrf_token": csrf, "kind": "lift", "planned": "0",
                                                  "buildings": str(b.id)})
    async with db.session() as session:
        incident = (await session.scalars(select(Incident))).one()
    # Reopening an incident that is not resolved is refused by the service.
    resp = await client.post(f"/incidents/{incident.id}/rouvrir", data={"csrf_token": csrf},
                             allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == f"/incidents/{incident.id}"
    page = await (await client.get(resp.headers["Location"])).text()
    assert 'class="flash error"' in page and 'role="alert"' in page
    again = await (await client.get(resp.headers["Location"])).text()
    assert 'class="flash error"' not in again  # shown once
