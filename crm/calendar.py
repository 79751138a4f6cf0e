"""Local-time rules, in one place: working days, French public holidays, calling hours,
SMS sending hours. Everything else stores and compares aware UTC datetimes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

# Calls: working days, 09:00-12:30 and 13:30-19:00 local time (RULES.md).
CALL_PERIODS: tuple[tuple[time, time], ...] = ((time(9, 0), time(12, 30)), (time(13, 30), time(19, 0)))
MORNING, AFTERNOON = "morning", "afternoon"
# Non-urgent SMS: Monday to Saturday 08:00-20:00, never Sundays or public holidays.
SMS_START, SMS_END = time(8, 0), time(20, 0)


def _subdivision(department: str | None) -> str | None:
    """Alsace-Moselle keeps Good Friday (57, 67, 68) and St Stephen's Day."""
    if department == "57":
        return "57"
    if department in ("67", "68"):
        return "6AE"
    return None


@lru_cache(maxsize=64)
def _holidays(year: int, department: str | None) -> frozenset[date]:
    # holidays builds its country classes at run time, without annotations.
    calendar = holidays.France(years=year, subdiv=_subdivision(department))  # type: ignore[no-untyped-call]
    return frozenset(calendar.keys())


def is_holiday(day: date, department: str | None = None) -> bool:
    return day in _holidays(day.year, department)


def is_working_day(day: date, department: str | None = None) -> bool:
    return day.weekday() < 5 and not is_holiday(day, department)


def next_working_day(day: date, department: str | None = None, *, include: bool = False) -> date:
    """The first working day after ``day`` (or ``day`` itself when ``include`` and it works)."""
    current = day if include else day + timedelta(days=1)
    while not is_working_day(current, department):
        current += timedelta(days=1)
    return current


def add_working_days(day: date, count: int, department: str | None = None) -> date:
    current = day
    for _ in range(count):
        current = next_working_day(current, department)
    return current


def working_days_between(start: date, end: date, department: str | None = None) -> int:
    """Working days in (start, end]: how many working days have passed since ``start``."""
    count, current = 0, start
    while current < end:
        current += timedelta(days=1)
        if is_working_day(current, department):
            count += 1
    return count


def local_now(now: datetime, tz: ZoneInfo) -> datetime:
    return now.astimezone(tz)


def local_today(now: datetime, tz: ZoneInfo) -> date:
    return now.astimezone(tz).date()


def at_local(day: date, at: time, tz: ZoneInfo) -> datetime:
    """A local wall-clock time on a day, as aware UTC."""
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def day_bounds_utc(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of a local calendar day, in UTC."""
    return at_local(day, time(0), tz), at_local(day + timedelta(days=1), time(0), tz)


def call_period(moment: datetime, tz: ZoneInfo) -> str | None:
    """``morning``/``afternoon`` when ``moment`` falls in calling hours' time of day, else None."""
    t = moment.astimezone(tz).time()
    (m_start, m_end), (a_start, a_end) = CALL_PERIODS
    if m_start <= t < m_end:
        return MORNING
    if a_start <= t < a_end:
        return AFTERNOON
    return None


def is_calling_time(moment: datetime, tz: ZoneInfo, department: str | None = None) -> bool:
    local = moment.astimezone(tz)
    return is_working_day(local.date(), department) and call_period(moment, tz) is not None


def next_calling_time(
    moment: datetime, tz: ZoneInfo, department: str | None = None, *, period: str | None = None
) -> datetime:
    """The first moment at or after ``moment`` when calling is allowed (in ``period`` if given)."""
    local = moment.astimezone(tz)
    day = local.date()
    for _ in range(400):
        if is_working_day(day, department):
            for name, (start, end) in zip((MORNING, AFTERNOON), CALL_PERIODS, strict=True):
                if period and name != period:
                    continue
                begin = at_local(day, start, tz)
                finish = at_local(day, end, tz)
                if moment < finish:
                    return max(begin, moment)
        day += timedelta(days=1)
    raise RuntimeError("no calling time within 400 days")  # pragma: no cover


def is_sms_sending_time(moment: datetime, tz: ZoneInfo) -> bool:
    """Non-urgent SMS: Monday-Saturday 08:00-20:00, not on public holidays (national)."""
    local = moment.astimezone(tz)
    if local.weekday() == 6 or is_holiday(local.date()):
        return False
    return SMS_START <= local.time() < SMS_END


def next_sms_sending_time(moment: datetime, tz: ZoneInfo) -> datetime:
    """``moment`` itself when non-urgent SMS may go now, else the next allowed minute."""
    if is_sms_sending_time(moment, tz):
        return moment
    day = moment.astimezone(tz).date()
    for _ in range(30):
        if day.weekday() != 6 and not is_holiday(day):
            begin = at_local(day, SMS_START, tz)
            end = at_local(day, SMS_END, tz)
            if moment < end:
                return max(begin, moment)
        day += timedelta(days=1)
    raise RuntimeError("no sending time within 30 days")  # pragma: no cover


def to_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    return value.astimezone(UTC)
