"""Demo data: a realistic, fictitious landlord of Loir-et-Cher in an empty database.

``python main.py demo`` fills it and prints the logins; ``python main.py --demo`` does the
same only when the database is empty, then serves. Everything is generated with fixed seeds
(Faker ``fr_FR`` and ``random.Random``) relative to the clock's today, so two runs on the same
day give the same landlord. Rows go in with bulk INSERT … RETURNING: seconds, not minutes.

Features add their own demo history (call attempts, campaigns, SMS replies) through
``crm.calls.demo``, ``crm.campaigns.demo``, ``crm.requests.demo`` and ``crm.inbox.demo``, each exposing
``async def fill(db, clock, rng) -> None``; a feature not written yet is skipped.
"""

from __future__ import annotations

import importlib
import random
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from faker import Faker
from sqlalchemy import func, insert, select

from crm.auth import hash_password
from crm.calendar import local_today
from crm.clock import Clock
from crm.config import Settings
from crm.db import Database
from crm.models import (
    Agency,
    Building,
    Entrance,
    Lease,
    LocalOffice,
    OptOutEvent,
    Phone,
    Residence,
    Role,
    Tenant,
    User,
)

SEED = 41
DEMO_PASSWORD = "demo-crm-2026"
FEATURE_FILLERS = ("crm.calls.demo", "crm.surveys.demo", "crm.campaigns.demo", "crm.requests.demo",
                   "crm.inbox.demo", "crm.incidents.demo")

LEASES = 5000
NEW_LEASES = 150  # started in the last 45 days: the courtesy-call programme's tenants
NEW_WINDOW_DAYS = 45

# (name, code, phone, login slug, local offices as (name, postcode, city))
AGENCIES: list[tuple[str, str, str, str, list[tuple[str, str, str]]]] = [
    ("Blois", "BLO", "+33254000041", "blois", [
        ("Quinière", "41000", "Blois"), ("Croix-Chevalier", "41000", "Blois"),
        ("Vienne", "41000", "Blois"), ("Mer", "41500", "Mer"),
    ]),
    ("Vendôme", "VEN", "+33254000042", "vendome", [
        ("Les Rottes", "41100", "Vendôme"), ("Centre-ville", "41100", "Vendôme"),
        ("Montoire", "41800", "Montoire-sur-le-Loir"), ("Mondoubleau", "41170", "Mondoubleau"),
    ]),
    ("Romorantin", "ROM", "+33254000043", "romorantin", [
        ("Saint-Marc", "41200", "Romorantin-Lanthenay"), ("Favignolles", "41200", "Romorantin-Lanthenay"),
        ("Salbris", "41300", "Salbris"), ("Selles-sur-Cher", "41130", "Selles-sur-Cher"),
    ]),
]
RESIDENCE_WORDS = [
    "Les Acacias", "Les Tilleuls", "Le Clos Fleuri", "Les Provinces", "La Roseraie", "Les Érables",
    "Le Parc", "Les Grouëts", "Les Mésanges", "Le Bourg", "Les Châtaigniers", "La Source",
    "Les Vignes", "Le Moulin", "Les Peupliers", "La Chênaie", "Les Cèdres", "Le Verger",
    "Les Hirondelles", "La Garenne",
]


@dataclass
class DemoSummary:
    agencies: int = 0
    local_offices: int = 0
    residences: int = 0
    buildings: int = 0
    entrances: int = 0
    tenants: int = 0
    leases: int = 0
    new_leases: int = 0
    phones: int = 0
    opt_outs: int = 0
    users: list[tuple[str, str, str | None]] = field(default_factory=list)  # (email, role, agency)


async def _insert(session: Any, model: Any, rows: list[dict[str, Any]],
                  key: tuple[str, ...] = ()) -> list[int]:
    """Bulk insert (one executemany); with ``key`` (a natural key), return the ids in the
    order of ``rows``, reusing rows already there (e.g. an agency made by create-user).

    Ids are read back by key in one query: RETURNING through aiosqlite costs one thread
    round trip per row, which made 200,000 leases take minutes."""
    if not key:
        if rows:
            await session.execute(insert(model), rows)
        return []
    columns = [getattr(model, k) for k in key]

    async def known() -> dict[tuple[Any, ...], int]:
        result = await session.execute(select(model.id, *columns))
        return {tuple(r[1:]): r[0] for r in result.all()}

    existing = await known()
    missing = [r for r in rows if tuple(r[k] for k in key) not in existing]
    if missing:
        await session.execute(insert(model), missing)
        existing = await known()
    return [existing[tuple(r[k] for k in key)] for r in rows]


def _number(rng: random.Random, prefix: str, used: set[str]) -> str:
    while True:
        number = prefix + "".join(rng.choice("0123456789") for _ in range(12 - len(prefix)))
        if number not in used:
            used.add(number)
            return number


async def fill_demo(db: Database, clock: Clock, settings: Settings, seed: int = SEED) -> DemoSummary:
    """Generate the landlord in one transaction, then let the features add their history."""
    fake = Faker("fr_FR")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    now = clock.now()
    today = local_today(now, settings.tz)
    summary = DemoSummary()

    async with db.session() as session:
        agency_ids = await _insert(session, Agency, [
            {"name": name, "code": code, "phone": phone, "department": "41"}
            for name, code, phone, _, _ in AGENCIES
        ], key=("name",))
        office_rows, office_meta = [], []
        for agency_id, (_, _, _, _, offices) in zip(agency_ids, AGENCIES, strict=True):
            for name, postcode, city in offices:
                office_rows.append({"agency_id": agency_id, "name": name})
                office_meta.append((agency_id, postcode, city))
        office_ids = await _insert(session, LocalOffice, office_rows, key=("agency_id", "name"))

        # 20 residences per agency, spread over its local offices.
        residence_rows, residence_meta = [], []
        for agency_id in agency_ids:
            agency_offices = [(oid, meta) for oid, meta in zip(office_ids, office_meta, strict=True)
                              if meta[0] == agency_id]
            for r_index, word in enumerate(RESIDENCE_WORDS):
                office_id, (_, postcode, city) = agency_offices[r_index % len(agency_offices)]
                residence_rows.append({"agency_id": agency_id, "local_office_id": office_id,
                                       "name": word, "postcode": postcode, "city": city})
                residence_meta.append((agency_id, office_id, postcode, city, fake.street_name()))
        residence_ids = await _insert(session, Residence, residence_rows, key=("agency_id", "name"))

        building_rows, building_res = [], []
        for rid in residence_ids:
            for name in "ABCD"[: rng.randint(1, 4)]:
                building_rows.append({"residence_id": rid, "name": name})
                building_res.append(rid)
        building_ids = await _insert(session, Building, building_rows, key=("residence_id", "name"))
        entrance_rows, entrance_bld = [], []
        for bid in building_ids:
            for name in "123"[: rng.randint(1, 3)]:
                entrance_rows.append({"building_id": bid, "name": name})
                entrance_bld.append(bid)
        entrance_ids = await _insert(session, Entrance, entrance_rows, key=("building_id", "name"))
        # A dwelling's place: (residence index, building id, entrance id)
        places = []
        res_index = {rid: i for i, rid in enumerate(residence_ids)}
        bld_res = dict(zip(building_ids, building_res, strict=True))
        for eid, bid in zip(entrance_ids, entrance_bld, strict=True):
            places.append((res_index[bld_res[bid]], bid, eid))

        # Households: most current tenants, some who left, the newest in the last 45 days.
        tenant_rows, lease_plans = [], []
        for n in range(LEASES):
            female = rng.random() < 0.55
            tenant_rows.append({
                "tenant_ref": f"LOC{n + 1:06d}",
                "civility": "Mme" if female else "M.",
                "first_name": fake.first_name_female() if female else fake.first_name_male(),
                "last_name": fake.last_name(),
                "email": None,
                "reduced_mobility": rng.random() < 0.04,
                "created_at": now, "updated_at": now, "anonymized_at": None,
            })
            if n < NEW_LEASES:
                start = today - timedelta(days=rng.randint(0, NEW_WINDOW_DAYS - 1))
                end = None
            else:
                start = today - timedelta(days=rng.randint(NEW_WINDOW_DAYS, 15 * 365))
                end = None
                if rng.random() < 0.08:
                    end = min(today - timedelta(days=1), start + timedelta(days=rng.randint(200, 3000)))
            lease_plans.append((start, end))
        for row in tenant_rows:
            if rng.random() < 0.6:
                row["email"] = fake.free_email()
        tenant_ids = await _insert(session, Tenant, tenant_rows, key=("tenant_ref",))

        lease_rows = []
        # A separate generator, so that adding rents left the rest of the demo unchanged.
        rents = random.Random(seed + 7)
        for n, (tid, (start, end)) in enumerate(zip(tenant_ids, lease_plans, strict=True)):
            r_i, bid, eid = rng.choice(places)
            agency_id, office_id, postcode, city, street = residence_meta[r_i]
            lease_rows.append({
                "contract_ref": f"BAIL-{start.year}-{n + 1:05d}", "tenant_id": tid,
                "agency_id": agency_id, "local_office_id": office_id,
                "residence_id": residence_ids[r_i], "building_id": bid, "entrance_id": eid,
                "floor": str(rng.randint(0, 5)), "dwelling_ref": f"LGT{n + 1:05d}",
                "address": f"{rng.randint(1, 60)} {street}", "postcode": postcode, "city": city,
                "lease_start": start, "lease_end": end, "created_at": now, "updated_at": now,
                "monthly_rent_cents": rents.randrange(28000, 62000, 5),
            })
        await _insert(session, Lease, lease_rows)

        used: set[str] = set()
        phone_rows: list[dict[str, Any]] = []
        optout_rows: list[dict[str, Any]] = []
        for tid in tenant_ids:
            draw = rng.random()
            has_mobile = draw < 0.72
            has_landline = (0.72 <= draw < 0.9) or (has_mobile and rng.random() < 0.15)
            if has_mobile:
                mobile = _number(rng, rng.choice(["+336", "+337"]), used)
                phone_rows.append({"tenant_id": tid, "e164": mobile, "kind": "mobile", "valid": True,
                                   "source": "import", "created_at": now})
                if rng.random() < 0.025:
                    source = rng.choice(["import", "sms", "adviser"])
                    optout_rows.append({
                        "e164": mobile, "opted_out": True, "source": source, "tenant_id": tid,
                        "at": now - timedelta(days=rng.randint(1, 700)), "user_id": None,
                        "note": "Ne souhaite pas recevoir de SMS" if source == "adviser" else None,
                    })
            if has_landline:
                phone_rows.append({"tenant_id": tid, "e164": _number(rng, "+33254", used), "kind": "landline",
                                   "valid": rng.random() > 0.03, "source": "import", "created_at": now})
        await _insert(session, Phone, phone_rows)
        optout_rows.sort(key=lambda r: r["at"])  # latest event = highest id
        await _insert(session, OptOutEvent, optout_rows)

        password_hash = hash_password(DEMO_PASSWORD)
        user_rows: list[dict[str, Any]] = [{"email": "admin@demo.fr", "password_hash": password_hash, "role": Role.ADMIN,
                      "agency_id": None, "full_name": "Administrateur démo", "active": True,
                      "created_at": now}]
        summary.users.append(("admin@demo.fr", Role.ADMIN, None))
        for agency_id, (name, _, _, slug, _) in zip(agency_ids, AGENCIES, strict=True):
            for role, prefix in ((Role.MANAGER, "responsable"), (Role.ADVISER, "conseiller")):
                email = f"{prefix}.{slug}@demo.fr"
                user_rows.append({"email": email, "password_hash": password_hash, "role": role,
                                  "agency_id": agency_id, "full_name": fake.name(), "active": True,
                                  "created_at": now})
                summary.users.append((email, role, name))
        await _insert(session, User, user_rows, key=("email",))
        await session.commit()

    summary.agencies, summary.local_offices = len(agency_ids), len(office_ids)
    summary.residences, summary.buildings = len(residence_ids), len(building_ids)
    summary.entrances, summary.tenants, summary.leases = len(entrance_ids), len(tenant_ids), len(lease_rows)
    summary.new_leases = NEW_LEASES
    summary.phones, summary.opt_outs = len(phone_rows), len(optout_rows)

    for name in FEATURE_FILLERS:
        await importlib.import_module(name).fill(db, clock, rng)
    return summary


async def database_is_empty(db: Database) -> bool:
    async with db.session() as session:
        return not await session.scalar(select(func.count()).select_from(Tenant))


async def run_demo_command(settings: Settings, only_if_empty: bool = False, *,
                           clock: Clock | None = None) -> int:
    """Fill an empty database with the demo landlord and print the logins.

    With tenants already there: refuse (exit code 1), or return 0 quietly when
    ``only_if_empty`` (``--demo`` on a database already in use).
    """
    db = Database(settings.database_url)
    try:
        if not await database_is_empty(db):
            if only_if_empty:
                return 0
            print("La base contient déjà des locataires : les données de démonstration ne sont "
                  "ajoutées que dans une base vide. Rien n'a été modifié.")
            return 1
        summary = await fill_demo(db, clock or Clock(), settings)
    finally:
        await db.dispose()
    print(f"Données de démonstration créées : {summary.agencies} agences, {summary.local_offices} "
          f"permanences, {summary.residences} résidences, {summary.leases} baux dont "
          f"{summary.new_leases} entrées depuis {NEW_WINDOW_DAYS} jours, {summary.phones} numéros, "
          f"{summary.opt_outs} refus de SMS.")
    print(f"Comptes (mot de passe pour tous : {DEMO_PASSWORD}) :")
    for email, role, agency in summary.users:
        print(f"  {email:32} {role:8} {agency or 'toutes les agences'}")
    return 0
