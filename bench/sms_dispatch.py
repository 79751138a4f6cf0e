"""Benchmark of the SMS sending core against the local Twilio stand-in (own process).

    .venv/bin/python bench/sms_dispatch.py                  # SQLite file in a temp directory
    .venv/bin/python bench/sms_dispatch.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test

1. A 10,000-recipient campaign, CRM_SMS_RATE=0: messages/second handed over by the outbox
   dispatcher (claims, "sending" commits, provider calls, result writes), beside the raw SDK
   (its own ``AsyncTwilioHttpClient``, as many workers as the dispatcher's concurrency)
   sending as many messages to the same stand-in (its own process), in interleaved pairs;
   the ratio is the median of the pairs' ratios. Each pair also prints this process' CPU
   time a message on each side (the stand-in runs elsewhere; PostgreSQL's own work is not
   in it): where the dispatcher's extra time goes, beside the wall-clock ratio.
2. Peak Python memory (tracemalloc) of writing the outbox rows of a 100,000-recipient launch
   through ``write_outbox_rows`` from a generator, as the launch does.

On PostgreSQL a fresh database is created next to the one given, and dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crm import schema  # noqa: E402
from crm.app import create_app  # noqa: E402
from crm.campaigns import dispatcher  # noqa: E402
from crm.campaigns.models import Campaign, CampaignStatus, Category  # noqa: E402
from crm.campaigns.outbox import counts_by_status, write_outbox_rows  # noqa: E402
from crm.config import load_settings  # noqa: E402
from crm.db import Database  # noqa: E402
from crm.serve import settle_garbage_collector  # noqa: E402
from crm.sms.encoding import analyse  # noqa: E402
from crm.sms.twilio import TwilioTransport  # noqa: E402
from tests.support.twilio_standin import ACCOUNT_SID, AUTH_TOKEN, FROM, StandinProcess  # noqa: E402

BODY = ("Bonjour {n}, une coupure d'eau est prévue demain de 9h à 12h dans votre résidence. "
        "Merci de votre compréhension.")


async def _fresh_database(url: str | None) -> tuple[str, str | None]:
    """A new empty database: SQLite file, or a PostgreSQL database created for the run."""
    if not url:
        path = Path(tempfile.mkdtemp(prefix="crm-bench-sms-")) / "crm.db"
        return f"sqlite+aiosqlite:///{path}", None
    import asyncpg

    base, _, _ = url.rpartition("/")
    name = f"crm_bench_sms_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    return f"{base}/{name}", name


async def _drop(url: str | None, name: str | None) -> None:
    if url and name:
        import asyncpg

        conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


def _numbers(n: int, offset: int = 0):  # type: ignore[no-untyped-def]
    for i in range(n):
        yield f"+336{10000000 + offset + i:08d}"


async def _campaign(db: Database, n: int, offset: int = 0) -> Campaign:
    now = datetime.now(UTC)
    async with db.session() as session:
        campaign = Campaign(name="Bench", category=Category.OUTAGE, urgent=True, body=BODY,
                            status=CampaignStatus.SENDING, created_at=now, launched_at=now)
        session.add(campaign)
        await session.flush()
        await write_outbox_rows(session, campaign, (
            {"e164": e, "body": BODY.format(n=i), "segments": 2} for i, e in enumerate(_numbers(n, offset))),
            now=now)
        await session.commit()
        return campaign


async def bench_dispatch(db_url: str, standin_url: str, n: int, pairs: int) -> list[tuple[float, float]]:
    """(dispatcher, raw SDK) messages/s for ``pairs`` interleaved pairs: the machine is
    shared, so each ratio compares two runs made side by side."""
    settings = load_settings(
        database_url=db_url, sms_backend="twilio", twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN, twilio_from=FROM, twilio_api_base_url=standin_url,
        sms_rate=0, scheduler_enabled=False, public_url="https://crm.example.fr",
    )
    db = Database(db_url)
    transport = TwilioTransport(settings)
    app = create_app(settings, sms=transport, db=db)
    await transport.send("+33600000000", "chauffe")  # open the connection pool outside the timing

    # The raw SDK: its own async HTTP client (pointed at the stand-in through the API
    # domain's base URL), the dispatcher's concurrency as as many workers, no database.
    from twilio.http.async_http_client import AsyncTwilioHttpClient
    from twilio.rest import Client

    http = AsyncTwilioHttpClient(pool_connections=True)
    client = Client(ACCOUNT_SID, AUTH_TOKEN, http_client=http)
    client.api.base_url = standin_url
    callback = "https://crm.example.fr/webhooks/twilio/status"

    async def raw(numbers: list[str]) -> None:
        todo = iter(enumerate(numbers))

        async def worker() -> None:
            for i, e164 in todo:
                await client.messages.create_async(to=e164, from_=FROM, body=BODY.format(n=i),
                                                   status_callback=callback)

        await asyncio.gather(*(worker() for _ in range(dispatcher.CONCURRENCY)))

    await client.messages.create_async(to="+33600000000", from_=FROM, body="chauffe")
    # The process' garbage collector as the served app runs it (``serve`` settles it once
    # started): both sides measured under it.
    await settle_garbage_collector(app)
    figures = []
    for r in range(pairs):
        campaign = await _campaign(db, n, offset=r * n)
        start, cpu = time.perf_counter(), time.process_time()
        while await dispatcher.dispatch_once(app):
            pass
        via_outbox = n / (time.perf_counter() - start)
        outbox_cpu = (time.process_time() - cpu) / n * 1e6
        async with db.session() as session:
            counts = await counts_by_status(session, campaign.id)  # type: ignore[arg-type]
        assert counts == {"sent": n}, counts

        numbers = list(_numbers(n, 500000 + r * n))
        start, cpu = time.perf_counter(), time.process_time()
        await raw(numbers)
        figures.append((via_outbox, n / (time.perf_counter() - start)))
        raw_cpu = (time.process_time() - cpu) / n * 1e6
        print(f"  pair {r + 1}: dispatcher {figures[-1][0]:6.0f} msg/s ({outbox_cpu:.0f} µs CPU a message "
              f"in this process), raw SDK {figures[-1][1]:6.0f} msg/s ({raw_cpu:.0f} µs), "
              f"ratio {figures[-1][0] / figures[-1][1]:.2f}", flush=True)
    await http.close()
    await transport.close()
    await db.dispose()
    return figures


async def bench_launch_memory(db_url: str, n: int) -> tuple[float, float, int]:
    db = Database(db_url)
    now = datetime.now(UTC)
    async with db.session() as session:
        campaign = Campaign(name="Bench mémoire", category=Category.INFORMATION, body=BODY,
                            status=CampaignStatus.SCHEDULED, created_at=now, launched_at=now)
        session.add(campaign)
        await session.commit()

    def rows():  # type: ignore[no-untyped-def]
        for i, e164 in enumerate(_numbers(n, 2_000_000)):
            text = BODY.format(n=i)
            yield {"tenant_id": None, "e164": e164, "body": text, "segments": analyse(text).segments,
                   "next_try_at": now}

    tracemalloc.start()
    start = time.perf_counter()
    async with db.session() as session:
        written = await write_outbox_rows(session, campaign, rows(), now=now)
        await session.commit()
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    await db.dispose()
    return peak / 1e6, elapsed, written


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="PostgreSQL server URL (default: a SQLite file)")
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--launch-recipients", type=int, default=100_000)
    parser.add_argument("--pairs", type=int, default=3, help="interleaved dispatcher/raw pairs")
    args = parser.parse_args()

    db_url, pg_name = await _fresh_database(args.database_url)
    standin = StandinProcess.start()
    try:
        db = Database(db_url)
        await db.create_all(schema.metadata)
        await db.dispose()
        kind = "PostgreSQL" if pg_name else "SQLite"
        print(f"database: {kind}; stand-in: {standin.url}; concurrency {dispatcher.CONCURRENCY}")
        figures = await bench_dispatch(db_url, standin.url, args.recipients, args.pairs)
        ratio = statistics.median(d / r for d, r in figures)
        print(f"dispatcher: {statistics.median(d for d, _ in figures):8.0f} messages/s handed over "
              f"({args.recipients} recipients, CRM_SMS_RATE=0; median of {args.pairs})")
        print(f"raw SDK:    {statistics.median(r for _, r in figures):8.0f} messages/s (its own async "
              f"client, same stand-in, same concurrency; median of {args.pairs})")
        print(f"ratio dispatcher / raw SDK: {ratio:.2f} (median of {args.pairs} interleaved pairs; goal ≥ 0.85)")
        peak, elapsed, written = await bench_launch_memory(db_url, args.launch_recipients)
        print(f"launch of {written} outbox rows: {elapsed:.1f} s, "
              f"peak traced memory {peak:.1f} MB")
    finally:
        standin.stop()
        await _drop(args.database_url, pg_name)


if __name__ == "__main__":
    asyncio.run(main())
