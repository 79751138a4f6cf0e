"""Inbox actions on the understanding of a reply: correct its intent, answer "objection
possible" / "réinscription possible", export the corrections (API and page forms)."""

from __future__ import annotations

from typing import Literal

from aiohttp import web
from multidict import MultiDictProxy
from pydantic import BaseModel, Field

from crm import auth
from crm.errors import Invalid
from crm.inbox.list_state import conversation_url, list_url, state_from_form
from crm.inbox.replies.actions import correct_intent, corrections_csv, decide_review
from crm.keys import DB, SETTINGS
from crm.web.jsonutil import int_param, json_response, read_json
from crm.web.middlewares import principal


class IntentIn(BaseModel):
    intent: str = Field(max_length=20)  # one of Intent.ALL, checked by correct_intent


class ReviewIn(BaseModel):
    decision: Literal["accept", "dismiss"]


def _id(request: web.Request) -> int:
    return int(request.match_info["id"])


@auth.any_user
async def api_correct_intent(request: web.Request) -> web.Response:
    """Correct the intent of an incoming message (the correction is kept: who, when, from → to)."""
    data = await read_json(request, IntentIn)
    outcome = await correct_intent(request.app, principal(request), _id(request), data.intent)
    return json_response(outcome.as_json())


@auth.any_user
async def api_review(request: web.Request) -> web.Response:
    """Answer a possible objection or opt-in: "accept" changes the number's SMS state, "dismiss" does not."""
    data = await read_json(request, ReviewIn)
    outcome = await decide_review(request.app, principal(request), _id(request), data.decision == "accept")
    return json_response(outcome.as_json())


async def _csv(request: web.Request) -> web.Response:
    p = principal(request)
    agency = int_param(request, "agency")
    async with request.app[DB].session() as session:
        body = await corrections_csv(session, p, agency, request.app[SETTINGS].tz)
    return web.Response(body=body, content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": 'attachment; filename="corrections-intentions.csv"'})


@auth.managers
async def api_corrections_csv(request: web.Request) -> web.Response:
    """Advisers' intent corrections as CSV (; and BOM, for Excel), for the reply corpus."""
    return await _csv(request)


@auth.managers
async def corrections_csv_page(request: web.Request) -> web.Response:
    """The corrections CSV, from the inbox page."""
    return await _csv(request)


def _back(form: MultiDictProxy[object], message_id: int) -> str:
    # Only inbox addresses (never a URL from the form): the list, the conversation answered,
    # or the conversation open beside the list; with the list's filters and page.
    state, back = state_from_form(form), str(form.get("back", ""))
    if back == "list":
        return list_url(state)
    return conversation_url(int(back) if back.isdigit() and len(back) < 10 else message_id, state)


@auth.any_user
async def correct_intent_submit(request: web.Request) -> web.Response:
    """The conversation page's "corriger l'intention" form."""
    message_id = _id(request)
    form = await request.post()
    intent = str(form.get("intent", ""))
    try:
        await correct_intent(request.app, principal(request), message_id, intent)
    except Invalid as exc:
        from crm.inbox.views import render_conversation_error

        return await render_conversation_error(request, message_id, state_from_form(form), exc.message)
    raise web.HTTPSeeOther(conversation_url(message_id, state_from_form(form), corrige=1))


@auth.any_user
async def review_submit(request: web.Request) -> web.Response:
    """The "désinscrire" / "non" buttons of a possible objection (list or conversation)."""
    message_id = _id(request)
    form = await request.post()
    decision = str(form.get("decision", ""))
    if decision not in ("accept", "dismiss"):
        raise Invalid("Décision inconnue.", code="invalid_decision")
    await decide_review(request.app, principal(request), message_id, decision == "accept")
    raise web.HTTPSeeOther(_back(form, message_id))


API_ROUTES = [
    ("POST", "/api/v1/inbox/{id:\\d+}/intent", api_correct_intent, "api_inbox_intent"),
    ("POST", "/api/v1/inbox/{id:\\d+}/review", api_review, "api_inbox_review"),
    ("GET", "/api/v1/inbox/corrections.csv", api_corrections_csv, "api_inbox_corrections_csv"),
]

PAGE_ROUTES = [
    ("POST", "/messages/{id:\\d+}/intent", correct_intent_submit, "inbox_intent_submit"),
    ("POST", "/messages/{id:\\d+}/review", review_submit, "inbox_review_submit"),
    ("GET", "/messages/corrections.csv", corrections_csv_page, "inbox_corrections_csv"),
]
