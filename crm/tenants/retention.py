"""Personal data over time (RGPD): anonymising a household on request, and the periodic
purge of notes and message texts kept longer than the retention period.

Rows that indicators count (call attempts, interviews, outbox messages, inbound messages)
are never deleted: their free texts are blanked, so KPIs and campaign figures stay right.
Each feature says what it keeps through ``crm.hooks.RETENTION`` (``crm/<feature>/retention.py``);
this module does the household's own rows (tenant, phones, opt-out events).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from aiohttp import web
from sqlalchemy import exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm import hooks
from crm.keys import CLOCK, DB, SETTINGS
from crm.models import AuditEvent, Lease, OptOutEvent, Phone, Tenant
from crm.scheduler import Job
from crm.tenants.optouts import opted_out_numbers

ANONYMOUS_NAME = "Anonyme"


def placeholder_number(tenant_id: int, index: int) -> str:
    """A number that cannot be dialled or texted (country code 0 does not exist), distinct
    per tenant and phone so unique keys still hold."""
    return f"+0{tenant_id:011d}{index:02d}"


def _rowcount(result: Any) -> int:
    return max(int(getattr(result, "rowcount", 0) or 0), 0)


# --- anonymisation on request -----------------------------------------------------------


async def anonymize_tenant(session: AsyncSession, tenant: Tenant, now: datetime) -> dict[str, int]:
    """Replace what identifies the household; keep the rows (counts, KPIs, history shape).

    Opt-out events of a number that is still opted out keep the number: the objection must
    go on being honoured, and the number alone no longer points to the household.
    The caller commits.
    """
    tid = tenant.id
    assert tid is not None
    counts: dict[str, int] = {}
    tenant.civility = None
    tenant.first_name = None
    tenant.last_name = ANONYMOUS_NAME
    tenant.email = None
    tenant.anonymized_at = now
    tenant.updated_at = now

    phones = list(await session.scalars(select(Phone).where(Phone.tenant_id == tid).order_by(Phone.id)))
    mapping = {p.e164: placeholder_number(tid, i) for i, p in enumerate(phones, start=1)}
    still_opted_out = await opted_out_numbers(session, list(mapping))
    for p in phones:
        p.e164 = mapping[p.e164]
    counts["phones"] = len(phones)
    await session.flush()

    stmts: dict[str, list[Any]] = {"opt_out_events": []}
    for old, new in mapping.items():
        if old not in still_opted_out:
            stmts["opt_out_events"].append(
                update(OptOutEvent).where(OptOutEvent.e164 == old).values(e164=new, note=None))
    stmts["opt_out_notes"] = [update(OptOutEvent).where(OptOutEvent.tenant_id == tid).values(note=None)]
    for feature in hooks.RETENTION.modules_loaded():
        stmts.update(feature.anonymize_statements(tid, mapping))
    for key, statements in stmts.items():
        counts[key] = 0
        for stmt in statements:
            result = await session.execute(stmt.execution_options(synchronize_session=False))
            counts[key] += _rowcount(result)
    return counts


# --- the periodic purge -----------------------------------------------------------------


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _dormant_tenants(cutoff: datetime) -> Any:
    """Households whose leases all ended and whose last contact, both before the cutoff."""
    cutoff_day = cutoff.date()
    conds = [
        exists().where(Lease.tenant_id == Tenant.id),
        ~exists().where(Lease.tenant_id == Tenant.id,
                        or_(Lease.lease_end.is_(None), Lease.lease_end >= cutoff_day)),
    ]
    for feature in hooks.RETENTION.modules_loaded():
        conds += [~contact for contact in feature.contact_since(cutoff)]
    return select(Tenant.id).where(*conds)


async def purge(session: AsyncSession, now: datetime, years: int) -> int:
    """Blank the notes and message texts of households out of the retention period, and
    of messages from unknown numbers older than it. Returns how many texts were blanked."""
    day = years_before(now.date(), years)
    cutoff = now.replace(year=day.year, month=day.month, day=day.day)
    dormant = _dormant_tenants(cutoff)
    stmts: list[Any] = []
    for feature in hooks.RETENTION.modules_loaded():
        stmts += feature.purge_statements(dormant, cutoff)
    count = 0
    for stmt in stmts:
        count += _rowcount(await session.execute(stmt.execution_options(synchronize_session=False)))
    if count:
        session.add(AuditEvent(at=now, action="purge", object_type="retention",
                               details={"texts": count, "cutoff": cutoff.isoformat()}))
    return count


async def purge_old_data(app: web.Application) -> int:
    """Scheduled job: blank texts older than ``CRM_RETENTION_YEARS`` (default 3 years)."""
    now = app[CLOCK].now()
    async with app[DB].session() as session:
        count = await purge(session, now, app[SETTINGS].retention_years)
        await session.commit()
    return count


JOBS = [Job("purge_old_data", 3600, purge_old_data)]
