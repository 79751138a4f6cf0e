"""The calls' panel on the tenant page: call tasks, interviews and follow-ups."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.calls.interviews import FOLLOW_UP_KINDS, FOLLOW_UP_STATUS_LABELS
from crm.calls.labels import OUTCOME_LABELS, STATUS_LABELS
from crm.calls.models import CallTask, FollowUp, Interview


async def tenant_panel(request: web.Request, tenant: dict[str, Any],
                       session: AsyncSession) -> dict[str, Any] | None:
    tenant_id = tenant["id"]
    tasks = list(await session.scalars(
        select(CallTask).where(CallTask.tenant_id == tenant_id).order_by(CallTask.window_start.desc())))
    interviews = list(await session.scalars(
        select(Interview).where(Interview.tenant_id == tenant_id).order_by(Interview.at.desc())))
    follow_ups = list(await session.scalars(
        select(FollowUp).where(FollowUp.tenant_id == tenant_id).order_by(FollowUp.created_at.desc())))
    return {"template": "calls/tenant_panel.html", "tasks": tasks, "interviews": interviews,
            "follow_ups": follow_ups, "status_labels": STATUS_LABELS,
            "outcome_labels": OUTCOME_LABELS, "fu_kinds": FOLLOW_UP_KINDS,
            "fu_status": FOLLOW_UP_STATUS_LABELS}
