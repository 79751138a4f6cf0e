"""One process competing for the scheduler lock, driven line by line over stdin so that a
test interleaves two of them deterministically: ``tick`` answers ``run`` (this process
holds the lock and would run the singleton jobs now) or ``skip``; ``quit`` ends.

``python -m tests.support.scheduler_lock DATABASE_URL``
"""

from __future__ import annotations

import asyncio
import sys

from crm.db import Database
from crm.scheduler import SchedulerLock


async def _serve(url: str) -> None:
    db = Database(url)
    lock = SchedulerLock(db)
    loop = asyncio.get_running_loop()
    print("ready", flush=True)
    while (line := (await loop.run_in_executor(None, sys.stdin.readline)).strip()) != "quit" and line:
        print("run" if await lock.held() else "skip", flush=True)
    await lock.release()
    await db.dispose()


if __name__ == "__main__":
    asyncio.run(_serve(sys.argv[1]))
