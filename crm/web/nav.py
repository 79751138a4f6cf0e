"""The navigation bar: an entry shows when its route exists and the user's role fits."""

from __future__ import annotations

from typing import Any

from aiohttp import web

ALL = ("admin", "manager", "adviser")
MANAGERS = ("admin", "manager")

# (route name, label, roles, page-context key holding a badge count or None)
NAV: list[tuple[str, str, tuple[str, ...], str | None]] = [
    ("morning_page", "Ce matin", MANAGERS, None),
    ("calls_page", "Appels du jour", ALL, None),
    ("requests_page", "Demandes", ALL, None),
    ("my_requests_page", "Mes demandes", ALL, "my_requests_alerts"),
    ("inbox_page", "Messages reçus", ALL, "inbox_open_count"),
    ("campaigns_page", "Campagnes SMS", MANAGERS, None),
    ("incidents_page", "Incidents", ALL, None),
    ("commitments_page", "Engagements", MANAGERS, "commitments_due_count"),
    ("tenants", "Locataires", ALL, None),
    ("kpi_page", "Indicateurs", MANAGERS, None),
    ("surveys_page", "Enquêtes", MANAGERS, None),
    ("local_sms_page", "SMS envoyés (simulation)", ALL, None),
    ("imports", "Imports", ("admin",), None),
]


def nav_items(app: web.Application, ctx: dict[str, Any]) -> list[dict[str, Any]]:
    named = app.router.named_resources()
    items = []
    for name, label, roles, badge_key in NAV:
        if name not in named:
            continue
        href = named[name].canonical
        items.append({"href": href, "label": label, "roles": roles,
                      "badge": ctx.get(badge_key) if badge_key else None})
    return items
