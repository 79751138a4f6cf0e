"""Twilio webhook signatures, checked with the official SDK's RequestValidator.

Twilio signs the URL it called (our ``CRM_PUBLIC_URL`` + path + query) and the POST
parameters. Behind a reverse proxy the request the app sees has another scheme and host, so
the URL is rebuilt from the public URL, never from the request's Host header.
"""

from __future__ import annotations

import functools

from aiohttp import web
from twilio.request_validator import RequestValidator

from crm.errors import Forbidden
from crm.forms import read_form
from crm.keys import SETTINGS


@functools.lru_cache(maxsize=4)
def _validator(token: str) -> RequestValidator:
    return RequestValidator(token)


def public_url_of(request: web.Request) -> str:
    base = request.app[SETTINGS].public_url or ""
    return base.rstrip("/") + request.path_qs


async def verified_form(request: web.Request) -> dict[str, str]:
    """The POST parameters of a Twilio webhook, or 403 when the signature is missing or wrong.

    With the local SMS backend there are no Twilio credentials; webhooks are then refused
    (nothing can be verified) unless the settings hold an auth token.
    """
    settings = request.app[SETTINGS]
    token = settings.twilio_auth_token.get_secret_value() if settings.twilio_auth_token else None
    signature = request.headers.get("X-Twilio-Signature")
    form = await read_form(request)
    if not token or not signature:
        raise Forbidden("Signature Twilio absente.", code="signature_missing")
    # The form itself (a MultiDict, which the SDK reads with ``getall``): given a plain dict
    # the SDK tries two other APIs first and catches their AttributeError, twice per field.
    # A multipart body may hold files: the SDK is then given their text, as before.
    params = {k: str(v) for k, v in form.items()}
    signed = form if request.content_type == "application/x-www-form-urlencoded" else params
    if not _validator(token).validate(public_url_of(request), signed, signature):
        raise Forbidden("Signature Twilio invalide.", code="signature_invalid")
    return params
