"""What a campaign will cost and look like before it goes: recipients, exclusions,
encoding, segments, cost, samples and when the first message leaves."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, not_, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.campaigns.audience import Audience, AudienceScan
from crm.campaigns.models import Campaign
from crm.campaigns.renderings import Renderings
from crm.campaigns.rules import first_send_at, ignores_opt_out
from crm.campaigns.sqltext import SqlText, columns_of, prepare_connection, sql_text_for
from crm.campaigns.templating import MessageTemplate
from crm.config import Settings
from crm.phones import format_phone
from crm.sms.encoding import (
    GSM7_BASIC,
    GSM7_EXTENDED,
    GSM7_MULTI,
    GSM7_SINGLE,
    MAX_CHARACTERS,
    MAX_SEGMENTS,
    UCS2_MULTI,
    UCS2_SINGLE,
    _plain_segments,
    analyse,
    gsm_plain,
    make_gsm_friendly,
)

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
                  now: datetime, *, by_sql: bool = True) -> dict[str, Any]:
    """The preview of API.md, plus ``problems`` (refused at launch), ``too_long``, a
    ``gsm_friendly_body`` when only typography forces UCS-2, where UCS-2 characters come
    from (``ucs2_sources``), what writing values without accents would cost
    (``plain_values_effect``) and the placeholders left blank (``blank``).

    ``longest`` is the longest rendering: the wizard's counter shows it, so the counter and
    the preview always agree.

    A plain body is added up by the database (``_by_sql``); any other goes recipient by
    recipient through Python (``_by_python``), each distinct text rendered once (and any
    body when ``by_sql`` is False: the tests compare both ways)."""
    template = MessageTemplate(campaign.body, campaign.variables, plain_values=campaign.plain_values)
    sql = await sql_text_for(session, template) if by_sql else None
    figures = await (_by_python(session, campaign, settings, now, template) if sql is None
                     else _by_sql(session, campaign, settings, now, template, sql))
    return _answer(campaign, settings, now, figures)


async def _by_python(session: AsyncSession, campaign: Campaign, settings: Settings, now: datetime,
                     template: MessageTemplate) -> dict[str, Any]:
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
    return {"recipients": scan.recipients, "excluded": dict(scan.excluded), "encoding": encoding,
            "longest_segments": longest_segments, "total_segments": total_segments, "ucs2": ucs2,
            "sources": sources.as_list(), "samples": samples, "longest": longest,
            "longest_chars": longest_chars, "blank": blank, "plain": plain is not None,
            "plain_encoding": plain_encoding, "plain_longest": plain_longest, "plain_total": plain_total,
            "reduced_mobility": scan.reduced_mobility}


async def _by_sql(session: AsyncSession, campaign: Campaign, settings: Settings, now: datetime,
                  template: MessageTemplate, sql: SqlText) -> dict[str, Any]:
    """The figures of a plain body, added up by the database in ONE grouped statement:
    the rows whose values are all GSM-7 basic (nearly all) grouped by their segments and
    length, the others by their distinct values, which Python renders and analyses once
    each (with the plain-values alternative and the UCS-2 characters' sources); then the
    samples (the first recipients) and the longest text are rendered in Python.

    Equal to ``_by_python`` (tested), except that ``ucs2_sources`` names only the printed
    fields and variables, not a tenant's other fields that happen to hold the character."""
    scan = scan_for(campaign, settings, now)
    await prepare_connection(session)
    names = list(dict.fromkeys(sql.names))
    rec = scan.recipients_select().subquery("rec")
    texts = (select(rec.c.tenant_id, rec.c.e164, rec.c.opted_out, rec.c.duplicate, *(rec.c[n] for n in names),
                    *(v.label(k) for k, v in sql.text_select(columns_of(rec)).items()))
             .offset(0).subquery("texts"))  # computed once a row
    c, x = texts.c, sql.figures(columns_of(texts))
    recipient = and_(c.e164.is_not(None), not_(c.opted_out), not_(c.duplicate))
    in_sql, in_python = and_(recipient, x["sql_preview"]), and_(recipient, not_(x["sql_preview"]))
    keyed = select(
        case((c.e164.is_(None), 0), (c.opted_out, 1), (c.duplicate, 2), else_=3).label("who"),
        case((in_sql, x["segments"])).label("seg"), case((in_sql, func.length(c.body))).label("chars"),
        *(case((recipient, x[f"blank_{n}"])).label(f"blank_{n}") for n in sql.required),
        *(case((in_python, c[n]), (and_(in_sql, x[f"odd_{n}"] == 1), c[n])).label(n) for n in names),
        c.tenant_id,
    ).offset(0).subquery("keyed")
    keys = [col for col in keyed.c if col.name != "tenant_id"]
    groups = (await session.execute(select(*keys, func.count().label("n"), func.min(keyed.c.tenant_id)
                                           .label("first")).group_by(*keys))).all()

    plain = None if campaign.plain_values else MessageTemplate(campaign.body, campaign.variables, plain_values=True)
    variables = dict(campaign.variables or {})
    formatted: dict[str | None, str] = {}
    who = [0, 0, 0, 0]
    total = longest_segments = longest_chars = plain_total = plain_longest = 0
    encoding = plain_encoding = "GSM-7"
    blank_count: dict[str, int] = {}
    blank_first: dict[str, int] = {}
    best: tuple[tuple[int, int, int], dict[str, Any] | None] | None = None  # (key, longest or None: SQL's)
    sql_first: int | None = None
    ucs2_texts: list[tuple[int, list[str], dict[str, Any]]] = []  # (first recipient, characters, values)

    def context_of(row: Any) -> dict[str, Any]:
        ctx = {n: getattr(row, n) for n in names}
        if "agency_phone" in ctx:
            phone = ctx["agency_phone"]
            ctx["agency_phone"] = formatted[phone] if phone in formatted else \
                formatted.setdefault(phone, format_phone(phone))
        return ctx

    for i, row in enumerate(groups):
        if i % 500 == 499:
            await asyncio.sleep(0)  # many distinct values: let other requests in meanwhile
        who[row.who] += row.n
        if row.who != 3:
            continue
        for n in sql.required:
            if getattr(row, f"blank_{n}") == 1:
                blank_count[n] = blank_count.get(n, 0) + row.n
                blank_first[n] = min(blank_first.get(n, row.first), row.first)
        if row.seg is not None:  # added up by the database
            total += row.seg * row.n
            longest_segments = max(longest_segments, row.seg)
            longest_chars = max(longest_chars, row.chars)
            odd = {n: v for n, v in context_of(row).items() if getattr(row, n) is not None}
            if odd:  # values outside GSM-7 (none white space, escape or emoji): UCS-2
                encoding = "UCS-2"
                printed = [odd[n] for n in sql.names if n in odd]
                characters = list(dict.fromkeys(ch for v in printed for ch in v
                                                if ch not in GSM7_BASIC and ch not in GSM7_EXTENDED))
                ucs2_texts.append((row.first, characters, odd))
                if plain is not None:  # the same text with those values written plain
                    plained = [gsm_plain(v) for v in printed]
                    units = row.chars + sum(map(len, plained)) - sum(map(len, printed))
                    gsm = all(GSM7_BASIC.issuperset(v) for v in plained)
                    seg = _plain_segments(units, *((GSM7_SINGLE, GSM7_MULTI) if gsm else (UCS2_SINGLE, UCS2_MULTI)))
                    plain_total += seg * row.n
                    plain_longest = max(plain_longest, seg)
                    if not gsm:
                        plain_encoding = "UCS-2"
            else:
                plain_total += row.seg * row.n
                plain_longest = max(plain_longest, row.seg)
                if sql.ucs2_literal:
                    encoding = plain_encoding = "UCS-2"
            key = (row.seg, row.chars, -row.first)
            if best is None or key > best[0]:
                best = (key, None)
            sql_first = row.first if sql_first is None else min(sql_first, row.first)
            continue
        ctx = context_of(row)
        text = template.render(ctx)
        a = analyse(text)
        total += a.segments * row.n
        longest_segments = max(longest_segments, a.segments)
        longest_chars = max(longest_chars, len(text))
        key = (a.segments, len(text), -row.first)
        if best is None or key > best[0]:
            best = (key, {"text": text, "characters": len(text), "encoding": a.encoding, "segments": a.segments})
        if a.encoding == "UCS-2":
            encoding = "UCS-2"
            ucs2_texts.append((row.first, a.ucs2_characters, ctx))
        if plain is not None:
            pa = analyse(plain.render(ctx)) if a.encoding == "UCS-2" else a
            plain_total += pa.segments * row.n
            plain_longest = max(plain_longest, pa.segments)
            if pa.encoding == "UCS-2":
                plain_encoding = "UCS-2"

    # The few recipients rendered here: the first ones (samples), the longest text and,
    # when the manager's own text is UCS-2, the first recipient SQL counted (where its
    # characters first appear).
    wanted = [t for t in (-best[0][2] if best is not None and best[1] is None else None,
                          sql_first if sql.ucs2_literal else None) if t is not None]
    rendered: dict[int, tuple[str, dict[str, Any]]] = {}
    if wanted:
        for row in (await session.execute(scan.recipients_select(tenant_ids=wanted))).all():
            r = AudienceScan.recipient_of(row, formatted)
            rendered[r.tenant_id] = (template.render(r.context), {n: r.context[n] for n in names})
    longest = None
    if best is not None:
        longest = best[1]
        if longest is None:
            text = rendered[-best[0][2]][0]
            a = analyse(text)
            longest = {"text": text, "characters": len(text), "encoding": a.encoding, "segments": a.segments}
    if sql.ucs2_literal and sql_first is not None:
        text, ctx = rendered[sql_first]
        ucs2_texts.append((sql_first, analyse(text).ucs2_characters, ctx))
    ucs2: list[str] = []
    sources = _Sources(campaign.body, variables)
    for _, characters, ctx in sorted(ucs2_texts, key=lambda t: t[0]):
        ucs2.extend(ch for ch in characters if ch not in ucs2)
        sources.note(characters, ctx)
    first_rows = scan.recipients_select(after=0).subquery("first_rows")
    samples = []
    for row in (await session.execute(
            select(first_rows).where(first_rows.c.e164.is_not(None), not_(first_rows.c.opted_out),
                                     not_(first_rows.c.duplicate))
            .order_by(first_rows.c.tenant_id).limit(SAMPLES))).all():
        first = AudienceScan.recipient_of(row, formatted)
        samples.append({"tenant_id": first.tenant_id, "phone": first.e164, "text": template.render(first.context)})

    blank: dict[str, int] = {n: 0 for n in template.blank_fields({}) if n in variables}
    for n in sorted(blank_count, key=lambda n: (blank_first[n], n)):
        blank[n] = blank_count[n]
    reduced: list[Any] = []
    if campaign.lift:  # reduced-mobility tenants to call: a lift's audience is a building or two
        reduced = (await scan_for(campaign, settings, now, collect_reduced_mobility=True).run(session)) \
            .reduced_mobility
    return {"recipients": who[3], "excluded": {"opted_out": who[1], "no_mobile": who[0], "duplicate_phone": who[2]},
            "encoding": encoding, "longest_segments": longest_segments, "total_segments": total,
            "ucs2": ucs2, "sources": sources.as_list(), "samples": samples, "longest": longest,
            "longest_chars": longest_chars, "blank": blank, "plain": plain is not None,
            "plain_encoding": plain_encoding, "plain_longest": plain_longest, "plain_total": plain_total,
            "reduced_mobility": reduced}


def _answer(campaign: Campaign, settings: Settings, now: datetime, f: dict[str, Any]) -> dict[str, Any]:
    blank, longest_chars, longest_segments = f["blank"], f["longest_chars"], f["longest_segments"]
    ucs2, total_segments, plain_total = f["ucs2"], f["total_segments"], f["plain_total"]
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
    if f["recipients"] == 0:
        problems.append("Aucun destinataire joignable par SMS.")
    friendly = None
    if ucs2:
        candidate = make_gsm_friendly(campaign.body)
        if candidate != campaign.body and analyse(candidate).encoding == "GSM-7":
            friendly = candidate
    from_values = any(s["field"] for s in f["sources"])
    return {
        "recipients": f["recipients"],
        "excluded": f["excluded"],
        "encoding": f["encoding"],
        "segments_per_message": longest_segments,
        "total_segments": total_segments,
        "estimated_cost": round(total_segments * settings.sms_cost_per_segment, 2),
        "ucs2_characters": ucs2,
        "ucs2_sources": f["sources"],
        "samples": f["samples"],
        "longest": f["longest"],
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
            "encoding": f["plain_encoding"], "segments_per_message": f["plain_longest"],
            "total_segments": plain_total,
            "estimated_cost": round(plain_total * settings.sms_cost_per_segment, 2),
        } if f["plain"] and from_values else None,
        # Lift outages: reduced-mobility tenants are called and helped, not only texted.
        "to_call": [{"tenant_id": c.tenant_id, "name": c.name, "phone": c.mobile or c.landline}
                    for c in f["reduced_mobility"][:200]],
    }
