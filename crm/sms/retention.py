"""Personal data kept by the local backend: the texts it kept instead of sending
(see ``crm/tenants/retention.py``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update

from crm.sms.models import LocalSms
from crm.text import ANONYMIZED, PURGED


def anonymize_statements(tenant_id: int, numbers: dict[str, str]) -> dict[str, list[Any]]:
    return {"local_sms": [update(LocalSms).where(LocalSms.to == old).values(to=new, body=ANONYMIZED)
                          for old, new in numbers.items()]}


def contact_since(cutoff: datetime) -> list[Any]:
    return []  # what the local backend kept says nothing about contact (the outbox does)


def purge_statements(dormant: Any, cutoff: datetime) -> list[Any]:
    return [update(LocalSms).where(LocalSms.at < cutoff, LocalSms.body.not_in([PURGED, ANONYMIZED]))
            .values(body=PURGED)]
