"""Campaign life: create a draft, launch it (every outbox row written before anything is
sent), cancel it, and read its progress."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm import hooks
from crm.auth import Principal
from crm.campaigns.audience import Audience, check_scope
from crm.campaigns.dispatcher import Dispatcher
from crm.campaigns.models import Campaign, CampaignStatus, Category, OutboxMessage, OutboxStatus
from crm.campaigns.preparation import OnChunk, prepare_and_release
from crm.campaigns.presets import BY_CODE
from crm.campaigns.preview import scan_for
from crm.campaigns.rules import decide_urgent, first_send_at
from crm.campaigns.templating import check_template, check_variables_filled
from crm.config import Settings
from crm.db import Database
from crm.errors import Conflict, Invalid, NotFound
from crm.models import Agency, AuditEvent, Lease
from crm.web.jsonutil import Id

CategoryName = Literal["outage", "works", "request_followup", "rent_reminder", "information"]


class CampaignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    category: CategoryName
    body: str = Field(min_length=1, max_length=5000)
    audience: Audience
    urgent: bool | None = None
    send_at: AwareDatetime | None = None
    variables: dict[str, str] = Field(default_factory=dict, max_length=20)
    preset: str | None = None
    lift: bool = False
    # Placeholder values written without the accents GSM-7 lacks (templating.MessageTemplate).
    plain_values: bool = False
    agency: Id | None = None  # admins only: the agency the campaign belongs to


def build_campaign(data: CampaignIn, p: Principal, now: datetime, *,
                   refuse_blanks: bool = True) -> Campaign:
    """An unsaved campaign from checked input (shared by create and the wizard's preview,
    which lists blank values as problems instead of refusing them)."""
    urgent = decide_urgent(data.category, data.urgent)
    if data.preset is not None and data.preset not in BY_CODE:
        raise Invalid(f"Modèle inconnu : {data.preset}.", code="unknown_preset")
    if data.audience.is_empty():
        raise Invalid("Choisissez au moins un destinataire (agence, résidence, bâtiment...).",
                      code="empty_audience",
                      details=[{"field": "audience", "message": "Aucun destinataire choisi."}])
    check_template(data.body, data.variables)
    if refuse_blanks:
        check_variables_filled(data.body, data.variables)
    lift = data.lift or (data.preset is not None and BY_CODE[data.preset].lift)
    return Campaign(
        name=data.name.strip(), category=data.category, urgent=urgent, body=data.body.strip(),
        variables=dict(data.variables), audience=data.audience.model_dump(exclude_defaults=True),
        agency_id=p.agency_scope(data.agency), preset=data.preset, lift=lift,
        send_at=data.send_at, created_by=p.user_id, created_at=now,
        plain_values=data.plain_values,
    )


async def _infer_agency(session: AsyncSession, campaign: Campaign, now: datetime,
                        settings: Settings) -> None:
    """An admin's campaign aimed at one agency belongs to it, so its manager sees it."""
    if campaign.agency_id is not None:
        return
    scan = scan_for(campaign, settings, now)
    agencies = (await session.scalars(
        select(Lease.agency_id).where(*scan.lease_conditions()).group_by(Lease.agency_id).limit(2))).all()
    if len(agencies) == 1:
        campaign.agency_id = agencies[0]


async def prepare(session: AsyncSession, data: CampaignIn, p: Principal, now: datetime,
                  settings: Settings, *, refuse_blanks: bool = True) -> Campaign:
    await check_scope(session, data.audience, p)
    if data.agency is not None and await session.get(Agency, data.agency) is None:
        raise Invalid(f"Agence inconnue : {data.agency}.", code="unknown_agency")
    campaign = build_campaign(data, p, now, refuse_blanks=refuse_blanks)
    await _infer_agency(session, campaign, now, settings)
    return campaign


async def create(session: AsyncSession, data: CampaignIn, p: Principal, now: datetime,
                 settings: Settings) -> Campaign:
    campaign = await prepare(session, data, p, now, settings)
    session.add(campaign)
    await session.commit()
    return campaign


async def get_campaign(session: AsyncSession, campaign_id: int, p: Principal) -> Campaign:
    campaign = await session.get(Campaign, campaign_id)
    if campaign is None or campaign.kind != "campaign":
        raise NotFound("Campagne introuvable.", code="campaign_not_found")
    p.check_agency(campaign.agency_id)
    return campaign


async def launch(db: Database, dispatcher: Dispatcher, campaign_id: int, p: Principal, *,
                 settings: Settings, now: datetime, on_chunk: OnChunk | None = None) -> str:
    """Write every outbox row, in committed chunks under the status "preparing", then
    release the campaign (scheduled or sending) and wake the dispatcher.

    The draft -> preparing move is a conditional UPDATE, so two launches racing (double
    click, two tabs, two processes) write the rows once; the second answers the status the
    first left. Nothing is sent while preparing (``crm/campaigns/preparation.py``).
    """
    async with db.session() as session:
        campaign = await get_campaign(session, campaign_id, p)
        if campaign.status != CampaignStatus.DRAFT:
            if campaign.status == CampaignStatus.CANCELLED:
                raise Conflict("Cette campagne a été annulée.", code="campaign_cancelled")
            return campaign.status
        check_variables_filled(campaign.body, campaign.variables)
        claimed = await session.execute(
            update(Campaign).where(Campaign.id == campaign_id, Campaign.status == CampaignStatus.DRAFT)
            .values(status=CampaignStatus.PREPARING, launched_at=now, launched_by=p.user_id)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # launched meanwhile by someone else
            await session.rollback()
            await session.refresh(campaign)
            return campaign.status
        await session.commit()
    campaign.status, campaign.launched_at, campaign.launched_by = CampaignStatus.PREPARING, now, p.user_id
    status, written = await prepare_and_release(db, campaign, settings, on_chunk=on_chunk)
    if status != CampaignStatus.CANCELLED:
        async with db.session() as session:
            session.add(AuditEvent(at=now, user_id=p.user_id, action="campaign_launch",
                                   object_type="campaign", object_id=str(campaign_id),
                                   details={"recipients": written,
                                            "first_send_at": first_send_at(campaign, now, settings.tz).isoformat()}))
            await session.commit()
        dispatcher.wake()
    return status


async def cancel(db: Database, campaign_id: int, p: Principal, *, now: datetime) -> int:
    """Stop what has not been handed to the provider. Returns the rows cancelled."""
    async with db.session() as session:
        campaign = await get_campaign(session, campaign_id, p)
        if campaign.status == CampaignStatus.DONE:
            raise Conflict("Cette campagne est terminée : tout a déjà été envoyé.",
                           code="campaign_done")
        # The campaign first: a preparation writing its rows (preparation.py) checks it
        # before each chunk, and on PostgreSQL this waits for the chunk being written,
        # whose rows the UPDATE below then sees.
        campaign.status = CampaignStatus.CANCELLED
        await session.flush()
        result = await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.campaign_id == campaign_id,
                   OutboxMessage.status == OutboxStatus.PENDING)
            .values(status=OutboxStatus.CANCELLED, error_reason="Campagne annulée.", updated_at=now)
            .execution_options(synchronize_session=False)
        )
        session.add(AuditEvent(at=now, user_id=p.user_id, action="campaign_cancel",
                               object_type="campaign", object_id=str(campaign_id),
                               details={"cancelled": result.rowcount}))
        await session.commit()
        return int(result.rowcount or 0)


COUNTED = (OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.SENT, OutboxStatus.DELIVERED,
           OutboxStatus.UNDELIVERED, OutboxStatus.FAILED, OutboxStatus.UNKNOWN)


async def progress(session: AsyncSession, campaign: Campaign) -> dict[str, Any]:
    """The campaign as API.md gives it: counts per status, replies, opt-outs, failures."""
    counts = {s: 0 for s in COUNTED}
    cancelled = 0
    for status, n in await session.execute(
        select(OutboxMessage.status, func.count()).where(OutboxMessage.campaign_id == campaign.id)
        .group_by(OutboxMessage.status)
    ):
        if status in counts:
            counts[status] = n
        elif status == OutboxStatus.CANCELLED:
            cancelled = n
    replies = opt_outs = persists = 0
    for count_replies in hooks.CAMPAIGN_REPLIES.handlers():  # the inbox counts them
        counted = await count_replies(session, campaign.id)
        replies += counted["replies"]
        opt_outs += counted["opt_outs"]
        persists += counted["problem_persists"]
    # Messages whose fate the reconciliation settled by asking the provider.
    reconciled = await session.scalar(
        select(func.count()).select_from(OutboxMessage)
        .where(OutboxMessage.campaign_id == campaign.id, OutboxMessage.reconciled_at.is_not(None)))
    failures = [
        {"code": code, "reason": reason or "Échec sans précision de l'opérateur.", "count": n}
        for code, reason, n in await session.execute(
            select(OutboxMessage.error_code, OutboxMessage.error_reason, func.count())
            .where(OutboxMessage.campaign_id == campaign.id,
                   OutboxMessage.status.in_((OutboxStatus.FAILED, OutboxStatus.UNDELIVERED)))
            .group_by(OutboxMessage.error_code, OutboxMessage.error_reason)
            .order_by(func.count().desc())
        )
    ]
    return {
        "id": campaign.id, "name": campaign.name, "status": campaign.status,
        "category": campaign.category, "urgent": campaign.urgent, "body": campaign.body,
        "agency_id": campaign.agency_id, "created_at": campaign.created_at,
        "launched_at": campaign.launched_at, "send_at": campaign.send_at,
        "counts": counts, "cancelled": cancelled, "total": sum(counts.values()) + cancelled,
        "replies": int(replies or 0), "opt_outs": int(opt_outs or 0), "failures": failures,
        # Tenants saying the outage goes on: outages and works only.
        "problem_persists_count": persists if campaign.category in Category.PERSISTING else 0,
        "reconciled": int(reconciled or 0),
    }


def summary(campaign: Campaign, total: int = 0) -> dict[str, Any]:
    return {"id": campaign.id, "name": campaign.name, "category": campaign.category,
            "urgent": campaign.urgent, "status": campaign.status, "agency_id": campaign.agency_id,
            "created_at": campaign.created_at, "launched_at": campaign.launched_at,
            "send_at": campaign.send_at, "recipients": total}


_RECIPIENTS = (select(func.count()).select_from(OutboxMessage)
               .where(OutboxMessage.campaign_id == Campaign.id).correlate(Campaign).scalar_subquery())
# The campaign's life, in order, rather than the codes' alphabet.
_STATUS_ORDER = case({s: i for i, s in enumerate((
    CampaignStatus.DRAFT, CampaignStatus.SCHEDULED, CampaignStatus.SENDING, CampaignStatus.DONE,
    CampaignStatus.CANCELLED))}, value=Campaign.status, else_=9)
# Sortable columns of the list (``sort`` parameter, "-key" descending). Each is (first keys,
# always ascending, so that campaigns never launched stay last either way; the keys the
# direction applies to).
SORTS: dict[str, tuple[tuple[Any, ...], tuple[Any, ...]]] = {
    "name": ((), (func.lower(Campaign.name),)),
    "created": ((), (Campaign.created_at,)),
    "launched": ((Campaign.launched_at.is_(None),), (Campaign.launched_at,)),
    "status": ((), (_STATUS_ORDER,)),
    "recipients": ((), (_RECIPIENTS,)),
    "agency": ((), (func.coalesce(Agency.name, ""),)),  # "" : every agency (admins' campaigns)
}
DEFAULT_SORT = "-created"  # newest first


async def list_campaigns(session: AsyncSession, p: Principal, page: int, per_page: int,
                         agency: int | None = None, sort: str = "created",
                         descending: bool = True) -> tuple[list[dict[str, Any]], int]:
    where = [Campaign.kind == "campaign", *p.scope_filter(Campaign.agency_id, agency)]
    total = await session.scalar(select(func.count()).select_from(Campaign).where(*where))
    first, keys = SORTS.get(sort, SORTS["created"])
    rows = (await session.execute(
        select(Campaign, Agency.name).outerjoin(Agency, Agency.id == Campaign.agency_id).where(*where)
        # Equal keys (one agency, one status): newest first, as the default order.
        .order_by(*first, *(k.desc() if descending else k for k in keys),
                  Campaign.created_at.desc(), Campaign.id.desc())
        .offset((page - 1) * per_page).limit(per_page))).all()
    campaigns = [c for c, _ in rows]
    sizes: dict[int, int] = dict((await session.execute(
        select(OutboxMessage.campaign_id, func.count())
        .where(OutboxMessage.campaign_id.in_([c.id for c in campaigns]))
        .group_by(OutboxMessage.campaign_id))).all()) if campaigns else {}
    return [summary(c, sizes.get(c.id, 0)) | {"agency_name": name} for c, name in rows], int(total or 0)
