"""The estate as a tree: agencies → local offices and residences → buildings → entrances."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import Agency, Building, Entrance, LocalOffice, Residence


async def estate_tree(session: AsyncSession, agency_id: int | None) -> list[dict[str, Any]]:
    """Agencies → local offices and residences → buildings → entrances (one agency or all)."""
    agencies_q = select(Agency).order_by(Agency.name)
    offices_q = select(LocalOffice).order_by(LocalOffice.name)
    residences_q = select(Residence).order_by(Residence.name)
    buildings_q = select(Building).join(Residence, Residence.id == Building.residence_id).order_by(Building.name)
    entrances_q = (
        select(Entrance)
        .join(Building, Building.id == Entrance.building_id)
        .join(Residence, Residence.id == Building.residence_id)
        .order_by(Entrance.name)
    )
    if agency_id is not None:
        agencies_q = agencies_q.where(Agency.id == agency_id)
        offices_q = offices_q.where(LocalOffice.agency_id == agency_id)
        residences_q = residences_q.where(Residence.agency_id == agency_id)
        buildings_q = buildings_q.where(Residence.agency_id == agency_id)
        entrances_q = entrances_q.where(Residence.agency_id == agency_id)

    entrances: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for e in await session.scalars(entrances_q):
        entrances[e.building_id].append({"id": e.id, "name": e.name})
    buildings: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for b in await session.scalars(buildings_q):
        buildings[b.residence_id].append({"id": b.id, "name": b.name, "entrances": entrances[b.id]})
    residences: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in await session.scalars(residences_q):
        residences[r.agency_id].append({"id": r.id, "name": r.name, "buildings": buildings[r.id]})
    offices: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for o in await session.scalars(offices_q):
        offices[o.agency_id].append({"id": o.id, "name": o.name})
    return [
        {"id": a.id, "name": a.name, "local_offices": offices[a.id], "residences": residences[a.id]}
        for a in await session.scalars(agencies_q)
    ]
