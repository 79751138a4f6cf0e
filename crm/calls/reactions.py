"""How the calls react to other features (wired in ``crm.hooks``)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from crm.calls.models import CallTask, TaskStatus
from crm.calls.tasks import (
    callback_params,
    callback_statements,
    ensure_call_tasks,
    raise_callback,
    sqlite_callback,
)


async def on_leases_changed(session: AsyncSession, *, today: date, lease_ids: list[int]) -> None:
    """New and changed leases (tenant import): the calls decide which qualify for a courtesy
    call (window, ended leases) and refresh the "no phone" flag of open tasks."""
    await ensure_call_tasks(session, today=today, lease_ids=lease_ids)


async def on_callback_requested(session: AsyncSession, *, tenant_id: int, at: datetime,
                                tz: ZoneInfo) -> bool:
    """A tenant texted "rappelez-moi": a call at the top of the queue. False when the tenant
    has no active lease."""
    return await raise_callback(session, tenant_id=tenant_id, at=at, tz=tz) is not None


__all__ = ["QUEUE_PROBES", "callback_params", "callback_statements", "on_callback_requested",
           "on_leases_changed", "sqlite_callback"]  # callback_*, sqlite_*: crm.hooks.CALLBACK_REQUESTED_SQL

QUEUE_PROBES = [
    ("crm_call_tasks_open", "Courtesy-call tasks waiting in the queues",
     CallTask, CallTask.status, TaskStatus.OPEN),
]
