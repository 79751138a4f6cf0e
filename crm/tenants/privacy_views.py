"""Personal data (RGPD): export everything held about a tenant, or anonymise them.

Admins only; both actions leave an audit event. The export carries the feature tables
through the tenant's timeline, so a new feature that feeds the timeline is exported too.
"""

from __future__ import annotations

from aiohttp import web

from crm import auth
from crm.errors import NotFound
from crm.keys import CLOCK, DB
from crm.models import AuditEvent, Tenant
from crm.tenants.directory import tenant_detail
from crm.tenants.retention import anonymize_tenant
from crm.web.jsonutil import json_response
from crm.web.middlewares import principal


def _tenant_id(request: web.Request) -> int:
    return int(request.match_info["id"])


@auth.admins
async def api_export_tenant(request: web.Request) -> web.Response:
    """Everything held about a tenant, as JSON (right of access).

    Identity, leases, phones, opt-out history and the timeline (calls, interviews, SMS sent
    and received). Leaves an audit event `export`.
    """
    tenant_id = _tenant_id(request)
    now = request.app[CLOCK].now()
    async with request.app[DB].session() as session:
        tenant = await session.get(Tenant, tenant_id)
        if tenant is None:
            raise NotFound("Locataire introuvable.", code="tenant_not_found")
        detail = await tenant_detail(session, tenant_id)
        session.add(AuditEvent(at=now, user_id=principal(request).user_id, action="export",
                               object_type="tenant", object_id=str(tenant_id)))
        await session.commit()
    body = {
        "exported_at": now,
        "tenant": {
            "id": tenant.id, "tenant_ref": tenant.tenant_ref, "civility": tenant.civility,
            "first_name": tenant.first_name, "last_name": tenant.last_name, "email": tenant.email,
            "reduced_mobility": tenant.reduced_mobility, "created_at": tenant.created_at,
            "updated_at": tenant.updated_at, "anonymized_at": tenant.anonymized_at,
        },
        "leases": detail["leases"] if detail else [],
        "phones": detail["phones"] if detail else [],
        "opt_out_history": detail["opt_out_history"] if detail else [],
        "timeline": detail["timeline"] if detail else [],
    }
    return json_response(body, headers={
        "Content-Disposition": f'attachment; filename="locataire-{tenant_id}.json"'})


@auth.admins
async def api_anonymize_tenant(request: web.Request) -> web.Response:
    """Anonymise a tenant (right to erasure): names, e-mail, numbers, notes and SMS texts.

    Rows are kept (with placeholders) so indicators stay right. Leaves an audit event
    `anonymize`. Anonymising twice is harmless.
    """
    tenant_id = _tenant_id(request)
    now = request.app[CLOCK].now()
    async with request.app[DB].session() as session:
        tenant = await session.get(Tenant, tenant_id)
        if tenant is None:
            raise NotFound("Locataire introuvable.", code="tenant_not_found")
        counts = await anonymize_tenant(session, tenant, now)
        session.add(AuditEvent(at=now, user_id=principal(request).user_id, action="anonymize",
                               object_type="tenant", object_id=str(tenant_id), details=counts))
        await session.commit()
    return json_response({"id": tenant_id, "anonymized_at": now, "counts": counts})


API_ROUTES = [
    ("GET", "/api/v1/tenants/{id:\\d+}/export", api_export_tenant, "api_tenant_export"),
    ("POST", "/api/v1/tenants/{id:\\d+}/anonymize", api_anonymize_tenant, "api_tenant_anonymize"),
]
PAGE_ROUTES: list[tuple[str, str, object, str]] = []
