"""How the campaigns (the outbox owner) react to other features (wired in ``crm.hooks``)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Update, bindparam, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm.campaigns.models import OutboxMessage, OutboxStatus

OPTED_OUT_REASON = "Le destinataire a demandé l'arrêt des SMS (STOP)."


async def on_opted_out(session: AsyncSession, e164s: Collection[str], at: datetime) -> None:
    """Every message still pending for the numbers stops, in the caller's transaction.
    Urgent outage alerts may still go when the landlord allows it; the dispatcher re-checks
    that rule, so here every pending row for the number stops."""
    await session.execute(_CANCEL_PENDING, {"e164s": list(e164s), "at": at})


_outbox = OutboxMessage.__table__.c


def opted_out_statement(numbers: Any, at: ColumnElement[datetime]) -> Update:
    """``on_opted_out`` as one UPDATE of the pending rows whose number is among ``numbers``
    (values, or a select): the webhook folds it into its STOP statement on PostgreSQL."""
    return (update(OutboxMessage.__table__)
            .where(_outbox.e164.in_(numbers), _outbox.status == OutboxStatus.PENDING)
            .values(status=OutboxStatus.CANCELLED, error_reason=OPTED_OUT_REASON, updated_at=at))


# Built once (a STOP is a hot path); Core, so no ORM synchronisation of loaded rows.
_CANCEL_PENDING = opted_out_statement(bindparam("e164s", expanding=True),
                                      bindparam("at", type_=_outbox.updated_at.type))


QUEUE_PROBES = [
    ("crm_outbox_pending", "SMS waiting in the outbox",
     OutboxMessage, OutboxMessage.status, OutboxStatus.PENDING),
    ("crm_outbox_unknown", "SMS whose fate is unknown after a crash",
     OutboxMessage, OutboxMessage.status, OutboxStatus.UNKNOWN),
]
