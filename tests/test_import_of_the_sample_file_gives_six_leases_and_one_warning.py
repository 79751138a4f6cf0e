"""The specification's sample file imports as six leases with one warning, and importing it
again changes nothing."""

from sqlalchemy import select

from crm.models import (
    Agency,
    AuditEvent,
    Building,
    Entrance,
    Lease,
    LeaseChange,
    LocalOffice,
    OptOutEvent,
    Phone,
    Residence,
    Tenant,
)
from crm.tenants.imports import import_tenants
from crm.tenants.optouts import opted_out_numbers
from tests.support.imports import SAMPLE, lease_by_ref, table_counts


async def test_the_sample_imports_six_leases_with_one_warning_for_the_malformed_mobile(db, clock):
    report = await import_tenants(db, SAMPLE, clock=clock)

    assert (report.created, report.updated, report.unchanged, report.ended) == (6, 0, 0, 0)
    assert report.rejected == []
    assert [(w.line, "07 00 00 00 0" in w.reason) for w in report.warnings] == [(7, True)]
    assert await table_counts(db) == {"Tenant": 6, "Lease": 6, "Phone": 6, "LeaseChange": 0}


async def test_the_sample_builds_the_estate_and_the_households(db, clock):
    await import_tenants(db, SAMPLE, clock=clock)

    async with db.session() as s:
        assert sorted((await s.scalars(select(Agency.name))).all()) == ["Blois", "Romorantin", "Vendôme"]
        assert len((await s.scalars(select(LocalOffice))).all()) == 4
        assert len((await s.scalars(select(Residence))).all()) == 4
        lease = (await s.scalars(select(Lease).where(Lease.contract_ref == "B-2026-00413"))).one()
        tenant = await s.get(Tenant, lease.tenant_id)
        residence = await s.get(Residence, lease.residence_id)
        building = await s.get(Building, lease.building_id)
        entrance = await s.get(Entrance, lease.entrance_id)
        phones = {p.e164: p.kind for p in (await s.scalars(select(Phone).where(Phone.tenant_id == tenant.id)))}
        petit = (await s.scalars(select(Tenant).where(Tenant.last_name == "Petit"))).one()
        petit_phones = (await s.scalars(select(Phone).where(Phone.tenant_id == petit.id))).all()
    assert (tenant.civility, tenant.first_name, tenant.last_name, tenant.reduced_mobility) == ("M.", "Thanh", "Nguyen", True)
    assert (residence.name, residence.postcode, residence.city) == ("Résidence Les Provinces", "41000", "Blois")
    assert (building.name, entrance.name, lease.floor, lease.dwelling_ref) == ("A", "1", "0", "LP-A-1-02")
    assert phones == {"+33761223344": "mobile", "+33254112233": "landline"}
    assert petit_phones == []  # the malformed mobile was dropped, the lease kept
    ended = await lease_by_ref(db, "R-2021-00102")
    assert str(ended.lease_start) == "2021-02-02" and str(ended.lease_end) == "2026-10-31"


async def test_the_refus_sms_column_records_an_import_opt_out(db, clock):
    await import_tenants(db, SAMPLE, clock=clock)

    async with db.session() as s:
        assert await opted_out_numbers(s) == {"+33698765432"}
        event = (await s.scalars(select(OptOutEvent))).one()
    assert (event.source, event.opted_out, event.at) == ("import", True, clock.now())


async def test_importing_the_sample_twice_changes_nothing(db, clock):
    await import_tenants(db, SAMPLE, clock=clock)
    async with db.session() as s:
        before = [(lease.id, lease.updated_at) for lease in (await s.scalars(select(Lease).order_by(Lease.id)))]
    clock.advance(days=1)

    report = await import_tenants(db, SAMPLE, clock=clock)

    assert (report.created, report.updated, report.unchanged, report.ended) == (0, 0, 6, 0)
    assert len(report.warnings) == 1
    assert await table_counts(db) == {"Tenant": 6, "Lease": 6, "Phone": 6, "LeaseChange": 0}
    async with db.session() as s:
        after = [(lease.id, lease.updated_at) for lease in (await s.scalars(select(Lease).order_by(Lease.id)))]
        tenants_touched = (await s.scalars(select(Tenant).where(Tenant.updated_at > before[0][1]))).all()
        opt_events = (await s.scalars(select(OptOutEvent))).all()
        assert (await s.scalars(select(LeaseChange))).all() == []
    assert after == before
    assert tenants_touched == []
    assert len(opt_events) == 1


async def test_each_import_is_audited_with_its_counts(db, clock):
    await import_tenants(db, SAMPLE, clock=clock, user_id=None)
    await import_tenants(db, SAMPLE, clock=clock)

    async with db.session() as s:
        events = (await s.scalars(select(AuditEvent).where(AuditEvent.action == "import_tenants")
                                  .order_by(AuditEvent.id))).all()
    assert [e.details for e in events] == [
        {"created": 6, "updated": 0, "unchanged": 0, "ended": 0, "rejected": 0, "warnings": 1},
        {"created": 0, "updated": 0, "unchanged": 6, "ended": 0, "rejected": 0, "warnings": 1},
    ]
