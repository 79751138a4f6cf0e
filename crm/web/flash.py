"""One-time messages after a redirect ("Pas de réponse enregistré pour Mme Martin"), kept in
a short-lived cookie instead of the URL: a reload, a bookmark or a shared link never
repeats them, and nobody can craft a link that shows a fake message.

The cookie is signed with a key derived from the page session's token, so it only reads
back in the session that set it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from aiohttp import web

FLASH_COOKIE = "crm_flash"
MAX_AGE = 120  # seconds: the redirect follows at once


def _key(request: web.Request) -> bytes | None:
    from crm.web.middlewares import PRINCIPAL

    p = request.get(PRINCIPAL)
    token = getattr(p, "session_token", None)
    return hashlib.sha256(b"flash:" + token.encode()).digest() if token else None


def set_flash(request: web.Request, response: web.StreamResponse, text: str, *, kind: str = "ok",
              **extra: Any) -> web.StreamResponse:
    """``kind`` is ok | error | warn; ``extra`` values must be JSON (e.g. an undo offer)."""
    key = _key(request)
    if key is None:
        return response
    payload = base64.urlsafe_b64encode(
        json.dumps({"text": text, "kind": kind, **extra}, ensure_ascii=False).encode()).decode()
    sig = hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()[:32]
    response.set_cookie(FLASH_COOKIE, f"{payload}.{sig}", httponly=True, samesite="Lax",
                        path="/", max_age=MAX_AGE)
    return response


def read_flash(request: web.Request) -> dict[str, Any] | None:
    raw, key = request.cookies.get(FLASH_COOKIE), _key(request)
    if not raw or key is None or "." not in raw:
        return None
    payload, sig = raw.rsplit(".", 1)
    if not hmac.compare_digest(sig, hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()[:32]):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(payload.encode()))
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("text"), str) else None


def redirect(request: web.Request, location: str, text: str, *, kind: str = "ok",
             see_other: bool = False, **extra: Any) -> web.HTTPFound | web.HTTPSeeOther:
    """A 302 (or 303) to ``location`` carrying a one-time message (raise it)."""
    response = (web.HTTPSeeOther if see_other else web.HTTPFound)(location)
    set_flash(request, response, text, kind=kind, **extra)
    return response
