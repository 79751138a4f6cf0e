"""Features add timeline entries and tenant-page panels through provider modules."""

from datetime import UTC, datetime

from crm import timeline
from crm.tenants import views as views_tenants
from crm.timeline import TimelineEntry, tenant_timeline
from tests.support.factories import make_lease, make_user, page_login

SEEN: list[int] = []


async def entries(session, tenant_id):
    SEEN.append(tenant_id)
    return [TimelineEntry(datetime(2026, 11, 12, 9, tzinfo=UTC), "call_attempt", "Appel : pas de réponse",
                          detail="Messagerie pleine", link="/appels/1")]


async def tenant_panel(request, tenant, session):
    return {"template": "partials/timeline.html",
            "timeline": [{"at": datetime(2026, 11, 12, 9, tzinfo=UTC), "kind": "x",
                          "title": f"Panneau pour {tenant['last_name']}", "detail": None, "link": None}]}


async def test_provider_entries_are_merged_newest_first(db, monkeypatch):
    monkeypatch.setattr(timeline, "PROVIDERS", (__name__,))
    lease = await make_lease(db, last_name="Roux")
    async with db.session() as s:
        found = await tenant_timeline(s, lease.tenant_id)
    assert [e.kind for e in found] == ["call_attempt", "lease_start"]
    assert found[0].link == "/appels/1"
    assert SEEN[-1] == lease.tenant_id


async def test_feature_panels_show_on_the_tenant_page(client, db, monkeypatch):

    monkeypatch.setattr(views_tenants, "PANEL_MODULES", (__name__,))
    lease = await make_lease(db, last_name="Roux")
    await page_login(client, await make_user(db, "adviser", "Blois"))
    resp = await client.get(f"/locataires/{lease.tenant_id}")
    assert resp.status == 200
    assert "Panneau pour Roux" in await resp.text()
