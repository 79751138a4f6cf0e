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

from crm.clock import Clock
from crm.db import Database
from crm.sms.models import LocalSms

log = logging.getLogger(__name__)

# (provider sid, status) -> True when the report moved a message, as a Twilio callback would.
StatusListener = Callable[[str, str], Awaitable[bool]]
DELIVERED = "delivered"  # Twilio's MessageStatus value

REPORT_RETRY = 0.05  # seconds between tries of a simulated delivery report
REPORT_PATIENCE = 60.0  # then the message stays "sent", as with a lost callback


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
        # The outbox records the sid just after send() returns: a report that comes first
        # finds nothing to move, so it tries again for up to a minute.
        await asyncio.sleep(self._delivery_after)
        for _ in range(int(REPORT_PATIENCE / REPORT_RETRY)):
            try:
                moved = False
                for listener in self._listeners:
                    moved = await listener(sid, DELIVERED) or moved
            except Exception:  # a simulated report must never break sending
                log.exception("simulated delivery report for %s failed", sid)
                return
            if moved:
                return
            await asyncio.sleep(REPORT_RETRY)

    async def reports_done(self) -> None:
        """Wait for the simulated reports already scheduled (tests, orderly shutdown)."""
        if self._reports:
            await asyncio.gather(*list(self._reports), return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._reports):
            task.cancel()
        if self._reports:
            await asyncio.gather(*self._reports, return_exceptions=True)
