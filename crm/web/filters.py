"""Jinja filters for French pages: local dates and times, numbers, percentages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import jinja2

from crm.config import Settings
from crm.phones import format_phone

_DAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]


def install_filters(env: jinja2.Environment, settings: Settings) -> None:
    tz = settings.tz

    def local_dt(value: datetime | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
        if value is None:
            return ""
        return value.astimezone(tz).strftime(fmt)

    def fr_date(value: date | datetime | None) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            value = value.astimezone(tz).date()
        return value.strftime("%d/%m/%Y")

    def weekday(value: date | None) -> str:
        return "" if value is None else _DAYS[value.weekday()]

    def pct(value: float | None, digits: int = 0) -> str:
        if value is None:
            return "—"
        return f"{value * 100:.{digits}f} %".replace(".", ",")

    def num(value: Any) -> str:
        if value is None:
            return "—"
        if isinstance(value, float):
            return f"{value:,.2f}".replace(",", " ").replace(".", ",")
        return f"{value:,}".replace(",", " ")

    env.filters.update(local_dt=local_dt, fr_date=fr_date, weekday=weekday, pct=pct, num=num,
                       phone=format_phone)
