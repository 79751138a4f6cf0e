"""Re-importing a changed file updates the leases by contract_ref and keeps the history:
a changed row is "updated" with a LeaseChange {field: [old, new]}, a newly set end date
counts as "ended"."""

import io

from sqlalchemy import select

from crm.models import LeaseChange, Phone, Residence, Tenant
from crm.tenants.imports import import_tenants
from crm.tenants.retention import anonymize_tenant
from tests.support.imports import SAMPLE, csv_bytes, lease_by_ref, row, table_counts, write_csv


async def _changes(db) -> list[tuple[int, dict]]:
    async with db.session() as s:
        return [(c.lease_id, c.changes) for c in (await s.scalars(select(LeaseChange).order_by(LeaseChange.id)))]


async def test_a_changed_row_updates_the_lease_and_records_what_changed(db, clock, tmp_path):
    await import_tenants(db, write_csv(tmp_path, [row("U-1"), row("U-2")]), clock=clock)
    lease = await lease_by_ref(db, "U-1")
    clock.advance(days=3)

    report = await import_tenants(db, write_csv(tmp_path, [
        row("U-1", last_name="Durand-Martin", residence="Les Rottes", building="C", start="04/11/2026"),
        row("U-2"),
    ]), clock=clock)

    assert (report.created, report.updated, report.unchanged, report.ended) == (0, 1, 1, 0)
    assert await _changes(db) == [(lease.id, {
        "residence": ["Les Provinces", "Les Rottes"],
        "building": ["A", "C"],
        "lease_start": ["2026-11-02", "2026-11-04"],
        "last_name": ["Durand", "Durand-Martin"],
    })]
    updated = await lease_by_ref(db, "U-1")
    async with db.session() as s:
        residence = await s.get(Residence, updated.residence_id)
        tenant = await s.get(Tenant, updated.tenant_id)
    assert residence.name == "Les Rottes"
    assert str(updated.lease_start) == "2026-11-04"
    assert updated.updated_at == clock.now() and tenant.updated_at == clock.now()
    assert tenant.last_name == "Durand-Martin"


async def test_an_end_date_newly_set_counts_as_ended(db, clock, tmp_path):
    await import_tenants(db, write_csv(tmp_path, [row("E-1"), row("E-2")]), clock=clock)

    report = await import_tenants(db, write_csv(tmp_path, [row("E-1", end="30/11/2026"), row("E-2")]),
                                  clock=clock)

    assert (report.updated, report.unchanged, report.ended) == (0, 1, 1)
    lease = await lease_by_ref(db, "E-1")
    assert str(lease.lease_end) == "2026-11-30"
    assert await _changes(db) == [(lease.id, {"lease_end": [None, "2026-11-30"]})]

    # Moving an end date already set is an ordinary update.
    report = await import_tenants(db, write_csv(tmp_path, [row("E-1", end="15/12/2026")]), clock=clock)
    assert (report.updated, report.ended) == (1, 0)


async def test_a_new_mobile_replaces_the_imported_one_but_not_an_advisers(db, clock, tmp_path):
    await import_tenants(db, write_csv(tmp_path, [row("P-1", mobile="06 12 34 56 78")]), clock=clock)
    lease = await lease_by_ref(db, "P-1")
    async with db.session() as s:
        s.add(Phone(tenant_id=lease.tenant_id, e164="+33611111111", kind="mobile", source="adviser",
                    created_at=clock.now()))
        await s.commit()

    report = await import_tenants(db, write_csv(tmp_path, [row("P-1", mobile="07 61 22 33 44")]), clock=clock)

    assert report.updated == 1
    async with db.session() as s:
        phones = {p.e164: p.source for p in await s.scalars(select(Phone))}
    assert phones == {"+33761223344": "import", "+33611111111": "adviser"}
    assert (await _changes(db))[0][1] == {"phones": [["+33612345678"], ["+33761223344"]]}


async def test_a_typo_in_a_known_mobile_keeps_the_number_on_record(db, clock, tmp_path):
    await import_tenants(db, write_csv(tmp_path, [row("T-1", mobile="06 12 34 56 78")]), clock=clock)

    report = await import_tenants(db, write_csv(tmp_path, [row("T-1", mobile="06 12 34 56 7")]), clock=clock)

    assert (report.unchanged, len(report.warnings)) == (1, 1)
    async with db.session() as s:
        assert (await s.scalars(select(Phone.e164))).all() == ["+33612345678"]


async def test_a_landline_in_the_mobile_column_is_kept_as_a_landline(db, clock, tmp_path):
    report = await import_tenants(db, write_csv(tmp_path, [row("K-1", mobile="02 54 76 00 11")]), clock=clock)

    assert report.warnings == []
    async with db.session() as s:
        phone = (await s.scalars(select(Phone))).one()
    assert (phone.e164, phone.kind) == ("+33254760011", "landline")


async def test_tenant_ref_groups_leases_under_one_household(db, clock):
    header = ["N° contrat", "N° locataire", "Nom", "Portable", "Date d'entrée", "Date de sortie", "Agence", "Groupe"]
    first = csv_bytes([["H-1", "LOC-7", "Benali", "06 98 76 54 32", "02/02/2021", "31/10/2026", "Blois", "A"]],
                      header=header)
    await import_tenants(db, io.BytesIO(first), clock=clock)

    second = csv_bytes([["H-1", "LOC-7", "Benali", "06 98 76 54 32", "02/02/2021", "31/10/2026", "Blois", "A"],
                        ["H-2", "LOC-7", "Benali", "06 98 76 54 32", "01/11/2026", "", "Blois", "B"],
                        ["H-3", "LOC-8", "Autre", "", "01/11/2026", "", "Blois", "B"],
                        ["H-4", "LOC-8", "Autre", "", "02/11/2026", "", "Blois", "B"]], header=header)
    report = await import_tenants(db, io.BytesIO(second), clock=clock, batch_size=3)

    assert (report.created, report.unchanged) == (3, 1)
    leases = [await lease_by_ref(db, ref) for ref in ("H-1", "H-2", "H-3", "H-4")]
    assert leases[0].tenant_id == leases[1].tenant_id
    assert leases[2].tenant_id == leases[3].tenant_id != leases[0].tenant_id
    assert await table_counts(db) == {"Tenant": 2, "Lease": 4, "Phone": 1, "LeaseChange": 0}


async def test_columns_absent_from_the_file_are_left_as_they_are(db, clock, tmp_path):
    header = ["N° contrat", "Nom", "Courriel", "Date d'entrée", "Agence", "Groupe", "Bâtiment"]
    full = csv_bytes([["A-1", "Martin", "m@example.fr", "03/11/2026", "Blois", "A", "B2"]], header=header)
    await import_tenants(db, io.BytesIO(full), clock=clock)

    short = csv_bytes([["A-1", "Martin", "03/11/2026", "Blois", "A"]],
                      header=["N° contrat", "Nom", "Date d'entrée", "Agence", "Groupe"])
    report = await import_tenants(db, io.BytesIO(short), clock=clock)

    assert report.unchanged == 1
    lease = await lease_by_ref(db, "A-1")
    async with db.session() as s:
        tenant = await s.get(Tenant, lease.tenant_id)
    assert tenant.email == "m@example.fr" and lease.building_id is not None


async def test_an_unreadable_pmr_value_keeps_what_is_on_record(db, clock):
    header = ["N° contrat", "Nom", "Date d'entrée", "Agence", "Groupe", "PMR"]
    await import_tenants(db, io.BytesIO(csv_bytes([["P-1", "Martin", "03/11/2026", "Blois", "A", "oui"]], header=header)),
                         clock=clock)

    report = await import_tenants(
        db, io.BytesIO(csv_bytes([["P-1", "Martin", "03/11/2026", "Blois", "A", "peut-être"]], header=header)),
        clock=clock)

    assert report.unchanged == 1
    assert [w.reason for w in report.warnings] == ["PMR « peut-être » illisible (attendu oui/non, 1/0) : ignoré."]
    lease = await lease_by_ref(db, "P-1")
    async with db.session() as s:
        assert (await s.get(Tenant, lease.tenant_id)).reduced_mobility is True


async def test_an_anonymised_household_is_not_refilled_by_a_re_import(db, clock):
    await import_tenants(db, SAMPLE, clock=clock)
    lease = await lease_by_ref(db, "B-2026-00412")
    async with db.session() as s:
        await anonymize_tenant(s, await s.get(Tenant, lease.tenant_id), clock.now())
        await s.commit()
        before = (await s.get(Tenant, lease.tenant_id)).last_name, sorted((await s.scalars(
            select(Phone.e164).where(Phone.tenant_id == lease.tenant_id))).all())

    report = await import_tenants(db, SAMPLE, clock=clock)

    assert report.unchanged == 6
    async with db.session() as s:
        tenant = await s.get(Tenant, lease.tenant_id)
        phones = sorted((await s.scalars(select(Phone.e164).where(Phone.tenant_id == tenant.id))).all())
    assert (tenant.last_name, phones) == before
    assert tenant.last_name != "Lefèvre" and "+33612345678" not in phones
