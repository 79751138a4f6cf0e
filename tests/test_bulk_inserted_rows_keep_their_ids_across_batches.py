"""New households, leases and numbers go in by the batch, without the ORM, and get the ids
the database gave them: whatever the batch size, each lease is under the household its row
names (a household's second lease in the same batch or a later one), each number under its
household, each lease in its building (places created mid-file), and the calls get the new
leases' ids (one task each, on the right household). Importing again changes nothing. On
SQLite a batch's rows go in as multi-row INSERTs split by SQLite's parameter limit: a batch
split over several statements numbers its rows the same."""

import pytest
from sqlalchemy import select

from crm.calls.models import CallTask
from crm.models import Building, Lease, Phone, Tenant
from crm.tenants.imports import import_tenants
from tests.support.imports import write_csv

HEADER = ["N° contrat", "N° locataire", "Nom", "Tél. portable", "Date d'entrée", "Agence", "Groupe",
          "Bâtiment"]
ROWS = [  # contract, household, name, mobile, building
    ("C-01", "LOC-1", "Martin", "06 10 00 00 01", "A"),
    ("C-02", "LOC-2", "Bernard", "06 10 00 00 02", "A"),
    ("C-03", "LOC-1", "Martin", "06 10 00 00 01", "B"),  # LOC-1's second lease
    ("C-04", "LOC-3", "Petit", "06 10 00 00 04", "C"),
    ("C-05", "LOC-2", "Bernard", "06 10 00 00 02", "D"),  # LOC-2's second lease, a later batch
    ("C-06", "", "Robert", "06 10 00 00 06", "D"),  # no reference: a household of its own
    ("C-07", "LOC-4", "Durand", "07 60 00 00 07", "E"),
]


async def _state(db) -> tuple:
    async with db.session() as s:
        leases = (await s.execute(
            select(Lease.contract_ref, Tenant.tenant_ref, Tenant.last_name, Building.name)
            .join(Tenant, Tenant.id == Lease.tenant_id).join(Building, Building.id == Lease.building_id)
            .order_by(Lease.contract_ref))).all()
        phones = (await s.execute(select(Phone.e164, Tenant.last_name)
                                  .join(Tenant, Tenant.id == Phone.tenant_id).order_by(Phone.e164))).all()
        tasks = (await s.execute(select(Lease.contract_ref).join(CallTask, (CallTask.lease_id == Lease.id)
                                                                 & (CallTask.tenant_id == Lease.tenant_id))
                                 .order_by(Lease.contract_ref))).scalars().all()
    return [tuple(r) for r in leases], [tuple(p) for p in phones], list(tasks)


@pytest.mark.parametrize(("batch_size", "max_parameters"), [(1, None), (3, None), (1000, None), (1000, 20)])
async def test_each_row_lands_on_its_own_household_whatever_the_batch(db, clock, tmp_path, monkeypatch,
                                                                     batch_size, max_parameters):
    if max_parameters is not None:  # a lease (17 columns) per statement, two households, three numbers
        monkeypatch.setattr("crm.tenants.imports.bulk.SQLITE_MAX_PARAMETERS", max_parameters)
    path = write_csv(tmp_path, [[c, ref, name, mobile, "10/11/2026", "Blois", "Les Provinces", building]
                                for c, ref, name, mobile, building in ROWS], header=HEADER)

    report = await import_tenants(db, path, clock=clock, batch_size=batch_size)

    leases, phones, tasks = await _state(db)
    assert report.created == 7 and report.rejected == []
    assert leases == [(c, ref or None, name, building) for c, ref, name, _, building in ROWS]
    assert phones == [("+33610000001", "Martin"), ("+33610000002", "Bernard"), ("+33610000004", "Petit"),
                      ("+33610000006", "Robert"), ("+33760000007", "Durand")]
    assert tasks == [c for c, *_ in ROWS]  # each new lease, on its household
    async with db.session() as s:
        assert len((await s.scalars(select(Tenant))).all()) == 5

    again = await import_tenants(db, path, clock=clock, batch_size=2)

    assert again.unchanged == 7 and await _state(db) == (leases, phones, tasks)
