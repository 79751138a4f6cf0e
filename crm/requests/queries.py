"""Finding requests: the filters the list API and the "Demandes" page share, and the late
list (open steps past their due time), which the benchmark measures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.errors import ApiError
from crm.requests import steps
from crm.requests.models import TenantRequest
from crm.requests.service import late_condition

SORTS = {"due": (TenantRequest.due_at.asc(), TenantRequest.id.asc()),
         "-due": (TenantRequest.due_at.desc(), TenantRequest.id.desc()),
         "recent": (TenantRequest.registered_at.desc(), TenantRequest.id.desc())}


@dataclass
class Filters:
    status: str | None = None  # a status, "open" (every open step) or None (all)
    kind: str | None = None
    category: str | None = None
    owner_id: int | None = None
    tenant_id: int | None = None
    late: bool = False
    sort: str = "due"

    @classmethod
    def parse(cls, query: Any, *, owner_id: int | None = None, tenant_id: int | None = None) -> Filters:
        """From query parameters; an unknown value is a typo, refused (400) rather than
        silently listing everything."""
        status = query.get("status") or None
        if status == "all":
            status = None
        if status is not None and status not in (*steps.ALL, "open"):
            raise ApiError("status doit être une étape (" + ", ".join(steps.ALL) + "), open ou all.",
                           code="invalid_parameter")
        kind = query.get("kind") or None
        if kind is not None and kind not in steps.KINDS:
            raise ApiError("kind doit valoir technical ou administrative.", code="invalid_parameter")
        late = (query.get("late") or "").lower()
        if late not in ("", "true", "false", "1", "0"):
            raise ApiError("late doit valoir true ou false.", code="invalid_parameter")
        sort = query.get("sort") or "due"
        if sort not in SORTS:
            raise ApiError("sort doit valoir due, -due ou recent.", code="invalid_parameter")
        category = (query.get("category") or "").strip()[:60] or None
        return cls(status=status, kind=kind, category=category, owner_id=owner_id,
                   tenant_id=tenant_id, late=late in ("true", "1"), sort=sort)

    def conditions(self, now: datetime) -> list[Any]:
        where: list[Any] = []
        if self.status == "open":
            where.append(TenantRequest.status.in_(steps.OPEN))
        elif self.status is not None:
            where.append(TenantRequest.status == self.status)
        if self.kind:
            where.append(TenantRequest.kind == self.kind)
        if self.category:
            where.append(TenantRequest.category == self.category)
        if self.owner_id is not None:
            where.append(TenantRequest.owner_id == self.owner_id)
        if self.tenant_id is not None:
            where.append(TenantRequest.tenant_id == self.tenant_id)
        if self.late:
            where.append(late_condition(now))
        return where


async def find(session: AsyncSession, where: list[Any], *, sort: str, page: int,
               per_page: int) -> tuple[list[TenantRequest], int]:
    total = await session.scalar(select(func.count()).select_from(TenantRequest).where(*where)) or 0
    rows = (await session.scalars(
        select(TenantRequest).where(*where).order_by(*SORTS[sort])
        .offset((page - 1) * per_page).limit(per_page))).all()
    return list(rows), total


async def late_requests(session: AsyncSession, now: datetime, *, agency_id: int | None = None,
                        page: int = 1, per_page: int = 50) -> tuple[list[TenantRequest], int]:
    """Open requests past their due time, the most overdue first."""
    where = [late_condition(now)]
    if agency_id is not None:
        where.append(TenantRequest.agency_id == agency_id)
    return await find(session, where, sort="due", page=page, per_page=per_page)


def count_stmt(where: list[Any]) -> Any:
    return select(func.count()).select_from(TenantRequest).where(*where)
