"""A database outage seen from the web: 503 with Retry-After, one log line when it starts
and one when it ends, instead of a 500 and a traceback per request."""

from __future__ import annotations

import logging
import time

import asyncpg
from aiohttp import web
from sqlalchemy import exc as sa_exc

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5

# Errors that say "the server cannot be reached or went away", not "the query is wrong".
_UNREACHABLE = (
    OSError,  # refused, reset, timed out
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,  # shutting down, starting up
    asyncpg.exceptions.ConnectionDoesNotExistError,
    sa_exc.TimeoutError,  # no connection left in the pool: every one is stuck on the outage
)


def database_unreachable(exc: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, _UNREACHABLE):
            return True
        if isinstance(current, sa_exc.DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, asyncpg.exceptions.InterfaceError) and "connection" in str(current):
            return True  # "connection is closed"
        orig = getattr(current, "orig", None)
        current = orig if isinstance(orig, BaseException) else (current.__cause__ or current.__context__)
    return False


class DatabaseOutage:
    """Whether this process currently sees the database as down, logged once each way."""

    def __init__(self) -> None:
        self.since: float | None = None

    @property
    def ongoing(self) -> bool:
        return self.since is not None

    def failed(self, exc: BaseException) -> None:
        if self.since is None:
            self.since = time.monotonic()
            log.error("database unreachable (%s: %s): answering 503 until it is back",
                      type(exc).__name__, str(exc).splitlines()[0] if str(exc) else "")

    def recovered(self) -> None:
        if self.since is not None:
            log.warning("database reachable again after %.0f s", time.monotonic() - self.since)
            self.since = None


OUTAGE = web.AppKey("database_outage", DatabaseOutage)
