"""Benchmark of the call queue query: 200,000 leases, 20,000 open call tasks, the day's queue
of one agency (first page of 50, with its total) and of every agency (admin), timed many times.
Prints the median and p95. Not a timed test.

    .venv/bin/python bench/call_queue.py                                   # SQLite file in /tmp
    .venv/bin/python bench/call_queue.py --pg postgresql+asyncpg://postgres@127.0.0.1:5432/
    .venv/bin/python bench/call_queue.py --leases 50000 --tasks 5000 --runs 50

On PostgreSQL the script creates the database ``crm_bench_calls`` and drops it at the end.
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

from sqlalchemy import insert, text  # noqa: E402

from bench.scratch_db import scratch_database  # noqa: E402
from crm import schema  # noqa: E402
from crm.calls.models import CallTask, TaskKind, TaskStatus  # noqa: E402
from crm.calls.queue import day_queue  # noqa: E402
from crm.calls.rules import window_for  # noqa: E402
from crm.db import Database  # noqa: E402
from crm.models import Agency, Lease, Phone, Residence, Tenant  # noqa: E402

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 16, 10, 0, tzinfo=PARIS)
TODAY = date(2026, 11, 16)
AGENCIES = 10
CHUNK = 5000


async def _bulk(db: Database, model: type, rows: list[dict]) -> None:
    async with db.engine.begin() as conn:
        for i in range(0, len(rows), CHUNK):
            await conn.execute(insert(model), rows[i:i + CHUNK])


async def populate(db: Database, leases: int, tasks: int, rng: random.Random) -> None:
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    await _bulk(db, Agency, [{"id": a + 1, "name": f"Agence {a + 1}", "department": "41"} for a in range(AGENCIES)])
    await _bulk(db, Residence, [{"id": r + 1, "agency_id": r % AGENCIES + 1, "name": f"Résidence {r + 1}"}
                                for r in range(AGENCIES * 40)])
    await _bulk(db, Tenant, [{"id": i + 1, "last_name": f"Nom{i + 1}", "first_name": "Prénom",
                              "civility": "Mme", "reduced_mobility": False, "created_at": stamp,
                              "updated_at": stamp} for i in range(leases)])
    lease_rows, phone_rows, task_rows = [], [], []
    for i in range(leases):
        residence = rng.randrange(AGENCIES * 40) + 1
        recent = i < tasks  # the first ``tasks`` leases are the new tenants with a task
        start = TODAY - timedelta(days=rng.randint(-10, 30)) if recent else \
            TODAY - timedelta(days=rng.randint(60, 6000))
        lease_rows.append({"id": i + 1, "contract_ref": f"B{i + 1:07d}", "tenant_id": i + 1,
                           "agency_id": (residence - 1) % AGENCIES + 1, "residence_id": residence,
                           "lease_start": start, "created_at": stamp, "updated_at": stamp})
        if rng.random() < 0.93:
            phone_rows.append({"tenant_id": i + 1, "e164": f"+336{i + 1:08d}", "kind": "mobile",
                               "valid": True, "source": "import", "created_at": stamp})
        if recent:
            w_start, w_end = window_for(start)
            attempts = rng.choice([0, 0, 0, 1, 1, 2, 3])
            callback = rng.random() < 0.03
            task_rows.append({
                "lease_id": i + 1, "kind": TaskKind.COURTESY, "tenant_id": i + 1,
                "agency_id": (residence - 1) % AGENCIES + 1, "window_start": w_start,
                "window_end": w_end, "status": TaskStatus.OPEN, "no_phone": False,
                "attempts": attempts, "requested_by_sms": False, "created_at": stamp,
                "next_attempt_at": (NOW + timedelta(hours=rng.randint(-30, 30))) if attempts else None,
                "callback_at": (NOW + timedelta(hours=rng.randint(-3, 5))) if callback else None,
            })
    await _bulk(db, Lease, lease_rows)
    await _bulk(db, Phone, phone_rows)
    await _bulk(db, CallTask, task_rows)
    async with db.engine.begin() as conn:  # fresh statistics, as after a real import
        await conn.execute(text("ANALYZE"))


def _figures(samples: list[float]) -> str:
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, int(round(0.95 * len(samples))) - 1)]
    return f"median {statistics.median(samples) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"


async def measure(db: Database, runs: int) -> None:
    for label, agency in (("one agency", 1), ("every agency (admin)", None)):
        samples = []
        total = 0
        for _ in range(runs):
            started = time.perf_counter()
            async with db.session() as session:
                queue = await day_queue(session, day=TODAY, agency_id=agency, now=NOW, tz=PARIS, per_page=50)
            samples.append(time.perf_counter() - started)
            total = queue.total
        print(f"  queue, {label}: {total} due, first page of 50 — {_figures(samples)} over {runs} runs")
    # The same in one open session: the queries alone, without the pool checkout (and the
    # pre-ping round trip on PostgreSQL) that each request pays.
    async with db.session() as session:
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            await day_queue(session, day=TODAY, agency_id=1, now=NOW, tz=PARIS, per_page=50)
            samples.append(time.perf_counter() - started)
    print(f"  queue, one agency, queries only (one session): {_figures(samples)}")


async def run(url: str, leases: int, tasks: int, runs: int) -> None:
    db = Database(url)
    await db.create_all(schema.metadata)
    started = time.perf_counter()
    await populate(db, leases, tasks, random.Random(7))
    print(f"{db.engine.dialect.name}: {leases:,} leases, {tasks:,} open tasks loaded in "
          f"{time.perf_counter() - started:.1f} s")
    await measure(db, runs)
    await db.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", help="PostgreSQL server URL (postgresql+asyncpg://user@host:port/)")
    parser.add_argument("--leases", type=int, default=200_000)
    parser.add_argument("--tasks", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    async with scratch_database(args.pg, "crm_bench_calls") as url:
        await run(url, args.leases, args.tasks, args.runs)


if __name__ == "__main__":
    asyncio.run(main())
