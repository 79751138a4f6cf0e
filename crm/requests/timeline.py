"""The requests' part of a tenant's timeline: each request opened, each later step, and the
satisfaction answer. (The status SMS themselves show as SMS sent, from the campaigns.)"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.requests import steps
from crm.requests.models import RequestStep, TenantRequest
from crm.timeline import TimelineEntry


async def entries(session: AsyncSession, tenant_id: int) -> list[TimelineEntry]:
    out: list[TimelineEntry] = []
    rows = (await session.execute(
        select(RequestStep, TenantRequest).join(TenantRequest, TenantRequest.id == RequestStep.request_id)
        .where(TenantRequest.tenant_id == tenant_id))).all()
    for step, request in rows:
        what = f"Demande {request.id} ({steps.KINDS.get(request.kind, request.kind).lower()}, " \
               f"{steps.category_label(request.category)})"
        if step.status == steps.REGISTERED:
            title, detail = f"{what} enregistrée", request.description or None
        else:
            title, detail = f"{what} : {steps.LABELS.get(step.status, step.status).lower()}", step.note
        out.append(TimelineEntry(step.at, "request_step", title, detail=detail,
                                 link=f"/demandes/{request.id}"))
    answered = {request.id: request for _, request in rows if request.satisfaction is not None}
    for request in answered.values():
        out.append(TimelineEntry(request.satisfaction_at or request.updated_at, "request_satisfaction",
                                 f"Satisfaction sur la demande {request.id} : {request.satisfaction} / 4",
                                 link=f"/demandes/{request.id}"))
    return out
