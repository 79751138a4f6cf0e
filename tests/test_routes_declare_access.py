"""Every route declares who may call it: the one mechanism for roles and scoping."""

from crm.auth import PUBLIC
from crm.web.routes import all_routes

# Routes that anyone may call: health, metrics, the API description, login, webhooks
# (those check Twilio's signature instead).
EXPECTED_PUBLIC = {"healthz", "metrics", "openapi", "api_login", "home", "login", "login_submit"}


def test_every_route_declares_its_roles():
    for method, path, handler, _name in all_routes():
        declared = getattr(handler, "crm_access", None)
        assert declared is not None, f"{method} {path} declares no access"


def test_only_the_expected_routes_are_public():
    public = {name for _, path, handler, name in all_routes()
              if getattr(handler, "crm_access", None) == PUBLIC and not path.startswith("/webhooks/")}
    assert public == EXPECTED_PUBLIC


async def test_openapi_lists_the_api(client):
    resp = await client.get("/api/openapi.json")
    doc = await resp.json()
    assert doc["openapi"].startswith("3.")
    assert "post" in doc["paths"]["/api/v1/auth/login"]
    assert "/api/v1/tenants/{id}" in doc["paths"]


async def test_healthz_reports_the_database(client):
    resp = await client.get("/healthz")
    assert resp.status == 200
    assert await resp.json() == {"status": "ok", "database": "ok"}


async def test_unknown_api_path_is_a_json_404(client):
    resp = await client.get("/api/v1/nothing-here")
    assert resp.status == 404
    assert (await resp.json())["error"]["code"] == "not_found"
