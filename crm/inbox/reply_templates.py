"""Reply templates per agency: the manager writes a few ready-made answers, advisers pick
one in the conversation and adapt it before sending (static/inbox.js fills the text box)."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import select

from crm import auth
from crm.errors import NotFound
from crm.inbox.models import ReplyTemplate
from crm.keys import CLOCK, DB
from crm.models import Agency
from crm.web.flash import redirect
from crm.web.jsonutil import MAX_INT, int_param
from crm.web.middlewares import principal
from crm.web.render import render

MAX_TITLE, MAX_BODY, MAX_PER_AGENCY = 80, 1600, 50


async def templates_for(session: Any, agency_id: int | None) -> list[ReplyTemplate]:
    if agency_id is None:
        return []
    return list(await session.scalars(select(ReplyTemplate).where(ReplyTemplate.agency_id == agency_id)
                                      .order_by(ReplyTemplate.title, ReplyTemplate.id)))


@auth.managers
async def templates_page(request: web.Request) -> web.Response:
    """Modèles de réponse of the manager's agency (an admin picks the agency)."""
    p = principal(request)
    agency = p.agency_scope(int_param(request, "agency"))
    async with request.app[DB].session() as session:
        agencies = list(await session.scalars(select(Agency).order_by(Agency.name))) if p.is_admin else []
        if agency is None and agencies:
            agency = agencies[0].id
        items = await templates_for(session, agency)
    return await render("inbox/templates.html", request, {
        "items": items, "agency": agency, "agencies": agencies, "form": {}, "errors": {}})


def _field_errors(title: str, body: str) -> dict[str, str]:
    """French messages by field for a template's title and text (add and edit alike)."""
    errors = {}
    if not title or len(title) > MAX_TITLE or "\x00" in title:
        errors["title"] = f"Un titre de 1 à {MAX_TITLE} caractères."
    if not body or len(body) > MAX_BODY or "\x00" in body:
        errors["body"] = f"Un texte de 1 à {MAX_BODY} caractères."
    return errors


async def _scoped_template(session: Any, request: web.Request) -> ReplyTemplate:
    raw = request.match_info["id"]
    item = await session.get(ReplyTemplate, int(raw)) if int(raw) <= MAX_INT else None
    if item is None:
        raise NotFound("Modèle introuvable.", code="template_not_found")
    principal(request).check_agency(item.agency_id)
    return item


@auth.managers
async def template_add_submit(request: web.Request) -> web.StreamResponse:
    p = principal(request)
    form = await request.post()
    agency = p.agency_scope(int_param(request, "agency"))
    title, body = str(form.get("title", "")).strip(), str(form.get("body", "")).strip()
    errors = _field_errors(title, body)
    async with request.app[DB].session() as session:
        if agency is None:
            errors["agency"] = "Choisissez l'agence."
        elif len(await templates_for(session, agency)) >= MAX_PER_AGENCY:
            errors["title"] = f"Au plus {MAX_PER_AGENCY} modèles par agence."
        if errors:
            agencies = list(await session.scalars(select(Agency).order_by(Agency.name))) if p.is_admin else []
            return await render("inbox/templates.html", request, {
                "items": await templates_for(session, agency), "agency": agency, "agencies": agencies,
                "form": {"title": title, "body": body}, "errors": errors}, status=422)
        session.add(ReplyTemplate(agency_id=agency, title=title, body=body, created_by=p.user_id,
                                  created_at=request.app[CLOCK].now()))
        await session.commit()
    raise redirect(request, f"/messages/modeles?agency={agency}", f"Modèle « {title} » ajouté.")


@auth.managers
async def template_edit_submit(request: web.Request) -> web.StreamResponse:
    """Change a template's title and text (the row's "Modifier" form)."""
    form = await request.post()
    title, body = str(form.get("title", "")).strip(), str(form.get("body", "")).strip()
    async with request.app[DB].session() as session:
        item = await _scoped_template(session, request)
        agency = item.agency_id
        errors = _field_errors(title, body)
        if errors:
            # Nothing changed; the message names the field (the row's form opens again on it).
            field, message = next(iter(errors.items()))
            label = "Titre" if field == "title" else "Texte du SMS"
            raise redirect(request, f"/messages/modeles?agency={agency}",
                           f"Modèle « {item.title} » non modifié — {label} : {message}",
                           kind="error", field=f"{item.id}.{field}")
        item.title, item.body = title, body
        await session.commit()
    raise redirect(request, f"/messages/modeles?agency={agency}", f"Modèle « {title} » modifié.")


@auth.managers
async def template_delete_submit(request: web.Request) -> web.StreamResponse:
    async with request.app[DB].session() as session:
        item = await _scoped_template(session, request)
        agency, title = item.agency_id, item.title
        await session.delete(item)
        await session.commit()
    raise redirect(request, f"/messages/modeles?agency={agency}", f"Modèle « {title} » supprimé.")


PAGE_ROUTES = [
    ("GET", "/messages/modeles", templates_page, "inbox_templates"),
    ("POST", "/messages/modeles", template_add_submit, "inbox_template_add"),
    ("POST", "/messages/modeles/{id:\\d+}/modifier", template_edit_submit, "inbox_template_edit"),
    ("POST", "/messages/modeles/{id:\\d+}/supprimer", template_delete_submit, "inbox_template_delete"),
]
