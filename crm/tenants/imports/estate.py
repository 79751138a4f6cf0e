"""The estate named by the rows (agencies, local offices, residences, buildings, entrances): ids cached
across batches, missing places created level by level."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models import (
    Agency,
    Building,
    Entrance,
    LocalOffice,
    Residence,
)
from crm.tenants.imports.bulk import insert_numbered, reserve_ids
from crm.tenants.imports.rows import Row

# New places to insert: (table, columns, rows), parents before children.
Deferred = list[tuple[Table, tuple[str, ...], list[tuple[Any, ...]]]]


@functools.lru_cache(maxsize=4096)  # a few hundred places, named on every row
def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


class EstateCache:
    """Ids of agencies, local offices, residences, buildings and entrances by (parent, name),
    names compared without case; loaded once, new places created batch by batch."""

    def __init__(self) -> None:
        self.agencies: dict[str, int] = {}
        self.offices: dict[tuple[int | None, str], int] = {}
        self.residences: dict[tuple[int | None, str], int] = {}
        self.buildings: dict[tuple[int | None, str], int] = {}
        self.entrances: dict[tuple[int | None, str], int] = {}
        self.names: dict[tuple[str, int], str] = {}  # for LeaseChange: ids read as names

    async def load(self, session: AsyncSession) -> None:
        for a in (await session.execute(select(Agency.id, Agency.name, Agency.code))).all():
            self.agencies.setdefault(_key(a.name), a.id)
            if a.code:
                self.agencies.setdefault(_key(a.code), a.id)
            self.names[("agency", a.id)] = a.name
        for kind, model, parent, target in (
            ("local_office", LocalOffice, LocalOffice.agency_id, self.offices),
            ("residence", Residence, Residence.agency_id, self.residences),
            ("building", Building, Building.residence_id, self.buildings),
            ("entrance", Entrance, Entrance.building_id, self.entrances),
        ):
            for r in (await session.execute(select(model.id, parent.label("parent"), model.name))).all():
                target.setdefault((r.parent, _key(r.name)), r.id)
                self.names[(kind, r.id)] = r.name

    async def resolve(self, session: AsyncSession, rows: list[Row], deferred: Deferred | None = None) -> None:
        """Set ``row.estate`` (field -> id) for every row, creating what is missing level by
        level: one flush per level and batch, not one per new place. With ``deferred``
        (PostgreSQL), new places are numbered from the sequences and their rows appended to
        it, to be inserted later in that order, instead of inserted now.

        Rows naming the same places (a staircase's dwellings) are resolved once: the first
        of them stands for the others (and, being the first to name its residence, gives a
        new residence its postcode and city, as the file's order would)."""
        first: dict[tuple[Any, ...], Row] = {}
        for row in rows:
            v = row.values
            names = (v["agency"], v.get("local_office"), v["residence"], v.get("building"), v.get("entrance"))
            stands_for = first.setdefault(names, row)
            if stands_for is not row:
                row.estate = stands_for.estate  # filled below, read only afterwards
        await self._resolve(session, list(first.values()), deferred)

    async def _resolve(self, session: AsyncSession, rows: list[Row], deferred: Deferred | None) -> None:
        new: dict[str, Any] = {}
        for row in rows:
            k = _key(row.values["agency"])
            if k not in self.agencies and k not in new:
                new[k] = {"name": row.values["agency"], "code": None, "phone": None, "department": None}
        await self._flush(session, Agency, new, self.agencies, "agency", deferred)

        offices: dict[tuple[int | None, str], Any] = {}
        residences: dict[tuple[int | None, str], Any] = {}
        for row in rows:
            agency_id: int | None = self.agencies[_key(row.values["agency"])]
            row.estate["agency"] = agency_id
            office = row.values.get("local_office")
            if office:
                k2 = (agency_id, _key(office))
                if k2 not in self.offices and k2 not in offices:
                    offices[k2] = {"agency_id": agency_id, "name": office}
        await self._flush(session, LocalOffice, offices, self.offices, "local_office", deferred)
        for row in rows:
            agency_id = row.estate["agency"]
            office = row.values.get("local_office")
            row.estate["local_office"] = self.offices[(agency_id, _key(office))] if office else None
            k2 = (agency_id, _key(row.values["residence"]))
            if k2 not in self.residences and k2 not in residences:
                residences[k2] = {
                    "agency_id": agency_id, "name": row.values["residence"],
                    "local_office_id": row.estate["local_office"],
                    "postcode": row.values.get("postcode"), "city": row.values.get("city"),
                }
        await self._flush(session, Residence, residences, self.residences, "residence", deferred)

        buildings: dict[tuple[int | None, str], Any] = {}
        for row in rows:
            residence_id = self.residences[(row.estate["agency"], _key(row.values["residence"]))]
            row.estate["residence"] = residence_id
            name = row.values.get("building")
            if name and (residence_id, _key(name)) not in self.buildings:
                buildings.setdefault((residence_id, _key(name)), {"residence_id": residence_id, "name": name})
        await self._flush(session, Building, buildings, self.buildings, "building", deferred)

        entrances: dict[tuple[int | None, str], Any] = {}
        for row in rows:
            name = row.values.get("building")
            building_id = self.buildings[(row.estate["residence"], _key(name))] if name else None
            row.estate["building"] = building_id
            entrance = row.values.get("entrance")
            if building_id and entrance and (building_id, _key(entrance)) not in self.entrances:
                entrances.setdefault((building_id, _key(entrance)),
                                     {"building_id": building_id, "name": entrance})
        await self._flush(session, Entrance, entrances, self.entrances, "entrance", deferred)
        for row in rows:
            building_id = row.estate["building"]
            entrance = row.values.get("entrance")
            row.estate["entrance"] = (
                self.entrances[(building_id, _key(entrance))] if building_id and entrance else None
            )

    async def _flush(self, session: AsyncSession, model: Any, new: dict[Any, dict[str, Any]],
                     cache: dict[Any, int], kind: str, deferred: Deferred | None) -> None:
        if not new:
            return
        columns = tuple(next(iter(new.values())))
        rows = [tuple(values[c] for c in columns) for values in new.values()]
        if deferred is None:
            ids = await insert_numbered(session, model.__table__, columns, rows)
        else:
            ids = (await reserve_ids(session, [(model.__table__, len(rows))]))[0] or []
            deferred.append((model.__table__, ("id", *columns),
                                   [(id_, *row) for id_, row in zip(ids, rows, strict=True)]))
        for (k, values), id_ in zip(new.items(), ids, strict=True):
            cache[k] = id_
            self.names[(kind, id_)] = values["name"]

    def name(self, kind: str, id_: int | None) -> str | None:
        return None if id_ is None else self.names.get((kind, id_))
