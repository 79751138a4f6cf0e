"""Benchmark of the commitment job: 1,000 open incidents over 100,000 leases (100 households
each, lifts and collective heating, down for 12 working days), so that every incident owes
its two commitments and most households a rent rebate.

Two figures, each the median of three interleaved pairs, printed beside a fair baseline — a
plain SQL SELECT of the same rows (the households of the open incidents that a rebate
concerns, with their rent) — as a ratio:

- first run: the job writes 2,000 commitments, marks them due and writes the rebates
  (commitments and rebates are deleted, untimed, before each pair);
- steady state: the job finds everything written and creates nothing (idempotent).

    .venv/bin/python bench/commitments.py                                   # SQLite file in /tmp
    .venv/bin/python bench/commitments.py --pg postgresql+asyncpg://postgres@127.0.0.1:5432/
    .venv/bin/python bench/commitments.py --incidents 100 --households 100

On PostgreSQL the script creates the database ``crm_bench_commitments`` and drops it at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete, insert, or_, select, text  # noqa: E402

from bench.scratch_db import scratch_database  # noqa: E402
from crm import calendar, schema  # noqa: E402
from crm.db import Database  # noqa: E402
from crm.incidents.commitments import run_commitments  # noqa: E402
from crm.incidents.models import (  # noqa: E402
    Commitment,
    Incident,
    IncidentHousehold,
    IncidentStatus,
    RentRebate,
)
from crm.incidents.rules import upper_floor  # noqa: E402
from crm.models import Agency, Building, Lease, Residence, Tenant  # noqa: E402

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 16, 10, 0, tzinfo=PARIS)
AGENCIES = 10
CHUNK = 5000


async def _bulk(db: Database, model: type, rows: list[dict]) -> None:
    async with db.engine.begin() as conn:
        for i in range(0, len(rows), CHUNK):
            await conn.execute(insert(model), rows[i:i + CHUNK])


def _start() -> datetime:
    """12 working days before NOW: beyond both thresholds (3 and 8)."""
    day = NOW.astimezone(PARIS).date()
    for _ in range(12):
        day -= timedelta(days=1)
        while not calendar.is_working_day(day):
            day -= timedelta(days=1)
    return calendar.at_local(day, datetime.min.time().replace(hour=8), PARIS)


async def populate(db: Database, incidents: int, per_incident: int, rng: random.Random) -> None:
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    leases = incidents * per_incident
    await _bulk(db, Agency, [{"id": a + 1, "name": f"Agence {a + 1}", "department": "41"} for a in range(AGENCIES)])
    await _bulk(db, Residence, [{"id": r + 1, "agency_id": r % AGENCIES + 1, "name": f"Résidence {r + 1}"}
                                for r in range(incidents // 10 or 1)])
    residences = incidents // 10 or 1
    await _bulk(db, Building, [{"id": b + 1, "residence_id": b % residences + 1, "name": f"B{b + 1}"}
                               for b in range(incidents)])
    await _bulk(db, Tenant, [{"id": i + 1, "last_name": f"Nom{i + 1}", "first_name": "Prénom", "civility": "Mme",
                              "reduced_mobility": False, "created_at": stamp, "updated_at": stamp}
                             for i in range(leases)])
    lease_rows, household_rows = [], []
    for i in range(leases):
        building = i // per_incident + 1
        residence = (building - 1) % residences + 1
        floor = rng.choice(["RDC", "1", "2", "3", "4", "5", None])
        lease_rows.append({"id": i + 1, "contract_ref": f"B{i + 1:07d}", "tenant_id": i + 1,
                           "agency_id": (residence - 1) % AGENCIES + 1, "residence_id": residence,
                           "building_id": building, "floor": floor, "lease_start": date(2020, 1, 1),
                           "monthly_rent_cents": rng.randrange(28000, 62000) if rng.random() < 0.9 else None,
                           "created_at": stamp, "updated_at": stamp})
        household_rows.append({"incident_id": building, "lease_id": i + 1, "tenant_id": i + 1, "floor": floor,
                               "reduced_mobility": False, "upper_floor": upper_floor(floor)})
    await _bulk(db, Lease, lease_rows)
    start = _start()
    await _bulk(db, Incident, [{
        "id": n + 1, "agency_id": ((n % residences) % AGENCIES) + 1, "kind": "lift" if n % 2 == 0 else "heating",
        "planned": False, "status": IncidentStatus.OPEN, "title": f"Incident {n + 1}",
        "scope": {"buildings": [n + 1]}, "starts_at": start, "households_taken_at": start,
        "created_at": start, "updated_at": start} for n in range(incidents)])
    await _bulk(db, IncidentHousehold, household_rows)
    async with db.engine.begin() as conn:  # fresh statistics, as after real use
        await conn.execute(text("ANALYZE"))


async def job(db: Database) -> int:
    async with db.session() as session:
        result = await run_commitments(session, now=NOW, tz=PARIS)
        await session.commit()
    return result.total


async def baseline(db: Database) -> int:
    """The rows the job works on, read with one plain SELECT."""
    async with db.session() as session:
        rows = (await session.execute(
            select(IncidentHousehold.incident_id, IncidentHousehold.lease_id, Lease.monthly_rent_cents)
            .join(Incident, Incident.id == IncidentHousehold.incident_id)
            .join(Lease, Lease.id == IncidentHousehold.lease_id)
            .where(Incident.status == IncidentStatus.OPEN,
                   or_(Incident.kind != "lift", IncidentHousehold.upper_floor.is_(True))))).all()
    return len(rows)


async def reset(db: Database) -> None:
    async with db.session() as session:
        await session.execute(delete(RentRebate))
        await session.execute(delete(Commitment))
        await session.commit()


async def timed(fn, db: Database) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    out = await fn(db)
    return time.perf_counter() - started, out


async def run(url: str, incidents: int, per_incident: int) -> None:
    db = Database(url)
    await db.create_all(schema.metadata)
    started = time.perf_counter()
    await populate(db, incidents, per_incident, random.Random(7))
    print(f"{db.engine.dialect.name}: {incidents:,} open incidents, {incidents * per_incident:,} leases "
          f"loaded in {time.perf_counter() - started:.1f} s")
    for label, fresh in (("first run (writes commitments and rebates)", True),
                         ("steady state (nothing to create)", False)):
        jobs, bases, written, rows = [], [], 0, 0
        for _ in range(3):  # interleaved pairs
            if fresh:
                await reset(db)
            t, written = await timed(job, db)
            jobs.append(t)
            t, rows = await timed(baseline, db)
            bases.append(t)
        j, b = statistics.median(jobs), statistics.median(bases)
        print(f"  {label}: job {j * 1000:.0f} ms ({written:,} rows written or moved) · "
              f"plain SELECT of the {rows:,} rows {b * 1000:.0f} ms · ratio {j / b:.1f}")
    await db.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", help="PostgreSQL server URL (postgresql+asyncpg://user@host:port/)")
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--households", type=int, default=100, help="households per incident")
    args = parser.parse_args()
    async with scratch_database(args.pg, "crm_bench_commitments") as url:
        await run(url, args.incidents, args.households)


if __name__ == "__main__":
    asyncio.run(main())
