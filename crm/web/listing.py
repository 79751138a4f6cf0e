"""What every long list needs: page numbers (not only "previous / next" over 100 pages)
and sortable columns, as links that keep the other filters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode


def page_links(page: int, pages: int, params: Mapping[str, Any], *, around: int = 2) -> list[dict[str, Any]]:
    """``[{"n": 1, "url": "?…page=1", "current": False}, {"gap": True}, …]``: the first and
    last pages, and ``around`` pages either side of the current one."""
    wanted = {1, pages, *range(page - around, page + around + 1)}
    shown = sorted(n for n in wanted if 1 <= n <= pages)
    links: list[dict[str, Any]] = []
    previous = 0
    for n in shown:
        if n > previous + 1:
            links.append({"gap": True})
        links.append({"n": n, "url": "?" + urlencode({**_clean(params), "page": n}), "current": n == page})
        previous = n
    return links


def _clean(params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v not in (None, "") and k != "page"}


def sort_choice(raw: str | None, allowed: Mapping[str, Any], default: str) -> tuple[str, bool]:
    """``("name", False)`` from ``?sort=name`` or ``?sort=-name`` (descending); unknown keys
    fall back to ``default`` rather than failing."""
    raw = (raw or "").strip()
    descending = raw.startswith("-")
    key = raw.lstrip("-")
    if key not in allowed:
        return default.lstrip("-"), default.startswith("-")
    return key, descending


def sort_links(current: str, descending: bool, keys: list[str], params: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Per column: the URL that sorts by it (again: the other way) and its aria-sort."""
    out = {}
    for key in keys:
        active = key == current
        target = f"-{key}" if active and not descending else key
        out[key] = {
            "url": "?" + urlencode({**_clean(params), "sort": target}),
            "aria": ("descending" if descending else "ascending") if active else "none",
            "arrow": ("▼" if descending else "▲") if active else "",
        }
    return out


def sort_options(labels: Mapping[str, str], current: str, descending: bool) -> list[dict[str, Any]]:
    """The same orders as a ``<select name="sort">`` (``partials/sort_choice.html``): on a
    phone the table's header, and its sort links, are hidden behind the cards."""
    return [{"value": f"{'-' if down else ''}{key}", "label": f"{label} ({'décroissant' if down else 'croissant'})",
             "selected": key == current and down == descending}
            for key, label in labels.items() for down in (False, True)]
