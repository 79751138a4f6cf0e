"""The indicators page: French month names, values written on the bars, a chart that scales
to the screen, per-adviser calls made and interviews done, and the CSV's words."""

import re
from datetime import date

from crm.calls.kpi import LABELS, month_label
from crm.calls.models import CallAttempt
from tests.support.calls import PARIS, new_task
from tests.support.factories import make_user, page_login


def test_months_are_written_in_french():
    assert month_label("2026-08") == "août 2026" and month_label("2027-01") == "janvier 2027"


async def test_the_page_shows_values_on_bars_and_adviser_activity(client, db):
    from datetime import datetime

    task = await new_task(db, lease_start=date(2026, 11, 3))
    alice = await make_user(db, "adviser", "Blois", email="alice@example.fr")
    async with db.session() as s:
        for hour in (10, 15):
            s.add(CallAttempt(task_id=task.id, at=datetime(2026, 11, 10, hour, tzinfo=PARIS),
                              outcome="no_answer", adviser_id=alice.id))
        await s.commit()
    await page_login(client, await make_user(db, "manager", "Blois"))
    html = await (await client.get("/indicateurs?from=2026-11-01&to=2026-11-30")).text()
    assert '<th scope="row">novembre 2026</th>' in html and ">2026-11<" not in html
    assert re.search(r'<text class="bar-value"[^>]*>100 %</text>', html)
    assert re.search(r'<svg role="img"[^>]*viewBox="0 0 160 262"[^>]*width="224"', html)
    assert re.search(r'<th scope="row">alice@example.fr</th><td>2</td><td>0</td>', html)
    for key in ("new_tenants", "attempted", "reached", "completed", "open", "attempts", "interviews"):
        assert f'<th scope="col">{LABELS[key]}</th>' in html

    csv = (await (await client.get("/indicateurs.csv?from=2026-11-01&to=2026-11-30")).read()).decode("utf-8-sig")
    header = csv.splitlines()[0].split(";")
    for key in ("new_tenants", "attempted", "reached", "completed", "open", "attempts", "interviews"):
        assert LABELS[key] in header
