"""Reading form bodies (pages, Twilio webhooks) with one rule for what does not parse."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from crm.errors import ApiError


async def read_form(request: web.Request) -> Any:
    """The request's form fields (cached by aiohttp for later ``request.post()`` calls);
    400 for a body that does not parse (e.g. a malformed multipart), 413 when too large."""
    try:
        return await request.post()
    except web.HTTPException:
        raise
    except Exception:  # noqa: BLE001 - whatever the parser trips on, the client sent it
        raise ApiError("Le formulaire envoyé est illisible.", code="malformed_form") from None
