"""What a campaign will cost and look like before it goes: recipients, exclusions,
encoding, segments, cost, samples and when the first message leaves."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from crm.campaigns.audience import Audience, AudienceScan
from crm.campaigns.models import Campaign
from crm.campaigns.renderings import Renderings
from crm.campaigns.rules import first_send_at, ignores_opt_out
from crm.campaigns.templating import MessageTemplate
from crm.config import Settings
from crm.sms.encoding import MAX_CHARACTERS, analyse, make_gsm_friendly

MAX_SEGMENTS = 10  # French short codes
SAMPLES = 5


def scan_for(campaign: Campaign, settings: Settings, now: datetime, **kwargs: Any) -> AudienceScan:
    return AudienceScan(
        Audience.model_validate(campaign.audience or {}), campaign.agency_id,
        now.astimezone(settings.tz).date(), ignore_opt_out=ignores_opt_out(campaign, settings),
        **kwargs,
    )


def _literal_text(body: str) -> str:
    """The manager's own words: the template without its {{ }} and {% %} parts."""
    return re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", " ", body, flags=re.S)


class _Sources:
    """Where each UCS-2 character comes from: the manager's text or a placeholder's value
    (the residence "La Chênaie"), with one example value per character and field."""

    def __init__(self, body: str, variables: dict[str, Any]) -> None:
        self.literal = _literal_text(body)
        self.variables = variables
        self.found: dict[tuple[str, str | None], dict[str, Any]] = {}

    def note(self, characters: list[str], context: dict[str, Any]) -> None:
        values = {**self.variables, **context}
        for ch in characters:
            if ch in self.literal and (ch, None) not in self.found:
                self.found[(ch, None)] = {"character": ch, "field": None, "value": None}
            for name, value in values.items():
                if isinstance(value, str) and ch in value and (ch, name) not in self.found:
                    self.found[(ch, name)] = {"character": ch, "field": name, "value": value}

    def as_list(self) -> list[dict[str, Any]]:
        return list(self.found.values())


async def preview(session: AsyncSession, campaign: Campaign, settings: Settings,
                  now: datetime) -> dict[str, Any]:
    """The preview of API.md, plus ``problems`` (refused at launch), ``too_long``, a
    ``gsm_friendly_body`` when only typography forces UCS-2, where UCS-2 characters come
    from (``ucs2_sources``), what writing values without accents would cost
    (``plain_values_effect``) and the placeholders left blank (``blank``).

    ``longest`` is the longest rendering: the wizard's counter shows it, so the counter and
    the preview always agree."""
    template = MessageTemplate(campaign.body, campaign.variables, plain_values=campaign.plain_values)
    plain = None if campaign.plain_values else MessageTemplate(
        campaign.body, campaign.variables, plain_values=True)
    sources = _Sources(campaign.body, dict(campaign.variables or {}))
    scan = scan_for(campaign, settings, now, collect_reduced_mobility=bool(campaign.lift))
    ucs2: list[str] = []
    samples: list[dict[str, Any]] = []
    longest: dict[str, Any] | None = None
    longest_chars = longest_segments = total_segments = plain_total = plain_longest = 0
    plain_encoding = encoding = "GSM-7"
    blank: dict[str, int] = {n: 0 for n in template.blank_fields({}) if n in (campaign.variables or {})}
    # Each distinct text is rendered and analysed once; a recipient sharing its values
    # with an earlier one only adds to the counts.
    renderings = Renderings(template, campaign.body)
    plain_renderings = None if plain is None else Renderings(plain, campaign.body)
    variables = campaign.variables or {}
    async for batch in scan.chunks(session):
        for i, r in enumerate(batch):
            if i % 500 == 499:
                await asyncio.sleep(0)  # 100,000 recipients: let other requests in meanwhile
            rendering, new = renderings.of(r.context)
            for name in rendering.blank:
                if name not in variables:
                    blank[name] = blank.get(name, 0) + 1
            a = rendering.analysis
            total_segments += a.segments
            if new:
                text = rendering.text
                longest_chars = max(longest_chars, len(text))
                if longest is None or (a.segments, len(text)) > (longest["segments"], longest["characters"]):
                    longest = {"text": text, "characters": len(text), "encoding": a.encoding,
                               "segments": a.segments}
                longest_segments = max(longest_segments, a.segments)
                if a.encoding == "UCS-2":
                    encoding = "UCS-2"
                    ucs2.extend(c for c in a.ucs2_characters if c not in ucs2)
                    sources.note(a.ucs2_characters, r.context)
            if plain_renderings is not None:
                pa = plain_renderings.of(r.context)[0].analysis if a.encoding == "UCS-2" else a
                plain_total += pa.segments
                plain_longest = max(plain_longest, pa.segments)
                if pa.encoding == "UCS-2":
                    plain_encoding = "UCS-2"
            if len(samples) < SAMPLES:
                samples.append({"tenant_id": r.tenant_id, "phone": r.e164, "text": rendering.text})
    problems = []
    for name, count in blank.items():
        if name in (campaign.variables or {}):
            problems.append(f"{{{{ {name} }}}} est vide : remplissez-le (ou écrivez "
                            f"{{{{ {name} | optionnel }}}} si le message reste clair sans).")
        else:
            problems.append(f"{{{{ {name} }}}} est vide pour {count} destinataire"
                            f"{'s' if count > 1 else ''} : retirez-les ou écrivez "
                            f"{{{{ {name} | optionnel }}}} si le message reste clair sans.")
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
    from_values = any(s["field"] for s in sources.as_list())
    return {
        "recipients": scan.recipients,
        "excluded": dict(scan.excluded),
        "encoding": encoding,
        "segments_per_message": longest_segments,
        "total_segments": total_segments,
        "estimated_cost": round(total_segments * settings.sms_cost_per_segment, 2),
        "ucs2_characters": ucs2,
        "ucs2_sources": sources.as_list(),
        "samples": samples,
        "longest": longest,
        "first_send_at": first_send_at(campaign, now, settings.tz),
        "longest_characters": longest_chars,
        "too_long": longest_chars > MAX_CHARACTERS or longest_segments > MAX_SEGMENTS,
        "problems": problems,
        "blank": [{"field": f"variables.{n}" if n in (campaign.variables or {}) else n,
                   "placeholder": n, "recipients": c} for n, c in blank.items()],
        "gsm_friendly_body": friendly,
        "plain_values": bool(campaign.plain_values),
        # What ticking "write values without accents" would change (only worth offering
        # when a placeholder value is the cause).
        "plain_values_effect": {
            "encoding": plain_encoding, "segments_per_message": plain_longest,
            "total_segments": plain_total,
            "estimated_cost": round(plain_total * settings.sms_cost_per_segment, 2),
        } if plain is not None and from_values else None,
        # Lift outages: reduced-mobility tenants are called and helped, not only texted.
        "to_call": [{"tenant_id": c.tenant_id, "name": c.name, "phone": c.mobile or c.landline}
                    for c in scan.reduced_mobility[:200]],
    }
