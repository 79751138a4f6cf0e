"""Features add timeline entries and tenant-page panels through provider modules."""

import sys
from datetime import UTC, datetime

import pytest

from crm import timeline
from crm.timeline import TimelineEntry, tenant_timeline
from crm.web import views_tenants
from tests.factories import make_lease, make_user

SEEN: list[int] = []


async def entries(session, tenant_id):
    SEEN.append(tenant_id)
    return [TimelineEntry(datetime(2026, 11, 12, 9, tzinfo=UTC), "call_attempt", "Appel : pas de réponse",
                          detail="Messagerie pleine", link="/appels/1")]


async def tenant_panel(request, tenant):
    return {"template": "partials/timeline.html",
            "timeline": [{"at": datetime(2026, 11, 12, 9, tzinfo=UTC), "kind": "x",
                          "title": f"Panneau pour {tenant['last_name']}", "detail": None, "link": None}]}


async def test_provider_entries_are_merged_newest_first_and_missing_modules_skipped(db, monkeypatch):
    monkeypatch.setattr(timeline, "PROVIDERS", ("crm.nothing_here.timeline", __name__))
    lease = await make_lease(db, last_name="Roux")
    async with db.session() as s:
        found = await tenant_timeline(s, lease.tenant_id)
    assert [e.kind for e in found] == ["call_attempt", "lease_start"]
    assert found[0].link == "/appels/1"
    assert SEEN[-1] == lease.tenant_id


async def test_a_provider_that_fails_to_import_something_else_is_not_hidden(db, monkeypatch, tmp_path):
    (tmp_path / "broken_timeline_provider.py").write_text("import no_such_dependency_xyz\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "broken_timeline_provider", raising=False)
    monkeypatch.setattr(timeline, "PROVIDERS", ("broken_timeline_provider",))
    lease = await make_lease(db, last_name="Roux")
    async with db.session() as s:
        with pytest.raises(ModuleNotFoundError, match="no_such_dependency_xyz"):
            await tenant_timeline(s, lease.tenant_id)


async def test_feature_panels_show_on_the_tenant_page(client, db, monkeypatch):
    from tests.test_pages_tenants import page_login

    monkeypatch.setattr(views_tenants, "PANEL_MODULES", ("crm.nothing_here.panels", __name__))
    lease = await make_lease(db, last_name="Roux")
    await page_login(client, await make_user(db, "adviser", "Blois"))
    resp = await client.get(f"/locataires/{lease.tenant_id}")
    assert resp.status == 200
    assert "Panneau pour Roux" in await resp.text()
