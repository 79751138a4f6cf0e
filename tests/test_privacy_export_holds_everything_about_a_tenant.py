"""Right of access: an admin exports everything held about a tenant, with an audit trail."""

from sqlalchemy import select

from crm.models import AuditEvent
from tests.support.factories import api_user, make_lease
from tests.support.privacy import add_history


async def test_the_export_holds_identity_leases_phones_opt_outs_and_timeline(client, db):
    lease = await make_lease(db, last_name="Lefèvre", first_name="Hélène", mobile="+33612345678",
                             opted_out=True)
    await add_history(db, lease, "+33612345678")
    headers = await api_user(client, db, "admin", None)
    resp = await client.get(f"/api/v1/tenants/{lease.tenant_id}/export", headers=headers)
    assert resp.status == 200
    assert "attachment" in resp.headers["Content-Disposition"]
    body = await resp.json()
    assert body["tenant"]["last_name"] == "Lefèvre" and body["tenant"]["first_name"] == "Hélène"
    assert [lease_["contract_ref"] for lease_ in body["leases"]] == [lease.contract_ref]
    assert [p["e164"] for p in body["phones"]] == ["+33612345678"]
    assert [e["opted_out"] for e in body["opt_out_history"]] == [True]
    assert {"lease_start", "opt_out"} <= {e["kind"] for e in body["timeline"]}
    # The features' tables come through their timeline providers: call note, reply text.
    details = {e["detail"] for e in body["timeline"]}
    assert "Mme Lefèvre dit que son fils Kevin passe le samedi" in details
    assert "Toujours pas d'eau, Hélène L." in details
    async with db.session() as s:
        audit = (await s.scalars(select(AuditEvent).where(AuditEvent.action == "export"))).all()
    assert [(a.object_type, a.object_id) for a in audit] == [("tenant", str(lease.tenant_id))]


async def test_only_admins_may_export(client, db):
    lease = await make_lease(db, last_name="Lefèvre")
    for role in ("adviser", "manager"):
        headers = await api_user(client, db, role, "Blois")
        resp = await client.get(f"/api/v1/tenants/{lease.tenant_id}/export", headers=headers)
        assert resp.status == 403
    assert (await client.get(f"/api/v1/tenants/{lease.tenant_id}/export")).status == 401
    async with db.session() as s:
        assert not (await s.scalars(select(AuditEvent).where(AuditEvent.action == "export"))).all()


async def test_exporting_an_unknown_tenant_is_404(client, db):
    headers = await api_user(client, db, "admin", None)
    assert (await client.get("/api/v1/tenants/4242/export", headers=headers)).status == 404
