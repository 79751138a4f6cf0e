"""The status SMS texts: one template per step the tenant may hear about, edited by the
admin, rendered in the campaigns' sandbox (``crm.campaigns.templating``) with the tenant's
fields plus the request's own placeholders."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.campaigns.templating import TENANT_NAMES, MessageTemplate, check_template
from crm.errors import Invalid
from crm.requests import steps
from crm.requests.models import RequestSmsTemplate, TenantRequest
from crm.sms.encoding import analyse

SATISFACTION = "satisfaction"  # the question after closing, a "step" of its own for the SMS
# The steps that may send an SMS, in the order the settings page shows them.
STEPS = (steps.REGISTERED, steps.TAKEN_ON, steps.SCHEDULED, steps.IN_PROGRESS, steps.DONE,
         steps.CANCELLED, SATISFACTION)
STEP_LABELS = {**steps.LABELS, SATISFACTION: "Question de satisfaction (après clôture)"}
MAX_BODY = 480  # three GSM-7 segments at most: a status message stays short

DEFAULTS: dict[str, str] = {
    steps.REGISTERED: "Bonjour {{ civility }} {{ last_name }}, votre demande réf. {{ reference }} "
                      "({{ category }}) est enregistrée. Votre agence {{ agency_name }}.",
    steps.TAKEN_ON: "Bonjour, votre demande réf. {{ reference }} ({{ category }}) est prise en "
                    "charge. Votre agence {{ agency_name }}.",
    steps.SCHEDULED: "Bonjour, pour votre demande réf. {{ reference }} ({{ category }}), un "
                     "rendez-vous est fixé le {{ appointment_date }} à {{ appointment_time }}. "
                     "Votre agence {{ agency_name }} {{ agency_phone }}.",
    steps.IN_PROGRESS: "Bonjour, l'intervention pour votre demande réf. {{ reference }} a commencé. "
                       "Votre agence {{ agency_name }}.",
    steps.DONE: "Bonjour, votre demande réf. {{ reference }} ({{ category }}) est traitée. Si ce "
                "n'est pas le cas, répondez à ce SMS. Votre agence {{ agency_name }}.",
    steps.CANCELLED: "Bonjour, votre demande réf. {{ reference }} ({{ category }}) est annulée. "
                     "Pour toute question : {{ agency_phone }}. Votre agence {{ agency_name }}.",
    SATISFACTION: "Êtes-vous satisfait du traitement de votre demande ? Répondez de 1 à 4 "
                  "(4 = très satisfait, 1 = pas du tout satisfait).",
}
# Sent unless the admin says otherwise (RULES.md).
ENABLED_BY_DEFAULT = frozenset({steps.REGISTERED, steps.SCHEDULED, steps.DONE, steps.CANCELLED,
                                SATISFACTION})

# The request's placeholders, beside the tenant's (TENANT_NAMES).
REQUEST_NAMES = ("reference", "category", "appointment_date", "appointment_time")
_SAMPLE = {
    "first_name": "Sandrine", "last_name": "Martin", "civility": "Mme",
    "residence": "Les Provinces", "building": "B", "entrance": "2",
    "agency_name": "Blois", "agency_phone": "02 54 00 00 00",
    "reference": "1234", "category": "Fuite / plomberie",
    "appointment_date": "mardi 17 novembre 2026", "appointment_time": "14h30",
}

_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre")


def french_date(moment: datetime, tz: ZoneInfo) -> str:
    """« mardi 17 novembre 2026 » in local time (no locale needed on the server)."""
    local = moment.astimezone(tz)
    return f"{_DAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]} {local.year}"


def french_time(moment: datetime, tz: ZoneInfo) -> str:
    """« 14h30 », « 9h00 »: how appointments are written in French letters."""
    local = moment.astimezone(tz)
    return f"{local.hour}h{local.minute:02d}"


def check_body(body: str) -> str:
    body = body.strip()
    if not body:
        raise Invalid("Le message est vide.", code="empty_body")
    if len(body) > MAX_BODY:
        raise Invalid(f"Le message dépasse {MAX_BODY} caractères.", code="body_too_long")
    check_template(body, dict.fromkeys(REQUEST_NAMES, ""))
    try:  # what only rendering finds (the sandbox refusing an attribute, a bad filter)
        render(body, {k: v for k, v in _SAMPLE.items() if k in TENANT_NAMES},
               {k: _SAMPLE[k] for k in REQUEST_NAMES})
    except jinja2.TemplateError as exc:
        raise Invalid(f"Le modèle de message ne peut pas être rendu : {exc.message or exc}",
                      code="template_error") from None
    return body


def request_variables(request: TenantRequest, tz: ZoneInfo) -> dict[str, Any]:
    at = request.appointment_at
    return {
        "reference": str(request.external_ref or request.id),
        "category": steps.category_label(request.category),
        "appointment_date": french_date(at, tz) if at else "",
        "appointment_time": french_time(at, tz) if at else "",
    }


async def current_templates(session: AsyncSession, *, cached: bool = False) -> dict[str, tuple[str, bool]]:
    """step -> (body, enabled), the admin's text where set, else the default. With
    ``cached``, read once per session (a batch of steps in one transaction)."""
    if cached and "request_sms_templates" in session.info:
        return session.info["request_sms_templates"]
    found = {t.step: (t.body, t.enabled)
             for t in (await session.scalars(select(RequestSmsTemplate))).all()}
    current = {step: found.get(step, (DEFAULTS[step], step in ENABLED_BY_DEFAULT)) for step in STEPS}
    session.info["request_sms_templates"] = current
    return current


def render(body: str, tenant_context: dict[str, Any], variables: dict[str, Any]) -> str:
    return MessageTemplate(body, variables).render(tenant_context)


def preview(body: str) -> dict[str, Any]:
    """The text with sample values, its encoding and segments (as the campaign preview)."""
    body = check_body(body)
    sample = {k: v for k, v in _SAMPLE.items() if k in TENANT_NAMES}
    text = render(body, sample, {k: _SAMPLE[k] for k in REQUEST_NAMES})
    info = analyse(text)
    return {"text": text, "encoding": info.encoding, "segments": info.segments,
            "characters": len(text), "ucs2_characters": list(info.ucs2_characters)}
