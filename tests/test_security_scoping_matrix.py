"""Roles and agencies on every route, table-driven: a Blois adviser or manager gets 403/404
on each Vendôme object (API and pages) and changes nothing; lists never show Vendôme's data;
an adviser gets 403 on manager and admin routes, a manager on admin routes; nobody
unauthenticated gets in; every state-changing request from a page needs the CSRF token; and
what tenants write is escaped on every page."""

from __future__ import annotations

from typing import Any

import pytest

from crm.auth import PUBLIC
from crm.web.routes import all_routes
from tests.support.factories import login, make_user, page_login
from tests.support.security import World, build_agency, fill, snapshot, two_agencies

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _ids(w: World) -> dict[str, Any]:
    """Path parameters of every route, pointing at the objects of ``w``."""
    return {"id": w.tenant, "task_id": w.task, "agency": w.agency, "tenant": w.tenant,
            "task": w.task, "fu": w.follow_up, "draft": w.draft, "sent": w.sent,
            "msg": w.inbound, "residence": w.residence, "step": "registered",
            "external_ref": f"REF-{w.marker}", "attempt": w.attempt, "incident": w.incident,
            "commitment": w.commitment, "household": w.household, "template": w.reply_template}


class Caller:
    """A user calling the API with a bearer token, or the pages with a session cookie."""

    def __init__(self, client: Any, api: dict[str, str], csrf: str) -> None:
        self.client, self.api, self.csrf = client, api, csrf

    async def call(self, method: str, path: str, body: Any = None) -> Any:
        if path.startswith("/api/"):
            kwargs: dict[str, Any] = {"headers": self.api}
            if body is not None:
                kwargs["json"] = body
            return await self.client.request(method, path, allow_redirects=False, **kwargs)
        if method in UNSAFE:
            data = {"csrf_token": self.csrf, **(body or {})}
            return await self.client.request(method, path, data=data, allow_redirects=False)
        return await self.client.get(path, allow_redirects=False)


async def _caller(client: Any, db: Any, role: str, agency: str | None = "Blois") -> Caller:
    user = await make_user(db, role, agency)
    api = await login(client, user)
    csrf = await page_login(client, user)
    return Caller(client, api, csrf)


# --- Vendôme's objects, seen from Blois ----------------------------------------------------

SMS = {"body": "Bonjour, petit message de votre agence."}
CAMPAIGN = {"name": "Intrusion", "category": "information", "body": "Bonjour"}
REQUEST = {"tenant_id": "{tenant}", "kind": "technical", "category": "leak", "description": "Intrusion"}

# (method, path with {placeholders} of the Vendôme world, body)
OTHER_AGENCY: list[tuple[str, str, Any]] = [
    ("GET", "/api/v1/tenants/{tenant}", None),
    ("GET", "/api/v1/tenants?agency={agency}", None),
    ("GET", "/api/v1/estate?agency={agency}", None),
    ("GET", "/api/v1/calls/queue?agency={agency}", None),
    ("GET", "/api/v1/calls/{task}", None),
    ("POST", "/api/v1/calls/{task}/claim", None),
    ("POST", "/api/v1/calls/{task}/attempts", {"outcome": "no_answer"}),
    ("POST", "/api/v1/calls/{task}/interview", {"answers": {"cleanliness": 3}, "summary": "Bien"}),
    ("GET", "/api/v1/requests?agency={agency}", None),
    ("GET", "/api/v1/requests/{fu}", None),
    ("POST", "/api/v1/requests/{fu}/status", {"status": "done"}),
    ("POST", "/api/v1/requests/{fu}/owner", {"owner_id": None}),
    ("POST", "/api/v1/requests", REQUEST),
    ("PUT", "/api/v1/requests/by-ref/{external_ref}", {**REQUEST, "status": "done"}),
    ("PUT", "/api/v1/requests/by-ref/NOUVELLE-1", REQUEST),
    ("GET", "/api/v1/kpi/requests?agency={agency}", None),
    ("GET", "/api/v1/kpi/requests.csv?agency={agency}", None),
    ("GET", "/api/v1/kpi/courtesy-calls?agency={agency}", None),
    ("GET", "/api/v1/kpi/courtesy-calls.csv?agency={agency}", None),
    ("GET", "/api/v1/campaigns?agency={agency}", None),
    ("GET", "/api/v1/campaigns/{draft}", None),
    ("GET", "/api/v1/campaigns/{sent}", None),
    ("GET", "/api/v1/campaigns/{draft}/preview", None),
    ("POST", "/api/v1/campaigns/{draft}/launch", None),
    ("POST", "/api/v1/campaigns/{draft}/cancel", None),
    ("POST", "/api/v1/campaigns", {**CAMPAIGN, "audience": {"agencies": ["{agency}"]}}),
    ("POST", "/api/v1/campaigns", {**CAMPAIGN, "audience": {"residences": ["{residence}"]}}),
    ("POST", "/api/v1/campaigns", {**CAMPAIGN, "audience": {"tenant_ids": ["{tenant}"]}}),
    ("POST", "/api/v1/campaigns/preview", {**CAMPAIGN, "audience": {"tenant_ids": ["{tenant}"]}}),
    ("POST", "/api/v1/campaigns/audience-count", {"audience": {"residences": ["{residence}"]}}),
    ("POST", "/api/v1/tenants/{tenant}/sms", SMS),
    ("GET", "/api/v1/inbox?agency={agency}", None),
    ("GET", "/api/v1/inbox/corrections.csv?agency={agency}", None),
    ("POST", "/api/v1/inbox/{msg}/reply", SMS),
    ("POST", "/api/v1/inbox/{msg}/handled", None),
    ("POST", "/api/v1/inbox/{msg}/intent", {"intent": "question"}),
    ("POST", "/api/v1/inbox/{msg}/review", {"decision": "accept"}),
    ("POST", "/api/v1/inbox/{msg}/review", {"decision": "dismiss"}),
    ("GET", "/api/v1/surveys/comparison?agency={agency}", None),
    ("GET", "/api/v1/surveys/comparison.csv?agency={agency}", None),
    ("GET", "/api/v1/tenants/{tenant}/export", None),
    ("GET", "/api/v1/incidents?agency={agency}", None),
    ("GET", "/api/v1/incidents/{incident}", None),
    ("POST", "/api/v1/incidents", {"kind": "lift", "scope": {"residences": ["{residence}"]},
                                   "starts_at": "2026-11-16T08:00:00+01:00"}),
    ("POST", "/api/v1/incidents/{incident}/notify", {}),
    ("POST", "/api/v1/incidents/{incident}/updates", {"message": "Reprise demain", "notify": True}),
    ("POST", "/api/v1/incidents/{incident}/resolve", {"notify": True}),
    ("POST", "/api/v1/incidents/{incident}/reopen", None),
    ("POST", "/api/v1/incidents/{incident}/reports", {"channel": "phone"}),
    ("GET", "/api/v1/commitments?agency={agency}", None),
    ("POST", "/api/v1/commitments/{commitment}/done", {"note": "fait"}),
    ("GET", "/api/v1/commitments/rent-rebates.csv?month=2026-11&agency={agency}", None),
    ("GET", "/api/v1/kpi/incidents?agency={agency}", None),
    ("POST", "/api/v1/tenants/{tenant}/anonymize", None),
    ("GET", "/api/v1/reply-templates?agency={agency}", None),
    ("GET", "/api/v1/reply-templates/{template}", None),
    ("POST", "/api/v1/reply-templates", {"title": "Intrus", "body": "Bonjour", "agency_id": "{agency}"}),
    ("PATCH", "/api/v1/reply-templates/{template}", {"title": "Intrus"}),
    ("DELETE", "/api/v1/reply-templates/{template}", None),
    # pages
    ("GET", "/locataires/{tenant}", None),
    ("GET", "/locataires?agency={agency}", None),
    ("POST", "/locataires/{tenant}/sms", SMS),
    ("GET", "/appels?agency={agency}", None),
    ("GET", "/appels/{task}", None),
    ("POST", "/appels/{task}/prendre", None),
    ("POST", "/appels/{task}/issue", {"outcome": "no_answer"}),
    ("POST", "/appels/{task}/issue", {"outcome": "callback_requested",
                                      "callback_at": "2026-11-17T10:00"}),
    ("POST", "/appels/{task}/entretien", {"answer_cleanliness": "3", "summary": "Bien"}),
    ("GET", "/demandes?agency={agency}", None),
    ("GET", "/demandes/{fu}", None),
    ("POST", "/demandes/{fu}/etape", {"status": "done"}),
    ("POST", "/demandes/{fu}/etape", {"status": "scheduled", "appointment_at": "2026-11-17T10:00"}),
    ("POST", "/demandes/{fu}/responsable", {"owner_id": ""}),
    ("GET", "/demandes/nouvelle?tenant={tenant}", None),
    ("GET", "/demandes/nouvelle?message_id={msg}", None),
    ("POST", "/demandes/nouvelle", {"tenant_id": "{tenant}", "kind": "technical", "category": "leak"}),
    ("GET", "/demandes/indicateurs?agency={agency}", None),
    ("GET", "/demandes/indicateurs.csv?agency={agency}", None),
    ("POST", "/appels/{task}/annuler-essai", {"attempt": "{attempt}"}),
    ("GET", "/indicateurs?agency={agency}", None),
    ("GET", "/indicateurs.csv?agency={agency}", None),
    ("GET", "/campagnes/{draft}", None),
    ("GET", "/campagnes/{sent}", None),
    ("GET", "/campagnes/{sent}/sans-sms.csv", None),
    ("POST", "/campagnes/{draft}/annuler", None),
    ("GET", "/messages/{msg}", None),
    ("POST", "/messages/{msg}/reply", SMS),
    ("POST", "/messages/{msg}/reply", {**SMS, "and_handled": "1"}),
    ("POST", "/messages/{msg}/handled", None),
    ("POST", "/messages/{msg}/intent", {"intent": "question"}),
    ("POST", "/messages/{msg}/review", {"decision": "accept"}),
    ("GET", "/incidents?agency={agency}", None),
    ("GET", "/incidents/{incident}", None),
    ("GET", "/incidents/{incident}/prevenir", None),
    ("POST", "/incidents/nouveau", {"kind": "lift", "planned": "0", "residences": "{residence}"}),
    ("POST", "/incidents/{incident}/prevenir", {"body": "Bonjour"}),
    ("POST", "/incidents/{incident}/point", {"message": "Reprise demain", "notify": "1"}),
    ("POST", "/incidents/{incident}/resoudre", {"notify": "1"}),
    ("POST", "/incidents/{incident}/rouvrir", None),
    ("POST", "/incidents/{incident}/contact", {"channel": "phone"}),
    ("POST", "/incidents/{incident}/foyers/{household}/besoins", {"needs": "courses", "slots": "both"}),
    ("POST", "/incidents/{incident}/foyers/{household}/aide", {"day": "2026-11-16", "slot": "morning"}),
    ("GET", "/engagements?agency={agency}", None),
    ("POST", "/engagements/{commitment}/fait", {"note": "fait", "notify": "1"}),
    ("GET", "/indicateurs/incidents?agency={agency}", None),
    ("GET", "/enquetes?agency={agency}", None),
    ("GET", "/enquetes/rapport?agency={agency}", None),
    ("GET", "/campagnes/nouvelle?suite={sent}", None),
    ("GET", "/ce-matin?agency={agency}", None),
    ("GET", "/messages?ouvert={msg}", None),
    ("POST", "/messages/{msg}/attribuer", {"assigned_to": ""}),
    ("GET", "/messages/modeles?agency={agency}", None),
    ("POST", "/messages/modeles?agency={agency}", {"title": "Intrus", "body": "Bonjour"}),
    ("POST", "/messages/modeles/{template}/modifier", {"title": "Intrus", "body": "Bonjour"}),
    ("POST", "/messages/modeles/{template}/supprimer", None),
    ("POST", "/messages/{msg}/rappel", {"callback_at": "2026-11-18T14:30"}),
    ("POST", "/sms-simulation/reponse", {"from": "+33622222222", "body": "Toujours pas d'eau"}),
]


def _fill_body(body: Any, ids: dict[str, Any]) -> Any:
    if isinstance(body, dict):
        return {k: _fill_body(v, ids) for k, v in body.items()}
    if isinstance(body, list):
        return [_fill_body(v, ids) for v in body]
    if isinstance(body, str) and body.startswith("{") and body.endswith("}") and body[1:-1] in ids:
        return ids[body[1:-1]]
    return body


def _path(template: str, ids: dict[str, Any]) -> str:
    for key, value in ids.items():
        template = template.replace("{" + key + "}", str(value))
    return template


@pytest.mark.parametrize("role", ["adviser", "manager"])
@pytest.mark.parametrize(("method", "path", "body"), OTHER_AGENCY,
                         ids=[f"{m} {p} {b or ''}"[:90] for m, p, b in OTHER_AGENCY])
async def test_a_blois_user_is_refused_every_vendome_object_and_changes_nothing(
        client, db, role, method, path, body):
    _, vendome = await two_agencies(db)
    caller = await _caller(client, db, role)
    ids = _ids(vendome)
    before = await snapshot(db)
    resp = await caller.call(method, _path(path, ids), _fill_body(body, ids))
    text = await resp.text()
    assert resp.status in (403, 404), f"{resp.status}: {text[:300]}"
    assert vendome.marker not in text
    if path.startswith("/api/"):
        assert (await resp.json())["error"]["code"]
    assert await snapshot(db) == before


# --- lists show one's own agency only -------------------------------------------------------

# (role, path with placeholders of the Vendôme world, text that must be there) — the Blois
# text proves the list is not simply empty.
LISTS: list[tuple[str, str, str | None]] = [
    ("adviser", "/api/v1/calls/queue", "LocataireBLOISMARK"),
    ("adviser", "/api/v1/tenants", "LocataireBLOISMARK"),
    ("adviser", "/api/v1/tenants?q=VENDOMARK", None),
    ("adviser", "/api/v1/tenants?residence={residence}", None),
    ("adviser", "/api/v1/estate", "Résidence BLOISMARK"),
    ("adviser", "/api/v1/inbox?status=all", "Réponse BLOISMARK"),
    ("adviser", "/api/v1/inbox?status=all&campaign={sent}", None),
    ("adviser", "/api/v1/requests", "Fuite BLOISMARK"),
    ("adviser", "/api/v1/requests?tenant={tenant}", None),
    ("adviser", "/api/v1/requests?late=true&status=open", "Fuite BLOISMARK"),
    ("manager", "/api/v1/kpi/requests?from=2026-11", "Blois"),
    ("manager", "/api/v1/kpi/requests.csv?from=2026-11", "Blois"),
    ("adviser", "/demandes?status=all", "LocataireBLOISMARK"),
    ("adviser", "/demandes/mes", None),
    ("adviser", "/demandes/{blois_fu}", "Fuite BLOISMARK"),
    ("manager", "/demandes/indicateurs?from=2026-11", "Blois"),
    ("manager", "/api/v1/campaigns", "Brouillon BLOISMARK"),
    ("manager", "/api/v1/kpi/courtesy-calls", None),
    ("manager", "/api/v1/kpi/courtesy-calls.csv", None),
    ("manager", "/api/v1/surveys/comparison", "Blois"),
    ("manager", "/api/v1/surveys/comparison.csv", "Blois"),
    ("adviser", "/appels", "LocataireBLOISMARK"),
    ("adviser", "/locataires", "LocataireBLOISMARK"),
    ("adviser", "/locataires?residence={residence}", None),
    ("adviser", "/messages?status=all", "Réponse BLOISMARK"),
    ("manager", "/api/v1/inbox/corrections.csv", "intention corrigée"),
    ("manager", "/messages/corrections.csv", "intention corrigée"),
    ("adviser", "/messages?status=all&agency={agency}", "Réponse BLOISMARK"),
    ("adviser", "/sms-simulation", "Coupure BLOISMARK"),
    ("adviser", "/messages.csv?status=all", "Réponse BLOISMARK"),
    ("adviser", "/messages?status=all&q=MARK", "Réponse BLOISMARK"),
    ("manager", "/campagnes", "Brouillon BLOISMARK"),
    ("manager", "/ce-matin", None),
    ("manager", "/indicateurs", None),
    ("manager", "/enquetes", None),
    ("manager", "/enquetes/rapport", None),
    ("adviser", "/locataires/{blois_tenant}", "LocataireBLOISMARK"),
    ("adviser", "/appels/{blois_task}", "LocataireBLOISMARK"),
    ("adviser", "/messages/{blois_msg}", "Réponse BLOISMARK"),
    ("manager", "/campagnes/{blois_sent}", "Coupure BLOISMARK"),
    ("manager", "/campagnes/{blois_draft}", "Brouillon BLOISMARK"),
    ("adviser", "/api/v1/incidents?status=all", "Ascenseur BLOISMARK"),
    ("adviser", "/api/v1/reply-templates", "Modèle BLOISMARK"),
    ("manager", "/api/v1/reply-templates", "Modèle BLOISMARK"),
    ("manager", "/api/v1/commitments?status=all", "Ascenseur BLOISMARK"),
    ("manager", "/api/v1/commitments/rent-rebates.csv?month=2026-11", None),
    ("manager", "/api/v1/kpi/incidents", None),
    ("adviser", "/incidents?status=all", "Ascenseur BLOISMARK"),
    ("adviser", "/incidents/{blois_incident}", "Ascenseur BLOISMARK"),
    ("manager", "/engagements", "Ascenseur BLOISMARK"),
    ("manager", "/indicateurs/incidents", None),
]


@pytest.mark.parametrize(("role", "path", "expected"), LISTS, ids=[f"{r} {p}" for r, p, _ in LISTS])
async def test_lists_and_pages_never_show_another_agency(client, db, role, path, expected):
    blois, vendome = await two_agencies(db)
    caller = await _caller(client, db, role)
    ids = _ids(vendome) | {"blois_tenant": blois.tenant, "blois_task": blois.task,
                           "blois_fu": blois.follow_up,
                           "blois_msg": blois.inbound, "blois_sent": blois.sent,
                           "blois_draft": blois.draft, "blois_incident": blois.incident}
    resp = await caller.call("GET", _path(path, ids))
    text = await resp.text()
    assert resp.status == 200, text[:300]
    assert vendome.marker not in text
    assert "Vendôme" not in text and "Vend\\u00f4me" not in text
    if expected:
        assert expected in text


async def test_a_conversation_shows_only_the_agency_s_side_of_a_shared_number(client, db):
    """A tenant who moved from Vendôme to Blois keeps their mobile: Blois sees its own
    exchanges with that number, not what Vendôme sent or received."""
    from crm.inbox.models import InboundMessage
    from tests.support.security import AT

    blois, vendome = await two_agencies(db)
    async with db.session() as s:
        moved = InboundMessage(provider_sid="SM-moved", from_e164="+33622222222",
                               body="Bonjour, je suis à Blois maintenant", received_at=AT,
                               agency_id=blois.agency)
        s.add(moved)
        await s.commit()
    caller = await _caller(client, db, "adviser")
    html = await (await caller.call("GET", f"/messages/{moved.id}")).text()
    assert "je suis à Blois maintenant" in html
    assert vendome.marker not in html


async def test_an_admin_sees_only_the_import_jobs_they_sent(client, app, db):
    """Import jobs belong to who sent them: another admin gets 404 on the API and the page,
    and the /imports page lists only the caller's own jobs."""
    from crm.tenants.import_jobs import IMPORT_RUNNER
    from tests.support.imports import SAMPLE, finish_import_jobs

    owner = await make_user(db, "admin", None, email="proprietaire@example.fr")
    with SAMPLE.open("rb") as upload:
        job = await app[IMPORT_RUNNER].submit(upload, filename="secret-export.csv",
                                              user_id=owner.id, agency_id=None)
    await finish_import_jobs(app)
    caller = await _caller(client, db, "admin", None)
    for path in (f"/api/v1/imports/jobs/{job.id}", f"/imports/jobs/{job.id}"):
        resp = await caller.call("GET", path)
        assert resp.status == 404, path
        assert "secret-export.csv" not in await resp.text()
    assert "secret-export.csv" not in await (await caller.call("GET", "/imports")).text()


# --- roles ---------------------------------------------------------------------------------

def _routes_refused_to(role: str) -> list[tuple[str, str]]:
    return [(m, p) for m, p, h, _ in all_routes()
            if getattr(h, "crm_access", None) not in (None, PUBLIC) and role not in h.crm_access]


@pytest.mark.parametrize(("role", "method", "path"),
                         [("adviser", m, p) for m, p in _routes_refused_to("adviser")]
                         + [("manager", m, p) for m, p in _routes_refused_to("manager")])
async def test_a_role_gets_403_on_the_routes_of_higher_roles(client, db, role, method, path):
    blois, _ = await two_agencies(db)
    caller = await _caller(client, db, role)
    before = await snapshot(db)
    resp = await caller.call(method, fill(path, _ids(blois)), {} if method in UNSAFE else None)
    assert resp.status == 403, await resp.text()
    if path.startswith("/api/"):
        assert (await resp.json())["error"]["code"] == "role_forbidden"
    assert await snapshot(db) == before


def test_the_role_table_follows_api_md():
    """Advisers: calls, inbox, one SMS to a tenant; managers add campaigns, KPIs and
    surveys; imports and personal data are for admins."""
    adviser = {p for _, p in _routes_refused_to("adviser")}
    manager = {p for _, p in _routes_refused_to("manager")}
    assert {"/api/v1/campaigns", "/campagnes", "/api/v1/kpi/courtesy-calls",
            "/api/v1/surveys/comparison"} <= adviser
    assert "/api/v1/tenants/{id:\\d+}/sms" not in adviser
    assert not {"/api/v1/calls/queue", "/api/v1/inbox", "/messages", "/appels"} & adviser
    assert manager == {"/api/v1/imports/tenants", "/api/v1/imports/surveys", "/imports",
                       "/api/v1/imports/jobs/{id:\\d+}", "/imports/jobs/{id:\\d+}",
                       "/enquetes/import", "/api/v1/tenants/{id:\\d+}/export",
                       "/api/v1/tenants/{id:\\d+}/anonymize",
                       # the texts of the requests' status SMS: the landlord's settings
                       "/api/v1/requests/sms-templates", "/api/v1/requests/sms-templates/{step}",
                       "/api/v1/requests/sms-templates/preview", "/demandes/sms",
                       "/engagements/reglages"}
    assert {"/api/v1/kpi/requests", "/demandes/indicateurs"} <= adviser
    assert not {"/api/v1/requests", "/demandes", "/demandes/mes"} & adviser


PRIVATE = [(m, p) for m, p, h, _ in all_routes() if getattr(h, "crm_access", None) != PUBLIC]


@pytest.mark.parametrize(("method", "path"), PRIVATE)
async def test_nobody_gets_in_without_logging_in(client, db, method, path):
    resp = await client.request(method, fill(path, {"id": 1, "task_id": 1, "step": "registered",
                                                    "external_ref": "X", "household": 1}),
                                allow_redirects=False)
    if path.startswith("/api/"):
        assert resp.status == 401
        assert (await resp.json())["error"]["code"] == "unauthenticated"
    else:
        assert resp.status in (302, 401, 403)
        if resp.status == 302:
            assert resp.headers["Location"].startswith("/login")


# --- CSRF ------------------------------------------------------------------------------------

STATE_CHANGING = [(m, p) for m, p, h, _ in all_routes()
                  if m in UNSAFE and getattr(h, "crm_access", None) != PUBLIC]


@pytest.mark.parametrize("token", [None, "faux-jeton"])
@pytest.mark.parametrize(("method", "path"), STATE_CHANGING)
async def test_a_session_cookie_alone_cannot_change_anything(client, db, method, path, token):
    """A cross-site form or fetch() carries the cookie but not the page's CSRF token."""
    blois, _ = await two_agencies(db)
    admin = await make_user(db, "admin", None)
    await page_login(client, admin)
    before = await snapshot(db)
    if path.startswith("/api/"):
        headers = {"X-CSRF-Token": token} if token else {}
        resp = await client.request(method, fill(path, _ids(blois)), json={"body": "x"},
                                    headers=headers, allow_redirects=False)
    else:
        data = {"body": "x", "outcome": "refused", "status": "done"}
        if token:
            data["csrf_token"] = token
        resp = await client.request(method, fill(path, _ids(blois)), data=data,
                                    allow_redirects=False)
    assert resp.status == 403, await resp.text()
    if path.startswith("/api/"):
        assert (await resp.json())["error"]["code"] == "csrf_failed"
    assert await snapshot(db) == before
    # Still logged in: the refused logout did not end the session.
    assert (await client.get("/locataires", allow_redirects=False)).status == 200


async def test_page_fetch_calls_work_with_the_header_token(client, db):
    """The wizard's fetch() sends X-CSRF-Token: with it the same cookie is accepted."""
    blois, _ = await two_agencies(db)
    manager = await make_user(db, "manager", "Blois")
    csrf = await page_login(client, manager)
    resp = await client.post("/api/v1/campaigns/audience-count",
                             json={"audience": {"agencies": [blois.agency]}},
                             headers={"X-CSRF-Token": csrf})
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["recipients"] == 1


# --- escaping ------------------------------------------------------------------------------

XSS = "<img src=x onerror=alert(1)>\"'"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"

PAGES = ["/locataires", "/locataires/{tenant}", "/appels", "/appels/{task}", "/demandes",
         "/demandes/{fu}", "/demandes/nouvelle?tenant={tenant}",
         "/messages", "/messages/{msg}", "/campagnes", "/campagnes/{sent}", "/campagnes/{draft}",
         "/sms-simulation", "/locataires?residence={residence}", "/incidents", "/incidents/{incident}",
         "/incidents/{incident}/prevenir", "/engagements"]


@pytest.mark.parametrize("path", PAGES)
async def test_what_tenants_and_users_write_is_escaped_on_every_page(client, db, path):
    world = await build_agency(db, "Blois", XSS, "+33633333333")
    caller = await _caller(client, db, "manager")
    resp = await caller.call("GET", _path(path, _ids(world)))
    html = await resp.text()
    assert resp.status == 200, html[:300]
    assert "<img src=x" not in html
    assert ESCAPED in html


# --- redirects stay on the site ------------------------------------------------------------

OFFSITE = ["https://evil.example/", "//evil.example/", "/\\evil.example/", "/\t/evil.example/",
           "javascript:alert(1)"]


@pytest.mark.parametrize("target", OFFSITE)
async def test_login_never_sends_the_user_to_another_site(client, db, target):
    import re

    from tests.support.factories import PASSWORD

    user = await make_user(db, "adviser", "Blois")
    page = await (await client.get("/login")).text()
    token = re.search(r'name="login_csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    resp = await client.post("/login", data={"email": user.email, "password": PASSWORD,
                                             "login_csrf": token, "next": target},
                             allow_redirects=False)
    assert resp.status == 302
    assert resp.headers["Location"] == "/"
