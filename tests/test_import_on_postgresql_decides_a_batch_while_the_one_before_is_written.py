"""PostgreSQL: a batch of the tenant file decides (reads what exists, numbers its new rows)
while the batch before it is still being written, and writes once that one is committed. It
must then see what the batch before decided: a household that batch created is the same
household, and a place that batch created can be a new place's parent."""

from __future__ import annotations

import asyncio
import io
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from crm.csvfile import Reader
from crm.models import Building, Lease, Residence, Tenant
from crm.tenants.imports.columns import columns_of
from crm.tenants.imports.writer import BatchWriter
from tests.support.imports import csv_bytes

HEADER = ["N° contrat", "N° locataire", "Nom", "Tél. portable", "Date d'entrée", "Agence", "Groupe", "Bâtiment"]
FIRST = [["C-1", "L-1", "Martin", "06 11 22 33 44", "02/11/2026", "Blois", "Les Tilleuls", "B"],
         ["C-2", "L-2", "Petit", "06 11 22 33 45", "02/11/2026", "Blois", "Les Tilleuls", "B"]]
# The second lease of L-1's household, and a new building of the residence the first batch created.
SECOND = [["C-3", "L-1", "Martin", "06 11 22 33 44", "03/11/2026", "Blois", "Les Tilleuls", "B"],
          ["C-4", "L-3", "Roux", "06 11 22 33 46", "03/11/2026", "Blois", "Les Tilleuls", "C"]]


async def _writer(db, clock) -> tuple[BatchWriter, list, list]:
    reader = Reader(io.BytesIO(csv_bytes(FIRST + SECOND, HEADER)))
    columns = columns_of(reader.header)
    writer = BatchWriter(db, clock=clock, tz=ZoneInfo("Europe/Paris"), user_id=None, columns=columns)
    await writer.start()
    rows = [writer.accept(line, cells, columns) for line, cells in reader.rows_raw()]
    assert None not in rows
    return writer, rows[:2], rows[2:]


class Gate:
    """What a batch waits for once it has decided (the batch before it being written): tells
    when it is reached, and lets the batch go when ``after`` is done."""

    def __init__(self, after: asyncio.Future | None = None) -> None:
        self.reached = asyncio.Event()
        self.after = after if after is not None else asyncio.get_running_loop().create_future()

    def __await__(self):
        self.reached.set()
        return self.after.__await__()


async def _count(db, model) -> int:
    async with db.session() as s:
        return await s.scalar(select(func.count()).select_from(model))


async def test_the_next_batch_decides_before_the_one_before_is_committed_and_sees_its_rows(db, clock):
    if not db.is_postgres:
        pytest.skip("SQLite: a batch's first write takes the file's write lock until it commits")
    writer, first_rows, second_rows = await _writer(db, clock)
    assert writer.depth == 2  # the import keeps two batches in flight

    first_gate = Gate()  # holds the first batch's writes
    first = asyncio.create_task(writer.write_batch(first_rows, first_gate))
    second_gate = Gate(first)
    second = asyncio.create_task(writer.write_batch(second_rows, second_gate))
    await asyncio.wait_for(asyncio.gather(first_gate.reached.wait(), second_gate.reached.wait()), timeout=30)

    assert writer.report.created == 4  # both batches decided,
    assert await _count(db, Lease) == 0 and await _count(db, Residence) == 0  # nothing written yet
    first_gate.after.set_result(None)
    await asyncio.wait_for(second, timeout=30)
    assert first.done() and first.exception() is None

    async with db.session() as s:
        households = dict((await s.execute(
            select(Lease.contract_ref, Tenant.tenant_ref).join(Tenant, Tenant.id == Lease.tenant_id))).all())
        buildings = sorted((await s.scalars(select(Building.name).join(Residence).where(
            Residence.name == "Les Tilleuls"))).all())
        tenants = await s.scalar(select(func.count()).select_from(Tenant))
    assert households == {"C-1": "L-1", "C-2": "L-2", "C-3": "L-1", "C-4": "L-3"}
    assert tenants == 3  # L-1's household once, with both its leases
    assert buildings == ["B", "C"]


async def test_a_batch_whose_previous_failed_writes_nothing(db, clock):
    if not db.is_postgres:
        pytest.skip("SQLite: a batch's first write takes the file's write lock until it commits")
    writer, first_rows, second_rows = await _writer(db, clock)

    first_gate = Gate()
    first = asyncio.create_task(writer.write_batch(first_rows, first_gate))
    second_gate = Gate(first)
    second = asyncio.create_task(writer.write_batch(second_rows, second_gate))
    await asyncio.wait_for(asyncio.gather(first_gate.reached.wait(), second_gate.reached.wait()), timeout=30)
    first_gate.after.set_exception(ConnectionError("the database went away"))

    for batch in (first, second):
        with pytest.raises(ConnectionError):
            await batch
    assert await _count(db, Lease) == 0 and await _count(db, Tenant) == 0
