"""Factories for tests: build the estate, tenants, leases, phones and users directly in the
database, and log users in through the real API."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, date, datetime
from typing import Any

from argon2 import PasswordHasher, profiles
from sqlalchemy import select

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
    Tenant,
    User,
)

_seq = itertools.count(1)
NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
PASSWORD = "motdepasse-solide"
# Production hashes cost 64 MiB and 3 passes, and argon2 reads the cost of a check from the
# stored hash: test users get the cheapest parameters so that every login in the suite is
# fast. crm.auth and its production parameters are untouched (see
# test_passwords_are_hashed_with_production_argon2_cost.py).
_PASSWORD_HASH = PasswordHasher.from_parameters(profiles.CHEAPEST).hash(PASSWORD)


async def _get_or_create(session: Any, model: type, **where: Any) -> Any:
    stmt = select(model).filter_by(**where)
    found = (await session.execute(stmt)).scalars().first()
    if found is None:
        found = model(**where)
        session.add(found)
        await session.flush()
    return found


async def make_agency(db: Database, name: str = "Blois", **extra: Any) -> Agency:
    async with db.session() as session:
        agency = await _get_or_create(session, Agency, name=name)
        for key, value in extra.items():
            setattr(agency, key, value)
        await session.commit()
        return agency


async def make_lease(
    db: Database,
    *,
    agency: str = "Blois",
    residence: str = "Les Provinces",
    building: str | None = "B",
    entrance: str | None = "2",
    local_office: str | None = "Quinière",
    last_name: str | None = None,
    first_name: str = "Sandrine",
    civility: str = "Mme",
    mobile: str | None = "+33612345678",
    landline: str | None = None,
    lease_start: date = date(2026, 11, 3),
    lease_end: date | None = None,
    reduced_mobility: bool = False,
    opted_out: bool = False,
    contract_ref: str | None = None,
    tenant: Tenant | None = None,
) -> Lease:
    """A lease with its tenant, phones and place in the estate (created as needed)."""
    n = next(_seq)
    async with db.session() as session:
        ag = await _get_or_create(session, Agency, name=agency)
        office = await _get_or_create(session, LocalOffice, agency_id=ag.id, name=local_office) if local_office else None
        res = await _get_or_create(session, Residence, agency_id=ag.id, name=residence)
        bld = await _get_or_create(session, Building, residence_id=res.id, name=building) if building else None
        ent = await _get_or_create(session, Entrance, building_id=bld.id, name=entrance) if (bld and entrance) else None
        if tenant is None:
            tenant = Tenant(
                civility=civility, first_name=first_name, last_name=last_name or f"Locataire{n}",
                reduced_mobility=reduced_mobility, created_at=NOW, updated_at=NOW,
            )
            session.add(tenant)
            await session.flush()
            for number, kind in ((mobile, "mobile"), (landline, "landline")):
                if number:
                    session.add(Phone(tenant_id=tenant.id, e164=number, kind=kind, created_at=NOW))
            if opted_out and mobile:
                session.add(OptOutEvent(e164=mobile, opted_out=True, at=NOW, source="import",
                                        tenant_id=tenant.id))
        lease = Lease(
            contract_ref=contract_ref or f"T-{n:06d}", tenant_id=tenant.id, agency_id=ag.id,
            local_office_id=office.id if office else None, residence_id=res.id,
            building_id=bld.id if bld else None, entrance_id=ent.id if ent else None,
            lease_start=lease_start, lease_end=lease_end, created_at=NOW, updated_at=NOW,
        )
        session.add(lease)
        await session.commit()
        return lease


async def make_user(db: Database, role: str = "adviser", agency: str | None = "Blois",
                    email: str | None = None) -> User:
    async with db.session() as session:
        agency_id = None
        if agency and role != "admin":
            agency_id = (await _get_or_create(session, Agency, name=agency)).id
        user = User(email=email or f"{role}{next(_seq)}@example.fr", password_hash=_PASSWORD_HASH,
                    role=role, agency_id=agency_id, created_at=NOW)
        session.add(user)
        await session.commit()
        return user


async def login(client: Any, user: User) -> dict[str, str]:
    """Log in through the API and return the Authorization header."""
    resp = await client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert resp.status == 200, await resp.text()
    return {"Authorization": f"Bearer {(await resp.json())['token']}"}


async def page_login(client: Any, user: User) -> None:
    """Log in through the login form, as a browser does (session cookie)."""
    page = await (await client.get("/login")).text()
    token = re.search(r'name="login_csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    resp = await client.post("/login", data={"email": user.email, "password": PASSWORD,
                                             "login_csrf": token, "next": "/locataires"},
                             allow_redirects=False)
    assert resp.status == 302, await resp.text()


async def api_user(client: Any, db: Database, role: str = "adviser", agency: str | None = "Blois") -> dict[str, str]:
    """Create a user and return their Authorization header."""
    return await login(client, await make_user(db, role, agency))
