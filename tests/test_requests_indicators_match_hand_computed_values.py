"""Indicators per agency and month: requests by status and kind, median hours to done per
urgency, share done on time, share of notified steps whose SMS went, satisfaction from the
SMS question — checked against values computed by hand, in JSON and CSV."""

import csv
import io

from crm.requests.models import TenantRequest
from tests.support.factories import api_user, make_lease
from tests.support.requests import move, open_request


async def test_a_month_of_three_requests(client, db, clock):
    on_time = (await make_lease(db, mobile="+33611111111")).tenant_id
    slow = (await make_lease(db, mobile="+33622222222")).tenant_id
    stopped = (await make_lease(db, mobile="+33633333333", opted_out=True)).tenant_id
    adviser = await api_user(client, db, "adviser", "Blois")
    a = await open_request(client, adviser, on_time, urgency="U1")
    b = await open_request(client, adviser, slow, urgency="U1")
    await open_request(client, adviser, stopped, kind="administrative", category="rent")
    clock.advance(hours=2)
    await move(client, adviser, a["id"], "done")
    await move(client, adviser, a["id"], "closed")
    clock.advance(hours=4)
    await move(client, adviser, b["id"], "done")  # 6 h for a 4 h urgency: late
    async with db.session() as s:
        (await s.get(TenantRequest, a["id"])).satisfaction = 4
        await s.commit()
    manager = await api_user(client, db, "manager", "Blois")
    body = await (await client.get("/api/v1/kpi/requests?from=2026-11&to=2026-11", headers=manager)).json()
    [row] = body["items"]
    assert row["month"] == "2026-11" and row["agency"]["name"] == "Blois" and row["requests"] == 3
    assert row["by_status"] == {"registered": 1, "taken_on": 0, "scheduled": 0, "in_progress": 0,
                                "done": 1, "closed": 1, "cancelled": 0}
    assert row["by_kind"] == {"technical": 2, "administrative": 1}
    assert row["median_hours_to_done"] == {"U1": 4.0, "U2": None, "U3": None}  # median(2, 6)
    assert row["on_time"] == {"rate": 0.5, "n": 2}  # c is not due yet: not judged
    # Owed: a registered+done+question, b registered+done, c registered (STOP: not sent).
    assert row["steps_notified"] == {"rate": 5 / 6, "n": 6}
    assert row["satisfaction"] == {"rate": 1.0, "n": 1}
    raw = await (await client.get("/api/v1/kpi/requests.csv?from=2026-11&to=2026-11", headers=manager)).read()
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][:3] == ["Blois", "2026-11", "3"]
    assert rows[1][-6:] == ["50,0", "2", "83,3", "6", "100,0", "1"]
    adviser_try = await client.get("/api/v1/kpi/requests", headers=adviser)
    assert adviser_try.status == 403
    bad = await client.get("/api/v1/kpi/requests?from=2026-13", headers=manager)
    assert bad.status == 400
