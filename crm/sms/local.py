"""The embedded SMS backend: every message is stored in the database and shown on a page."""

from __future__ import annotations

import secrets

from crm.clock import Clock
from crm.db import Database
from crm.sms.models import LocalSms


class LocalTransport:
    name = "local"

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def send(self, to: str, body: str, *, status_callback: str | None = None) -> str:
        # Same shape as a Twilio sid so that everything downstream treats both alike.
        sid = "SM" + secrets.token_hex(16)
        async with self._db.session() as session:
            session.add(LocalSms(sid=sid, to=to, body=body, status_callback=status_callback,
                                 at=self._clock.now()))
            await session.commit()
        return sid

    async def close(self) -> None:
        return None
