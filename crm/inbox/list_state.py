"""Where the inbox list stands (filters, search, page), carried from page to page.

The list and the open conversation share one page on wide screens: opening another
conversation, replying, assigning or planning a callback must come back to the same list.
The state travels in the query string of the links and, for the forms of the conversation,
in a hidden ``liste`` field; only the list's own keys are kept, so a form can never send
the user anywhere but an inbox URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

LIST_KEYS = ("q", "attribue", "agency", "status", "intent", "campaign", "page", "per_page")
MAX_VALUE = 100  # the search box's limit (crm.inbox.triage_views.MAX_QUERY)


def list_state(values: Mapping[str, Any]) -> dict[str, str]:
    """The list's keys of ``values`` (a query string or a form), non-empty, in a fixed order."""
    state: dict[str, str] = {}
    for key in LIST_KEYS:
        value = str(values.get(key) or "").replace("\x00", "").strip()[:MAX_VALUE]
        if value:
            state[key] = value
    return state


def state_from_form(form: Mapping[str, Any]) -> dict[str, str]:
    """The state a conversation's form carried in its hidden ``liste`` field."""
    raw = str(form.get("liste") or "")[:2000]
    return list_state(dict(parse_qsl(raw)))


def _query(state: Mapping[str, str], extra: Mapping[str, Any]) -> str:
    params = {**state, **{k: v for k, v in extra.items() if v not in (None, "")}}
    return "?" + urlencode(params) if params else ""


def list_url(state: Mapping[str, str], **extra: Any) -> str:
    return "/messages" + _query(state, extra)


def conversation_url(message_id: int, state: Mapping[str, str], **extra: Any) -> str:
    return f"/messages/{message_id}" + _query(state, extra)
