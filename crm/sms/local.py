"""The embedded SMS backend: every message is stored in the database and shown on a page.

So that a demo or a trial shows what production shows, it also reports each message
"delivered" a moment later to the status listeners: the outbox owner registers one
(``crm/app.py``) that applies the same forward-only logic as Twilio's callbacks.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy import select
from sqlmodel import col

from crm.clock import Clock
from crm.db import Database
from crm.sms.models import LocalSms
from crm.sms.transport import ProviderMessage

log = logging.getLogger(__name__)

# (provider sid, status) -> True when the report moved a message, as a Twilio callback would.
StatusListener = Callable[[str, str], Awaitable[bool]]
DELIVERED = "delivered"  # Twilio's MessageStatus value


class LocalTransport:
    name = "local"

    def __init__(self, db: Database, clock: Clock, *, delivery_after: float = 0) -> None:
        self._db = db
        self._clock = clock
        self._delivery_after = delivery_after  # seconds; 0 = no simulated delivery reports
        self._reports: set[asyncio.Task[None]] = set()
        self._listeners: list[StatusListener] = []

    def on_status(self, listener: StatusListener) -> None:
        """Receive the simulated status reports (the outbox owner registers here)."""
        self._listeners.append(listener)

    async def send(self, to: str, body: str, *, status_callback: str | None = None) -> str:
        # Same shape as a Twilio sid so that everything downstream treats both alike.
        sid = "SM" + secrets.token_hex(16)
        async with self._db.session() as session:
            session.add(LocalSms(sid=sid, to=to, body=body, status_callback=status_callback,
                                 at=self._clock.now()))
            await session.commit()
        if self._delivery_after > 0 and self._listeners:
            task = asyncio.get_running_loop().create_task(self._report_delivered(sid))
            self._reports.add(task)
            task.add_done_callback(self._reports.discard)
        return sid

    async def _report_delivered(self, sid: str) -> None:
        # Like Twilio's callback: once. A report that comes before the outbox recorded the
        # sid is kept by the listener and applied when it is (crm/campaigns/delivery.py).
        await asyncio.sleep(self._delivery_after)
        try:
            for listener in self._listeners:
                await listener(sid, DELIVERED)
        except Exception:  # a simulated report must never break sending
            log.exception("simulated delivery report for %s failed", sid)

    async def fetch(self, sid: str) -> ProviderMessage | None:
        async with self._db.session() as session:
            row = (await session.scalars(select(LocalSms).where(col(LocalSms.sid) == sid))).first()
        return self._provider_message(row) if row is not None else None

    async def find(self, to: str, *, sent_since: datetime) -> list[ProviderMessage]:
        async with self._db.session() as session:
            rows = (await session.scalars(select(LocalSms).where(
                col(LocalSms.to) == to, col(LocalSms.at) >= sent_since).order_by(col(LocalSms.at).desc()))).all()
        return [self._provider_message(r) for r in rows]

    def _provider_message(self, row: LocalSms) -> ProviderMessage:
        status = "delivered" if self._delivery_after > 0 else "sent"
        return ProviderMessage(sid=row.sid, to=row.to, body=row.body, status=status, created_at=row.at)

    async def reports_done(self) -> None:
        """Wait for the simulated reports already scheduled (tests, orderly shutdown)."""
        if self._reports:
            await asyncio.gather(*list(self._reports), return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._reports):
            task.cancel()
        if self._reports:
            await asyncio.gather(*self._reports, return_exceptions=True)
