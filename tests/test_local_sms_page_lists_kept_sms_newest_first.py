"""The local backend's page lists the SMS it kept, newest first, paginated."""

from datetime import timedelta

from crm.sms.models import LocalSms
from tests.support.campaigns import page_login
from tests.support.factories import NOW, make_user


async def test_the_simulation_page_lists_kept_sms_newest_first_with_pages(client, db):
    async with db.session() as s:
        for i in range(3):
            s.add(LocalSms(sid=f"SM{i:032d}", to="+33612345678", body=f"Message numéro {i}",
                           at=NOW + timedelta(minutes=i)))
        await s.commit()
    await page_login(client, await make_user(db, "adviser", "Blois"))
    html = await (await client.get("/sms-simulation")).text()
    assert "SMS envoyés (simulation)" in html
    assert html.index("Message numéro 2") < html.index("Message numéro 1") < html.index("Message numéro 0")
    assert "06 12 34 56 78" in html
    html = await (await client.get("/sms-simulation?per_page=2&page=2")).text()
    assert "Message numéro 0" in html and "Message numéro 2" not in html
    resp = await client.get("/sms-simulation?per_page=5000")
    assert resp.status == 400


async def test_the_simulation_page_needs_a_login(client):
    resp = await client.get("/sms-simulation", allow_redirects=False)
    assert resp.status == 302
    assert resp.headers["Location"].startswith("/login")
