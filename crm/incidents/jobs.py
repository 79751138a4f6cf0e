"""The commitment job: every quarter of an hour, planned stops that started open, open
breakdowns get their commitments, due ones are marked, rent rebates written (idempotent)."""

from __future__ import annotations

from aiohttp import web

from crm.incidents.commitments import run_commitments
from crm.keys import CLOCK, DB, SETTINGS
from crm.scheduler import Job


async def incident_commitments(app: web.Application) -> int:
    async with app[DB].session() as session:
        result = await run_commitments(session, now=app[CLOCK].now(), tz=app[SETTINGS].tz)
        await session.commit()
    return result.total


JOBS = [Job("incident_commitments", 900, incident_commitments)]
