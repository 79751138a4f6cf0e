"""Personal data kept by requests: their descriptions and step notes (see
``crm/tenants/retention.py``). The rows stay: indicators and the survey comparison count them.
The status SMS texts are the outbox's (``crm/campaigns/retention.py``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import exists, select, update

from crm.models import Tenant
from crm.requests.models import RequestStep, TenantRequest
from crm.text import ANONYMIZED, PURGED


def _steps_of(tenants: Any) -> Any:
    return select(TenantRequest.id).where(TenantRequest.tenant_id.in_(tenants))


def anonymize_statements(tenant_id: int, numbers: dict[str, str]) -> dict[str, list[Any]]:
    return {
        "requests": [update(TenantRequest).where(TenantRequest.tenant_id == tenant_id)
                     .values(description=ANONYMIZED)],
        "request_notes": [update(RequestStep).where(
            RequestStep.request_id.in_(_steps_of([tenant_id])), RequestStep.note.is_not(None))
            .values(note=None)],
    }


def contact_since(cutoff: datetime) -> list[Any]:
    return [exists().where(TenantRequest.tenant_id == Tenant.id, TenantRequest.updated_at >= cutoff)]


def purge_statements(dormant: Any, cutoff: datetime) -> list[Any]:
    return [
        update(TenantRequest).where(TenantRequest.tenant_id.in_(dormant),
                                    TenantRequest.description.not_in(["", PURGED, ANONYMIZED]))
        .values(description=PURGED),
        update(RequestStep).where(RequestStep.request_id.in_(_steps_of(dormant)),
                                  RequestStep.note.is_not(None)).values(note=None),
    ]
