"""Benchmark of a 100,000-recipient campaign: preview, and the launch's outbox writing,
beside the one-statement floor (one INSERT … SELECT building the text in SQL).

    .venv/bin/python bench/launch_preview.py                # SQLite file in a temp directory
    .venv/bin/python bench/launch_preview.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/crm_bench

A fresh database gets the estate of ``bench/webhooks.py`` (tenants with a mobile and an
active lease, five agencies) by direct inserts, then the planner statistics an import
leaves (``Database.refresh_statistics``, when the code has it). Then, in interleaved pairs,
each on a new campaign aimed at every agency: the floor (one INSERT … SELECT) and the
service's launch writing (``preparation.write_in_chunks``: audience scan, rendering and SMS
analysis once per distinct text, inserts committed in chunks), and the preview. Prints seconds and the ratio
launch / floor (median of the pairs; goal ≤ 3) and the preview's seconds (goal ≤ 3 s).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from bench.webhooks import AGENCIES, drop_database, fresh_database, seed  # noqa: E402
from crm import schema  # noqa: E402
from crm.campaigns import preparation  # noqa: E402
from crm.campaigns.models import Campaign, CampaignStatus, Category  # noqa: E402
from crm.campaigns.preview import first_send_at, preview  # noqa: E402
from crm.config import load_settings  # noqa: E402
from crm.db import Database  # noqa: E402

BODY = ("Bonjour {{ civility }} {{ last_name }}, une coupure d'eau est prévue demain de 9h à 12h "
        "dans la résidence {{ residence }}. Votre agence {{ agency_name }}.")
FLOOR_SQL = """
INSERT INTO outbox_message (campaign_id, tenant_id, e164, body, segments, status, attempts,
                            next_try_at, created_at, resent)
SELECT :campaign, p.tenant_id, p.e164,
       'Bonjour ' || t.civility || ' ' || t.last_name || ', une coupure d''eau est prévue demain '
       || 'de 9h à 12h dans la résidence ' || r.name || '. Votre agence ' || a.name || '.',
       2, 'pending', 0, :now, :now, FALSE
FROM lease l JOIN tenant t ON t.id = l.tenant_id JOIN phone p ON p.tenant_id = t.id
JOIN residence r ON r.id = l.residence_id JOIN agency a ON a.id = l.agency_id
WHERE p.kind = 'mobile' AND p.valid AND (l.lease_end IS NULL OR l.lease_end >= :today)
ON CONFLICT (campaign_id, e164) DO NOTHING
"""


async def new_campaign(db: Database, now: datetime) -> Campaign:
    async with db.session() as session:
        campaign = Campaign(name="Bench", category=Category.OUTAGE, urgent=True, body=BODY,
                            status=CampaignStatus.PREPARING, created_at=now, launched_at=now,
                            audience={"agencies": list(range(1, len(AGENCIES) + 1))})
        session.add(campaign)
        await session.commit()
        return campaign


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="PostgreSQL server URL (default: a SQLite file)")
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--pairs", type=int, default=3)
    args = parser.parse_args()
    db_url, pg_name = await fresh_database(args.database_url)
    try:
        db = Database(db_url)
        await db.create_all(schema.metadata)
        now = datetime.now(UTC)
        await seed(db, args.recipients, 0, now, random.Random(1))  # with statistics, as an import leaves it
        settings = load_settings(database_url=db_url, sms_backend="local", scheduler_enabled=False)
        kind = "PostgreSQL" if pg_name else "SQLite"
        print(f"database: {kind}; {args.recipients} tenants with a mobile and an active lease")
        floors, launches, previews = [], [], []
        for pair in range(args.pairs):
            campaign = await new_campaign(db, now)
            start = time.perf_counter()
            async with db.engine.begin() as conn:
                await conn.execute(text(FLOOR_SQL), {"campaign": campaign.id, "now": now.replace(tzinfo=None)
                                                     if not pg_name else now, "today": now.date()})
            floors.append(time.perf_counter() - start)

            campaign = await new_campaign(db, now)
            start = time.perf_counter()
            written = await preparation.write_in_chunks(
                db, campaign, first_send_at(campaign, now, settings.tz), settings, now)
            launches.append(time.perf_counter() - start)

            start = time.perf_counter()
            async with db.session() as session:
                seen = await preview(session, campaign, settings, now)
            previews.append(time.perf_counter() - start)
            print(f"  pair {pair + 1}: floor {floors[-1]:5.1f} s, launch {launches[-1]:5.1f} s "
                  f"({written} rows), ratio {launches[-1] / floors[-1]:.2f}; "
                  f"preview {previews[-1]:5.1f} s ({seen['recipients']} recipients)", flush=True)
        ratio = statistics.median(la / fl for la, fl in zip(launches, floors, strict=True))
        print(f"launch: {statistics.median(launches):.1f} s; one-statement floor: "
              f"{statistics.median(floors):.1f} s; ratio {ratio:.2f} (median of {args.pairs}; goal ≤ 3)")
        print(f"preview: {statistics.median(previews):.1f} s (median of {args.pairs}; goal ≤ 3 s)")
        await db.dispose()
    finally:
        await drop_database(args.database_url, pg_name)


if __name__ == "__main__":
    asyncio.run(main())
