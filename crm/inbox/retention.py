"""Personal data kept by the inbox: what tenants wrote and the numbers they wrote from
(see ``crm/tenants/retention.py``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, or_, update

from crm.inbox.models import InboundMessage
from crm.models import Tenant
from crm.text import ANONYMIZED, PURGED


def anonymize_statements(tenant_id: int, numbers: dict[str, str]) -> dict[str, list[Any]]:
    return {
        "inbound_messages": [update(InboundMessage).where(
            or_(InboundMessage.tenant_id == tenant_id, InboundMessage.from_e164.in_(list(numbers) or [""])))
            .values(body=ANONYMIZED)],
        "inbound_numbers": [update(InboundMessage).where(InboundMessage.from_e164 == old)
                            .values(from_e164=new) for old, new in numbers.items()],
    }


def contact_since(cutoff: datetime) -> list[Any]:
    return [exists().where(InboundMessage.tenant_id == Tenant.id, InboundMessage.received_at >= cutoff)]


def purge_statements(dormant: Any, cutoff: datetime) -> list[Any]:
    return [update(InboundMessage).where(
        or_(InboundMessage.tenant_id.in_(dormant),
            and_(InboundMessage.tenant_id.is_(None), InboundMessage.received_at < cutoff)),
        InboundMessage.body.not_in([PURGED, ANONYMIZED])).values(body=PURGED)]
