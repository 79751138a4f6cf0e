"""User accounts from the command line."""

from __future__ import annotations

import argparse

from sqlalchemy import func, or_, select

from crm.auth import hash_password
from crm.clock import Clock
from crm.config import Settings
from crm.db import Database
from crm.models import Agency, AuditEvent, Role, User
from crm.passwords import password_problem


async def find_agency(session, ref: str) -> Agency | None:
    cond = [func.lower(Agency.name) == ref.strip().lower(), func.lower(Agency.code) == ref.strip().lower()]
    if ref.strip().isdigit():
        cond.append(Agency.id == int(ref))
    return (await session.execute(select(Agency).where(or_(*cond)))).scalars().first()


async def upsert_user(db: Database, *, email: str, password: str, role: str,
                      agency: str | None, full_name: str | None = None, clock: Clock | None = None) -> User:
    """Create or update a user. Managers and advisers need an existing agency."""
    if role not in Role.ALL:
        raise ValueError(f"unknown role {role!r}")
    problem = password_problem(password, email)
    if problem:
        raise ValueError(problem)
    now = (clock or Clock()).now()
    async with db.session() as session:
        agency_id = None
        if role != Role.ADMIN:
            if not agency:
                raise ValueError(f"a {role} needs --agency")
            found = await find_agency(session, agency)
            if found is None:
                raise ValueError(f"no agency named {agency!r} (import tenants first)")
            agency_id = found.id
        email_norm = email.strip().lower()
        user = (await session.execute(select(User).where(User.email == email_norm))).scalar_one_or_none()
        if user is None:
            user = User(email=email_norm, password_hash="", role=role, created_at=now)
            session.add(user)
        user.password_hash = hash_password(password)
        user.role = role
        user.agency_id = agency_id
        user.full_name = full_name or user.full_name
        user.active = True
        await session.flush()
        session.add(AuditEvent(at=now, action="user_saved", object_type="user",
                               object_id=str(user.id), subject=email_norm))
        await session.commit()
        return user


async def create_user_command(settings: Settings, args: argparse.Namespace) -> int:
    db = Database(settings.database_url)
    try:
        user = await upsert_user(db, email=args.email, password=args.password, role=args.role,
                                 agency=args.agency, full_name=args.name)
    except ValueError as exc:
        print(f"Error: {exc}")
        return 2
    finally:
        await db.dispose()
    print(f"User {user.email} ({user.role}) saved.")
    return 0
