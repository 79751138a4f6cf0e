"""Benchmark of the late-requests list: 200,000 requests over 10 agencies, about a quarter
still open and a third of those past due. Times ``crm.requests.queries.late_requests`` (one
agency, and every agency: the count and the first page of 50, as the "Demandes" page and
``GET /api/v1/requests?late=true`` run it) beside a fair baseline: the same two statements
as raw SQL on the same session, no ORM objects built. Prints the figures and their ratio,
the median of three interleaved pairs. Not a timed test.

    .venv/bin/python bench/late_requests.py                                  # SQLite file in /tmp
    .venv/bin/python bench/late_requests.py --pg postgresql+asyncpg://postgres@127.0.0.1:5432/

On PostgreSQL the script creates the database ``crm_bench_requests`` and drops it at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import bindparam, insert, text  # noqa: E402

from bench.scratch_db import scratch_database  # noqa: E402
from crm import schema
from crm.db import Database, UTCDateTime  # noqa: E402
from crm.models import Agency, Tenant  # noqa: E402
from crm.requests import steps  # noqa: E402
from crm.requests.models import TenantRequest  # noqa: E402
from crm.requests.queries import late_requests  # noqa: E402

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 16, 10, 0, tzinfo=PARIS)
AGENCIES = 10
TENANTS = 20_000
CHUNK = 5000
RUNS = 20  # timings per measure; a pair = one measure of each side

RAW_WHERE = ("status IN ('registered', 'taken_on', 'scheduled', 'in_progress') AND due_at < :now"
             "{agency}")


async def _bulk(db: Database, model: type, rows: list[dict]) -> None:
    async with db.engine.begin() as conn:
        for i in range(0, len(rows), CHUNK):
            await conn.execute(insert(model), rows[i:i + CHUNK])


async def populate(db: Database, count: int, rng: random.Random) -> int:
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    await _bulk(db, Agency, [{"id": a + 1, "name": f"Agence {a + 1}"} for a in range(AGENCIES)])
    await _bulk(db, Tenant, [{"id": i + 1, "last_name": f"Nom{i + 1}", "reduced_mobility": False,
                              "created_at": stamp, "updated_at": stamp} for i in range(TENANTS)])
    rows = []
    late = 0
    for _ in range(count):
        registered = NOW - timedelta(days=rng.uniform(0, 365))
        due_at = registered + timedelta(hours=rng.choice((4, 24, 24 * 7)))
        status = rng.choices((steps.CLOSED, steps.DONE, steps.CANCELLED, steps.REGISTERED,
                              steps.TAKEN_ON, steps.SCHEDULED, steps.IN_PROGRESS),
                             (60, 10, 5, 8, 7, 5, 5))[0]
        late += status in steps.OPEN and due_at < NOW
        tenant = rng.randrange(TENANTS) + 1
        rows.append({"tenant_id": tenant, "agency_id": tenant % AGENCIES + 1, "kind": "technical",
                     "category": "leak", "description": "", "urgency": "U3", "status": status,
                     "source": "push", "registered_at": registered, "due_at": due_at,
                     "updated_at": registered})
    await _bulk(db, TenantRequest, rows)
    async with db.engine.begin() as conn:  # fresh statistics, as after a real import
        await conn.execute(text("ANALYZE"))
    return late


async def _service(session, agency: int | None) -> int:  # type: ignore[no-untyped-def]
    items, total = await late_requests(session, NOW, agency_id=agency, per_page=50)
    assert len(items) == min(50, total)
    return total


async def _raw(session, agency: int | None) -> int:  # type: ignore[no-untyped-def]
    where = RAW_WHERE.format(agency=" AND agency_id = :agency" if agency else "")
    params = {"now": NOW, "agency": agency}
    now_param = bindparam("now", type_=UTCDateTime)  # stored the same way as the column
    total = (await session.execute(text(f"SELECT count(*) FROM tenant_request WHERE {where}")
                                   .bindparams(now_param), params)).scalar()
    rows = (await session.execute(text(
        f"SELECT * FROM tenant_request WHERE {where} ORDER BY due_at, id LIMIT 50")
        .bindparams(now_param), params)).all()
    assert len(rows) == min(50, total)
    return total  # type: ignore[no-any-return]


async def _median_time(db: Database, fn, agency: int | None) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    samples, total = [], 0
    async with db.session() as session:
        for _ in range(RUNS):
            started = time.perf_counter()
            total = await fn(session, agency)
            samples.append(time.perf_counter() - started)
    return statistics.median(samples), total


async def measure(db: Database) -> None:
    for label, agency in (("one agency", 1), ("every agency (admin)", None)):
        ratios, service_times, raw_times = [], [], []
        for _ in range(3):  # interleaved pairs: drift of a shared machine hits both sides
            s, s_total = await _median_time(db, _service, agency)
            r, r_total = await _median_time(db, _raw, agency)
            assert s_total == r_total, (s_total, r_total)
            service_times.append(s)
            raw_times.append(r)
            ratios.append(s / r)
        print(f"  late requests, {label}: {s_total:,} late, count + first page of 50 — "
              f"service {statistics.median(service_times) * 1000:.1f} ms, raw SQL "
              f"{statistics.median(raw_times) * 1000:.1f} ms, ratio {statistics.median(ratios):.2f}")


async def run(url: str, count: int) -> None:
    db = Database(url)
    await db.create_all(schema.metadata)
    started = time.perf_counter()
    late = await populate(db, count, random.Random(7))
    print(f"{db.engine.dialect.name}: {count:,} requests ({late:,} late) loaded in "
          f"{time.perf_counter() - started:.1f} s")
    await measure(db)
    await db.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", help="PostgreSQL server URL (postgresql+asyncpg://user@host:port/)")
    parser.add_argument("--requests", type=int, default=200_000)
    args = parser.parse_args()
    async with scratch_database(args.pg, "crm_bench_requests") as url:
        await run(url, args.requests)


if __name__ == "__main__":
    asyncio.run(main())
