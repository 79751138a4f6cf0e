"""Before a planned stop, each household with reduced mobility gets a call task in the
advisers' queue ("accompagnement PMR"); the call's answers (needs, preferred slot) close it;
during the stop, a daily help plan on one or two slots is ticked off per day."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from crm.calls.models import CallTask
from crm.incidents.models import HelpVisit
from tests.support.factories import api_user, make_user, page_login
from tests.support.incidents import building, declare, get, paris, run_job

REFERENT = {"name": "Karim Benali", "phone": "0254901234"}


async def test_reduced_mobility_households_are_in_the_queue_before_the_stop(client, db, clock):
    b = await building(db, floors=("RDC", "2", "4"), reduced=("2", "4"))
    manager = await api_user(client, db, role="manager", agency="Blois")
    adviser = await api_user(client, db, role="adviser", agency="Blois")
    start = paris(2026, 11, 30, 8, 0)  # clock: Monday 16 November
    incident = await declare(client, manager, b, planned=True, referent=REFERENT, starts_at=start)
    assert incident["households_reduced_mobility"] == 2
    queue = (await (await client.get("/api/v1/calls/queue", headers=adviser)).json())
    pmr = [t for t in queue["items"] if t["kind"] == "pmr"]
    assert sorted(t["tenant_id"] for t in pmr) == sorted([b.by_floor("2").tenant_id, b.by_floor("4").tenant_id])
    async with db.session() as session:
        tasks = list(await session.scalars(select(CallTask).where(CallTask.kind == "pmr")))
    assert {(t.window_start.isoformat(), t.window_end.isoformat()) for t in tasks} == {("2026-11-16", "2026-11-29")}
    page = await (await client.get("/appels", headers=adviser)).text()
    assert "Accompagnement PMR" in page


async def test_the_needs_close_the_call_and_the_plan_is_ticked_per_day(client, db, clock):
    b = await building(db, floors=("RDC", "3"), reduced=("3",))
    user = await make_user(db, role="adviser", agency="Blois")
    manager = await api_user(client, db, role="manager", agency="Blois")
    start = paris(2026, 11, 30, 8, 0)
    incident = await declare(client, manager, b, planned=True, referent=REFERENT, starts_at=start,
                             expected_end_at=(start + timedelta(days=5)).isoformat())
    csrf = await page_login(client, user)
    household = next(h for h in (await _households(db, incident["id"])) if h.reduced_mobility)
    resp = await client.post(f"/incidents/{incident['id']}/foyers/{household.id}/besoins",
                             data={"csrf_token": csrf, "needs": "courses et packs d'eau", "slots": "morning"},
                             allow_redirects=False)
    assert resp.status == 303
    async with db.session() as session:
        task = await session.get(CallTask, household.call_task_id)
        assert task.status == "completed"

    clock.set(start + timedelta(days=1, hours=2))  # Tuesday 1 December, the stop is on
    await run_job(client)
    csrf = await page_login(client, user)  # a new day, a new session
    html = await (await client.get(f"/incidents/{incident['id']}")).text()
    assert "Plan d'aide quotidien" in html
    assert "Fait : mardi 01/12/2026 matin" in html and "après-midi" not in html.split("Plan d")[1].split("Réponses")[0]
    for _ in range(2):  # a double click ticks once
        resp = await client.post(f"/incidents/{incident['id']}/foyers/{household.id}/aide",
                                 data={"csrf_token": csrf, "day": "2026-12-01", "slot": "morning"},
                                 allow_redirects=False)
        assert resp.status == 303
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(HelpVisit)) == 1
    html = await (await client.get(f"/incidents/{incident['id']}")).text()
    assert "✓ mardi 01/12/2026 matin" in html and "Fait : lundi 30/11/2026 matin" in html
    refused = await client.post(f"/incidents/{incident['id']}/foyers/{household.id}/aide",
                                data={"csrf_token": csrf, "day": "2026-12-04", "slot": "morning"},
                                allow_redirects=False)
    assert refused.headers["Location"] == f"/incidents/{incident['id']}"  # the message is a one-time cookie
    shown = await (await client.get(refused.headers["Location"])).text()
    assert "pas dans le plan" in shown and 'class="flash error"' in shown
    assert (await get(client, manager, incident["id"]))["status"] == "open"


async def _households(db, incident_id):
    from crm.incidents.models import IncidentHousehold

    async with db.session() as session:
        return list(await session.scalars(select(IncidentHousehold).where(
            IncidentHousehold.incident_id == incident_id)))
