"""The one seam for sending SMS: ``send(to, body, *, status_callback) -> provider_sid``.

Implementations: ``LocalTransport`` (crm/sms/local.py: stores messages in the database and
shows them on a page; the embedded default) and ``TwilioTransport`` (crm/sms/twilio.py: the
official SDK over HTTP). Errors are ``SmsError`` with ``permanent`` telling the outbox whether
to retry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class SmsError(Exception):
    """The provider did not take the message.

    ``permanent``: retrying will not help (invalid number, opted out...).
    ``code``: the provider's error code (Twilio's, e.g. 21211) or an HTTP status.
    ``reason``: a French sentence for the pages.
    ``retry_after``: seconds the provider asked us to wait, when it said so.
    ``outcome_unknown``: the request left and no answer came (a read timeout, a connection
    dropped after sending): the provider may have the message. Never retried blindly; the
    outbox marks it ``unknown`` and the reconciliation asks the provider.
    """

    def __init__(self, message: str, *, permanent: bool, code: int | None = None,
                 reason: str | None = None, retry_after: float | None = None,
                 outcome_unknown: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.code = code
        self.reason = reason or message
        self.retry_after = retry_after
        self.outcome_unknown = outcome_unknown


@dataclass(frozen=True)
class ProviderMessage:
    """A message as the provider knows it (for reconciliation)."""

    sid: str
    to: str | None
    body: str | None
    status: str  # the provider's word: queued, sent, delivered, undelivered, failed...
    created_at: datetime | None
    error_code: int | None = None


class SmsTransport(Protocol):
    name: str

    async def send(self, to: str, body: str, *, status_callback: str | None = None) -> str:
        """Hand one message to the provider; return its id (e.g. Twilio's ``SM…`` sid)."""
        ...

    async def fetch(self, sid: str) -> ProviderMessage | None:
        """The message with this id, or None when the provider has none."""
        ...

    async def find(self, to: str, *, sent_since: datetime) -> list[ProviderMessage]:
        """Messages to ``to`` sent since ``sent_since`` (a day's precision at Twilio)."""
        ...

    async def close(self) -> None: ...
