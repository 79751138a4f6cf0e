"""How the campaigns (the outbox owner) react to other features (wired in ``crm.hooks``)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from crm.campaigns.models import OutboxMessage, OutboxStatus

OPTED_OUT_REASON = "Le destinataire a demandé l'arrêt des SMS (STOP)."


async def on_opted_out(session: AsyncSession, e164s: Collection[str], at: datetime) -> None:
    """Every message still pending for the numbers stops, in the caller's transaction.
    Urgent outage alerts may still go when the landlord allows it; the dispatcher re-checks
    that rule, so here every pending row for the number stops."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.e164.in_(list(e164s)), OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.CANCELLED, error_reason=OPTED_OUT_REASON, updated_at=at)
        .execution_options(synchronize_session=False)
    )


QUEUE_PROBES = [
    ("crm_outbox_pending", "SMS waiting in the outbox",
     OutboxMessage, OutboxMessage.status, OutboxStatus.PENDING),
    ("crm_outbox_unknown", "SMS whose fate is unknown after a crash",
     OutboxMessage, OutboxMessage.status, OutboxStatus.UNKNOWN),
]
