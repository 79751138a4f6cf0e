"""The JSON API of the reply templates (crm.inbox.reply_templates holds the pages): advisers
read their agency's, managers manage their agency's, admins every agency's (naming
``agency_id`` when they create one)."""

from __future__ import annotations

from typing import Annotated, Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, StringConstraints
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm import auth
from crm.auth import Principal
from crm.errors import Conflict, Invalid, NotFound
from crm.inbox.models import ReplyTemplate
from crm.inbox.reply_templates import MAX_BODY, MAX_PER_AGENCY, MAX_TITLE
from crm.keys import CLOCK, DB
from crm.models import Agency
from crm.web.jsonutil import Id, int_param, json_response, page_params, paginated, read_json
from crm.web.middlewares import principal

# Spaces around a title or a text are typing slips: kept out, and "   " counts as empty.
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TITLE)]
Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_BODY)]


class ReplyTemplateIn(BaseModel):
    """A new reply template; ``agency_id`` is required from admins (others: their own)."""

    model_config = ConfigDict(extra="forbid")
    title: Title
    body: Body
    agency_id: Id | None = None


class ReplyTemplatePatch(BaseModel):
    """The fields to change (the agency never changes: delete and create instead)."""

    model_config = ConfigDict(extra="forbid")
    title: Title | None = None
    body: Body | None = None


def template_json(t: ReplyTemplate) -> dict[str, Any]:
    return {"id": t.id, "agency_id": t.agency_id, "title": t.title, "body": t.body,
            "created_by": t.created_by, "created_at": t.created_at}


async def _template(session: AsyncSession, p: Principal, template_id: int) -> ReplyTemplate:
    item = await session.get(ReplyTemplate, template_id)
    if item is None:
        raise NotFound("Modèle de réponse introuvable.", code="template_not_found")
    p.check_agency(item.agency_id)
    return item


def _id(request: web.Request) -> int:
    return int(request.match_info["id"])  # the middleware refused ids no column can hold


@auth.any_user
async def api_templates(request: web.Request) -> web.Response:
    """Reply templates of the agency, by title (admins: all, or `agency`)."""
    p = principal(request)
    page, per_page = page_params(request)
    where = p.scope_filter(ReplyTemplate.agency_id, int_param(request, "agency"))
    async with request.app[DB].session() as session:
        total = await session.scalar(select(func.count()).select_from(ReplyTemplate).where(*where)) or 0
        rows = await session.scalars(
            select(ReplyTemplate).where(*where)
            .order_by(ReplyTemplate.agency_id, ReplyTemplate.title, ReplyTemplate.id)
            .offset((page - 1) * per_page).limit(per_page))
        items = [template_json(t) for t in rows]
    return json_response(paginated(items, total, page))


@auth.managers
async def api_template_create(request: web.Request) -> web.Response:
    """Add a reply template to the agency (at most 50 per agency).

    Body `{title, body, agency_id?}`; admins must name `agency_id`, a manager may only name
    their own. 201 with the template.
    """
    p = principal(request)
    data = await read_json(request, ReplyTemplateIn)
    if p.is_admin and data.agency_id is None:
        raise Invalid("Choisissez l'agence du modèle.", code="validation_error",
                      details=[{"field": "agency_id", "message": "Ce champ est obligatoire."}])
    agency = p.agency_scope(data.agency_id)
    async with request.app[DB].session() as session:
        if await session.get(Agency, agency) is None:
            raise Invalid("Agence inconnue.", code="validation_error",
                          details=[{"field": "agency_id", "message": "Agence inconnue."}])
        count = await session.scalar(select(func.count()).select_from(ReplyTemplate)
                                     .where(ReplyTemplate.agency_id == agency)) or 0
        if count >= MAX_PER_AGENCY:
            raise Conflict(f"Au plus {MAX_PER_AGENCY} modèles par agence : supprimez-en un d'abord.",
                           code="too_many_templates")
        item = ReplyTemplate(agency_id=agency, title=data.title, body=data.body, created_by=p.user_id,
                             created_at=request.app[CLOCK].now())
        session.add(item)
        await session.commit()
        return json_response(template_json(item), status=201)


@auth.any_user
async def api_template(request: web.Request) -> web.Response:
    """One reply template of the agency."""
    async with request.app[DB].session() as session:
        return json_response(template_json(await _template(session, principal(request), _id(request))))


@auth.managers
async def api_template_update(request: web.Request) -> web.Response:
    """Change a reply template's title or text.

    Body `{title?, body?}`: what is left out stays.
    """
    data = await read_json(request, ReplyTemplatePatch)
    async with request.app[DB].session() as session:
        item = await _template(session, principal(request), _id(request))
        if data.title is not None:
            item.title = data.title
        if data.body is not None:
            item.body = data.body
        await session.commit()
        return json_response(template_json(item))


@auth.managers
async def api_template_delete(request: web.Request) -> web.Response:
    """Delete a reply template (messages already sent keep their text). 204."""
    async with request.app[DB].session() as session:
        item = await _template(session, principal(request), _id(request))
        await session.delete(item)
        await session.commit()
    return web.Response(status=204)


API_ROUTES = [
    ("GET", "/api/v1/reply-templates", api_templates, "api_reply_templates"),
    ("POST", "/api/v1/reply-templates", api_template_create, "api_reply_template_create"),
    ("GET", "/api/v1/reply-templates/{id:\\d+}", api_template, "api_reply_template"),
    ("PATCH", "/api/v1/reply-templates/{id:\\d+}", api_template_update, "api_reply_template_update"),
    ("DELETE", "/api/v1/reply-templates/{id:\\d+}", api_template_delete, "api_reply_template_delete"),
]
