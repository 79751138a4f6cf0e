"""The tenant page reads what it shows once: a bounded number of SQL statements, none of them
run twice (the detail, the timeline and the features' panels share one load)."""

from collections import Counter
from datetime import date

from sqlalchemy import event

from crm.models import Tenant
from tests.support.factories import make_lease, make_user, page_login
from tests.support.privacy import add_history

# The session, the navigation badges (inbox, reopened requests), the tenant with its leases,
# phones, opt-out state and history, lease changes, the features' timeline entries (calls 2,
# requests, SMS sent, SMS received, incidents 2) and panels (requests, calls 2, recent SMS,
# incidents 1): 20 whatever the household's size (measured; was 17 before incidents).
MAX_STATEMENTS = 20


async def _statements_for(client, db, path):
    seen: list[tuple[str, str]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, repr(parameters)))

    engine = db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        resp = await client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert resp.status == 200, await resp.text()
    return seen, await resp.text()


async def test_the_tenant_page_runs_a_bounded_number_of_statements_none_twice(client, db):
    lease = await make_lease(db, last_name="Lefèvre", mobile="+33612345678", landline="+33254000001")
    async with db.session() as s:
        household = await s.get(Tenant, lease.tenant_id)
    await make_lease(db, tenant=household, lease_start=date(2020, 1, 6))  # an earlier lease
    await add_history(db, lease, "+33612345678")
    await page_login(client, await make_user(db, "adviser", "Blois"))

    seen, html = await _statements_for(client, db, f"/locataires/{lease.tenant_id}")

    assert "Lefèvre" in html
    repeated = {s: n for s, n in Counter(seen).items() if n > 1}
    assert repeated == {}
    assert len(seen) <= MAX_STATEMENTS, "\n\n".join(s for s, _ in seen)
