"""Twilio webhook signatures, checked with the official SDK's RequestValidator.

Twilio signs the URL it called (our ``CRM_PUBLIC_URL`` + path + query) and the POST
parameters. Behind a reverse proxy the request the app sees has another scheme and host, so
the URL is rebuilt from the public URL, never from the request's Host header.
"""

from __future__ import annotations

import base64
import functools
import hmac
from typing import Any
from urllib.parse import urlparse

from aiohttp import web
from multidict import MultiDict, MultiDictProxy
from twilio.request_validator import RequestValidator, add_port, compare, remove_port

from crm.errors import Forbidden
from crm.forms import read_form
from crm.keys import SETTINGS


class FirstMatchValidator(RequestValidator):  # type: ignore[misc]  # the SDK has no types
    """The SDK's validator, answering at the first URL spelling that matches.

    Twilio's signature may cover the URL with or without its port; the SDK computes the HMAC
    of both for every request (and parses the URL each time): a fifth of an incoming SMS's
    CPU. The same answer here: the port-less spelling first (what a public URL is), the
    other only when it fails. The spellings are worked out once per URL. Requests that
    carry a body hash (JSON bodies) or ask for another algorithm go to the SDK's own check.
    """

    def validate(self, uri: str, params: Any, signature: str, algorithm: str | None = None) -> bool:
        spellings = _spellings(uri)
        if spellings is None or algorithm is not None or isinstance(params, str):
            return bool(super().validate(uri, params, signature, algorithm))
        for spelt in spellings:
            if compare(self.compute_signature(spelt, params), signature):
                return True
        return False

    def compute_signature(self, uri: str, params: Any, algorithm: str | None = None) -> str:
        """The SDK's signature of a form (a MultiDict, as aiohttp reads it), computed as the
        SDK does (names sorted, each name's distinct values sorted, after the URL; HMAC-SHA1,
        base64) but with one join and a one-shot HMAC instead of a string grown pair by pair
        and ``getall`` reached through the SDK's chain of attempts."""
        if algorithm is not None or not isinstance(params, MultiDict | MultiDictProxy):
            return str(super().compute_signature(uri, params, algorithm))
        parts = [uri]
        for name in sorted(set(params)):
            for value in sorted(set(params.getall(name))):
                parts += (name, value)
        digest = hmac.digest(self.token, "".join(parts).encode("utf-8"), "sha1")
        return base64.b64encode(digest).decode("ascii")


@functools.lru_cache(maxsize=256)
def _spellings(uri: str) -> tuple[str, str] | None:
    """(without the port, with it), as the SDK spells them; None when the query names a body
    hash (the SDK then checks it too)."""
    parsed = urlparse(uri)
    if "bodySHA256" in parsed.query:
        return None
    return remove_port(parsed), add_port(parsed)


@functools.lru_cache(maxsize=4)
def _validator(token: str) -> RequestValidator:
    return FirstMatchValidator(token)


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
