"""A tenant's timeline: everything that happened with a household, newest first.

Features add their own entries without touching this module: each provider module listed in
``crm.hooks.TIMELINE`` exposes ``async def entries(session, tenant_id) -> list[TimelineEntry]``.
The tenant's own events (lease start and end, lease changes, opt-out changes) come from here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm import hooks
from crm.models import Lease, LeaseChange, OptOutEvent, Phone

PROVIDERS: tuple[str, ...] = hooks.TIMELINE.modules  # a test swaps in its own

Provider = Callable[[AsyncSession, int], Awaitable[list["TimelineEntry"]]]

OPT_OUT_SOURCES = {
    "sms": "par SMS",
    "import": "fichier du bailleur",
    "adviser": "par un conseiller",
    "twilio_21610": "refus de l'opérateur",
}


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime  # aware UTC
    kind: str  # e.g. "lease_start", "call_attempt", "sms_sent", "sms_received"
    title: str  # French, one line
    detail: str | None = None
    link: str | None = None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def day_start(day: date) -> datetime:
    """A calendar date placed on the timeline. Noon UTC keeps the same date in France
    whatever the season, so pages showing the date never slip a day."""
    return datetime.combine(day, time(12, 0), tzinfo=UTC)


def _providers() -> list[Provider]:
    return hooks.Hook(hooks.TIMELINE.attribute, PROVIDERS).handlers()


async def own_entries(session: AsyncSession, tenant_id: int, *, leases: list[Lease] | None = None,
                      opt_outs: list[OptOutEvent] | None = None) -> list[TimelineEntry]:
    """Lease starts and ends, lease changes from re-imports, SMS opt-out changes. A caller
    that already loaded the tenant's leases or opt-out events passes them."""
    out: list[TimelineEntry] = []
    if leases is None:
        leases = list((await session.scalars(select(Lease).where(Lease.tenant_id == tenant_id))).all())
    for lease in leases:
        out.append(TimelineEntry(day_start(lease.lease_start), "lease_start",
                                 f"Entrée dans le logement (bail {lease.contract_ref})"))
        if lease.lease_end is not None:
            out.append(TimelineEntry(day_start(lease.lease_end), "lease_end",
                                     f"Fin du bail {lease.contract_ref}"))
    refs = {lease.id: lease.contract_ref for lease in leases}
    if refs:
        changes = await session.scalars(select(LeaseChange).where(LeaseChange.lease_id.in_(refs)))
        for change in changes:
            fields = ", ".join(sorted(change.changes)) if change.changes else None
            out.append(TimelineEntry(change.at, "lease_change",
                                     f"Bail {refs[change.lease_id]} mis à jour ({change.source})",
                                     detail=f"Champs modifiés : {fields}" if fields else None))
    if opt_outs is None:
        opt_outs = await opt_out_events(session, tenant_id)
    for event in opt_outs:
        title = "Refus des SMS" if event.opted_out else "Accepte de nouveau les SMS"
        source = OPT_OUT_SOURCES.get(event.source, event.source)
        out.append(TimelineEntry(event.at, "opt_out" if event.opted_out else "opt_in",
                                 f"{title} ({source})", detail=event.note))
    return out


async def opt_out_events(session: AsyncSession, tenant_id: int) -> list[OptOutEvent]:
    """Opt-out changes of the tenant: recorded for them, or for one of their numbers."""
    numbers = select(Phone.e164).where(Phone.tenant_id == tenant_id).scalar_subquery()
    rows = await session.scalars(
        select(OptOutEvent)
        .where(or_(OptOutEvent.tenant_id == tenant_id, OptOutEvent.e164.in_(numbers)))
        .order_by(OptOutEvent.at.desc(), OptOutEvent.id.desc())
    )
    return list(rows)


async def tenant_timeline(session: AsyncSession, tenant_id: int, *, leases: list[Lease] | None = None,
                          opt_outs: list[OptOutEvent] | None = None) -> list[TimelineEntry]:
    """Every entry about the tenant, from this module and the features, newest first."""
    entries = await own_entries(session, tenant_id, leases=leases, opt_outs=opt_outs)
    for provider in _providers():
        entries.extend(await provider(session, tenant_id))
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries
