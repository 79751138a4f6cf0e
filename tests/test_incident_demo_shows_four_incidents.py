"""The demo landlord has the four incidents of the issue: an open lift breakdown past 3
working days with its shopping delivery due, a resolved water cut with replies, a planned
lift modernisation announced 10 days ahead with reduced-mobility households (called first),
and a heating outage past 8 working days whose rebates are in the month's export."""

from __future__ import annotations

from sqlalchemy import func, select

from crm.calls.models import CallTask
from crm.demo import fill_demo
from crm.incidents.models import Commitment, Incident, RentRebate
from tests.support.factories import api_user


async def test_the_demo_has_the_four_incidents(client, db, clock, settings):
    await fill_demo(db, clock, settings)
    admin = await api_user(client, db, role="admin", agency=None)
    items = (await (await client.get("/api/v1/incidents?status=all", headers=admin)).json())["items"]
    by = {(i["kind"], i["status"]): i for i in items}
    assert len(items) == 4

    lift = by[("lift", "open")]
    commitments = {c["kind"]: c for c in lift["commitments"]}
    assert commitments["shopping_delivery"]["status"] == "due" and commitments["shopping_delivery"]["households"]
    assert lift["replies"]["problem_persists"] >= 1

    water = by[("water", "resolved")]
    assert water["replies"]["total"] >= 3 and water["downtime_hours"] == 4.3
    assert water["replies"]["problem_persists_after_resolution"] == 1

    works = by[("lift", "planned")]
    assert works["planned"] and works["referent"]["name"] == "Karim Benali"
    assert works["households_reduced_mobility"] >= 1 and works["campaigns"]

    heating = by[("heating", "open")]
    assert {c["kind"]: c["status"] for c in heating["commitments"]} == {"heaters": "due", "rent_rebate": "due"}
    async with db.session() as session:
        month = (await session.scalar(select(RentRebate.month).limit(1)))
        rebates = await session.scalar(select(func.count()).select_from(RentRebate))
        assert await session.scalar(select(func.count()).select_from(CallTask).where(CallTask.kind == "pmr")) >= 1
        assert await session.scalar(select(func.count()).select_from(Incident)) == 4
        assert await session.scalar(select(func.count()).select_from(Commitment)) == 4
    assert rebates == heating["households"]
    csv = (await (await client.get(f"/api/v1/commitments/rent-rebates.csv?month={month}", headers=admin)).read())
    lines = csv.decode("utf-8-sig").splitlines()
    assert len(lines) == rebates + 1 and all(line.split(";")[6] for line in lines[1:])  # amounts known
