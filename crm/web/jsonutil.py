"""JSON answers and request bodies: ISO dates, UTC timestamps with offset, clear 4xx errors."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from crm.errors import ApiError, Invalid

M = TypeVar("M", bound=BaseModel)

MAX_PER_PAGE = 1000


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(data: Any) -> str:
    return json.dumps(data, default=_default, ensure_ascii=False)


def json_response(data: Any, status: int = 200, **kwargs: Any) -> web.Response:
    return web.json_response(data, status=status, dumps=dumps, **kwargs)


async def read_json(request: web.Request, model: type[M]) -> M:
    """Parse and validate a JSON body into ``model``; 400 for bad JSON, 422 for bad fields."""
    try:
        raw = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ApiError("Le corps de la requête n'est pas du JSON valide.", code="invalid_json") from None
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise Invalid(
            "Certains champs sont invalides.",
            code="validation_error",
            details=[
                {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
                for e in exc.errors()
            ],
        ) from None


def page_params(request: web.Request) -> tuple[int, int]:
    """``page`` (from 1) and ``per_page`` (default 50, at most 1000)."""
    try:
        page = int(request.query.get("page", "1"))
        per_page = int(request.query.get("per_page", "50"))
    except ValueError:
        raise ApiError("page et per_page doivent être des entiers.", code="invalid_pagination") from None
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise ApiError(
            f"page doit être ≥ 1 et per_page entre 1 et {MAX_PER_PAGE}.", code="invalid_pagination"
        )
    return page, per_page


def int_param(request: web.Request, name: str) -> int | None:
    raw = request.query.get(name)
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError:
        raise ApiError(f"Le paramètre {name} doit être un entier.", code="invalid_parameter") from None


def date_param(request: web.Request, name: str) -> date | None:
    raw = request.query.get(name)
    if raw in (None, ""):
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ApiError(
            f"Le paramètre {name} doit être une date AAAA-MM-JJ.", code="invalid_parameter"
        ) from None


def paginated(items: list[Any], total: int, page: int) -> dict[str, Any]:
    return {"items": items, "total": total, "page": page}
