"""Helpers for the incident tests: a building with households on known floors (rents,
reduced mobility), Paris times, declaring through the API and running the commitment job."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from crm.db import Database
from crm.incidents.jobs import incident_commitments
from crm.models import Lease
from tests.support.factories import make_lease

PARIS = ZoneInfo("Europe/Paris")


def paris(y: int, m: int, d: int, h: int = 10, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=PARIS)


@dataclass
class Home:
    lease_id: int
    tenant_id: int
    contract_ref: str
    floor: str | None
    mobile: str | None


@dataclass
class Building:
    id: int
    residence_id: int
    agency_id: int
    homes: list[Home]

    def by_floor(self, floor: str | None) -> Home:
        return next(h for h in self.homes if h.floor == floor)


_numbers = iter(range(10_000_000, 99_999_999, 7))


async def building(db: Database, *, agency: str = "Blois", residence: str = "Les Provinces", name: str = "B",
                   floors: tuple[str | None, ...] = ("RDC", "1", "3", None),
                   rents: dict[str | None, int] | None = None, reduced: tuple[str | None, ...] = (),
                   lease_start: date = date(2024, 1, 1), mobile: bool = True) -> Building:
    """One household per floor given (None: floor unknown); ``rents`` in cents per floor."""
    homes = []
    for floor in floors:
        number = f"+336{next(_numbers):08d}" if mobile else None
        lease = await make_lease(db, agency=agency, residence=residence, building=name, entrance="1",
                                 mobile=number, lease_start=lease_start, reduced_mobility=floor in reduced,
                                 last_name=f"Etage{floor or 'Inconnu'}{name}")
        async with db.session() as session:
            await session.execute(update(Lease).where(Lease.id == lease.id).values(
                floor=floor, monthly_rent_cents=(rents or {}).get(floor)))
            await session.commit()
        homes.append(Home(lease.id, lease.tenant_id, lease.contract_ref, floor, number))  # type: ignore[arg-type]
    async with db.session() as session:
        first = await session.get(Lease, homes[0].lease_id)
        assert first is not None and first.building_id is not None
        return Building(first.building_id, first.residence_id, first.agency_id, homes)


async def declare(client: Any, headers: dict[str, str], b: Building, *, kind: str = "lift",
                  starts_at: datetime, expect: int = 201, **extra: Any) -> dict[str, Any]:
    body = {"kind": kind, "planned": False, "scope": {"buildings": [b.id]},
            "starts_at": starts_at.isoformat(), **extra}
    resp = await client.post("/api/v1/incidents", json=body, headers=headers)
    data = await resp.json()
    assert resp.status == expect, data
    return data


async def get(client: Any, headers: dict[str, str], incident_id: int) -> dict[str, Any]:
    resp = await client.get(f"/api/v1/incidents/{incident_id}", headers=headers)
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def run_job(client: Any) -> int:
    """The scheduler's commitment job, as it runs every quarter of an hour."""
    return await incident_commitments(client.app)


def by_kind(incident: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["kind"]: c for c in incident["commitments"]}


async def leases(db: Database) -> list[Lease]:
    async with db.session() as session:
        return list(await session.scalars(select(Lease).order_by(Lease.id)))
