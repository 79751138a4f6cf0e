"""Time is injected: the app asks its clock for "now", so tests can freeze and move it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta


class Clock:
    """The real clock: aware UTC datetimes."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of this clock's time."""
        await asyncio.sleep(seconds)


class FrozenClock(Clock):
    """A clock that only moves when told to (tests, demo data, benchmarks)."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._now = at.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._now = at.astimezone(UTC)

    async def sleep(self, seconds: float) -> None:
        """Frozen time passes at once: the clock moves forward, other tasks still get a turn."""
        self.advance(seconds=seconds)
        await asyncio.sleep(0)

    def advance(self, **delta: float) -> datetime:
        self._now += timedelta(**delta)
        return self._now
