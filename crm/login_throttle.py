"""Login throttling: one atomic counter per account and one per client address.

A counter is reserved *before* the password is checked (one upsert that returns the new
count), so thirty wrong passwords posted at once get at most ``limit`` checks: counting
the failures first and writing them after the check let all thirty through the count.

Accounts and addresses are throttled separately: an account allows few tries (guessing one
password); an address allows many (an office behind one proxy must not be locked out by a
stranger sharing it), and only addresses the trusted-proxy setting vouches for are used.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, delete, literal, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from crm.db import dialect_insert
from crm.models import utc_field

WINDOW = timedelta(minutes=15)
PER_ACCOUNT = 5  # password checks per account and window
PER_ADDRESS = 100  # per client address and window (every account together)


class LoginThrottle(SQLModel, table=True):
    """Login attempts in the current window, for one key (``account:…`` or ``address:…``)."""

    __tablename__ = "login_throttle"
    key: str = Field(primary_key=True, max_length=320)
    window_start: datetime = utc_field(nullable=False)
    attempts: int = 0


_t = LoginThrottle.__table__


def account_key(email: str) -> str:
    return f"account:{email.strip().lower()}"[:320]


def address_key(address: str) -> str:
    return f"address:{address}"[:320]


async def reserve(session: AsyncSession, key: str, now: datetime, limit: int) -> bool:
    """Count one attempt for ``key`` and commit it; False when it goes over ``limit``.
    A window older than ``WINDOW`` starts again from this attempt."""
    at = literal(now, type_=_t.c.window_start.type)
    expired = _t.c.window_start < literal(now - WINDOW, type_=_t.c.window_start.type)
    stmt = (
        dialect_insert(session)(_t)
        .values(key=key, window_start=now, attempts=1)
        .on_conflict_do_update(index_elements=["key"], set_={
            "attempts": case((expired, 1), else_=_t.c.attempts + 1),
            "window_start": case((expired, at), else_=_t.c.window_start),
        })
        .returning(_t.c.attempts)
    )
    attempts = (await session.execute(stmt)).scalar_one()
    await session.commit()  # visible to the other requests before any password is checked
    return attempts <= limit


async def forget(session: AsyncSession, key: str) -> None:
    """A successful login clears its account's count. The caller commits."""
    await session.execute(delete(_t).where(_t.c.key == key))


async def give_back(session: AsyncSession, key: str) -> None:
    """A successful login does not use up its address's allowance. The caller commits."""
    await session.execute(update(_t).where(_t.c.key == key, _t.c.attempts > 0)
                          .values(attempts=_t.c.attempts - 1))
