"""Calls only on working days: weekends, French public holidays (25 December, Pentecost
Monday) and, for agencies in Alsace-Moselle, Good Friday and 26 December."""

from datetime import date

from crm.calls.queue import day_queue
from tests.support.calls import PARIS, new_task, paris, queue_ids
from tests.support.factories import api_user, make_agency


async def test_christmas_day_has_no_queue_but_the_next_working_day_has(client, db, clock):
    clock.set(paris(2026, 12, 24, 10))
    task = await new_task(db, lease_start=date(2026, 12, 1), today=date(2026, 12, 24))
    headers = await api_user(client, db, "adviser", "Blois")
    resp = await client.get("/api/v1/calls/queue", params={"date": "2026-12-25"}, headers=headers)
    body = await resp.json()
    assert body["items"] == [] and body["working_day"] is False
    assert await queue_ids(client, headers, date="2026-12-26") == []  # a Saturday
    assert await queue_ids(client, headers, date="2026-12-28") == [task.id]


async def test_pentecost_monday_is_a_holiday(db, clock):
    clock.set(paris(2027, 5, 14, 10))
    await new_task(db, lease_start=date(2027, 5, 1), today=date(2027, 5, 14))
    async with db.session() as s:
        monday = await day_queue(s, day=date(2027, 5, 17), agency_id=None, now=clock.now(), tz=PARIS)
        tuesday = await day_queue(s, day=date(2027, 5, 18), agency_id=None, now=clock.now(), tz=PARIS)
    assert (monday.working, monday.total) == (False, 0)
    assert (tuesday.working, tuesday.total) == (True, 1)


async def test_alsace_moselle_agencies_rest_on_st_stephens_day_and_good_friday(db, clock):
    clock.set(paris(2027, 3, 15, 10))
    await make_agency(db, "Metz", department="57")
    await make_agency(db, "Blois", department="41")
    metz = await new_task(db, agency="Metz", lease_start=date(2027, 3, 10), today=date(2027, 3, 15))
    blois = await new_task(db, agency="Blois", lease_start=date(2027, 3, 10), today=date(2027, 3, 15))
    async with db.session() as s:
        good_friday = await day_queue(s, day=date(2027, 3, 26), agency_id=None, now=clock.now(), tz=PARIS)
        metz_only = await day_queue(s, day=date(2027, 3, 26), agency_id=metz.agency_id, now=clock.now(), tz=PARIS)
    assert [i["task_id"] for i in good_friday.items] == [blois.id]
    assert metz_only.working is False
