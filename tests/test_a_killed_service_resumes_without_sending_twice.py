"""The real service killed with SIGKILL in the middle of a campaign, then restarted: no
number gets a message twice, every row ends sent or "unknown", and unknown rows are not
sent again. (Processes and HTTP are real: the service, and Twilio's stand-in.)"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from crm.campaigns.models import Campaign, CampaignStatus, Category, OutboxMessage, OutboxStatus
from crm.campaigns.outbox import write_outbox_rows
from crm.db import Database
from tests.support.outbox import numbers
from tests.support.twilio_standin import ACCOUNT_SID, AUTH_TOKEN, FROM, StandinProcess

ROOT = Path(__file__).resolve().parent.parent
RECIPIENTS = 200
TIMEOUT = 90.0  # seconds: bounded waits, polled


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def standin() -> Iterator[StandinProcess]:
    # Slow enough answers that a kill lands while calls are in flight.
    proc = StandinProcess.start(delay=0.25)
    yield proc
    proc.stop()


def _env(db_url: str, standin: StandinProcess) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRM_", "TWILIO_"))}
    env.update(
        CRM_DATABASE_URL=db_url, CRM_HOST="127.0.0.1", CRM_PORT=str(_free_port()),
        CRM_PUBLIC_URL="http://crm.test", CRM_SMS_BACKEND="twilio", CRM_SMS_RATE="0",
        TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN=AUTH_TOKEN, TWILIO_FROM=FROM,
        TWILIO_API_BASE_URL=standin.url, PYTHONPATH=str(ROOT),
    )
    return env


def _start_service(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "main.py"], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT)


async def _prepare(db: Database, env: dict[str, str]) -> int:
    subprocess.run([sys.executable, "main.py", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    async with db.engine.connect() as conn:
        has_outbox = await conn.run_sync(lambda c: inspect(c).has_table("outbox_message"))
    if not has_outbox:  # no migrations written yet: build the schema from the models
        await db.create_all()
    now = datetime.now(UTC)
    async with db.session() as session:
        campaign = Campaign(name="Coupure d'eau", category=Category.OUTAGE, urgent=True,
                            body="Coupure d'eau", status=CampaignStatus.SENDING,
                            created_at=now, launched_at=now)
        session.add(campaign)
        await session.flush()
        await write_outbox_rows(session, campaign, [
            {"e164": p, "body": "Coupure d'eau ce matin, retour prévu à 12h."} for p in numbers(RECIPIENTS)],
            now=now)
        await session.commit()
        return campaign.id  # type: ignore[return-value]


async def _count(db: Database, *statuses: str) -> int:
    async with db.session() as session:
        return await session.scalar(select(func.count()).select_from(OutboxMessage)
                                    .where(OutboxMessage.status.in_(statuses))) or 0


async def _wait_for(predicate, what: str, proc: subprocess.Popen[bytes], log: Path) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if await predicate():
            return
        if proc.poll() is not None:
            pytest.fail(f"the service stopped (code {proc.returncode}) waiting for {what}:\n"
                        + log.read_text(errors="replace")[-3000:])
        await asyncio.sleep(0.05)  # polling the database, not waiting for a fixed time
    pytest.fail(f"timed out waiting for {what}:\n" + log.read_text(errors="replace")[-3000:])


async def test_a_killed_service_resumes_without_sending_anything_twice(tmp_path, standin) -> None:
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'crm.db'}"
    env = _env(db_url, standin)
    log = tmp_path / "service.log"
    db = Database(db_url)
    try:
        campaign_id = await _prepare(db, env)

        service = _start_service(env, log)
        try:
            async def some_sent() -> bool:
                return await _count(db, OutboxStatus.SENT) >= 40
            await _wait_for(some_sent, "the first messages", service, log)
        finally:
            service.send_signal(signal.SIGKILL)
            service.wait()
        at_kill = {s: await _count(db, s) for s in (OutboxStatus.SENT, OutboxStatus.SENDING,
                                                   OutboxStatus.PENDING)}
        assert at_kill[OutboxStatus.SENT] < RECIPIENTS and at_kill[OutboxStatus.PENDING] > 0, at_kill
        # Rows are claimed a few dozen at a time: only those in flight or just claimed are
        # at stake (CONCURRENCY + 1.5 × CLAIM_CHUNK at most), never the whole campaign.
        assert 0 < at_kill[OutboxStatus.SENDING] <= 20 + 75, at_kill
        requests_before_restart = len(standin.requests())

        service = _start_service(env, log)
        try:
            async def finished() -> bool:
                async with db.session() as session:
                    status = (await session.get(Campaign, campaign_id, populate_existing=True)).status
                return status == CampaignStatus.DONE
            await _wait_for(finished, "the end of the campaign", service, log)
        finally:
            service.terminate()
            service.wait(timeout=30)

        async with db.session() as session:
            stored = (await session.scalars(select(OutboxMessage))).all()
    finally:
        await db.dispose()

    requests = standin.requests()
    assert len(requests) > requests_before_restart  # the restarted service did send
    accepted = [r for r in requests if r["sid"]]
    per_number = Counter(r["to"] for r in accepted)
    assert max(per_number.values()) == 1, "a number received two messages"
    statuses = Counter(r.status for r in stored)
    assert set(statuses) <= {OutboxStatus.SENT, OutboxStatus.UNKNOWN}, statuses
    assert statuses[OutboxStatus.UNKNOWN] == at_kill[OutboxStatus.SENDING]
    sid_of = {r["sid"]: r["to"] for r in accepted}
    for row in stored:
        if row.status == OutboxStatus.SENT:
            assert sid_of[row.provider_sid] == row.e164
    # Unknown rows were not sent again: at most the one call made before the kill.
    asked = Counter(r["to"] for r in requests)
    assert all(asked[r.e164] <= 1 for r in stored if r.status == OutboxStatus.UNKNOWN)
