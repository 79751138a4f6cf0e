"""RULES.md's SMS rules for one campaign, in one place: whether it may be urgent, when its
messages may go, and whether it may reach a number that opted out.

The preview, the launch, direct SMS and the dispatcher's retries all ask here, so the time the
preview announces is the time the dispatcher keeps.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from crm.calendar import next_sms_sending_time
from crm.campaigns.models import Campaign, Category
from crm.config import Settings
from crm.errors import Invalid


def decide_urgent(category: str, requested: bool | None) -> bool:
    """Whether a message of ``category`` is urgent: outage alerts are unless told otherwise;
    only alerts (outage, works, request follow-up) may be."""
    urgent = category == Category.OUTAGE if requested is None else requested
    if urgent and category not in Category.ALERTS:
        raise Invalid("Seules les alertes (panne, travaux, suivi de demande) peuvent être urgentes.",
                      code="urgent_not_allowed",
                      details=[{"field": "urgent", "message": "Réservé aux alertes."}])
    return urgent


def sends_any_time(campaign: Campaign) -> bool:
    """Only urgent alerts may go outside the allowed sending hours (RULES.md). Checked on the
    category too, so a row written urgent by mistake still waits for the hours."""
    return bool(campaign.urgent) and campaign.category in Category.ALERTS


def next_allowed(campaign: Campaign, moment: datetime, tz: ZoneInfo) -> datetime:
    """``moment`` if the campaign's messages may go then, else the next allowed minute."""
    return moment if sends_any_time(campaign) else next_sms_sending_time(moment, tz)


def first_send_at(campaign: Campaign, now: datetime, tz: ZoneInfo) -> datetime:
    """When the first message leaves: the requested time (or now), moved into the sending
    hours unless the campaign may go at any hour."""
    return next_allowed(campaign, max(now, campaign.send_at) if campaign.send_at else now, tz)


def ignores_opt_out(campaign: Campaign, settings: Settings) -> bool:
    """Only urgent outage alerts may reach an opted-out number, where the landlord allows it
    (RULES.md); the launch's audience and the dispatcher's last check both ask here."""
    return (campaign.category == Category.OUTAGE and bool(campaign.urgent)
            and settings.alerts_ignore_opt_out)
