"""Personal data kept by the outbox: message texts and numbers; a direct SMS's text is also
its one-row campaign's template (see ``crm/tenants/retention.py``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, or_, select, update

from crm.campaigns.models import Campaign, OutboxMessage
from crm.models import Tenant
from crm.text import ANONYMIZED, PURGED


def anonymize_statements(tenant_id: int, numbers: dict[str, str]) -> dict[str, list[Any]]:
    return {
        "outbox_messages": [update(OutboxMessage).where(OutboxMessage.tenant_id == tenant_id)
                            .values(body=ANONYMIZED)],
        # A "direct" campaign is one SMS to one tenant: its template is that SMS's text.
        "direct_sms": [update(Campaign).where(
            Campaign.kind == "direct",
            Campaign.id.in_(select(OutboxMessage.campaign_id).where(OutboxMessage.tenant_id == tenant_id)))
            .values(body=ANONYMIZED)],
        "outbox_numbers": [update(OutboxMessage).where(OutboxMessage.e164 == old,
                                                       OutboxMessage.tenant_id == tenant_id)
                           .values(e164=new) for old, new in numbers.items()],
    }


def contact_since(cutoff: datetime) -> list[Any]:
    return [exists().where(OutboxMessage.tenant_id == Tenant.id, OutboxMessage.created_at >= cutoff)]


def purge_statements(dormant: Any, cutoff: datetime) -> list[Any]:
    return [
        update(OutboxMessage).where(
            or_(OutboxMessage.tenant_id.in_(dormant),
                and_(OutboxMessage.tenant_id.is_(None), OutboxMessage.created_at < cutoff)),
            OutboxMessage.body.not_in([PURGED, ANONYMIZED])).values(body=PURGED),
        update(Campaign).where(
            Campaign.kind == "direct", Campaign.created_at < cutoff,
            Campaign.id.in_(select(OutboxMessage.campaign_id).where(OutboxMessage.tenant_id.in_(dormant))),
            Campaign.body.not_in([PURGED, ANONYMIZED])).values(body=PURGED),
    ]
