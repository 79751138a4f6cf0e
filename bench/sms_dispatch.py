"""Benchmark of the SMS sending core against the local Twilio stand-in (own process).

    .venv/bin/python bench/sms_dispatch.py                  # SQLite file in a temp directory
    .venv/bin/python bench/sms_dispatch.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test

1. A 10,000-recipient campaign, CRM_SMS_RATE=0: messages/second handed over by the outbox
   dispatcher (claims, "sending" commits, provider calls, result writes), beside the raw SDK
   sending the same number of messages with the same concurrency in the same run.
2. Peak Python memory (tracemalloc) of writing the outbox rows of a 100,000-recipient launch
   through ``write_outbox_rows`` from a generator, as the launch does.

On PostgreSQL a fresh database is created next to the one given, and dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crm.app import create_app  # noqa: E402
from crm.campaigns import dispatcher  # noqa: E402
from crm.campaigns.models import Campaign, CampaignStatus, Category  # noqa: E402
from crm.campaigns.outbox import counts_by_status, write_outbox_rows  # noqa: E402
from crm.config import load_settings  # noqa: E402
from crm.db import Database  # noqa: E402
from crm.sms.encoding import analyse  # noqa: E402
from crm.sms.twilio import RebasingHttpClient, TwilioTransport  # noqa: E402
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


async def bench_dispatch(db_url: str, standin_url: str, n: int, rounds: int) -> tuple[float, float]:
    """Best rate of each over ``rounds`` alternating runs (the machine is shared: alternating
    keeps a burst of outside load from favouring one side)."""
    settings = load_settings(
        database_url=db_url, sms_backend="twilio", twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN, twilio_from=FROM, twilio_api_base_url=standin_url,
        sms_rate=0, scheduler_enabled=False, public_url="https://crm.example.fr",
    )
    db = Database(db_url)
    transport = TwilioTransport(settings)
    app = create_app(settings, sms=transport, db=db)
    await transport.send("+33600000000", "chauffe")  # open the connection pool outside the timing

    # The raw SDK: same client class, same concurrency, no database.
    from twilio.rest import Client

    http = RebasingHttpClient(standin_url)
    client = Client(ACCOUNT_SID, AUTH_TOKEN, http_client=http)
    gate = asyncio.Semaphore(dispatcher.CONCURRENCY)

    async def one(e164: str, i: int) -> None:
        async with gate:
            await client.messages.create_async(to=e164, from_=FROM, body=BODY.format(n=i),
                                               status_callback="https://crm.example.fr/webhooks/twilio/status")

    await client.messages.create_async(to="+33600000000", from_=FROM, body="chauffe")
    best_dispatch = best_raw = 0.0
    for r in range(rounds):
        campaign = await _campaign(db, n, offset=r * n)
        start = time.perf_counter()
        while await dispatcher.dispatch_once(app):
            pass
        best_dispatch = max(best_dispatch, n / (time.perf_counter() - start))
        async with db.session() as session:
            counts = await counts_by_status(session, campaign.id)  # type: ignore[arg-type]
        assert counts == {"sent": n}, counts

        start = time.perf_counter()
        await asyncio.gather(*(one(e, i) for i, e in enumerate(_numbers(n, 500000 + r * n))))
        best_raw = max(best_raw, n / (time.perf_counter() - start))
    await http.close()
    await transport.close()
    await db.dispose()
    return best_dispatch, best_raw


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
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs; the best counts")
    args = parser.parse_args()

    db_url, pg_name = await _fresh_database(args.database_url)
    standin = StandinProcess.start()
    try:
        db = Database(db_url)
        await db.create_all()
        await db.dispose()
        kind = "PostgreSQL" if pg_name else "SQLite"
        print(f"database: {kind}; stand-in: {standin.url}; concurrency {dispatcher.CONCURRENCY}")
        via_outbox, raw = await bench_dispatch(db_url, standin.url, args.recipients,
                                              args.rounds)
        print(f"dispatcher: {via_outbox:8.0f} messages/s handed over ({args.recipients} recipients; best of {args.rounds})")
        print(f"raw SDK:    {raw:8.0f} messages/s (same stand-in, same concurrency; best of {args.rounds})")
        print(f"ratio dispatcher / raw SDK: {via_outbox / raw:.2f}")
        peak, elapsed, written = await bench_launch_memory(db_url, args.launch_recipients)
        print(f"launch of {written} outbox rows: {elapsed:.1f} s, "
              f"peak traced memory {peak:.1f} MB")
    finally:
        standin.stop()
        await _drop(args.database_url, pg_name)


if __name__ == "__main__":
    asyncio.run(main())
