"""Personal data over time (RGPD): anonymising a household on request, and the periodic
purge of notes and message texts kept longer than the retention period.

Rows that indicators count (call attempts, interviews, outbox messages, inbound messages)
are never deleted: their free texts are blanked, so KPIs and campaign figures stay right.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from aiohttp import web
from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm.keys import CLOCK, DB, SETTINGS
from crm.models import AuditEvent, Lease, OptOutEvent, Phone, Tenant
from crm.scheduler import Job
from crm.tenants.optouts import opted_out_numbers

ANONYMIZED = "[anonymisé]"
PURGED = "[supprimé — durée de conservation dépassée]"
ANONYMOUS_NAME = "Anonyme"


def placeholder_number(tenant_id: int, index: int) -> str:
    """A number that cannot be dialled or texted (country code 0 does not exist), distinct
    per tenant and phone so unique keys still hold."""
    return f"+0{tenant_id:011d}{index:02d}"


def _feature_models() -> dict[str, Any]:
    """The feature tables holding free texts."""
    from crm.calls.models import CallAttempt, CallTask, FollowUp, Interview
    from crm.campaigns.models import Campaign, OutboxMessage
    from crm.inbox.models import InboundMessage
    from crm.sms.models import LocalSms

    return dict(CallAttempt=CallAttempt, CallTask=CallTask, FollowUp=FollowUp, Interview=Interview,
                Campaign=Campaign, OutboxMessage=OutboxMessage, InboundMessage=InboundMessage,
                LocalSms=LocalSms)


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

    m = _feature_models()
    stmts: dict[str, list[Any]] = {"opt_out_events": []}
    for old, new in mapping.items():
        if old not in still_opted_out:
            stmts["opt_out_events"].append(
                update(OptOutEvent).where(OptOutEvent.e164 == old).values(e164=new, note=None))
    stmts["opt_out_notes"] = [update(OptOutEvent).where(OptOutEvent.tenant_id == tid).values(note=None)]
    if "CallAttempt" in m:
        CallAttempt, CallTask = m["CallAttempt"], m["CallTask"]
        tasks = select(CallTask.id).where(CallTask.tenant_id == tid).scalar_subquery()
        stmts["call_notes"] = [update(CallAttempt).where(CallAttempt.task_id.in_(tasks))
                               .values(note=None)]
        stmts["call_numbers"] = [update(CallAttempt).where(CallAttempt.task_id.in_(tasks),
                                 CallAttempt.phone_e164 == old).values(phone_e164=new)
                                 for old, new in mapping.items()]
        stmts["interviews"] = [update(m["Interview"]).where(m["Interview"].tenant_id == tid)
                               .values(summary=ANONYMIZED)]
        stmts["follow_ups"] = [update(m["FollowUp"]).where(m["FollowUp"].tenant_id == tid)
                               .values(description=ANONYMIZED)]
    if "OutboxMessage" in m:
        Outbox = m["OutboxMessage"]
        stmts["outbox_messages"] = [update(Outbox).where(Outbox.tenant_id == tid).values(body=ANONYMIZED)]
        # A "direct" campaign is one SMS to one tenant: its template is that SMS's text.
        Campaign = m["Campaign"]
        stmts["direct_sms"] = [update(Campaign).where(
            Campaign.kind == "direct",
            Campaign.id.in_(select(Outbox.campaign_id).where(Outbox.tenant_id == tid))).values(body=ANONYMIZED)]
        stmts["outbox_numbers"] = [update(Outbox).where(Outbox.e164 == old, Outbox.tenant_id == tid)
                                   .values(e164=new) for old, new in mapping.items()]
    if "InboundMessage" in m:
        Inbound = m["InboundMessage"]
        stmts["inbound_messages"] = [update(Inbound).where(
            or_(Inbound.tenant_id == tid, Inbound.from_e164.in_(list(mapping) or [""])))
            .values(body=ANONYMIZED)]
        stmts["inbound_numbers"] = [update(Inbound).where(Inbound.from_e164 == old)
                                    .values(from_e164=new) for old, new in mapping.items()]
        Local = m["LocalSms"]
        stmts["local_sms"] = [update(Local).where(Local.to == old).values(to=new, body=ANONYMIZED)
                              for old, new in mapping.items()]
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


def _dormant_tenants(m: dict[str, Any], cutoff: datetime) -> Any:
    """Households whose leases all ended and whose last contact, both before the cutoff."""
    cutoff_day = cutoff.date()
    conds = [
        exists().where(Lease.tenant_id == Tenant.id),
        ~exists().where(Lease.tenant_id == Tenant.id,
                        or_(Lease.lease_end.is_(None), Lease.lease_end >= cutoff_day)),
    ]
    if "CallAttempt" in m:
        CallAttempt, CallTask = m["CallAttempt"], m["CallTask"]
        conds.append(~exists().where(CallTask.tenant_id == Tenant.id, CallAttempt.task_id == CallTask.id,
                                     CallAttempt.at >= cutoff))
    if "InboundMessage" in m:
        conds.append(~exists().where(m["InboundMessage"].tenant_id == Tenant.id,
                                     m["InboundMessage"].received_at >= cutoff))
    if "OutboxMessage" in m:
        conds.append(~exists().where(m["OutboxMessage"].tenant_id == Tenant.id,
                                     m["OutboxMessage"].created_at >= cutoff))
    return select(Tenant.id).where(*conds)


async def purge(session: AsyncSession, now: datetime, years: int) -> int:
    """Blank the notes and message texts of households out of the retention period, and
    of messages from unknown numbers older than it. Returns how many texts were blanked."""
    day = years_before(now.date(), years)
    cutoff = now.replace(year=day.year, month=day.month, day=day.day)
    m = _feature_models()
    dormant = _dormant_tenants(m, cutoff)
    stmts: list[Any] = []
    if "CallAttempt" in m:
        CallAttempt, CallTask = m["CallAttempt"], m["CallTask"]
        tasks = select(CallTask.id).where(CallTask.tenant_id.in_(dormant))
        stmts.append(update(CallAttempt).where(CallAttempt.task_id.in_(tasks), CallAttempt.note.is_not(None))
                     .values(note=None))
        Interview, FollowUp = m["Interview"], m["FollowUp"]
        stmts.append(update(Interview).where(Interview.tenant_id.in_(dormant),
                                             Interview.summary.not_in(["", PURGED, ANONYMIZED]))
                     .values(summary=PURGED))
        stmts.append(update(FollowUp).where(FollowUp.tenant_id.in_(dormant),
                                            FollowUp.description.not_in([PURGED, ANONYMIZED]))
                     .values(description=PURGED))
    if "OutboxMessage" in m:
        Outbox = m["OutboxMessage"]
        stmts.append(update(Outbox).where(
            or_(Outbox.tenant_id.in_(dormant), and_(Outbox.tenant_id.is_(None), Outbox.created_at < cutoff)),
            Outbox.body.not_in([PURGED, ANONYMIZED])).values(body=PURGED))
        Campaign = m["Campaign"]
        stmts.append(update(Campaign).where(
            Campaign.kind == "direct", Campaign.created_at < cutoff,
            Campaign.id.in_(select(Outbox.campaign_id).where(Outbox.tenant_id.in_(dormant))),
            Campaign.body.not_in([PURGED, ANONYMIZED])).values(body=PURGED))
    if "InboundMessage" in m:
        Inbound = m["InboundMessage"]
        stmts.append(update(Inbound).where(
            or_(Inbound.tenant_id.in_(dormant), and_(Inbound.tenant_id.is_(None), Inbound.received_at < cutoff)),
            Inbound.body.not_in([PURGED, ANONYMIZED])).values(body=PURGED))
        Local = m["LocalSms"]
        stmts.append(update(Local).where(Local.at < cutoff, Local.body.not_in([PURGED, ANONYMIZED]))
                     .values(body=PURGED))
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
