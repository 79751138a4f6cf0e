"""The landlord's tenant file (CSV, one row per lease) into tenants, leases, phones, the estate.

Format: ``../shared/spec/FORMATS.md`` ("Tenants"). The file is streamed: a 100,000-row export
never sits in memory; rows go to the database in batches, each batch in its own session and
transaction, with the estate ids cached across batches.

What a row does, by ``contract_ref`` (the lease's key):
- unknown: the lease is created, under the household named by ``tenant_ref`` when it exists;
- known and identical: nothing is written (re-importing a file changes nothing);
- known and different: the lease (and its household) is updated and a ``LeaseChange`` keeps
  ``{field: [old, new]}``; a newly set ``lease_end`` counts as "ended".

A household's own fields (names, e-mail, phones, reduced mobility) are taken from the first
row of the file that names it: the other rows of the same household leave them alone, so
two rows that disagree cannot flip them back and forth at every import.

Only the columns present in the file are compared: an export without e-mails does not wipe
the e-mails already known. Phones: the file owns the numbers it brought (source "import");
advisers' numbers stay, and a refused number never removes the one on record. An anonymised
household is never refilled. "refus SMS" is settled per number over the whole file and only
recorded when it differs from what the last import recorded (see ``_note_opt_out_wish``).

Batches are committed as they go: a failure half-way (the database going away) leaves the
first batches in place, and importing the file again completes it without duplicates.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import IO, Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.clock import Clock
from crm.csvfile import CsvFileError as ImportFileError
from crm.csvfile import Reader, Source, header_key, open_source, parse_euro_cents
from crm.db import Database
from crm.models import (
    Agency,
    AuditEvent,
    Building,
    Entrance,
    Lease,
    LeaseChange,
    LocalOffice,
    OptOutEvent,
    OptOutSource,
    Phone,
    PhoneKind,
    Residence,
    Tenant,
)
from crm.optouts import record_opt_change
from crm.phones import PhoneResult, normalise_phone

BATCH_SIZE = 1000
DEFAULT_TZ = ZoneInfo("Europe/Paris")

Progress = Callable[[int, int | None], None]  # (bytes read, file size or None)


@dataclass(frozen=True, slots=True)
class RowIssue:
    line: int  # line of the file, the header being line 1
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "reason": self.reason}


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ended: int = 0
    rejected: list[RowIssue] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "ended": self.ended, "rejected": len(self.rejected), "warnings": len(self.warnings)}

    def as_dict(self) -> dict[str, Any]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "ended": self.ended,
                "rejected": [issue.as_dict() for issue in self.rejected],
                "warnings": [issue.as_dict() for issue in self.warnings]}


# --- columns ------------------------------------------------------------------------------

# field: (French label used in messages, accepted headers besides the field name, max length)
COLUMNS: dict[str, tuple[str, tuple[str, ...], int | None]] = {
    "contract_ref": ("n° contrat", ("n° contrat", "nº contrat", "no contrat", "numero contrat",
                                    "numéro de contrat", "n° de contrat", "bail", "contrat"), 60),
    "tenant_ref": ("n° locataire", ("n° locataire", "numero locataire", "code tiers",
                                    "n° tiers"), 60),
    "civility": ("civilité", ("civilité", "title"), 20),
    "last_name": ("nom", ("nom", "nom de famille"), 120),
    "first_name": ("prénom", ("prénom",), 120),
    "mobile_phone": ("téléphone portable", ("portable", "tél. portable", "téléphone mobile",
                                            "téléphone portable", "tél. mobile", "mobile"), None),
    "landline_phone": ("téléphone fixe", ("téléphone fixe", "tél. fixe", "téléphone", "tél.",
                                          "fixe"), None),
    "email": ("courriel", ("courriel", "e-mail", "mail", "adresse e-mail", "adresse mail"), 254),
    "lease_start": ("date d'entrée", ("date d'entrée", "date entrée", "date de début"), None),
    "lease_end": ("date de sortie", ("date de sortie", "date sortie", "date de fin"), None),
    "agency": ("agence", ("agence",), 120),
    "local_office": ("permanence", ("permanence", "antenne"), 120),
    "residence": ("résidence", ("groupe", "résidence", "programme"), 160),
    "building": ("bâtiment", ("bâtiment", "immeuble"), 60),
    "entrance": ("escalier", ("escalier", "entrée"), 60),
    "floor": ("étage", ("étage",), 20),
    "dwelling_ref": ("n° logement", ("n° logement", "logement", "numero logement"), 60),
    "address": ("adresse", ("adresse",), 255),
    "postcode": ("code postal", ("code postal", "cp", "postal code", "zip"), 10),
    "city": ("commune", ("commune", "ville"), 120),
    "reduced_mobility": ("PMR", ("pmr", "mobilité réduite"), None),
    "sms_opt_out": ("refus SMS", ("refus sms", "opposition sms"), None),
    "monthly_rent": ("loyer", ("loyer", "loyer mensuel", "montant du loyer"), 20),  # rent rebates
}
REQUIRED = ("contract_ref", "last_name", "lease_start", "agency", "residence")


HEADERS: dict[str, str] = {}
for _field, (_label, _aliases, _max) in COLUMNS.items():
    for _alias in (_field, *_aliases):
        HEADERS.setdefault(header_key(_alias), _field)


def _columns(header: list[str]) -> dict[str, int]:
    """field -> cell index; the first column wins when two headers mean the same field."""
    found: dict[str, int] = {}
    for index, name in enumerate(header):
        key = header_key(name)
        if key in HEADERS and HEADERS[key] not in found:
            found[HEADERS[key]] = index
    return found


def _check_columns(columns: dict[str, int]) -> None:
    missing = [f for f in REQUIRED if f not in columns]
    if not missing:
        return
    names = ", ".join(f"« {COLUMNS[f][0]} » ({f})" for f in missing)
    plural = "s" if len(missing) > 1 else ""
    if not columns:
        raise ImportFileError(
            "Ce fichier ne ressemble pas à un export CSV de locataires : aucune colonne "
            f"reconnue. Colonne{plural} obligatoire{plural} absente{plural} : {names}."
        )
    raise ImportFileError(f"Colonne{plural} obligatoire{plural} absente{plural} : {names}. "
                          "Rien n'a été importé.")


# --- one row ------------------------------------------------------------------------------

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?")
_FRENCH = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:\s.*)?")
_TRUE = frozenset({"1", "oui", "o", "true", "vrai", "yes", "y", "x"})
_FALSE = frozenset({"0", "non", "n", "false", "faux", "no"})


class _RowError(Exception):
    pass


def parse_date(text: str, label: str) -> date:
    """``2026-10-03`` or ``03/10/2026`` (a time after it, as Excel writes, is ignored)."""
    match = _ISO.fullmatch(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = _FRENCH.fullmatch(text)
        if not match:
            raise _RowError(f"{label} illisible : « {text} » (attendu JJ/MM/AAAA ou AAAA-MM-JJ).")
        day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise _RowError(f"{label} impossible : « {text} » n'existe pas.") from None


def parse_bool(text: str) -> bool | None:
    """1/0, oui/non, o/n, true/false (and a few more); None when empty or unreadable."""
    value = header_key(text)
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return None


@dataclass(slots=True)
class _Row:
    line: int
    values: dict[str, Any]  # field -> cleaned value, only for the columns of the file
    phones: list[PhoneResult]  # the valid numbers of the row, mobile column first
    phones_complete: bool  # False when a number was refused: keep the ones on record
    tenant: Any = None  # Tenant, or a household created in the current batch
    estate: dict[str, int | None] = field(default_factory=dict)


def _clean(text: str) -> str:
    return " ".join(text.split())


def _parse_row(line: int, cells: list[str] | None, columns: dict[str, int],
               warnings: list[RowIssue]) -> _Row:
    """The row's values, checked and converted; raises _RowError for a blocking problem.
    Warnings are added to ``warnings`` only for a row that is kept."""
    found: list[RowIssue] = []
    if cells is None:
        raise _RowError("Ligne illisible (guillemets mal fermés ?).")
    raw: dict[str, str] = {f: (_clean(cells[i]) if i < len(cells) else "") for f, i in columns.items()}
    for f, label in (("contract_ref", "N° de contrat"), ("last_name", "Nom"),
                     ("lease_start", "Date d'entrée"), ("agency", "Agence"),
                     ("residence", "Résidence (groupe)")):
        if not raw[f]:
            raise _RowError(f"{label} absent{'e' if f in ('lease_start', 'agency', 'residence') else ''}.")
    for f, value in raw.items():
        limit = COLUMNS[f][2]
        if limit is not None and len(value) > limit:
            raise _RowError(f"« {COLUMNS[f][0]} » trop long ({len(value)} caractères, {limit} au plus).")
    values: dict[str, Any] = {}
    for f, value in raw.items():
        if f in ("mobile_phone", "landline_phone"):
            continue
        if f == "lease_start":
            values[f] = parse_date(value, "Date d'entrée")
        elif f == "lease_end":
            values[f] = parse_date(value, "Date de sortie") if value else None
        elif f == "monthly_rent":
            cents = parse_euro_cents(value) if value else None
            if value and cents is None:
                found.append(RowIssue(line, f"Loyer « {value} » illisible (attendu 412,50) : ignoré."))
                continue
            values["monthly_rent_cents"] = cents
        elif f in ("reduced_mobility", "sms_opt_out"):
            parsed = parse_bool(value) if value else None
            if value and parsed is None:
                # Unreadable: what is on record stays (left out of the values compared).
                found.append(RowIssue(line, f"{COLUMNS[f][0]} « {value} » illisible "
                                            "(attendu oui/non, 1/0) : ignoré."))
                continue
            values[f] = bool(parsed) if f == "reduced_mobility" else parsed
        else:
            values[f] = value or None
    if values.get("lease_end") and values["lease_end"] < values["lease_start"]:
        raise _RowError("La date de sortie précède la date d'entrée.")
    if values.get("entrance") and not values.get("building"):
        found.append(RowIssue(line, f"Escalier « {values['entrance']} » ignoré : pas de bâtiment."))
        values["entrance"] = None
    if values.get("email") and "@" not in values["email"]:
        found.append(RowIssue(line, f"Courriel « {values['email']} » invalide : ignoré."))
        values["email"] = None
    phones: list[PhoneResult] = []
    complete = True
    for f in ("mobile_phone", "landline_phone"):
        result = normalise_phone(raw.get(f))
        if result is None:
            continue
        if not result.ok:
            complete = False
            found.append(RowIssue(line, f"{COLUMNS[f][0].capitalize()} « {result.raw} » ignoré : "
                                        f"{result.error}."))
        elif all(p.e164 != result.e164 for p in phones):
            phones.append(result)
    warnings.extend(found)
    return _Row(line, values, phones, complete)


# --- the estate -----------------------------------------------------------------------------

def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


class _Estate:
    """Ids of agencies, local offices, residences, buildings and entrances by (parent, name),
    names compared without case; loaded once, new places created batch by batch."""

    def __init__(self) -> None:
        self.agencies: dict[str, int] = {}
        self.offices: dict[tuple[int, str], int] = {}
        self.residences: dict[tuple[int, str], int] = {}
        self.buildings: dict[tuple[int, str], int] = {}
        self.entrances: dict[tuple[int, str], int] = {}
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
            for r in (await session.execute(select(model.id, parent.label("parent"), model.name))).all():  # type: ignore[attr-defined]
                target.setdefault((r.parent, _key(r.name)), r.id)
                self.names[(kind, r.id)] = r.name

    async def resolve(self, session: AsyncSession, rows: list[_Row]) -> None:
        """Set ``row.estate`` (field -> id) for every row, creating what is missing level by
        level: one flush per level and batch, not one per new place."""
        new: dict[str, Any] = {}
        for row in rows:
            k = _key(row.values["agency"])
            if k not in self.agencies and k not in new:
                new[k] = {"name": row.values["agency"], "code": None, "phone": None, "department": None}
        await self._flush(session, Agency, new, self.agencies, "agency")

        offices: dict[tuple[int, str], Any] = {}
        residences: dict[tuple[int, str], Any] = {}
        for row in rows:
            agency_id = self.agencies[_key(row.values["agency"])]
            row.estate["agency"] = agency_id
            office = row.values.get("local_office")
            if office:
                k2 = (agency_id, _key(office))
                if k2 not in self.offices and k2 not in offices:
                    offices[k2] = {"agency_id": agency_id, "name": office}
        await self._flush(session, LocalOffice, offices, self.offices, "local_office")
        for row in rows:
            agency_id = row.estate["agency"]
            office = row.values.get("local_office")
            row.estate["local_office"] = self.offices[(agency_id, _key(office))] if office else None  # type: ignore[index]
            k2 = (agency_id, _key(row.values["residence"]))  # type: ignore[arg-type]
            if k2 not in self.residences and k2 not in residences:
                residences[k2] = {
                    "agency_id": agency_id, "name": row.values["residence"],
                    "local_office_id": row.estate["local_office"],
                    "postcode": row.values.get("postcode"), "city": row.values.get("city"),
                }
        await self._flush(session, Residence, residences, self.residences, "residence")

        buildings: dict[tuple[int, str], Any] = {}
        for row in rows:
            residence_id = self.residences[(row.estate["agency"], _key(row.values["residence"]))]  # type: ignore[arg-type]
            row.estate["residence"] = residence_id
            name = row.values.get("building")
            if name and (residence_id, _key(name)) not in self.buildings:
                buildings.setdefault((residence_id, _key(name)), {"residence_id": residence_id, "name": name})
        await self._flush(session, Building, buildings, self.buildings, "building")

        entrances: dict[tuple[int, str], Any] = {}
        for row in rows:
            name = row.values.get("building")
            building_id = self.buildings[(row.estate["residence"], _key(name))] if name else None  # type: ignore[arg-type]
            row.estate["building"] = building_id
            entrance = row.values.get("entrance")
            if building_id and entrance and (building_id, _key(entrance)) not in self.entrances:
                entrances.setdefault((building_id, _key(entrance)),
                                     {"building_id": building_id, "name": entrance})
        await self._flush(session, Entrance, entrances, self.entrances, "entrance")
        for row in rows:
            building_id = row.estate["building"]
            entrance = row.values.get("entrance")
            row.estate["entrance"] = (
                self.entrances[(building_id, _key(entrance))] if building_id and entrance else None
            )

    async def _flush(self, session: AsyncSession, model: Any, new: dict[Any, dict[str, Any]],
                     cache: dict[Any, int], kind: str) -> None:
        ids = await _insert_numbered(session, model, list(new.values()))
        for (k, values), id_ in zip(new.items(), ids, strict=True):
            cache[k] = id_
            self.names[(kind, id_)] = values["name"]

    def name(self, kind: str, id_: int | None) -> str | None:
        return None if id_ is None else self.names.get((kind, id_))


# --- writing a batch ------------------------------------------------------------------------

LEASE_TEXT_FIELDS = ("floor", "dwelling_ref", "address", "postcode", "city")
ESTATE_FIELDS = ("agency", "local_office", "residence", "building", "entrance")
TENANT_FIELDS = ("civility", "first_name", "last_name", "email", "reduced_mobility")


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


@dataclass
class _OptOutState:
    last_import: bool | None  # the file's value as last recorded by an import
    import_is_latest: bool  # nothing (STOP, START, adviser) happened since that import event


class _Importer:
    def __init__(self, db: Database, *, clock: Clock, tz: ZoneInfo, user_id: int | None,
                 columns: dict[str, int]) -> None:
        self.db = db
        self.clock = clock
        self.tz = tz
        self.user_id = user_id
        self.present = frozenset(columns)
        self.report = ImportReport()
        self.estate = _Estate()
        self.seen_contracts: dict[str, int] = {}  # contract_ref -> line, to refuse duplicates
        self.seen_tenants: set[Any] = set()  # households whose fields a row already set
        # "refus SMS", settled over the whole file: number -> (tenant id, line)
        self.opt_outs: dict[str, tuple[int, int]] = {}
        self.opt_ins: dict[str, tuple[int, int]] = {}
        self.objecting: set[str] = set()  # numbers some row says "oui" for

    async def start(self) -> None:
        async with self.db.session() as session:
            await self.estate.load(session)

    def accept(self, line: int, cells: list[str] | None, columns: dict[str, int]) -> _Row | None:
        try:
            row = _parse_row(line, cells, columns, self.report.warnings)
        except _RowError as exc:
            self.report.rejected.append(RowIssue(line, str(exc)))
            return None
        ref = row.values["contract_ref"]
        first = self.seen_contracts.get(ref)
        if first is not None:
            self.report.rejected.append(RowIssue(line, f"N° de contrat {ref} déjà présent ligne {first}."))
            return None
        self.seen_contracts[ref] = line
        return row

    async def write_batch(self, rows: list[_Row]) -> None:
        now = self.clock.now()
        async with self.db.session() as session:
            await self.estate.resolve(session, rows)
            refs = [r.values["contract_ref"] for r in rows]
            leases = {lease.contract_ref: lease for lease in
                      (await session.scalars(select(Lease).where(Lease.contract_ref.in_(refs)))).all()}
            tenant_ids = {lease.tenant_id for lease in leases.values()}
            tenant_refs = {r.values["tenant_ref"] for r in rows if r.values.get("tenant_ref")}
            tenants: dict[int, Tenant] = {}
            by_ref: dict[str, Any] = {}  # Tenant, or a household created in this batch
            if tenant_ids or tenant_refs:
                found = await session.scalars(select(Tenant).where(
                    Tenant.id.in_(tenant_ids) | Tenant.tenant_ref.in_(tenant_refs)))
                for t in found.all():
                    tenants[t.id] = t  # type: ignore[index]
                    if t.tenant_ref:
                        by_ref[t.tenant_ref] = t
            phones: dict[int, list[Phone]] = {}
            if tenants:
                for p in (await session.scalars(select(Phone).where(Phone.tenant_id.in_(list(tenants))))).all():
                    phones.setdefault(p.tenant_id, []).append(p)
            opt_states = await self._opt_out_states(session, rows)

            # New rows are plain records inserted in bulk: building ORM objects for them
            # costs more than the database does.
            new_tenants: list[SimpleNamespace] = []
            new_leases: list[tuple[_Row, SimpleNamespace]] = []
            new_phones: list[tuple[Any, str, str]] = []  # (household, e164, kind)
            changed_ids: list[int] = []  # a corrected start date or a new number matters to calls
            for row in rows:
                v = row.values
                lease: Any = leases.get(v["contract_ref"])
                changes: dict[str, list[Any]] = {}
                if lease is None:
                    tenant = by_ref.get(v.get("tenant_ref") or "")
                    if tenant is None:
                        tenant = _new_tenant(v.get("tenant_ref"), v["last_name"], now)
                        new_tenants.append(tenant)
                        if tenant.tenant_ref:
                            by_ref[tenant.tenant_ref] = tenant
                    lease = _new_lease(v["contract_ref"], v["lease_start"], now)
                    new_leases.append((row, lease))
                else:
                    tenant = tenants[lease.tenant_id]
                    ref = v.get("tenant_ref")
                    if ref and tenant.tenant_ref is None and ref not in by_ref:
                        changes["tenant_ref"] = [None, ref]
                        tenant.tenant_ref = ref
                        by_ref[ref] = tenant
                row.tenant = tenant
                self._apply_lease(row, lease, changes)
                # An anonymised household (RGPD) is never refilled from the landlord's file.
                if self._owns_household(row) and not _anonymised(tenant):
                    self._apply_tenant(row, changes, now)
                    existing = phones.get(tenant.id, []) if tenant.id is not None else []
                    self._sync_phones(session, row, existing, changes, new_phones)
                if lease.id is None:
                    self.report.created += 1
                elif changes:
                    lease.updated_at = now
                    changed_ids.append(lease.id)
                    session.add(LeaseChange(lease_id=lease.id, at=now, source="import",
                                            changes=changes))
                    if "lease_end" in changes and changes["lease_end"][0] is None:
                        self.report.ended += 1
                    else:
                        self.report.updated += 1
                else:
                    self.report.unchanged += 1

            await session.flush()  # the updates and removed numbers of existing rows
            _number(new_tenants, await _insert_numbered(session, Tenant, [_values(t) for t in new_tenants]))
            for row, lease in new_leases:
                lease.tenant_id = row.tenant.id  # type: ignore[union-attr]
            _number([lease for _, lease in new_leases],
                    await _insert_numbered(session, Lease, [_values(lease) for _, lease in new_leases]))
            if new_phones:
                await session.execute(insert(Phone.__table__), [
                    {"tenant_id": household.id, "e164": e164, "kind": kind, "valid": True,
                     "source": "import", "created_at": now}
                    for household, e164, kind in new_phones
                ])
            await session.commit()
            for row in rows:  # households now all have their ids
                self._note_opt_out_wish(row, opt_states)
            call_ids = [lease.id for _, lease in new_leases] + changed_ids
            if call_ids:
                today = now.astimezone(self.tz).date()
                await _create_call_tasks(session, today, call_ids)
                await session.commit()

    def _owns_household(self, row: _Row) -> bool:
        tenant = row.tenant
        assert tenant is not None
        if tenant.tenant_ref:
            key: Any = ("ref", tenant.tenant_ref)
        elif tenant.id is not None:
            key = ("id", tenant.id)
        else:
            return True  # a new household without a reference: no other row can name it
        if key in self.seen_tenants:
            return False
        self.seen_tenants.add(key)
        return True

    def _apply_lease(self, row: _Row, lease: Lease, changes: dict[str, list[Any]]) -> None:
        """Copy the row onto the lease, noting in ``changes`` what differs (names for places)."""
        v = row.values
        updates: dict[str, Any] = {}
        for f in ESTATE_FIELDS:
            if f in self.present or f in ("agency", "residence"):
                updates[f"{f}_id"] = row.estate[f]
        for f in (*LEASE_TEXT_FIELDS, "lease_start", "lease_end"):
            if f in self.present:
                updates[f] = v[f]
        if "monthly_rent_cents" in v:  # column present and readable
            updates["monthly_rent_cents"] = v["monthly_rent_cents"]
        for attr, new in updates.items():
            old = getattr(lease, attr, None)
            if old != new:
                if lease.id is not None:
                    if attr.endswith("_id"):
                        kind = attr[:-3]
                        names = [self.estate.name(kind, old), self.estate.name(kind, new)]
                        if names[0] != names[1]:  # same name under a new parent: the parent says it
                            changes[kind] = names
                    else:
                        changes[attr] = [_json(old), _json(new)]
                setattr(lease, attr, new)

    def _apply_tenant(self, row: _Row, changes: dict[str, list[Any]], now: Any) -> None:
        tenant = row.tenant
        assert tenant is not None
        for f in TENANT_FIELDS:
            if f not in row.values:  # column absent from the file, or unreadable cell
                continue
            old, new = getattr(tenant, f), row.values[f]
            if old != new:
                if tenant.id is not None:
                    changes[f] = [old, new]
                    tenant.updated_at = now
                setattr(tenant, f, new)

    def _sync_phones(self, session: AsyncSession, row: _Row, existing: list[Phone],
                     changes: dict[str, list[Any]], new_phones: list[tuple[Any, str, str]]) -> None:
        """The file owns the numbers it brought (source "import"); numbers added by advisers
        stay. A refused number in the row keeps the ones on record: a typo must not cost a
        tenant the phone that worked."""
        if not ({"mobile_phone", "landline_phone"} & self.present):
            return
        wanted = {p.e164: p.kind for p in row.phones}
        known = {p.e164 for p in existing}
        before = {p.e164 for p in existing if p.source == "import"}
        added = {number for number in wanted if number not in known}
        for number in sorted(added):
            new_phones.append((row.tenant, number, wanted[number]))
        removed: set[str] = set()
        if row.phones_complete:
            for p in existing:
                if p.source == "import" and p.e164 not in wanted:
                    session.sync_session.delete(p)
                    removed.add(p.e164)
        after = (before - removed) | added
        if after != before:
            changes["phones"] = [sorted(before), sorted(after)]

    async def _opt_out_states(self, session: AsyncSession, rows: list[_Row]) -> dict[str, _OptOutState]:
        """For the mobiles of the rows that say something about SMS: the last state an import
        recorded, and whether anything happened since."""
        numbers = {m for r in rows if r.values.get("sms_opt_out") is not None
                   for m in [_mobile(r)] if m}
        if not numbers:
            return {}
        latest_any = select(func.max(OptOutEvent.id)).where(
            OptOutEvent.e164.in_(numbers)).group_by(OptOutEvent.e164)
        latest_import = select(func.max(OptOutEvent.id)).where(
            OptOutEvent.e164.in_(numbers), OptOutEvent.source == OptOutSource.IMPORT
        ).group_by(OptOutEvent.e164)
        latest_ids = set((await session.scalars(latest_any)).all())
        states: dict[str, _OptOutState] = {}
        for e in (await session.execute(select(OptOutEvent.id, OptOutEvent.e164, OptOutEvent.opted_out)
                                        .where(OptOutEvent.id.in_(latest_import)))).all():
            states[e.e164] = _OptOutState(e.opted_out, e.id in latest_ids)
        return states

    def _note_opt_out_wish(self, row: _Row, states: dict[str, _OptOutState]) -> None:
        """Remember what the file's "refus SMS" asks for this row's mobile; ``finish`` records
        it once the whole file is read.

        A number may be shared by two households whose rows disagree: deciding row by row
        would flip it at every import, so the file's wish for a number is settled over the
        whole file ("oui" anywhere wins). Only a change of the file's own value is recorded,
        so a later STOP or START by the tenant is never overwritten by importing the same
        file again: "oui" records an objection unless the last import already did; "non"
        withdraws only an objection that came from the file and that nothing (STOP, START,
        an adviser) has superseded since.
        """
        wanted = row.values.get("sms_opt_out")
        mobile = _mobile(row)
        if wanted is None or mobile is None or _anonymised(row.tenant):
            return
        state = states.get(mobile, _OptOutState(None, False))
        note = (row.tenant.id, row.line)  # type: ignore[union-attr]
        if wanted:
            self.objecting.add(mobile)
            if state.last_import is not True:
                self.opt_outs.setdefault(mobile, note)
        elif state.last_import is True and state.import_is_latest:
            self.opt_ins.setdefault(mobile, note)

    async def _record_opt_outs(self) -> None:
        now = self.clock.now()
        changes = [(e164, True, note) for e164, note in self.opt_outs.items()]
        changes += [(e164, False, note) for e164, note in self.opt_ins.items() if e164 not in self.objecting]
        for start in range(0, len(changes), BATCH_SIZE):
            async with self.db.session() as session:
                for e164, opted_out, (tenant_id, line) in changes[start:start + BATCH_SIZE]:
                    await record_opt_change(session, e164, opted_out=opted_out, at=now,
                                            source=OptOutSource.IMPORT, tenant_id=tenant_id,
                                            user_id=self.user_id,
                                            note=f"Import du fichier locataires, ligne {line}")
                await session.commit()

    async def finish(self) -> ImportReport:
        await self._record_opt_outs()
        async with self.db.session() as session:
            session.add(AuditEvent(at=self.clock.now(), user_id=self.user_id, action="import_tenants",
                                   object_type="tenant_file", details=self.report.counts()))
            await session.commit()
        return self.report


def _new_tenant(tenant_ref: str | None, last_name: str, now: Any) -> SimpleNamespace:
    return SimpleNamespace(id=None, tenant_ref=tenant_ref, civility=None, first_name=None, last_name=last_name,
                           email=None, reduced_mobility=False, created_at=now, updated_at=now,
                           anonymized_at=None)


def _new_lease(contract_ref: str, lease_start: date, now: Any) -> SimpleNamespace:
    return SimpleNamespace(id=None, contract_ref=contract_ref, tenant_id=None, agency_id=None,
                           local_office_id=None, residence_id=None, building_id=None,
                           entrance_id=None, floor=None, dwelling_ref=None, address=None,
                           postcode=None, city=None, lease_start=lease_start, lease_end=None,
                           monthly_rent_cents=None, created_at=now, updated_at=now)


async def _insert_numbered(session: AsyncSession, model: Any, values: list[dict[str, Any]]) -> list[int]:
    """Insert rows in bulk; their ids, in the order of ``values``.

    A Core insert of plain dicts (every dict with the same keys) goes out as a few
    multi-row INSERTs; the ORM would split them wherever a value is None. PostgreSQL:
    SQLAlchemy ties the RETURNING rows to the parameters itself. SQLite: asking it to would
    insert row by row (8x slower), but SQLite numbers the rows of one INSERT in the order of
    its VALUES while it holds the write lock, so the sorted ids are the rows' ids; the
    contiguity check guards that assumption.
    """
    if not values:
        return []
    table = model.__table__
    if session.bind.dialect.name == "sqlite":
        ids = sorted((await session.scalars(insert(table).returning(table.c.id), values)).all())
        if len(ids) != len(values) or ids[-1] - ids[0] != len(ids) - 1:
            raise RuntimeError(f"unexpected {model.__name__} ids from a bulk insert")
        return ids
    return list((await session.scalars(
        insert(table).returning(table.c.id, sort_by_parameter_order=True), values)).all())


def _number(records: list[SimpleNamespace], ids: list[int]) -> None:
    for record, id_ in zip(records, ids, strict=True):
        record.id = id_


def _values(record: SimpleNamespace) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k != "id"}  # the database numbers it


def _anonymised(tenant: Any) -> bool:
    return getattr(tenant, "anonymized_at", None) is not None


def _mobile(row: _Row) -> str | None:
    for p in row.phones:
        if p.kind == PhoneKind.MOBILE:
            return p.e164
    return None


async def _create_call_tasks(session: AsyncSession, today: date, lease_ids: list[int]) -> int:
    """Courtesy-call tasks for the new and changed leases: the calls module decides which
    qualify (window, ended leases) and refreshes the "no phone" flag of open tasks."""
    from crm.calls.tasks import ensure_call_tasks

    return await ensure_call_tasks(session, today=today, lease_ids=lease_ids)


# --- entry points -----------------------------------------------------------------------------

async def import_tenants(
    db: Database,
    source: str | os.PathLike[str] | IO[bytes],
    *,
    clock: Clock,
    user_id: int | None = None,
    progress: Progress | None = None,
    tz: ZoneInfo = DEFAULT_TZ,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Import a tenant file (a path or a binary file object). Structure problems raise
    ``ImportFileError`` before anything is written; row problems end up in the report."""
    opened = open_source(source)
    reader: Reader | None = None
    try:
        reader = Reader(opened.binary)
        columns = _columns(reader.header)
        _check_columns(columns)
        importer = _Importer(db, clock=clock, tz=tz, user_id=user_id, columns=columns)
        await importer.start()
        batch: list[_Row] = []
        for line, cells in reader.rows_raw():
            row = importer.accept(line, cells, columns)
            if row is not None:
                batch.append(row)
            if line % 250 == 0:
                await asyncio.sleep(0)  # parsing is CPU work: let the server answer meanwhile
            if len(batch) >= batch_size:
                await importer.write_batch(batch)
                batch = []
                _report_progress(progress, opened)
        if batch:
            await importer.write_batch(batch)
        _report_progress(progress, opened)
        return await importer.finish()
    finally:
        if reader is not None:
            reader.text.detach()  # the caller's file object stays open
        if opened.close:
            opened.binary.close()


def _report_progress(progress: Progress | None, opened: Source) -> None:
    if progress is None:
        return
    try:
        done = opened.binary.tell()
    except (OSError, ValueError):
        return
    progress(min(done, opened.size or done), opened.size)


def format_report(report: ImportReport) -> str:
    """The report as the command line prints it (French)."""
    lines = [
        f"Baux créés : {report.created}",
        f"Baux mis à jour : {report.updated}",
        f"Baux inchangés : {report.unchanged}",
        f"Baux terminés (date de sortie) : {report.ended}",
        f"Lignes rejetées : {len(report.rejected)}",
        f"Avertissements : {len(report.warnings)}",
    ]
    if report.rejected:
        lines.append("")
        lines.append("Lignes rejetées (non importées) :")
        lines += [f"  ligne {i.line} : {i.reason}" for i in report.rejected]
    if report.warnings:
        lines.append("")
        lines.append("Avertissements (lignes importées) :")
        lines += [f"  ligne {i.line} : {i.reason}" for i in report.warnings]
    return "\n".join(lines)


async def import_tenants_command(settings: Any, path: str) -> int:
    """``python main.py import tenants FILE``: a progress bar on stderr, then the report."""
    from tqdm import tqdm

    db = Database(settings.database_url)
    try:
        size = Path(path).stat().st_size if Path(path).is_file() else None
        with tqdm(total=size, unit="o", unit_scale=True, unit_divisor=1024, file=sys.stderr,
                  desc="Import", leave=False) as bar:
            def progress(done: int, total: int | None) -> None:
                bar.update(done - bar.n)

            try:
                report = await import_tenants(db, path, clock=Clock(), progress=progress,
                                              tz=settings.tz)
            except ImportFileError as exc:
                bar.close()
                print(f"Import refusé : {exc}", file=sys.stderr)
                return 2
        print(format_report(report))
        return 0
    finally:
        await db.dispose()
