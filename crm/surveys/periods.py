"""Quarters: reading the ways survey files write them, and their bounds in local time."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from crm.calendar import at_local

# "2026-Q3", "2026 T3", "Q3 2026", "T3 2026", "3T2026"... (T = trimestre).
_YEAR_FIRST = re.compile(r"^(\d{4})\s*[-/ ]?\s*[QT]\s*([1-4])$")
_QUARTER_FIRST = re.compile(r"^[QT]\s*([1-4])\s*[-/ ]?\s*(\d{4})$")


def parse_period(text: str) -> str | None:
    """The canonical "YYYY-Qn" of a quarter as written in a file, or None."""
    value = text.strip().upper()
    if m := _YEAR_FIRST.match(value):
        return f"{m.group(1)}-Q{m.group(2)}"
    if m := _QUARTER_FIRST.match(value):
        return f"{m.group(2)}-Q{m.group(1)}"
    return None


def quarters(year: int) -> list[str]:
    return [f"{year}-Q{q}" for q in range(1, 5)]


def quarter_of(moment: datetime, tz: ZoneInfo) -> str:
    """The quarter a timestamp falls in, by the local calendar (an interview at 00:30 on
    1 April in Paris is Q2 even though it is still 31 March in UTC)."""
    local = moment.astimezone(tz)
    return f"{local.year}-Q{(local.month - 1) // 3 + 1}"


def year_bounds_utc(year: int, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of a local calendar year, as aware UTC datetimes."""
    return at_local(date(year, 1, 1), time(0), tz), at_local(date(year + 1, 1, 1), time(0), tz)


def quarter_label(period: str) -> str:
    """"2026-Q3" -> "T3 2026", "2026" -> "Année 2026" (French pages and exports)."""
    if "-Q" in period:
        year, q = period.split("-Q")
        return f"T{q} {year}"
    return f"Année {period}"
