"""Rent rebates for the rent system: one line per lease and incident, in the month the
rebate became due (``;``, UTF-8 with BOM, through ``crm.csvexport``)."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm import calendar
from crm.csvexport import excel_csv
from crm.incidents.models import Incident, RentRebate
from crm.models import Agency, Lease, Tenant

HEADER = ["contract_ref", "tenant", "incident", "kind", "working_days", "rebate_percent", "rebate_amount"]


def _decimal(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def _euros(cents: int | None) -> str:
    return "" if cents is None else f"{cents // 100},{cents % 100:02d}"


async def rebate_rows(session: AsyncSession, month: str, agency_id: int | None, today: date,
                      tz: ZoneInfo) -> list[list[Any]]:
    stmt = (select(RentRebate, Lease.contract_ref, Tenant, Incident, Agency.department)
            .join(Lease, Lease.id == RentRebate.lease_id)
            .join(Tenant, Tenant.id == Lease.tenant_id)
            .join(Incident, Incident.id == RentRebate.incident_id)
            .join(Agency, Agency.id == RentRebate.agency_id)
            .where(RentRebate.month == month).order_by(Lease.contract_ref, RentRebate.incident_id))
    if agency_id is not None:
        stmt = stmt.where(RentRebate.agency_id == agency_id)
    rows = []
    for rebate, ref, tenant, incident, department in (await session.execute(stmt)).all():
        end = calendar.local_today(incident.resolved_at, tz) if incident.resolved_at else today
        days = calendar.working_days_between(calendar.local_today(incident.starts_at, tz), end, department)
        rows.append([ref, tenant.display_name, f"{incident.id} {incident.title}", incident.kind, days,
                     _decimal(rebate.percent), _euros(rebate.amount_cents)])
    return rows


async def rebates_csv(session: AsyncSession, month: str, agency_id: int | None, today: date,
                      tz: ZoneInfo) -> bytes:
    return excel_csv(HEADER, await rebate_rows(session, month, agency_id, today, tz))
