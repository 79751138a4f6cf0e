"""A 3,000-recipient campaign through the real service process (``python main.py``) and the
Twilio stand-in (own process), on a PostgreSQL server this benchmark owns, stopped for 15 s
in the middle (``pg_ctl stop -m immediate``: connections cut, as in a crash) and started
again.

    .venv/bin/python bench/outage_campaign.py [--recipients 3000] [--outage 15] [--pairs 3]

Needs initdb/pg_ctl (/usr/lib/postgresql/*/bin); run as root it runs them as ``postgres``.
The machine's own PostgreSQL is never touched.

Prints, for the runs with an outage: recipients, messages handed to the stand-in,
duplicates (numbers with two messages), lost (numbers with none, or a row not ``sent``),
unknown reconciled (rows settled by asking the stand-in), time to recover (from the restart
to the first results written again, and to the campaign ``done`` with nothing pending,
sending or unknown: the remaining two thirds go at the configured rate). Beside them, the same
campaign without an outage in the same run (the baseline): total campaign time, and the
ratio outage/baseline, median of ``--pairs`` interleaved pairs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from crm import schema  # noqa: E402
from crm.campaigns.models import Campaign, CampaignStatus, Category, OutboxMessage, OutboxStatus  # noqa: E402
from crm.campaigns.outbox import write_outbox_rows  # noqa: E402
from crm.db import Database  # noqa: E402
from tests.support.pg_server import OwnPostgres, start_own_postgres  # noqa: E402
from tests.support.twilio_standin import ACCOUNT_SID, AUTH_TOKEN, FROM, StandinProcess  # noqa: E402

BODY = "Coupure d'eau ce matin dans votre résidence, retour prévu à 12h. Votre bailleur."
RATE = 100  # segments per second: a 3,000-recipient campaign takes about 30 s
STANDIN_DELAY = 0.05  # seconds per Twilio answer
TIMEOUT = 600.0


def numbers(n: int) -> list[str]:
    return [f"+336{20000000 + i:08d}" for i in range(n)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Run:
    outage: bool
    recipients: int
    handed_over: int
    duplicates: int
    lost: int
    reconciled: int
    total_seconds: float
    recover_seconds: float | None
    resumed_seconds: float | None


async def _fresh_database(server: OwnPostgres, name: str) -> str:
    conn = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{server.port}/postgres")
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{server.port}/{name}"
    db = Database(url)
    await db.create_all(schema.metadata)
    await db.dispose()
    return url


async def _seed(db: Database, recipients: int) -> int:
    now = datetime.now(UTC)
    async with db.session() as session:
        campaign = Campaign(name="Coupure d'eau", category=Category.OUTAGE, urgent=True, body=BODY,
                            status=CampaignStatus.SENDING, created_at=now, launched_at=now)
        session.add(campaign)
        await session.flush()
        await write_outbox_rows(session, campaign, ({"e164": p, "body": BODY} for p in numbers(recipients)),
                                now=now)
        await session.commit()
        return campaign.id  # type: ignore[return-value]


async def _count(db: Database, *statuses: str) -> int | None:
    """None while the database is unreachable."""
    try:
        async with db.session() as session:
            return await session.scalar(select(func.count()).select_from(OutboxMessage)
                                        .where(OutboxMessage.status.in_(statuses))) or 0
    except Exception:  # noqa: BLE001 - during the outage
        return None


async def _finished(db: Database, campaign_id: int) -> bool:
    try:
        async with db.session() as session:
            status = (await session.get(Campaign, campaign_id, populate_existing=True)).status  # type: ignore[union-attr]
    except Exception:  # noqa: BLE001
        return False
    open_rows = await _count(db, OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.UNKNOWN)
    return status == CampaignStatus.DONE and open_rows == 0


async def _wait(predicate, what: str, service: subprocess.Popen[bytes], log: Path) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + TIMEOUT
    while not await predicate():
        if service.poll() is not None:
            raise RuntimeError(f"the service stopped waiting for {what}:\n" + log.read_text()[-3000:])
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}:\n" + log.read_text()[-3000:])
        await asyncio.sleep(0.1)


async def one_run(server: OwnPostgres, n: int, *, outage: float, recipients: int, workdir: Path) -> Run:
    url = await _fresh_database(server, f"bench_{n}")
    db = Database(url)
    campaign_id = await _seed(db, recipients)
    standin = StandinProcess.start(delay=STANDIN_DELAY)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRM_", "TWILIO_"))}
    env.update(
        CRM_DATABASE_URL=url, CRM_HOST="127.0.0.1", CRM_PORT=str(port),
        CRM_PUBLIC_URL=f"http://127.0.0.1:{port}", CRM_DEVELOPMENT="true", CRM_SMS_BACKEND="twilio",
        CRM_SMS_RATE=str(RATE), CRM_PROVIDER_LISTING_DELAY_SECONDS="5",
        TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN=AUTH_TOKEN, TWILIO_FROM=FROM,
        TWILIO_API_BASE_URL=standin.url, PYTHONPATH=str(ROOT),
    )
    log = workdir / f"service_{n}.log"
    started = time.monotonic()
    with log.open("wb") as out:
        service = subprocess.Popen([sys.executable, "main.py"], cwd=ROOT, env=env,
                                   stdout=out, stderr=subprocess.STDOUT)
    recover: float | None = None
    resumed: float | None = None
    try:
        if outage:
            async def a_third_sent() -> bool:
                return ((await _count(db, OutboxStatus.SENT)) or 0) >= recipients // 3

            await _wait(a_third_sent, "a third of the campaign", service, log)
            sent_before = await _count(db, OutboxStatus.SENT) or 0
            await db.engine.dispose()  # the benchmark's own connections die with the server
            server.stop("immediate")
            await asyncio.sleep(outage)  # the outage itself: a fixed real duration
            server.start()
            restarted = time.monotonic()

            async def writing_again() -> bool:
                return ((await _count(db, OutboxStatus.SENT)) or 0) > sent_before

            await _wait(writing_again, "the first results after the restart", service, log)
            resumed = time.monotonic() - restarted
            await _wait(lambda: _finished(db, campaign_id), "the recovery", service, log)
            recover = time.monotonic() - restarted
        else:
            await _wait(lambda: _finished(db, campaign_id), "the end of the campaign", service, log)
        total = time.monotonic() - started
    finally:
        service.terminate()
        try:
            service.wait(timeout=30)
        except subprocess.TimeoutExpired:
            service.kill()
            service.wait()
        accepted = standin.accepted()
        standin.stop()
    async with db.session() as session:
        rows = (await session.execute(select(OutboxMessage.e164, OutboxMessage.status,
                                             OutboxMessage.reconciled_at))).all()
    await db.dispose()
    per_number = Counter(r["to"] for r in accepted)
    delivered_rows = {r.e164 for r in rows if r.status in (OutboxStatus.SENT, OutboxStatus.DELIVERED)}
    lost = sum(1 for p in numbers(recipients) if per_number[p] == 0 or p not in delivered_rows)
    return Run(outage=bool(outage), recipients=recipients, handed_over=len(accepted),
               duplicates=sum(1 for c in per_number.values() if c > 1), lost=lost,
               reconciled=sum(1 for r in rows if r.reconciled_at is not None),
               total_seconds=total, recover_seconds=recover, resumed_seconds=resumed)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=3000)
    parser.add_argument("--outage", type=float, default=15.0, help="seconds PostgreSQL stays stopped")
    parser.add_argument("--pairs", type=int, default=3)
    args = parser.parse_args()
    server = start_own_postgres()
    runs: list[tuple[Run, Run]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="crm-bench-") as tmp:
            for i in range(args.pairs):
                # Interleaved: baseline then outage, so a busy moment hits both alike.
                base = await one_run(server, 2 * i, outage=0, recipients=args.recipients, workdir=Path(tmp))
                hit = await one_run(server, 2 * i + 1, outage=args.outage, recipients=args.recipients,
                                    workdir=Path(tmp))
                runs.append((base, hit))
                print(f"pair {i + 1}: baseline {base.total_seconds:.1f} s; with a {args.outage:.0f} s outage "
                      f"{hit.total_seconds:.1f} s, sending again {hit.resumed_seconds:.1f} s and done "
                      f"{hit.recover_seconds:.1f} s after the restart, "
                      f"{hit.handed_over} handed over, {hit.duplicates} duplicates, {hit.lost} lost, "
                      f"{hit.reconciled} reconciled", flush=True)
    finally:
        server.destroy()
    hits = [h for _, h in runs]
    ratio = statistics.median(h.total_seconds / b.total_seconds for b, h in runs)
    print()
    print(f"recipients                 {args.recipients}")
    print(f"messages handed to Twilio  {', '.join(str(h.handed_over) for h in hits)}")
    print(f"duplicates                 {', '.join(str(h.duplicates) for h in hits)}")
    print(f"lost                       {', '.join(str(h.lost) for h in hits)}")
    print(f"unknown reconciled         {', '.join(str(h.reconciled) for h in hits)}")
    print(f"time to recover            sending again median "
          f"{statistics.median(h.resumed_seconds or 0 for h in hits):.1f} s after the restart "
          f"({', '.join(f'{h.resumed_seconds:.1f}' for h in hits)}); campaign done median "
          f"{statistics.median(h.recover_seconds or 0 for h in hits):.1f} s after it "
          f"({', '.join(f'{h.recover_seconds:.1f}' for h in hits)}), the rest of the campaign "
          f"going at {RATE} SMS/s")
    print(f"campaign time              median {statistics.median(h.total_seconds for h in hits):.1f} s with the "
          f"outage vs {statistics.median(b.total_seconds for b, _ in runs):.1f} s without "
          f"(ratio {ratio:.2f}, median of {len(runs)} interleaved pairs; the outage itself is {args.outage:.0f} s)")
    baseline_clean = all(b.duplicates == 0 and b.lost == 0 for b, _ in runs)
    print(f"baseline runs clean        {baseline_clean}")


if __name__ == "__main__":
    asyncio.run(main())
