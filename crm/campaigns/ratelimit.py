"""A token bucket in SMS segments per second (``CRM_SMS_RATE``; 0 = unlimited).

Twilio queues what goes faster than a sender's rate (10 segments/s for a French sender) and
rejects it after a while; spacing the hand-over ourselves keeps messages moving and makes
"sent" mean "on its way". Time and waiting come from the injected clock (``clock.sleep``),
so tests check the spacing with a frozen clock and no real waiting.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from crm.clock import Clock

Sleep = Callable[[float], Awaitable[None]]


class TokenBucket:
    def __init__(self, rate: float, clock: Clock, *, sleep: Sleep | None = None,
                 burst: float | None = None) -> None:
        self.rate = rate
        self.clock = clock
        self.sleep = sleep or clock.sleep
        # One second's worth by default: a short burst, never a flood after an idle hour.
        self.capacity = burst if burst is not None else max(rate, 1.0)
        self.tokens = self.capacity
        self._last = clock.now()
        self._lock = asyncio.Lock()

    @property
    def unlimited(self) -> bool:
        return self.rate <= 0

    def _refill(self) -> None:
        now = self.clock.now()
        elapsed = (now - self._last).total_seconds()
        if elapsed > 0:
            self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
        self._last = now

    async def acquire(self, segments: int = 1) -> None:
        """Wait until ``segments`` may go. A message longer than the bucket still goes
        (the bucket goes into debt), so the average rate holds."""
        if self.unlimited:
            return
        async with self._lock:  # first come, first served
            self._refill()
            needed = min(float(segments), self.capacity)
            while self.tokens < needed:
                await self.sleep((needed - self.tokens) / self.rate)
                self._refill()
            self.tokens -= segments
