"""Helpers for campaign tests: a small estate in two agencies, ids by name, a draft."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from crm.db import Database
from crm.models import Agency, Building, Entrance, Residence
from tests.support.factories import make_lease

LIFT_BODY = ("Bonjour {{ civility }} {{ last_name }}, l'ascenseur de l'immeuble {{ building }} "
             "est en panne. {{ agency_name }} : {{ agency_phone | optionnel }}")


async def ids(db: Database, agency: str = "Blois", residence: str = "Les Provinces",
              building: str | None = None, entrance: str | None = None) -> dict[str, int]:
    """The estate ids (as /api/v1/estate gives them) of a place, by names."""
    async with db.session() as s:
        ag = (await s.scalars(select(Agency).where(Agency.name == agency))).one()
        out = {"agency": ag.id}
        res = (await s.scalars(select(Residence).where(Residence.agency_id == ag.id,
                                                       Residence.name == residence))).first()
        if res is not None:
            out["residence"] = res.id
        if building and res is not None:
            bld = (await s.scalars(select(Building).where(Building.residence_id == res.id,
                                                          Building.name == building))).one()
            out["building"] = bld.id
            if entrance:
                ent = (await s.scalars(select(Entrance).where(Entrance.building_id == bld.id,
                                                              Entrance.name == entrance))).one()
                out["entrance"] = ent.id
        return out


async def set_agency_phone(db: Database, name: str, phone: str) -> None:
    async with db.session() as s:
        ag = (await s.scalars(select(Agency).where(Agency.name == name))).one()
        ag.phone = phone
        await s.commit()


async def building_b(db: Database, n: int = 3, **kwargs: Any) -> list[Any]:
    """``n`` tenants in Blois, Les Provinces, building B, each with their own mobile."""
    return [await make_lease(db, building="B", mobile=f"+3361100{i:04d}", last_name=f"Martin{i}",
                             **kwargs) for i in range(n)]


def lift_campaign(building_id: int, **extra: Any) -> dict[str, Any]:
    body = {"name": "Ascenseur B", "category": "outage", "body": LIFT_BODY,
            "audience": {"buildings": [building_id]}, "preset": "lift_outage"}
    body.update(extra)
    return body



async def bulk_building(db: Database, n: int, building: str = "Tour") -> None:
    """``n`` tenants with a mobile each in one new building of Blois, inserted in bulk."""
    from datetime import date

    from sqlalchemy import func, insert

    from crm.models import Lease, Phone, Tenant
    from tests.support.factories import NOW

    first = await make_lease(db, building=building, mobile="+33700000000")
    async with db.session() as s:
        base = (await s.scalar(select(func.max(Tenant.id)))) + 1
        ids_ = range(base, base + n - 1)
        await s.execute(insert(Tenant), [dict(id=i, civility="M.", first_name="Paul", last_name=f"Nom{i}",
                                              created_at=NOW, updated_at=NOW) for i in ids_])
        await s.execute(insert(Lease), [dict(contract_ref=f"BULK-{i}", tenant_id=i, agency_id=first.agency_id,
                                             residence_id=first.residence_id, building_id=first.building_id,
                                             lease_start=date(2020, 1, 1), created_at=NOW, updated_at=NOW)
                                        for i in ids_])
        await s.execute(insert(Phone), [dict(tenant_id=i, e164=f"+3370{i:07d}", kind="mobile", created_at=NOW)
                                        for i in ids_])
        await s.commit()


# name: (agency, days after the first, status, days to launch or None, recipients)
LISTED = {
    "bravo": ("Vendôme", 1, "done", 2, 3),
    "Alpha": ("Blois", 3, "sending", 3, 5),
    "charlie": ("Blois", 0, "draft", None, 0),
    "Delta": ("Blois", 2, "cancelled", None, 1),
    "écho": ("Vendôme", 4, "scheduled", 5, 2),
}


async def add_listed_campaigns(db: Database, start: Any) -> None:
    """The campaigns of ``LISTED``, created ``start`` + n days, with one outbox row per
    recipient (a draft has none)."""
    from datetime import timedelta

    from crm.campaigns.models import Campaign, OutboxMessage
    from tests.support.factories import make_agency

    agencies = {name: (await make_agency(db, name)).id for name in ("Blois", "Vendôme")}
    async with db.session() as s:
        for name, (agency, day, status, launched, recipients) in LISTED.items():
            campaign = Campaign(name=name, category="information", body="Bonjour", agency_id=agencies[agency],
                                status=status, created_at=start + timedelta(days=day),
                                launched_at=start + timedelta(days=launched) if launched is not None else None)
            s.add(campaign)
            await s.flush()
            s.add_all(OutboxMessage(campaign_id=campaign.id, e164=f"+3361200{i:04d}", body="Bonjour",
                                    created_at=start) for i in range(recipients))
        await s.commit()


async def launch_watching(app: Any, campaign_id: int, manager: Any, on_chunk: Any) -> str:
    """Launch as ``manager`` (a User) through the service, calling ``on_chunk(rows)`` after
    each committed chunk of the preparation (what the API's launch does, observed)."""
    from crm.auth import Principal
    from crm.campaigns import service
    from crm.campaigns.dispatcher import DISPATCHER
    from crm.keys import CLOCK, DB, SETTINGS

    p = Principal(user_id=manager.id, email=manager.email, role=manager.role, agency_id=manager.agency_id)
    return await service.launch(app[DB], app[DISPATCHER], campaign_id, p, settings=app[SETTINGS],
                                now=app[CLOCK].now(), on_chunk=on_chunk)


async def draft_campaign(client: Any, headers: dict[str, str], body: dict[str, Any]) -> int:
    resp = await client.post("/api/v1/campaigns", headers=headers, json=body)
    assert resp.status == 201, await resp.text()
    return int((await resp.json())["id"])


async def chunked_lift_draft(client: Any, db: Database, monkeypatch: Any, homes: int = 5) -> tuple[Any, dict[str, str], int]:
    """A lift campaign drafted by Blois's manager for ``homes`` households of building B,
    whose launch is prepared two rows a chunk: ``(manager, api headers, campaign id)``."""
    from crm.campaigns import preparation
    from tests.support.factories import login, make_user

    monkeypatch.setattr(preparation, "PREPARE_ROWS", 2)
    await building_b(db, homes)
    manager = await make_user(db, "manager", "Blois")
    headers = await login(client, manager)
    campaign_id = await draft_campaign(client, headers, lift_campaign((await ids(db, building="B"))["building"]))
    return manager, headers, campaign_id


async def reference_figures(db: Database, campaign: Any, settings: Any, now: Any) -> dict[str, Any]:
    """The preview's figures computed the plain way, one recipient after the other (render,
    analyse, add up): what the preview, which computes each distinct text once, must equal."""
    from crm.campaigns.preview import scan_for
    from crm.campaigns.templating import MessageTemplate
    from crm.sms.encoding import analyse

    template = MessageTemplate(campaign.body, campaign.variables, plain_values=campaign.plain_values)
    plain = MessageTemplate(campaign.body, campaign.variables, plain_values=True)
    out: dict[str, Any] = {"total_segments": 0, "segments_per_message": 0, "longest_characters": 0,
                           "encoding": "GSM-7", "ucs2_characters": [], "blank": {}, "samples": [],
                           "plain_total": 0, "plain_longest": 0, "longest": None}
    async with db.session() as s:
        scan = scan_for(campaign, settings, now)
        async for batch in scan.chunks(s):
            for r in batch:
                for name in template.blank_fields(r.context):
                    out["blank"][name] = out["blank"].get(name, 0) + 1
                text = template.render(r.context)
                a = analyse(text)
                out["total_segments"] += a.segments
                out["segments_per_message"] = max(out["segments_per_message"], a.segments)
                out["longest_characters"] = max(out["longest_characters"], len(text))
                best = out["longest"]
                if best is None or (a.segments, len(text)) > (best["segments"], best["characters"]):
                    out["longest"] = {"text": text, "characters": len(text), "encoding": a.encoding,
                                      "segments": a.segments}
                if a.encoding == "UCS-2":
                    out["encoding"] = "UCS-2"
                    out["ucs2_characters"] += [c for c in a.ucs2_characters if c not in out["ucs2_characters"]]
                pa = analyse(plain.render(r.context))
                out["plain_total"] += pa.segments
                out["plain_longest"] = max(out["plain_longest"], pa.segments)
                if len(out["samples"]) < 5:
                    out["samples"].append({"tenant_id": r.tenant_id, "phone": r.e164, "text": text})
        out["recipients"], out["excluded"] = scan.recipients, dict(scan.excluded)
    return out


TRICKY_NAMES = ["Martin", "O'Brien", 'Dupont "le jeune"', "Lefèvre", "Benoît", "Chênaie", "O\u2019Neil",
                "Nguyễn", "Martin 🙂", "Crochet [x]", "Prix 5€", "  Espacé  ", "\u00a0Insécable\u00a0",
                "Tab\tulé", "Œuvray", "Ligne\nDeux", "N" * 120, "Δelta", "ÀÉÎÕÜ", "ç", "\u202fFin"]
# Plain bodies, each a case of the SQL texts (crm/campaigns/sqltext.py).
TRICKY_BODIES = [
    "Bonjour {{ civility }} {{ last_name }}, coupure d'eau à {{ residence }}, bât. {{ building }}. "
    "{{ agency_name }} : {{ agency_phone }}",
    "{{ last_name }}",
    "  {{ last_name }} : l'eau revient ce soir à {{ building }}  ",
    "Bonjour {{ last_name }}, l\u2019eau revient ce soir. Merci\u00a0!",  # UCS-2 whatever the values
    "Bonjour {{ last_name }} 🙂 à {{ residence }}",
    "\u00a0{{ last_name }}\u00a0",  # white space outside GSM-7 only at the ends
    "Coût 5€ pour {{ last_name }}",  # an escape character in the manager's text: Python
    "Travaux " + "x" * 140 + " {{ last_name }} le {{ date }} ({{ building }}).",
]


async def tricky_estate(db: Database) -> None:
    """Tenants of Blois with tricky names (quotes, accents GSM-7 has and lacks, typography,
    emoji, escape characters, white space, a long one), a shared and an opted-out number,
    a tenant without mobile, one who moved (two leases) and has two mobiles."""
    from datetime import date

    from crm.models import Agency, Phone
    from tests.support.factories import NOW

    for i, name in enumerate(TRICKY_NAMES):
        await make_lease(db, residence="Les Provinces" if i % 3 else "La Chênaie", building="B" if i % 4 else "C\u00a0",
                         mobile=f"+336110{i:05d}", last_name=name, civility="M." if i % 2 else "Mme")
    await make_lease(db, mobile="+33611000001", last_name="Partage")  # a number already used
    await make_lease(db, mobile="+33611099999", last_name="Stop", opted_out=True)
    await make_lease(db, mobile=None, last_name="Sansmobile")
    moved = await make_lease(db, mobile="+33611088888", last_name="Déménagé", residence="La Chênaie",
                             lease_start=date(2025, 1, 1))
    await make_lease(db, tenant=await _tenant(db, moved.tenant_id), residence="Les Provinces",
                     lease_start=date(2026, 6, 1))
    async with db.session() as s:  # a second, later mobile: the first one is used
        s.add(Phone(tenant_id=moved.tenant_id, e164="+33611077777", kind="mobile", created_at=NOW))
        agency = (await s.scalars(select(Agency))).first()
        agency.phone = "+33254000000"
        await s.commit()


async def _tenant(db: Database, tenant_id: int) -> Any:
    from crm.models import Tenant

    async with db.session() as s:
        return await s.get(Tenant, tenant_id)
