"""SMS campaigns: the JSON API (API.md "SMS campaigns"), the wizard and campaign pages,
and one SMS to one tenant."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from crm import auth
from crm.campaigns import presets, service
from crm.campaigns.audience import Audience, AudienceScan, check_scope
from crm.campaigns.direct import send_direct_sms
from crm.campaigns.dispatcher import DISPATCHER
from crm.campaigns.labels import CAMPAIGN_STATUS_LABELS, OUTBOX_STATUS_LABELS
from crm.campaigns.models import Campaign, CampaignStatus, Category
from crm.campaigns.preview import MAX_CHARACTERS, preview, scan_for
from crm.campaigns.rules import decide_urgent
from crm.csvexport import excel_csv
from crm.errors import Conflict, Forbidden, Invalid, NotFound
from crm.keys import CLOCK, DB, SETTINGS
from crm.models import Agency, Lease, Phone, PhoneKind, Tenant
from crm.web.jsonutil import int_param, json_response, page_params, paginated, read_json
from crm.web.listing import page_links, sort_choice, sort_links, sort_options
from crm.web.middlewares import principal
from crm.web.openapi import AGENCY, PAGING
from crm.web.render import render


def _id(request: web.Request) -> int:
    return int(request.match_info["id"])


# --- API ---------------------------------------------------------------------------------


@auth.managers
async def api_create(request: web.Request) -> web.Response:
    """Create a campaign draft.

    Body `{name, category, body, audience, urgent?, send_at?, variables?, preset?, lift?}`;
    unknown placeholders answer 422 `unknown_placeholder`.
    """
    data = await read_json(request, service.CampaignIn)
    p = principal(request)
    async with request.app[DB].session() as session:
        campaign = await service.create(session, data, p, request.app[CLOCK].now(),
                                        request.app[SETTINGS])
        body = await service.progress(session, campaign)
    return json_response(body, status=201)


def _api_sort(request: web.Request) -> tuple[str, bool]:
    """``sort=name`` or ``sort=-name`` (descending), among ``service.SORTS``; default newest
    first. An unknown key is a 400 naming the parameter (pages fall back instead)."""
    raw = request.query.get("sort", "").strip()
    if raw and raw.lstrip("-") not in service.SORTS:
        message = (f"Le paramètre sort doit valoir {', '.join(service.SORTS)}, précédé de « - » "
                   "pour l'ordre décroissant.")
        raise Invalid(message, code="invalid_parameter", status=400,
                      details=[{"field": "sort", "message": message}])
    return sort_choice(raw, service.SORTS, service.DEFAULT_SORT)


@auth.managers
async def api_list(request: web.Request) -> web.Response:
    """List campaigns, newest first (paginated).

    `sort`: name, created, launched, status, recipients or agency; `-key` for descending
    (default `-created`). Campaigns never launched come last when sorting by `launched`.
    """
    page, per_page = page_params(request)
    sort, descending = _api_sort(request)
    async with request.app[DB].session() as session:
        items, total = await service.list_campaigns(
            session, principal(request), page, per_page, int_param(request, "agency"),
            sort=sort, descending=descending)
    return json_response(paginated(items, total, page))


api_list.openapi = {"query": {
    **AGENCY,
    "sort": ({"type": "string", "enum": [*service.SORTS, *(f"-{k}" for k in service.SORTS)],
              "default": service.DEFAULT_SORT}, "Order; -key for descending (default: newest first)."),
    **PAGING}}


@auth.managers
async def api_detail(request: web.Request) -> web.Response:
    """One campaign: counts per status, replies, opt-outs and failures."""
    async with request.app[DB].session() as session:
        campaign = await service.get_campaign(session, _id(request), principal(request))
        return json_response(await service.progress(session, campaign))


@auth.managers
async def api_preview(request: web.Request) -> web.Response:
    """Preview a campaign: recipients, exclusions, encoding, segments, cost, samples."""
    async with request.app[DB].session() as session:
        campaign = await service.get_campaign(session, _id(request), principal(request))
        return json_response(await preview(session, campaign, request.app[SETTINGS],
                                           request.app[CLOCK].now()))


@auth.managers
async def api_preview_draft(request: web.Request) -> web.Response:
    """Preview an unsaved campaign (the wizard), same body as creating one."""
    data = await read_json(request, service.CampaignIn)
    now = request.app[CLOCK].now()
    async with request.app[DB].session() as session:
        # Blank values are listed in the answer (`blank`, `problems`) so the wizard can mark
        # them while the manager types; creating the campaign refuses them (422).
        campaign = await service.prepare(session, data, principal(request), now,
                                         request.app[SETTINGS], refuse_blanks=False)
        return json_response(await preview(session, campaign, request.app[SETTINGS], now))


class AudienceCountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    audience: Audience
    category: service.CategoryName = "information"
    urgent: bool | None = None


@auth.managers
async def api_audience_count(request: web.Request) -> web.Response:
    """Count an audience's recipients and exclusions (the wizard's live counter)."""
    data = await read_json(request, AudienceCountIn)
    p = principal(request)
    now = request.app[CLOCK].now()
    urgent = decide_urgent(data.category, data.urgent)
    async with request.app[DB].session() as session:
        await check_scope(session, data.audience, p)
        probe = Campaign(name="", category=data.category, urgent=urgent, body="",
                         audience=data.audience.model_dump(), agency_id=p.agency_scope(None),
                         created_at=now)
        scan = await scan_for(probe, request.app[SETTINGS], now).run(session)
    return json_response({"recipients": scan.recipients, "excluded": scan.excluded})


@auth.managers
async def api_presets(request: web.Request) -> web.Response:
    """Message presets (French, GSM-7 friendly) with their category and variables.

    A list like every other: `page`, `per_page`, answer `{items, total, page}`.
    """
    page, per_page = page_params(request)
    items = presets.as_json()
    return json_response(paginated(items[(page - 1) * per_page:page * per_page], len(items), page))


@auth.managers
async def api_launch(request: web.Request) -> web.Response:
    """Launch a campaign: every outbox row is written before anything is sent.

    Answers 202 `{status: "scheduled"|"sending"}`; launching twice writes nothing twice.
    `status` is the launch's outcome as API.md names it: a campaign launched earlier and
    already finished answers "sending" (its messages were handed over) plus
    `campaign_status: "done"` (or "preparing" while another launch writes its rows), its own
    status, for pollers. A cancelled campaign (also during the preparation): 409.
    """
    app = request.app
    status = await service.launch(app[DB], app[DISPATCHER], _id(request), principal(request),
                                  settings=app[SETTINGS], now=app[CLOCK].now())
    if status in (CampaignStatus.SCHEDULED, CampaignStatus.SENDING):
        return json_response({"status": status}, status=202)
    if status == CampaignStatus.CANCELLED:  # cancelled while its rows were being written
        raise Conflict("Cette campagne a été annulée pendant sa préparation.", code="campaign_cancelled")
    return json_response({"status": CampaignStatus.SENDING, "campaign_status": status}, status=202)


@auth.managers
async def api_cancel(request: web.Request) -> web.Response:
    """Cancel a campaign: messages not yet handed to the provider are not sent."""
    cancelled = await service.cancel(request.app[DB], _id(request), principal(request),
                                     now=request.app[CLOCK].now())
    return json_response({"status": CampaignStatus.CANCELLED, "cancelled": cancelled})


class DirectSmsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: str = Field(min_length=1, max_length=MAX_CHARACTERS)


async def _direct_sms(request: web.Request, tenant_id: int, body: str) -> Any:
    """One SMS to one tenant of the caller's agency, through the outbox."""
    p = principal(request)  # send_direct_sms checks the body
    async with request.app[DB].session() as session:
        if await session.get(Tenant, tenant_id) is None:
            raise NotFound("Locataire introuvable.", code="tenant_not_found")
        leases = (await session.scalars(
            select(Lease).where(Lease.tenant_id == tenant_id)
            .order_by(Lease.lease_start.desc(), Lease.id.desc()))).all()
        agencies = [lease.agency_id for lease in leases]
        if p.is_admin:
            agency_id = agencies[0] if agencies else None
        elif p.agency_id in agencies:
            agency_id = p.agency_id
        else:
            raise Forbidden("Ce locataire appartient à une autre agence.", code="agency_forbidden")
        mobile = await session.scalar(
            select(Phone.e164).where(Phone.tenant_id == tenant_id, Phone.kind == PhoneKind.MOBILE,
                                     Phone.valid.is_(True)).order_by(Phone.id).limit(1))
    if mobile is None:
        raise Invalid("Ce locataire n'a pas de numéro de mobile valide.", code="no_mobile")
    return await send_direct_sms(request.app, tenant_id=tenant_id, e164=mobile, body=body,
                                 user_id=p.user_id, agency_id=agency_id)


@auth.any_user
async def api_tenant_sms(request: web.Request) -> web.Response:
    """Send one SMS to one tenant (advisers too, within their agency).

    A tenant who opted out answers 422 `opted_out`; without a mobile, 422 `no_mobile`.
    """
    data = await read_json(request, DirectSmsIn)
    msg = await _direct_sms(request, _id(request), data.body)
    return json_response({"id": msg.id, "campaign_id": msg.campaign_id, "e164": msg.e164,
                          "status": msg.status, "segments": msg.segments,
                          "send_at": msg.next_try_at}, status=202)


# --- pages -------------------------------------------------------------------------------



SORT_LABELS = {"name": "Nom", "created": "Date de création", "launched": "Date d'envoi",
               "status": "Statut", "recipients": "Destinataires", "agency": "Agence"}


@auth.managers
async def campaigns_page(request: web.Request) -> web.Response:
    p = principal(request)
    page, per_page = page_params(request)
    sort, descending = sort_choice(request.query.get("sort"), service.SORTS, service.DEFAULT_SORT)
    agency = int_param(request, "agency") if p.is_admin else None
    async with request.app[DB].session() as session:
        items, total = await service.list_campaigns(session, p, page, per_page, agency,
                                                    sort=sort, descending=descending)
        agencies = (await session.execute(select(Agency.id, Agency.name).order_by(Agency.name))).all() \
            if p.is_admin else []
    pages = max(1, -(-total // per_page))
    params = {"agency": agency, "per_page": per_page if per_page != 50 else None}
    chosen = ("-" if descending else "") + sort
    # Managers see their own agency only: no agency column to sort by.
    keys = [k for k in service.SORTS if p.is_admin or k != "agency"]
    keep = {k: v for k, v in params.items() if v is not None}
    return await render("campaigns/list.html", request, {
        "campaigns": items, "total": total, "page": page, "per_page": per_page, "pages": pages,
        "links": page_links(page, pages, params | ({"sort": chosen} if chosen != service.DEFAULT_SORT else {})),
        "sorts": sort_links(sort, descending, keys, params),
        "sort_options": sort_options({k: SORT_LABELS[k] for k in keys}, sort, descending),
        "sort_keep": keep, "sort_action": "/campagnes",
        "show_agency": p.is_admin, "agencies": agencies, "agency": agency,
        "status_labels": CAMPAIGN_STATUS_LABELS, "category_labels": presets.CATEGORY_LABELS,
    })


async def _follow_up(request: web.Request, campaign_id: int) -> dict[str, Any]:
    """The wizard's start for "a follow-up to the same recipients": the tenants the first
    campaign went to (not the cancelled rows), a name and a short "repaired" text."""
    from crm.campaigns.models import OutboxMessage, OutboxStatus

    async with request.app[DB].session() as session:
        campaign = await service.get_campaign(session, campaign_id, principal(request))
        tenant_ids = sorted({t for t in await session.scalars(
            select(OutboxMessage.tenant_id).where(OutboxMessage.campaign_id == campaign_id,
                                                  OutboxMessage.status != OutboxStatus.CANCELLED)) if t})
    when = (campaign.launched_at or campaign.created_at).astimezone(request.app[SETTINGS].tz)
    return {"id": campaign.id, "name": f"Suite : {campaign.name}", "category": campaign.category,
            "source_name": campaign.name, "audience": {"tenant_ids": tenant_ids},
            "body": f"Bonjour, suite à notre message du {when:%d/%m} : le problème est réglé. "
                    "Merci de votre patience. {{ agency_name }}"}


@auth.managers
async def wizard_page(request: web.Request) -> web.Response:
    p = principal(request)
    follow_up = None
    if request.query.get("suite"):
        campaign_id = int_param(request, "suite")
        follow_up = await _follow_up(request, campaign_id) if campaign_id else None
    return await render("campaigns/wizard.html", request, {
        "follow_up": follow_up,
        "presets": presets.as_json(), "category_labels": presets.CATEGORY_LABELS,
        "alert_categories": list(Category.ALERTS), "agency_id": p.agency_id,
        "confirm_threshold": CONFIRM_THRESHOLD, "variable_labels": presets.VARIABLE_LABELS,
    })


CONFIRM_THRESHOLD = 500  # above this, the manager types the number of recipients to launch
LIST_LIMIT = 500  # contacts shown on the page; the CSV has them all


async def _contacts(request: web.Request, campaign: Campaign, session: Any) -> AudienceScan:
    settings, now = request.app[SETTINGS], request.app[CLOCK].now()
    return await scan_for(campaign, settings, now, collect_unreachable=True,
                          collect_reduced_mobility=campaign.lift).run(session)


async def _sample(request: web.Request, campaign: Campaign, session: Any) -> dict[str, Any] | None:
    """What one recipient received (or, for a draft, will receive), with their name."""
    from crm.campaigns.models import OutboxMessage
    from crm.campaigns.templating import MessageTemplate

    row = (await session.execute(
        select(OutboxMessage.body, Tenant.civility, Tenant.first_name, Tenant.last_name)
        .outerjoin(Tenant, Tenant.id == OutboxMessage.tenant_id)
        .where(OutboxMessage.campaign_id == campaign.id).order_by(OutboxMessage.id).limit(1))).first()
    if row is not None:
        return {"text": row.body, "name": " ".join(x for x in (row.civility, row.first_name,
                                                                row.last_name) if x) or None}
    async for batch in scan_for(campaign, request.app[SETTINGS], request.app[CLOCK].now()).chunks(session):
        for r in batch[:1]:
            ctx = r.context
            text = MessageTemplate(campaign.body, campaign.variables,
                                   plain_values=campaign.plain_values).render(ctx)
            return {"text": text, "name": " ".join(x for x in (ctx.get("civility"), ctx.get("first_name"),
                                                               ctx.get("last_name")) if x) or None}
    return None


async def _user_name(session: Any, user_id: int | None) -> str | None:
    from crm.models import User

    user = await session.get(User, user_id) if user_id else None
    return (user.full_name or user.email) if user else None


@auth.managers
async def campaign_page(request: web.Request) -> web.Response:
    async with request.app[DB].session() as session:
        campaign = await service.get_campaign(session, _id(request), principal(request))
        data = await service.progress(session, campaign)
        scan = await _contacts(request, campaign, session)
        sample = await _sample(request, campaign, session)
        launched_by = await _user_name(session, campaign.launched_by)
        created_by = await _user_name(session, campaign.created_by)
    return await render("campaigns/detail.html", request, {
        "sample": sample, "launched_by": launched_by, "created_by": created_by,
        "variable_labels": presets.VARIABLE_LABELS,
        "can_follow_up": campaign.status in (CampaignStatus.SENDING, CampaignStatus.DONE,
                                             CampaignStatus.SCHEDULED),
        "c": campaign, "data": data, "status_labels": CAMPAIGN_STATUS_LABELS,
        "count_labels": {code: OUTBOX_STATUS_LABELS[code] for code in service.COUNTED},
        "category_labels": presets.CATEGORY_LABELS, "unreachable": scan.unreachable[:LIST_LIMIT],
        "unreachable_total": len(scan.unreachable), "reduced_mobility": scan.reduced_mobility,
        "can_cancel": campaign.status in (CampaignStatus.DRAFT, CampaignStatus.PREPARING,
                                          CampaignStatus.SCHEDULED, CampaignStatus.SENDING),
    })


@auth.managers
async def unreachable_csv(request: web.Request) -> web.StreamResponse:
    """Tenants to reach another way (no mobile, opted out), for Excel (; and BOM)."""
    async with request.app[DB].session() as session:
        campaign = await service.get_campaign(session, _id(request), principal(request))
        scan = await _contacts(request, campaign, session)
    body = excel_csv(
        ["Locataire", "Résidence", "Bâtiment", "Entrée", "Téléphone fixe", "Mobile", "Motif"],
        ([c.name, c.residence, c.building, c.entrance, c.landline or "", c.mobile or "", c.reason]
         for c in scan.unreachable))
    return web.Response(
        body=body, content_type="text/csv", charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="campagne-{campaign.id}-sans-sms.csv"'},
    )


@auth.managers
async def cancel_submit(request: web.Request) -> web.StreamResponse:
    campaign_id = _id(request)
    await service.cancel(request.app[DB], campaign_id, principal(request), now=request.app[CLOCK].now())
    raise web.HTTPSeeOther(f"/campagnes/{campaign_id}")


@auth.any_user
async def tenant_sms_submit(request: web.Request) -> web.StreamResponse:
    """The tenant page's form: one SMS, then back to the tenant with a one-time message
    (a cookie, not the URL); a refusal names the text box and keeps a short draft."""
    from crm.web.flash import redirect

    tenant_id = _id(request)
    form = await request.post()
    body = str(form.get("body", ""))
    try:
        msg = await _direct_sms(request, tenant_id, body)
    except Invalid as exc:
        draft = body if len(body.encode()) <= 600 else ""  # a cookie holds about 4 KB
        raise redirect(request, f"/locataires/{tenant_id}#sms", exc.message, kind="error",
                       panel="sms", draft=draft, see_other=True) from None
    # Outside the sending hours the SMS waits (crm.campaigns.direct): the message says so.
    if msg.next_try_at > request.app[CLOCK].now():
        text = ("SMS programmé : hors des heures d'envoi (du lundi au samedi, de 8 h à 20 h), "
                "il partira à la prochaine heure permise.")
    else:
        text = "SMS en file d'envoi."
    raise redirect(request, f"/locataires/{tenant_id}#sms", text, panel="sms", see_other=True)


API_ROUTES = [
    ("POST", "/api/v1/campaigns", api_create, "api_campaign_create"),
    ("GET", "/api/v1/campaigns", api_list, "api_campaigns"),
    ("GET", "/api/v1/campaigns/presets", api_presets, "api_campaign_presets"),
    ("POST", "/api/v1/campaigns/preview", api_preview_draft, "api_campaign_preview_draft"),
    ("POST", "/api/v1/campaigns/audience-count", api_audience_count, "api_campaign_audience_count"),
    ("GET", "/api/v1/campaigns/{id:\\d+}", api_detail, "api_campaign"),
    ("GET", "/api/v1/campaigns/{id:\\d+}/preview", api_preview, "api_campaign_preview"),
    ("POST", "/api/v1/campaigns/{id:\\d+}/launch", api_launch, "api_campaign_launch"),
    ("POST", "/api/v1/campaigns/{id:\\d+}/cancel", api_cancel, "api_campaign_cancel"),
    ("POST", "/api/v1/tenants/{id:\\d+}/sms", api_tenant_sms, "api_tenant_sms"),
]

PAGE_ROUTES = [
    ("GET", "/campagnes", campaigns_page, "campaigns_page"),
    ("GET", "/campagnes/nouvelle", wizard_page, "campaign_wizard"),
    ("GET", "/campagnes/{id:\\d+}", campaign_page, "campaign_page"),
    ("GET", "/campagnes/{id:\\d+}/sans-sms.csv", unreachable_csv, "campaign_unreachable_csv"),
    ("POST", "/campagnes/{id:\\d+}/annuler", cancel_submit, "campaign_cancel_submit"),
    ("POST", "/locataires/{id:\\d+}/sms", tenant_sms_submit, "tenant_sms_submit"),
]
