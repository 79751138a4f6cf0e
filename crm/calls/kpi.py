"""Courtesy-call KPIs: the funnel attempted → reached → completed for the new tenants of a
period, against the targets (95 % attempted, 60 % completed), always with denominators.

Definitions (API.md, RULES.md):
- new tenants: courtesy-call tasks (one per lease entering its window) whose lease started
  in [from, to], in the caller's scope; tasks cancelled because the lease ended are left out.
  Tenants with no usable number stay in.
- attempted: at least one attempt inside the window (local days window_start..window_end).
- reached: at least one attempt where the tenant was spoken to (reached, refused, callback
  requested), or an interview.
- completed: an interview was posted.
- open: tenants whose window has not closed yet (window_end >= today).
- by_adviser: each tenant counts for the adviser of its interview, else of its last attempt;
  an adviser's ``new_tenants`` is the tenants counted for them.
- projection (cohorts still open): "à ce rythme" = what is done so far, plus the tenants of
  the cohort not done yet and still in their window converted at the rate observed on the
  tenants whose window closed in the 90 days before the period (or in the period itself).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm import calendar
from crm.calls.models import CallAttempt, CallTask, Interview, Outcome, TaskKind, TaskStatus
from crm.csvexport import excel_csv
from crm.models import Agency, Lease, User

TARGETS = {"attempted": 0.95, "completed": 0.60}
LOOKBACK_DAYS = 90


@dataclass
class TenantRow:
    task_id: int
    agency_id: int
    lease_start: date
    window_start: date
    window_end: date
    attempted: bool = False
    reached: bool = False
    completed: bool = False
    adviser_id: int | None = None
    last_attempt_at: Any = None
    # Who did the work, for the per-adviser activity (attempts and interviews each count
    # for the adviser who made them, not only for the last one).
    attempts_by: list[int] = field(default_factory=list)
    interviewed_by: int | None = None

    def open(self, today: date) -> bool:
        return self.window_end >= today


@dataclass
class Funnel:
    new_tenants: int = 0
    attempted: int = 0
    reached: int = 0
    completed: int = 0
    open: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def add(self, row: TenantRow, today: date) -> None:
        self.new_tenants += 1
        self.attempted += row.attempted
        self.reached += row.reached
        self.completed += row.completed
        self.open += row.open(today)

    def as_dict(self) -> dict[str, Any]:
        n = self.new_tenants

        def rate(x: int) -> float | None:
            return round(x / n, 4) if n else None

        return {
            **self.extra,
            "new_tenants": n,
            "attempted": self.attempted, "attempted_rate": rate(self.attempted),
            "reached": self.reached, "reached_rate": rate(self.reached),
            "completed": self.completed, "completed_rate": rate(self.completed),
            "open": self.open,
        }


async def load_rows(session: AsyncSession, *, start: date, end: date, agency_id: int | None,
                    tz: ZoneInfo) -> list[TenantRow]:
    stmt = (select(CallTask.id, CallTask.agency_id, Lease.lease_start, CallTask.window_start,
                   CallTask.window_end)
            .join(Lease, Lease.id == CallTask.lease_id)
            .where(CallTask.kind == TaskKind.COURTESY, CallTask.status != TaskStatus.CANCELLED,
                   Lease.lease_start >= start, Lease.lease_start <= end))
    if agency_id is not None:
        stmt = stmt.where(CallTask.agency_id == agency_id)
    rows = {r.id: TenantRow(r.id, r.agency_id, r.lease_start, r.window_start, r.window_end)
            for r in (await session.execute(stmt)).all()}
    ids = list(rows)
    for i in range(0, len(ids), 5000):
        chunk = ids[i:i + 5000]
        attempts = await session.execute(
            select(CallAttempt.task_id, CallAttempt.at, CallAttempt.outcome, CallAttempt.adviser_id)
            .where(CallAttempt.task_id.in_(chunk)).order_by(CallAttempt.at, CallAttempt.id))
        for task_id, at, outcome, adviser_id in attempts.all():
            row = rows[task_id]
            local_day = calendar.local_today(at, tz)
            if row.window_start <= local_day <= row.window_end:
                row.attempted = True
            if outcome in Outcome.CONTACT:
                row.reached = True
            row.adviser_id = adviser_id
            if adviser_id is not None:
                row.attempts_by.append(adviser_id)
        interviews = await session.execute(
            select(Interview.task_id, Interview.adviser_id).where(Interview.task_id.in_(chunk)))
        for task_id, adviser_id in interviews.all():
            row = rows[task_id]
            row.completed = row.reached = True
            row.adviser_id = adviser_id or row.adviser_id
            row.interviewed_by = adviser_id
    return list(rows.values())


def _pace(rows: list[TenantRow], today: date) -> dict[str, float | None]:
    closed = [r for r in rows if not r.open(today)]
    if not closed:
        return {"attempted": None, "completed": None}
    return {"attempted": sum(r.attempted for r in closed) / len(closed),
            "completed": sum(r.completed for r in closed) / len(closed)}


def project(rows: list[TenantRow], today: date, pace: dict[str, float | None]) -> dict[str, float | None]:
    """Projected final rates of a group with open windows (None when nothing to project)."""
    if not rows or not any(r.open(today) for r in rows):
        return {"attempted": None, "completed": None}
    result: dict[str, float | None] = {}
    for metric in ("attempted", "completed"):
        p = pace[metric]
        if p is None:
            result[metric] = None
            continue
        done = sum(getattr(r, metric) for r in rows)
        pending = sum(1 for r in rows if r.open(today) and not getattr(r, metric))
        result[metric] = round(min(1.0, (done + pending * p) / len(rows)), 4)
    return result


async def courtesy_call_kpis(
    session: AsyncSession, *, start: date, end: date, agency_id: int | None, today: date,
    tz: ZoneInfo,
) -> dict[str, Any]:
    rows = await load_rows(session, start=start, end=end, agency_id=agency_id, tz=tz)
    history = await load_rows(session, start=start - timedelta(days=LOOKBACK_DAYS), end=end,
                              agency_id=agency_id, tz=tz)
    pace = _pace(history, today)
    total = Funnel()
    by_agency: dict[int, Funnel] = defaultdict(Funnel)
    by_adviser: dict[int, Funnel] = defaultdict(Funnel)
    by_cohort: dict[str, list[TenantRow]] = defaultdict(list)
    attempts: dict[int, int] = defaultdict(int)
    interviews: dict[int, int] = defaultdict(int)
    for row in rows:
        total.add(row, today)
        by_agency[row.agency_id].add(row, today)
        if row.adviser_id is not None:
            by_adviser[row.adviser_id].add(row, today)
        for uid in row.attempts_by:
            attempts[uid] += 1
        if row.interviewed_by is not None:
            interviews[row.interviewed_by] += 1
        by_cohort[row.lease_start.strftime("%Y-%m")].append(row)
    for uid in (*attempts, *interviews):
        by_adviser.setdefault(uid, Funnel())
    agency_names: dict[int, str] = dict((await session.execute(
        select(Agency.id, Agency.name).where(Agency.id.in_(list(by_agency))))).all()) if by_agency else {}
    advisers = {u.id: u for u in await session.scalars(
        select(User).where(User.id.in_(list(by_adviser))))} if by_adviser else {}
    cohorts = []
    for month in sorted(by_cohort):
        funnel = Funnel(extra={"cohort": month, "label": month_label(month)})
        for row in by_cohort[month]:
            funnel.add(row, today)
        item = funnel.as_dict()
        item["projection"] = project(by_cohort[month], today, pace)
        cohorts.append(item)
    result = total.as_dict()
    result.update({
        "from": start, "to": end,
        "targets": dict(TARGETS),
        "projection": project(rows, today, pace),
        "by_agency": sorted(
            ({**f.as_dict(), "agency": {"id": aid, "name": agency_names.get(aid)}}
             for aid, f in by_agency.items()), key=lambda x: x["agency"]["name"] or ""),
        # Per adviser: the funnel of the tenants attributed to them (API compatibility) and
        # their own activity — calls made and interviews done — which the page shows, since
        # an attributed tenant is "called" by construction.
        "by_adviser": sorted(
            ({**f.as_dict(), "attempts": attempts.get(uid, 0), "interviews": interviews.get(uid, 0),
              "adviser": {"id": uid, "email": advisers[uid].email if uid in advisers else None,
                          "name": advisers[uid].full_name if uid in advisers else None}}
             for uid, f in by_adviser.items()), key=lambda x: x["adviser"]["email"] or ""),
        "by_cohort": cohorts,
    })
    return result


MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre")

# The words of the indicators, shared by the page and the CSV so both say the same thing.
LABELS = {
    "new_tenants": "Nouveaux locataires", "attempted": "Appelés", "reached": "Joints",
    "completed": "Entretiens réalisés", "open": "Fenêtre encore ouverte",
    "attempts": "Appels passés", "interviews": "Entretiens faits",
    "total": "Total", "agency": "Agence", "adviser": "Conseiller", "cohort": "Mois d'entrée",
}


def month_label(month: str) -> str:
    """"2026-08" → "août 2026"."""
    year, number = month.split("-")
    return f"{MONTHS[int(number) - 1]} {year}"


def kpi_csv(data: dict[str, Any]) -> str:
    """The KPI table as CSV for Excel: ``;``-separated, UTF-8 with BOM, rates in percent,
    with the page's words (``LABELS``)."""
    rows: list[list[Any]] = []

    def pct(value: float | None) -> str:
        return "" if value is None else f"{value * 100:.1f}".replace(".", ",")

    def line(group: str, name: str, item: dict[str, Any]) -> None:
        rows.append([group, name, item["new_tenants"], item["attempted"], pct(item["attempted_rate"]),
                     item["reached"], pct(item["reached_rate"]), item["completed"],
                     pct(item["completed_rate"]), item["open"], item.get("attempts", ""),
                     item.get("interviews", "")])

    line(LABELS["total"], f"{data['from']} → {data['to']}", data)
    for item in data["by_agency"]:
        line(LABELS["agency"], item["agency"]["name"] or str(item["agency"]["id"]), item)
    for item in data["by_adviser"]:
        line(LABELS["adviser"], item["adviser"]["name"] or item["adviser"]["email"] or "", item)
    for item in data["by_cohort"]:
        line(LABELS["cohort"], item["label"], item)
    headers = ["Groupe", "Nom", LABELS["new_tenants"]]
    for key in ("attempted", "reached", "completed"):
        headers += [LABELS[key], f"% {LABELS[key].lower()}"]
    headers += [LABELS["open"], LABELS["attempts"], LABELS["interviews"]]
    return excel_csv(headers, rows).decode("utf-8")
