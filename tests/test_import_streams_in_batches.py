"""A big export is streamed: rows go to the database batch by batch while the file is still
being read, progress is reported by bytes, and the result does not depend on the batch size."""

import io

from sqlalchemy import func, select

from bench.import_tenants import generate
from crm.models import Lease, Phone, Tenant
from crm.tenants.imports import import_tenants


async def _snapshot(db) -> tuple:
    async with db.session() as s:
        leases = (await s.execute(select(Lease.contract_ref, Lease.lease_end, Tenant.tenant_ref)
                                  .join(Tenant, Tenant.id == Lease.tenant_id).order_by(Lease.contract_ref))).all()
        phones = await s.scalar(select(func.count()).select_from(Phone))
    return [tuple(r) for r in leases], phones


async def test_batches_are_written_while_the_file_is_still_being_read(db, clock, tmp_path):
    path = tmp_path / "export.csv"
    generate(path, 3000)
    pending: list[tuple[int, int]] = []  # reported after each batch is committed

    def progress(done: int, total: int | None) -> None:
        pending.append((done, total))

    report = await import_tenants(db, path, clock=clock, progress=progress, batch_size=1000)

    assert report.created + len(report.rejected) == 3000 and report.rejected == []
    size = path.stat().st_size
    assert [total for _, total in pending] == [size] * len(pending)
    done = [d for d, _ in pending]
    assert len(done) == 4 and done == sorted(done) and done[-1] == size
    # When the first 1,000 rows were committed, only about a third of the file had been read.
    assert done[0] < size / 2


async def test_the_batch_size_does_not_change_the_result(db, clock, tmp_path):
    path = tmp_path / "export.csv"
    generate(path, 400)

    small = await import_tenants(db, path, clock=clock, batch_size=7)
    first = await _snapshot(db)
    again = await import_tenants(db, io.BytesIO(path.read_bytes()), clock=clock, batch_size=1000)

    assert small.created == 400 and again.unchanged == 400
    assert await _snapshot(db) == first
    households = {ref for _, _, ref in first[0]}
    assert len(households) < 400  # some households hold two leases
