"""Due times: U1 4 hours, U2 24 hours, U3 5 working days from registration (weekends and
French public holidays skipped, Alsace-Moselle's too); a request past due and not done is
late, a done one never is."""

from datetime import datetime

import pytest

from crm.requests.due import due_at
from tests.conftest import PARIS
from tests.support.requests import move, open_request, tenant_and_adviser


def paris(*args):
    return datetime(*args, tzinfo=PARIS)


@pytest.mark.parametrize(("urgency", "registered", "department", "due"), [
    ("U1", paris(2026, 11, 16, 10, 0), None, paris(2026, 11, 16, 14, 0)),
    ("U1", paris(2026, 11, 14, 22, 30), None, paris(2026, 11, 15, 2, 30)),  # hours, any day
    ("U2", paris(2026, 11, 20, 17, 0), None, paris(2026, 11, 21, 17, 0)),
    ("U3", paris(2026, 11, 16, 10, 0), None, paris(2026, 11, 23, 10, 0)),  # Monday -> Monday
    ("U3", paris(2026, 11, 6, 9, 0), None, paris(2026, 11, 16, 9, 0)),  # 11 November skipped
    ("U3", paris(2026, 12, 21, 15, 0), None, paris(2026, 12, 29, 15, 0)),  # Christmas skipped
    ("U3", paris(2026, 3, 30, 15, 0), None, paris(2026, 4, 7, 15, 0)),  # Easter Monday skipped
    ("U3", paris(2026, 3, 30, 15, 0), "67", paris(2026, 4, 8, 15, 0)),  # and Good Friday in Alsace
    ("U3", paris(2026, 11, 14, 11, 0), None, paris(2026, 11, 20, 11, 0)),  # a Saturday
])
def test_due_time_by_urgency(urgency, registered, department, due):
    assert due_at(urgency, registered, PARIS, department) == due


async def test_a_request_is_late_past_its_due_time_until_done(client, db, clock):
    tenant, headers = await tenant_and_adviser(client, db)
    created = await open_request(client, headers, tenant, urgency="U1")
    assert datetime.fromisoformat(created["due_at"]) == paris(2026, 11, 16, 14, 0)
    clock.set(paris(2026, 11, 16, 14, 1))
    late = await (await client.get("/api/v1/requests?late=true", headers=headers)).json()
    assert [i["id"] for i in late["items"]] == [created["id"]] and late["items"][0]["late"]
    await move(client, headers, created["id"], "done")
    assert (await (await client.get("/api/v1/requests?late=true", headers=headers)).json())["total"] == 0
