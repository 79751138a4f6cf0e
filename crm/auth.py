"""Accounts: argon2 passwords, bearer tokens and page sessions, roles and agency scoping.

Every route declares who may call it (``@access(...)`` or ``@public``); the auth middleware
refuses a route that declares nothing. Agency scoping goes through ``Principal``: views ask
it to check an agency or to narrow a query, never compare roles themselves.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm import login_throttle
from crm.errors import Forbidden, TooManyRequests, Unauthorized
from crm.models import ApiToken, AuditEvent, Role, User

_hasher = PasswordHasher()

API_TOKEN_LIFETIME = timedelta(days=30)
SESSION_LIFETIME = timedelta(hours=12)

H = TypeVar("H", bound=Callable[..., Any])


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token_for(session_token: str) -> str:
    """The CSRF token of a page session: derived, so nothing more is stored."""
    return hashlib.sha256(b"csrf:" + session_token.encode()).hexdigest()[:40]


@dataclass(frozen=True)
class Principal:
    """The authenticated caller and what they may see."""

    user_id: int
    email: str
    role: str
    agency_id: int | None
    token_kind: str = "api"
    session_token: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def can_campaign(self) -> bool:
        return self.role in (Role.ADMIN, Role.MANAGER)

    def agency_scope(self, requested: int | None = None) -> int | None:
        """The agency id a query must be limited to (None = every agency, admins only).

        A non-admin asking for another agency gets 403; asking for nothing gets their own.
        """
        if self.is_admin:
            return requested
        if requested is not None and requested != self.agency_id:
            raise Forbidden("Cette agence n'est pas la vôtre.", code="agency_forbidden")
        return self.agency_id

    def check_agency(self, agency_id: int | None) -> None:
        """403 unless the caller may see objects of ``agency_id``."""
        if self.is_admin:
            return
        if agency_id is None or agency_id != self.agency_id:
            raise Forbidden("Cet élément appartient à une autre agence.", code="agency_forbidden")

    def scope_filter(self, column: Any, requested: int | None = None) -> list[Any]:
        """SQL conditions limiting ``column`` (an agency_id column) to what the caller may see."""
        agency = self.agency_scope(requested)
        return [] if agency is None else [column == agency]

    def public(self) -> dict[str, Any]:
        return {"id": self.user_id, "email": self.email, "role": self.role, "agency": self.agency_id}


# --- route access declarations -------------------------------------------------------

PUBLIC = "public"


def access(*roles: str) -> Callable[[H], H]:
    """Declare the roles allowed on a view; the auth middleware enforces it."""
    for role in roles:
        if role not in Role.ALL:
            raise ValueError(f"unknown role {role}")

    def mark(handler: H) -> H:
        handler.crm_access = frozenset(roles)
        return handler

    return mark


def public(handler: H) -> H:
    handler.crm_access = PUBLIC
    return handler


any_user = access(*Role.ALL)
managers = access(Role.ADMIN, Role.MANAGER)
admins = access(Role.ADMIN)


# --- tokens and sessions ---------------------------------------------------------------


async def issue_token(session: AsyncSession, user: User, now: datetime, kind: str = "api") -> str:
    token = secrets.token_urlsafe(32)
    lifetime = SESSION_LIFETIME if kind == "session" else API_TOKEN_LIFETIME
    session.add(
        ApiToken(
            user_id=user.id,
            token_hash=_digest(token),
            kind=kind,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    return token


async def principal_for_token(session: AsyncSession, token: str, now: datetime) -> Principal | None:
    row = (
        await session.execute(
            select(ApiToken, User)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == _digest(token))
        )
    ).first()
    if row is None:
        return None
    tok, user = row
    if tok.expires_at <= now or not user.active:
        return None
    return Principal(
        user_id=user.id,
        email=user.email,
        role=user.role,
        agency_id=user.agency_id,
        token_kind=tok.kind,
        session_token=token if tok.kind == "session" else None,
    )


async def revoke_token(session: AsyncSession, token: str) -> None:
    tok = (
        await session.execute(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    ).scalar_one_or_none()
    if tok is not None:
        await session.delete(tok)


async def authenticate(
    session: AsyncSession, email: str, password: str, now: datetime, ip: str | None
) -> User:
    """Check credentials, with throttling and an audit trail. Raises 401 or 429.

    ``ip`` is the client address as the trusted-proxy setting resolves it (``client_address``).
    """
    email = email.strip().lower()
    account = login_throttle.account_key(email)
    address = login_throttle.address_key(ip) if ip else None
    # The address first: a throttled address does not use up the account's allowance.
    if (address and not await login_throttle.reserve(session, address, now, login_throttle.PER_ADDRESS)) \
            or not await login_throttle.reserve(session, account, now, login_throttle.PER_ACCOUNT):
        raise TooManyRequests(
            "Trop de tentatives de connexion. Réessayez dans 15 minutes.",
            code="login_throttled",
        )
    user = (await session.execute(select(User).where(User.email == email))).scalar_one_or_none()
    if user is None:
        # Same cost as a real check, so timing does not reveal which e-mails exist.
        verify_password(_DUMMY_HASH, password)
        ok = False
    else:
        ok = user.active and verify_password(user.password_hash, password)
    if not ok:
        session.add(AuditEvent(at=now, action="login_failed", subject=email, ip=ip))
        await session.commit()
        raise Unauthorized("Adresse e-mail ou mot de passe incorrect.", code="invalid_credentials")
    assert user is not None  # ok is False without a user
    await login_throttle.forget(session, account)
    if address:
        await login_throttle.give_back(session, address)
    session.add(AuditEvent(at=now, action="login", user_id=user.id, subject=email, ip=ip))
    return user


_DUMMY_HASH = _hasher.hash("not a real password")
