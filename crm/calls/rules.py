"""Courtesy-call rules (RULES.md) as small pure functions: the window, the retry spacing.

Local-time arithmetic goes through ``crm.calendar``; here only the rules themselves.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from crm import calendar

WINDOW_OPENS_AFTER = 7  # days after move-in: the tenant has settled in
WINDOW_CLOSES_AFTER = 30  # days after move-in
MAX_ATTEMPTS = 4  # unanswered attempts (no answer, voicemail, busy) before giving up
CLAIM_MINUTES = 15  # how long a claim keeps other advisers off a task
CALLBACK_TASK_DAYS = 7  # an SMS callback request stays in the queue this long
PARIS = ZoneInfo("Europe/Paris")


def window_for(lease_start: date) -> tuple[date, date]:
    return (lease_start + timedelta(days=WINDOW_OPENS_AFTER),
            lease_start + timedelta(days=WINDOW_CLOSES_AFTER))


def half_day(moment: datetime, tz: ZoneInfo) -> str:
    """``morning`` or ``afternoon``; outside calling hours, before 13:30 counts as morning."""
    period = calendar.call_period(moment, tz)
    if period:
        return period
    afternoon_start = calendar.CALL_PERIODS[1][0]
    return calendar.MORNING if moment.astimezone(tz).time() < afternoon_start else calendar.AFTERNOON


def next_retry_at(moment: datetime, tz: ZoneInfo, department: str | None) -> datetime:
    """After an unanswered call: the next working day, in the other half-day (RULES.md)."""
    other = calendar.AFTERNOON if half_day(moment, tz) == calendar.MORNING else calendar.MORNING
    day = calendar.next_working_day(moment.astimezone(tz).date(), department)
    start = calendar.CALL_PERIODS[0][0] if other == calendar.MORNING else calendar.CALL_PERIODS[1][0]
    return calendar.at_local(day, start, tz)


def queue_reference(day: date, now: datetime, tz: ZoneInfo) -> datetime:
    """The moment a day's queue is computed for: "now" today (or the opening of calling
    hours if earlier), the end of calling hours for another day."""
    today = calendar.local_today(now, tz)
    if day == today:
        return max(now, calendar.at_local(day, calendar.CALL_PERIODS[0][0], tz))
    return calendar.at_local(day, calendar.CALL_PERIODS[-1][1], tz)


def end_of_window(window_end: date, tz: ZoneInfo) -> datetime:
    """The last calling moment of a window's last day."""
    return calendar.at_local(window_end, time(23, 59, 59), tz)
