"""Request indicators per agency and month of registration: requests by status and kind,
median time to ``done`` per urgency, share done on time, share of notified steps that got
their SMS, and the satisfaction rate from the SMS question (``crm.themes.satisfaction``)."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time
from statistics import median
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.calendar import at_local
from crm.csvexport import excel_csv
from crm.errors import ApiError
from crm.models import Agency
from crm.requests import steps
from crm.requests.models import RequestMessage, RequestStep, TenantRequest
from crm.requests.notify import sms_step_for
from crm.requests.sms_templates import SATISFACTION, current_templates
from crm.themes import satisfaction

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
URGENCY_CODES = ("U1", "U2", "U3")


@dataclass(frozen=True)
class Period:
    first: str  # "2026-09"
    last: str

    @classmethod
    def parse(cls, query: Any, now: datetime, tz: ZoneInfo) -> Period:
        """``from`` and ``to`` as YYYY-MM (default: the current month)."""
        current = now.astimezone(tz).strftime("%Y-%m")
        first, last = query.get("from") or current, query.get("to") or query.get("from") or current
        for value in (first, last):
            m = _MONTH.match(value)
            if not m or not 1900 <= int(m.group(1)) <= 2200:
                raise ApiError("from et to sont des mois AAAA-MM.", code="invalid_parameter")
        if first > last:
            raise ApiError("from doit précéder to.", code="invalid_parameter")
        return cls(first, last)

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        y, m = (int(x) for x in self.last.split("-"))
        end = date(y + (m == 12), m % 12 + 1, 1)
        fy, fm = (int(x) for x in self.first.split("-"))
        return at_local(date(fy, fm, 1), time(0), tz), at_local(end, time(0), tz)


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


async def compute(session: AsyncSession, period: Period, agency_id: int | None,
                  tz: ZoneInfo, now: datetime) -> list[dict[str, Any]]:
    start, end = period.bounds(tz)
    judged_until = min(end, now)  # an open request not yet due is neither on time nor late
    where = [TenantRequest.registered_at >= start, TenantRequest.registered_at < end]
    if agency_id is not None:
        where.append(TenantRequest.agency_id == agency_id)
    requests = (await session.scalars(select(TenantRequest).where(*where))).all()
    ids = select(TenantRequest.id).where(*where).scalar_subquery()
    reached = defaultdict(set)
    for request_id, status in (await session.execute(
            select(RequestStep.request_id, RequestStep.status).where(RequestStep.request_id.in_(ids)))).all():
        reached[request_id].add(status)
    sent = defaultdict(set)
    for request_id, step in (await session.execute(
            select(RequestMessage.request_id, RequestMessage.step)
            .where(RequestMessage.request_id.in_(ids), RequestMessage.outbox_message_id.is_not(None)))).all():
        sent[request_id].add(step)
    enabled = {step for step, (_, on) in (await current_templates(session)).items() if on}
    names: dict[int, str] = dict((await session.execute(select(Agency.id, Agency.name))).all())

    groups: dict[tuple[int, str], list[TenantRequest]] = defaultdict(list)
    for r in requests:
        groups[(r.agency_id, r.registered_at.astimezone(tz).strftime("%Y-%m"))].append(r)
    rows = []
    for (agency, month), items in sorted(groups.items(), key=lambda kv: (names.get(kv[0][0], ""), kv[0][1])):
        hours: dict[str, list[float]] = defaultdict(list)
        on_time = due_known = owed = notified = 0
        for r in items:
            if r.done_at is not None:
                hours[r.urgency].append((r.done_at - r.registered_at).total_seconds() / 3600)
                due_known += 1
                on_time += r.done_at <= r.due_at
            elif r.status in steps.OPEN and r.due_at < judged_until:
                due_known += 1  # still open past its due time: not on time
            if r.notify:
                keys = {sms_step_for(s) for s in reached[r.id]} | (
                    {SATISFACTION} if steps.CLOSED in reached[r.id] else set())
                keys = {k for k in keys if k in enabled}
                owed += len(keys)
                notified += len(keys & sent[r.id])
        rate, n = satisfaction(r.satisfaction for r in items)
        rows.append({
            "agency": {"id": agency, "name": names.get(agency)}, "month": month,
            "requests": len(items),
            "by_status": {s: sum(r.status == s for r in items) for s in steps.ALL},
            "by_kind": {k: sum(r.kind == k for r in items) for k in steps.KINDS},
            "median_hours_to_done": {u: round(median(hours[u]), 1) if hours[u] else None
                                     for u in URGENCY_CODES},
            "on_time": {"rate": _rate(on_time, due_known), "n": due_known},
            "steps_notified": {"rate": _rate(notified, owed), "n": owed},
            "satisfaction": {"rate": rate, "n": n},
        })
    return rows


HEADERS = (["Agence", "Mois", "Demandes"] + [f"Statut : {label}" for label in steps.LABELS.values()]
           + [f"Type : {label}" for label in steps.KINDS.values()]
           + [f"Délai médian jusqu'à traitée {u} (h)" for u in URGENCY_CODES]
           + ["Traitées dans les délais (%)", "Base délais", "Étapes notifiées par SMS (%)",
              "Base étapes", "Satisfaction SMS (%)", "Réponses satisfaction"])


def _pct(rate: float | None) -> str:
    return "" if rate is None else f"{rate * 100:.1f}".replace(".", ",")


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}".replace(".", ",")


def to_csv(rows: list[dict[str, Any]]) -> bytes:
    return excel_csv(HEADERS, ([
        row["agency"]["name"], row["month"], row["requests"],
        *(row["by_status"][s] for s in steps.LABELS), *(row["by_kind"][k] for k in steps.KINDS),
        *(_num(row["median_hours_to_done"][u]) for u in URGENCY_CODES),
        _pct(row["on_time"]["rate"]), row["on_time"]["n"],
        _pct(row["steps_notified"]["rate"]), row["steps_notified"]["n"],
        _pct(row["satisfaction"]["rate"]), row["satisfaction"]["n"],
    ] for row in rows))
