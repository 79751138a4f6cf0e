"""When a request is due: U1 4 hours, U2 24 hours, U3 5 working days after registration."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from crm.calendar import add_working_days, to_utc

HOURS = {"U1": 4, "U2": 24}
WORKING_DAYS = {"U3": 5}
DEFAULT_URGENCY = "U3"


def due_at(urgency: str, registered_at: datetime, tz: ZoneInfo, department: str | None = None) -> datetime:
    """The due time (aware UTC). U3 counts working days in local time (weekends and French
    public holidays skipped, Alsace-Moselle's too) and keeps the local time of day."""
    if urgency in HOURS:
        return registered_at + timedelta(hours=HOURS[urgency])
    local = registered_at.astimezone(tz)
    day = add_working_days(local.date(), WORKING_DAYS.get(urgency, 5), department)
    return to_utc(datetime.combine(day, local.time(), tzinfo=tz))
