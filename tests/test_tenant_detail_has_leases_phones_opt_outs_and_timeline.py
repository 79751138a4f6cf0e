"""One tenant: list fields, every lease, phones, opt-out history and timeline, newest first."""

from datetime import UTC, date, datetime

from crm.models import LeaseChange, OptOutEvent, Phone, Tenant
from tests.support.factories import api_user, make_lease


async def test_the_detail_has_leases_phones_opt_out_history_and_timeline(client, db):
    old = await make_lease(db, last_name="Moreau", mobile="+33612345678", landline="+33254000001",
                           lease_start=date(2018, 3, 1), lease_end=date(2026, 9, 30), contract_ref="OLD-1",
                           residence="Les Acacias")
    async with db.session() as s:
        tenant = await s.get(Tenant, old.tenant_id)
    new = await make_lease(db, tenant=tenant, lease_start=date(2026, 10, 5), contract_ref="NEW-1")
    async with db.session() as s:
        s.add(OptOutEvent(e164="+33612345678", opted_out=True, source="sms", tenant_id=tenant.id,
                          at=datetime(2026, 10, 20, 8, tzinfo=UTC)))
        s.add(OptOutEvent(e164="+33612345678", opted_out=False, source="adviser", tenant_id=tenant.id,
                          at=datetime(2026, 11, 2, 8, tzinfo=UTC), note="A redemandé les SMS"))
        s.add(LeaseChange(lease_id=new.id, at=datetime(2026, 11, 10, 7, tzinfo=UTC),
                          changes={"floor": ["1", "2"]}))
        await s.commit()
    headers = await api_user(client, db, "adviser", "Blois")
    resp = await client.get(f"/api/v1/tenants/{tenant.id}", headers=headers)
    assert resp.status == 200
    body = await resp.json()
    assert body["id"] == tenant.id and body["last_name"] == "Moreau"
    assert body["contract_ref"] == "NEW-1" and body["lease_start"] == "2026-10-05"
    assert [lease["contract_ref"] for lease in body["leases"]] == ["NEW-1", "OLD-1"]
    assert body["leases"][1]["residence"]["name"] == "Les Acacias"
    assert body["leases"][1]["lease_end"] == "2026-09-30"
    assert {(p["e164"], p["kind"], p["valid"]) for p in body["phones"]} == {
        ("+33612345678", "mobile", True), ("+33254000001", "landline", True)}
    assert body["sms_opted_out"] is False
    assert [(e["opted_out"], e["source"]) for e in body["opt_out_history"]] == [
        (False, "adviser"), (True, "sms")]
    kinds = [e["kind"] for e in body["timeline"]]
    assert kinds == ["lease_change", "opt_in", "opt_out", "lease_start", "lease_end", "lease_start"]
    stamps = [e["at"] for e in body["timeline"]]
    assert stamps == sorted(stamps, reverse=True)
    assert body["timeline"][0]["detail"] == "Champs modifiés : floor"


async def test_a_phone_marked_not_working_says_so(client, db):
    lease = await make_lease(db, last_name="Morel", mobile="+33699999999", opted_out=True)
    async with db.session() as s:
        phone = (await s.get(Phone, 1))
        phone.valid = False
        await s.commit()
    headers = await api_user(client, db, "adviser", "Blois")
    body = await (await client.get(f"/api/v1/tenants/{lease.tenant_id}", headers=headers)).json()
    assert body["phones"] == [{"e164": "+33699999999", "kind": "mobile", "valid": False,
                               "source": "import", "sms_opted_out": True}]
    assert body["sms_opted_out"] is True
