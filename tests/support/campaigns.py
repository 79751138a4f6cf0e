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
