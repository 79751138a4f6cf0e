"""What a campaign will cost and look like before it goes: recipients, exclusions,
encoding, segments, cost, samples and when the first message leaves."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from crm.calendar import next_sms_sending_time
from crm.campaigns.audience import Audience, AudienceScan
from crm.campaigns.models import Campaign, Category
from crm.campaigns.templating import MessageTemplate
from crm.config import Settings
from crm.sms.encoding import MAX_CHARACTERS, analyse, make_gsm_friendly

MAX_SEGMENTS = 10  # French short codes
SAMPLES = 5


def sends_any_time(campaign: Campaign) -> bool:
    """Only urgent alerts may go outside the allowed sending hours (RULES.md)."""
    return bool(campaign.urgent) and campaign.category in Category.ALERTS


def first_send_at(campaign: Campaign, now: datetime, tz: ZoneInfo) -> datetime:
    start = max(now, campaign.send_at) if campaign.send_at else now
    if sends_any_time(campaign):
        return start
    return next_sms_sending_time(start, tz)


def ignores_opt_out(campaign: Campaign, settings: Settings) -> bool:
    """Only urgent outage alerts may reach an opted-out number, where the landlord allows it
    (RULES.md); the launch's audience and the dispatcher's last check both ask here."""
    return (campaign.category == Category.OUTAGE and bool(campaign.urgent)
            and settings.alerts_ignore_opt_out)


def scan_for(campaign: Campaign, settings: Settings, now: datetime, **kwargs: Any) -> AudienceScan:
    return AudienceScan(
        Audience.model_validate(campaign.audience or {}), campaign.agency_id,
        now.astimezone(settings.tz).date(), ignore_opt_out=ignores_opt_out(campaign, settings),
        **kwargs,
    )


async def preview(session: AsyncSession, campaign: Campaign, settings: Settings,
                  now: datetime) -> dict[str, Any]:
    """The preview of API.md, plus ``problems`` (refused at launch), ``too_long`` and a
    ``gsm_friendly_body`` when only typography forces UCS-2."""
    template = MessageTemplate(campaign.body, campaign.variables)
    scan = scan_for(campaign, settings, now, collect_reduced_mobility=bool(campaign.lift))
    ucs2: list[str] = []
    samples: list[dict[str, Any]] = []
    longest_chars = longest_segments = total_segments = 0
    encoding = "GSM-7"
    async for batch in scan.chunks(session):
        for r in batch:
            text = template.render(r.context)
            a = analyse(text)
            total_segments += a.segments
            longest_segments = max(longest_segments, a.segments)
            longest_chars = max(longest_chars, len(text))
            if a.encoding == "UCS-2":
                encoding = "UCS-2"
                ucs2.extend(c for c in a.ucs2_characters if c not in ucs2)
            if len(samples) < SAMPLES:
                samples.append({"tenant_id": r.tenant_id, "phone": r.e164, "text": text})
    problems = []
    if longest_chars > MAX_CHARACTERS:
        problems.append(f"Le message dépasse {MAX_CHARACTERS} caractères ({longest_chars}).")
    if longest_segments > MAX_SEGMENTS:
        problems.append(f"Le message dépasse {MAX_SEGMENTS} segments ({longest_segments}).")
    if scan.recipients == 0:
        problems.append("Aucun destinataire joignable par SMS.")
    friendly = None
    if ucs2:
        candidate = make_gsm_friendly(campaign.body)
        if candidate != campaign.body and analyse(candidate).encoding == "GSM-7":
            friendly = candidate
    return {
        "recipients": scan.recipients,
        "excluded": dict(scan.excluded),
        "encoding": encoding,
        "segments_per_message": longest_segments,
        "total_segments": total_segments,
        "estimated_cost": round(total_segments * settings.sms_cost_per_segment, 2),
        "ucs2_characters": ucs2,
        "samples": samples,
        "first_send_at": first_send_at(campaign, now, settings.tz),
        "longest_characters": longest_chars,
        "too_long": longest_chars > MAX_CHARACTERS or longest_segments > MAX_SEGMENTS,
        "problems": problems,
        "gsm_friendly_body": friendly,
        # Lift outages: reduced-mobility tenants are called and helped, not only texted.
        "to_call": [{"tenant_id": c.tenant_id, "name": c.name, "phone": c.mobile or c.landline}
                    for c in scan.reduced_mobility[:200]],
    }
