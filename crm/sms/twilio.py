"""Sending through Twilio with the official SDK and its asynchronous HTTP client.

The SDK client is built lazily inside the running event loop (an aiohttp session belongs to
one loop) and closed on shutdown. The SDK's own retries stay off: the outbox decides when
to try again, with its backoff and its record of attempts.
"""

from __future__ import annotations

import asyncio
import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import ClientSession, ClientTimeout, encode_basic_auth
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from crm.config import Settings
from crm.sms import twilio_errors
from crm.sms.transport import ProviderMessage, SmsError

log = logging.getLogger(__name__)

TWILIO_API = "https://api.twilio.com"
DEFAULT_TIMEOUT = 15.0  # seconds for one API call, connection included
CONNECT_TIMEOUT = 5.0  # of those, for the connection: a timeout there means nothing left
FIND_LIMIT = 50  # messages to one number in a day or two: a tenant gets a handful

# Failures before the request was written: Twilio cannot have the message, retrying is safe.
# (Any other timeout or broken connection happened after the request left.)
_NEVER_LEFT = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)

# The SDK's exceptions carry no response headers; Retry-After is read here instead. Each
# send() puts a fresh dict in the context of its own task, so concurrent sends never mix.
_BODY = "x-crm-response-body"
_FORM = "application/x-www-form-urlencoded"  # the SDK's Content-Type for a POST's parameters
_last_headers: ContextVar[dict[str, str] | None] = ContextVar("twilio_last_headers", default=None)


class RebasingHttpClient(AsyncTwilioHttpClient):  # type: ignore[misc]  # the SDK has no types
    """The SDK's async HTTP client, pointed at ``base_url`` instead of api.twilio.com
    (a sandbox, Prism or the test stand-in).

    ``request`` is re-implemented rather than wrapped: the parent passes ``auth=BasicAuth``
    to aiohttp, which current aiohttp deprecates, and a float timeout per request. A form
    body is encoded here, as aiohttp would encode it: given a dict, aiohttp first fails a
    payload lookup (an exception), then builds a FormData, which builds a multipart writer
    and its uuid4 boundary it never uses: a sixth of a message's CPU in the dispatcher.
    """

    def __init__(self, base_url: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> None:
        # pool_connections=False: the parent must not open a session outside a running loop.
        super().__init__(pool_connections=False, timeout=timeout)
        base = (base_url or TWILIO_API).rstrip("/")
        self.base_url = None if base == TWILIO_API else base
        self.session = ClientSession(timeout=ClientTimeout(
            total=timeout, connect=min(CONNECT_TIMEOUT, timeout)))

    def rebase(self, url: str) -> str:
        if self.base_url and url.startswith(TWILIO_API):
            return self.base_url + url[len(TWILIO_API):]
        return url

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - twilio's AsyncHttpClient.request signature
        allow_redirects: bool = False,
    ) -> Response:
        headers = dict(headers or {})
        body: Any = data
        if data and isinstance(data, dict) and headers.get("Content-Type") == _FORM:
            body = urlencode(list(data.items()), doseq=True).encode()
        if auth is not None:
            headers["Authorization"] = encode_basic_auth(auth[0], auth[1])
        extra: dict[str, Any] = {}
        if timeout is not None:
            extra["timeout"] = ClientTimeout(total=timeout, connect=min(CONNECT_TIMEOUT, timeout))
        assert self.session is not None
        async with self.session.request(
            # The SDK's signature says dict[str, object]; it passes str values, as aiohttp wants.
            method.upper(), self.rebase(url), params=params, data=body, headers=headers,  # type: ignore[arg-type]  # see above
            allow_redirects=allow_redirects, **extra,
        ) as response:
            text = await response.text()
            holder = _last_headers.get()
            # Read only when the SDK raises (Retry-After, the body for the error message, e.g.
            # Prism's 422): an accepted message costs no copy of its headers.
            if holder is not None and response.status >= 400:
                holder.clear()
                holder.update({k.lower(): v for k, v in response.headers.items()})
                holder[_BODY] = text[:1000]
            return Response(response.status, text, response.headers)


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: either a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class TwilioTransport:
    name = "twilio"

    def __init__(self, settings: Settings, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        if not settings.twilio_account_sid or not settings.twilio_auth_token:
            raise ValueError("TwilioTransport needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")
        # The SDK imports its REST resources on first use (some 90 modules, 70 ms): here,
        # while the app is built, rather than in the first send, on the event loop, in the
        # middle of a campaign.
        import twilio.rest.api.v2010.account  # noqa: F401
        self._sid = settings.twilio_account_sid
        self._token = settings.twilio_auth_token.get_secret_value()
        self._messaging_service_sid = settings.twilio_messaging_service_sid
        self._from = settings.twilio_from
        self._base_url = settings.twilio_api_base_url
        self._timeout = timeout
        self._client: Client | None = None
        self._http: RebasingHttpClient | None = None

    def _get_client(self) -> Client:
        if self._client is None:
            self._http = RebasingHttpClient(self._base_url, self._timeout)
            self._client = Client(self._sid, self._token, http_client=self._http)
        return self._client

    async def send(self, to: str, body: str, *, status_callback: str | None = None) -> str:
        client = self._get_client()
        kwargs: dict[str, Any] = {"to": to, "body": body}
        if self._messaging_service_sid:
            kwargs["messaging_service_sid"] = self._messaging_service_sid
        else:
            kwargs["from_"] = self._from
        if status_callback:
            kwargs["status_callback"] = status_callback
        headers: dict[str, str] = {}
        token = _last_headers.set(headers)
        try:
            message = await client.messages.create_async(**kwargs)
        except TwilioRestException as exc:
            message = _message(exc.msg)
            if exc.code is None or exc.code == exc.status:  # not a Twilio error body
                message = f"{message}: {headers.get(_BODY, '')}"
            raise twilio_errors.classify(
                exc.status, _int(exc.code), message,
                retry_after_seconds(headers.get("retry-after")),
            ) from exc
        except TwilioServiceException as exc:
            raise twilio_errors.classify(
                exc.status, _int(exc.code), exc.detail or exc.title,
                retry_after_seconds(headers.get("retry-after")),
            ) from exc
        except _NEVER_LEFT as exc:
            raise twilio_errors.no_answer(f"Twilio: {type(exc).__name__}: {exc}") from exc
        except (TimeoutError, asyncio.TimeoutError, aiohttp.ClientError) as exc:
            # The request may have reached Twilio: a second one could send the SMS twice.
            raise twilio_errors.no_answer_after_sending(f"Twilio: {type(exc).__name__}: {exc}") from exc
        finally:
            _last_headers.reset(token)
        if not message.sid:
            raise SmsError("Twilio answered without a message sid", permanent=False,
                           reason=twilio_errors.UNAVAILABLE)
        return str(message.sid)

    async def fetch(self, sid: str) -> ProviderMessage | None:
        try:
            message = await self._get_client().messages(sid).fetch_async()
        except TwilioRestException as exc:
            if exc.status == 404:
                return None
            raise
        return _provider_message(message)

    async def find(self, to: str, *, sent_since: datetime) -> list[ProviderMessage]:
        # Twilio filters DateSent by day (GMT); the caller matches the rest.
        messages = await self._get_client().messages.list_async(
            to=to, date_sent_after=sent_since, limit=FIND_LIMIT, page_size=FIND_LIMIT)
        return [_provider_message(m) for m in messages]

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
        self._client = None
        self._http = None


def _provider_message(message: Any) -> ProviderMessage:
    return ProviderMessage(sid=message.sid, to=message.to, body=message.body,
                           status=str(message.status or ""), created_at=message.date_created,
                           error_code=_int(message.error_code))


def _int(code: object) -> int | None:
    if not isinstance(code, int | str):
        return None
    try:
        return int(code)
    except (TypeError, ValueError):
        return None


def _message(msg: object) -> str:
    text = str(msg or "Twilio refused the message")
    try:  # the SDK sometimes leaves the JSON body in the message
        return str(json.loads(text).get("message", text))
    except (ValueError, AttributeError):
        return text
