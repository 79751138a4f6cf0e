"""Personal data kept by the calls: attempt notes and numbers, interview summaries,
follow-up descriptions (see ``crm/tenants/retention.py``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import exists, select, update

from crm.calls.models import CallAttempt, CallTask, FollowUp, Interview
from crm.models import Tenant
from crm.text import ANONYMIZED, PURGED


def anonymize_statements(tenant_id: int, numbers: dict[str, str]) -> dict[str, list[Any]]:
    tasks = select(CallTask.id).where(CallTask.tenant_id == tenant_id).scalar_subquery()
    return {
        "call_notes": [update(CallAttempt).where(CallAttempt.task_id.in_(tasks)).values(note=None)],
        "call_numbers": [update(CallAttempt).where(CallAttempt.task_id.in_(tasks),
                                                   CallAttempt.phone_e164 == old).values(phone_e164=new)
                         for old, new in numbers.items()],
        "interviews": [update(Interview).where(Interview.tenant_id == tenant_id).values(summary=ANONYMIZED)],
        "follow_ups": [update(FollowUp).where(FollowUp.tenant_id == tenant_id)
                       .values(description=ANONYMIZED)],
    }


def contact_since(cutoff: datetime) -> list[Any]:
    return [exists().where(CallTask.tenant_id == Tenant.id, CallAttempt.task_id == CallTask.id,
                           CallAttempt.at >= cutoff)]


def purge_statements(dormant: Any, cutoff: datetime) -> list[Any]:
    tasks = select(CallTask.id).where(CallTask.tenant_id.in_(dormant))
    return [
        update(CallAttempt).where(CallAttempt.task_id.in_(tasks), CallAttempt.note.is_not(None))
        .values(note=None),
        update(Interview).where(Interview.tenant_id.in_(dormant),
                                Interview.summary.not_in(["", PURGED, ANONYMIZED])).values(summary=PURGED),
        update(FollowUp).where(FollowUp.tenant_id.in_(dormant),
                               FollowUp.description.not_in([PURGED, ANONYMIZED])).values(description=PURGED),
    ]
