"""Conformance to API.md: every endpoint answers the documented status and shape, every list
follows the list convention, errors follow the error convention, timestamps are UTC with an
offset, and /api/openapi.json describes every path of API.md with its parameters and bodies.

The table ``CASES`` is the contract, one row per endpoint (plus the documented error cases);
each row runs against a fresh small world built with the factories and feature helpers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from crm.app import create_app
from crm.db import Database
from tests.support.calls import new_task
from tests.support.campaigns import building_b, ids, lift_campaign
from tests.support.factories import login, make_user
from tests.support.imports import csv_bytes, row
from tests.support.sms import PUBLIC_URL, make_sent_campaign, new_sid, post_sms, settings, sign  # noqa: F401
from tests.support.surveys import add_survey_answers, survey_csv

API_MD = Path(__file__).resolve().parents[2] / "shared" / "spec" / "API.md"

# --- shapes -----------------------------------------------------------------------------------


class Opt:
    """The value may be null; otherwise it matches ``spec``."""

    def __init__(self, spec: Any) -> None:
        self.spec = spec


class OneOf:
    def __init__(self, *values: Any) -> None:
        self.values = values


NUM = (int, float)
REF = {"id": int, "name": str}


def conform(value: Any, spec: Any, where: str = "$") -> None:
    """Assert that ``value`` has the documented shape: keys present, types, enum values."""
    if isinstance(spec, Opt):
        if value is not None:
            conform(value, spec.spec, where)
    elif isinstance(spec, OneOf):
        assert value in spec.values, f"{where}: {value!r} not in {spec.values}"
    elif isinstance(spec, dict):
        assert isinstance(value, dict), f"{where}: expected an object, got {value!r}"
        for key, sub in spec.items():
            assert key in value, f"{where}: missing {key!r} in {sorted(value)}"
            conform(value[key], sub, f"{where}.{key}")
    elif isinstance(spec, list):
        assert isinstance(value, list), f"{where}: expected a list, got {value!r}"
        assert value, f"{where}: expected at least one item"
        for i, item in enumerate(value):
            conform(item, spec[0], f"{where}[{i}]")
    elif spec is float:
        assert isinstance(value, NUM) and not isinstance(value, bool), f"{where}: {value!r}"
    else:
        assert isinstance(value, spec), f"{where}: {value!r} is not {spec}"
        if spec is int:
            assert not isinstance(value, bool), f"{where}: {value!r} is a boolean"


_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def assert_utc_timestamps(value: Any, where: str = "$") -> None:
    """Every timestamp in an answer is ISO 8601, in UTC, with its offset."""
    if isinstance(value, dict):
        for key, sub in value.items():
            assert_utc_timestamps(sub, f"{where}.{key}")
    elif isinstance(value, list):
        for i, sub in enumerate(value):
            assert_utc_timestamps(sub, f"{where}[{i}]")
    elif isinstance(value, str) and _DATETIME.match(value):
        parsed = datetime.fromisoformat(value)
        assert parsed.utcoffset() == timedelta(0), f"{where}: {value} is not UTC with an offset"


ERROR = {"error": {"code": str, "message": str}}
TENANT = {
    "id": int, "civility": Opt(str), "first_name": Opt(str), "last_name": str,
    "contract_ref": str, "lease_start": str, "lease_end": Opt(str), "agency": REF,
    "residence": REF, "building": Opt(REF), "entrance": Opt(REF), "mobile": Opt(str),
    "landline": Opt(str), "sms_opted_out": bool, "reduced_mobility": bool,
}
TENANT_DETAIL = TENANT | {
    "leases": [{"id": int, "contract_ref": str, "lease_start": str}],
    "phones": [{"e164": str, "kind": OneOf("mobile", "landline"), "valid": bool}],
    "opt_out_history": list, "timeline": list,
}
ESTATE = [{"id": int, "name": str, "local_offices": [REF], "residences": [
    {"id": int, "name": str, "buildings": [{"id": int, "name": str, "entrances": [REF]}]}]}]
OUTCOMES = ("no_answer", "voicemail", "busy", "wrong_number", "callback_requested", "refused",
            "reached")
QUEUE_ITEM = {"task_id": int, "tenant_id": int, "tenant_name": str, "phone": Opt(str),
              "lease_start": str, "window_end": str, "attempts": int,
              "last_outcome": Opt(OneOf(*OUTCOMES)), "callback_at": Opt(str), "priority": int}
TASK = {"task_id": int, "tenant_id": int, "status": str, "attempts": int,
        "next_attempt_at": Opt(str), "last_outcome": Opt(OneOf(*OUTCOMES))}
SENTIMENTS = ("negative", "neutral", "positive")
INTENTS = ("opt_out", "opt_in", "problem_persists", "problem_solved", "callback_request",
           "thanks", "question", "other")
RATES = {"new_tenants": int, "attempted": int, "attempted_rate": Opt(float), "reached": int,
         "reached_rate": Opt(float), "completed": int, "completed_rate": Opt(float), "open": int}
KPI = RATES | {"targets": {"attempted": float, "completed": float},
               "by_agency": [RATES | {"agency": object}], "by_adviser": list}
CATEGORIES = ("outage", "works", "request_followup", "rent_reminder", "information")
# "preparing": launched, its outbox rows being written in chunks (crm/campaigns/preparation.py).
CAMPAIGN_STATUSES = ("draft", "preparing", "scheduled", "sending", "done", "cancelled")
COUNTS = {s: int for s in ("pending", "sending", "sent", "delivered", "undelivered", "failed",
                           "unknown")}
CAMPAIGN = {"id": int, "name": str, "status": OneOf(*CAMPAIGN_STATUSES), "counts": COUNTS,
            "replies": int, "opt_outs": int, "failures": list}
CAMPAIGN_ITEM = {"id": int, "name": str, "category": OneOf(*CATEGORIES),
                 "status": OneOf(*CAMPAIGN_STATUSES)}
PREVIEW = {"recipients": int,
           "excluded": {"opted_out": int, "no_mobile": int, "duplicate_phone": int},
           "encoding": OneOf("GSM-7", "UCS-2"), "segments_per_message": int,
           "total_segments": int, "estimated_cost": float, "ucs2_characters": list,
           "samples": [{"tenant_id": int, "phone": str, "text": str}], "first_send_at": str}
INBOX_ITEM = {"id": int, "tenant_id": Opt(int), "tenant_name": Opt(str), "body": str,
              "received_at": str, "intent": OneOf(*INTENTS), "sentiment": OneOf(*SENTIMENTS),
              "sentiment_score": float, "campaign_id": Opt(int),
              "status": OneOf("open", "handled")}
SIDE = {"rate": Opt(float), "n": int}
COMPARISON_ITEM = {"theme": str, "period": str, "agency": Opt(REF), "calls": SIDE,
                   "survey": SIDE, "sms": SIDE, "difference_points": Opt(float), "significant": bool}
STEPS = ("registered", "taken_on", "scheduled", "in_progress", "done", "closed", "cancelled")
REQUEST = {"id": int, "tenant_id": int, "kind": OneOf("technical", "administrative"),
           "category": str, "urgency": OneOf("U1", "U2", "U3"), "status": OneOf(*STEPS),
           "due_at": str, "late": bool, "external_ref": Opt(str), "notify": bool,
           "steps": [{"status": OneOf(*STEPS), "at": str, "note": Opt(str),
                      "sms": Opt({"id": Opt(int), "status": str})}],
           "satisfaction": Opt(int)}


INCIDENT_KINDS = ("lift", "heating", "hot_water", "water", "power", "cleaning", "access", "other")
COMMITMENT = {"id": int, "incident_id": int,
              "kind": OneOf("shopping_delivery", "heaters", "rent_rebate"), "due_on": str,
              "households": [{"lease_id": int, "contract_ref": str, "tenant_name": str, "floor": Opt(str)}],
              "status": OneOf("upcoming", "due", "done", "cancelled")}
INCIDENT = {"id": int, "kind": OneOf(*INCIDENT_KINDS), "planned": bool,
            "status": OneOf("planned", "open", "resolved"), "title": str, "scope": dict, "agency": REF,
            "starts_at": str, "expected_end_at": Opt(str), "resolved_at": Opt(str),
            "downtime_hours": Opt(float), "within_target": Opt(bool), "households": int,
            "households_reduced_mobility": int, "referent": Opt({"name": str, "phone": str}),
            "commitments": [COMMITMENT], "campaigns": list,
            "replies": {"total": int, "problem_persists": int}, "reports": int, "timeline": list}
INCIDENT_KPI = {"incidents": int, "by_kind": [{"kind": OneOf(*INCIDENT_KINDS), "count": int,
                                               "median_downtime_hours": Opt(float)}],
                "lift_breakdowns": {"resolved": int, "within_6h": int, "within_6h_rate": Opt(float)},
                "commitments": {"shopping_delivery": int, "heaters": int, "rent_rebate": int},
                "households_informed": int,
                "reports": {"with_sms": int, "without_sms": int, "per_100_households_with_sms": Opt(float),
                            "per_100_households_without_sms": Opt(float)}}


REPLY_TEMPLATE = {"id": int, "agency_id": int, "title": str, "body": str, "created_by": Opt(int),
                  "created_at": str}


def listing(item: Any) -> dict[str, Any]:
    return {"items": [item], "total": int, "page": int}


# --- the world every case runs in -----------------------------------------------------------


@dataclass
class World:
    client: Any
    db: Database
    headers: dict[str, dict[str, str]]
    ids: dict[str, int]
    users: dict[str, Any] = field(default_factory=dict)


async def _world(client: Any, db: Database, clock: Any) -> World:
    tenants = await building_b(db, 2)
    place = await ids(db, building="B")
    tasks = [await new_task(db, mobile=f"+3361234000{i}", last_name=f"Nouveau{i}") for i in range(2)]
    users = {"admin": await make_user(db, "admin", None),
             "manager": await make_user(db, "manager"),
             "adviser": await make_user(db, "adviser"),
             "adviser2": await make_user(db, "adviser"),
             "outsider": await make_user(db, "adviser", "Vendôme")}
    headers = {role: await login(client, user) for role, user in users.items()}
    headers["anonymous"] = {}
    done = await make_sent_campaign(db, agency_id=place["agency"],
                                    recipients=[(tenants[0].tenant_id, "+33611000000")],
                                    sent_at=clock.now() - timedelta(hours=2))
    draft = await client.post("/api/v1/campaigns", json=lift_campaign(place["building"]),
                              headers=headers["manager"])
    assert draft.status == 201, await draft.text()
    await post_sms(client, "Toujours pas d'eau au bâtiment B", sender="+33611000000")
    clock.advance(minutes=1)
    await post_sms(client, "Quand passe le plombier ?", sender="+33611000001")
    inbox = await (await client.get("/api/v1/inbox", headers=headers["adviser"])).json()
    await add_survey_answers(db, "cleanliness", [4, 3, 2], period="2026-Q3")
    opened = []
    for tenant in tenants[:2]:
        resp = await client.post("/api/v1/requests", headers=headers["adviser"], json={
            "tenant_id": tenant.tenant_id, "kind": "technical", "category": "leak",
            "description": "Fuite sous l'évier", "urgency": "U2"})
        assert resp.status == 201, await resp.text()
        opened.append((await resp.json())["id"])
    # A lift down since Wednesday 4 November: shopping delivery due since Tuesday 10.
    incident = await client.post("/api/v1/incidents", headers=headers["manager"], json={
        "kind": "lift", "planned": False, "scope": {"buildings": [place["building"]]},
        "starts_at": "2026-11-04T09:00:00+01:00"})
    assert incident.status == 201, await incident.text()
    incident_id = (await incident.json())["id"]
    commitments = await (await client.get("/api/v1/commitments", headers=headers["manager"])).json()
    templates = []
    for title in ("Transmis au gardien", "Intervention programmée"):
        resp = await client.post("/api/v1/reply-templates", headers=headers["manager"],
                                 json={"title": title, "body": f"Bonjour, {title.lower()}."})
        assert resp.status == 201, await resp.text()
        templates.append((await resp.json())["id"])
    world_ids = {"incident": incident_id, "commitment": commitments["items"][0]["id"],
                 "tenant": tenants[0].tenant_id, "building": place["building"],
                 "agency": place["agency"], "task": tasks[0].id, "campaign": (await draft.json())["id"],
                 "done_campaign": done.id, "message": inbox["items"][0]["id"],
                 "request": opened[0], "tenant2": tenants[1].tenant_id, "template": templates[0]}
    return World(client, db, headers, world_ids, users)


@pytest.fixture
async def world(client: Any, db: Database, clock: Any) -> World:
    return await _world(client, db, clock)


# --- the table --------------------------------------------------------------------------------

Body = Callable[[World], Any] | None


@dataclass
class Case:
    name: str
    method: str
    path: str  # may hold {tenant}, {task}, {campaign}, ... from World.ids
    role: str
    status: int | tuple[int, ...]
    shape: Any = None  # JSON shape; None for non-JSON answers
    json: Body = None
    data: Body = None  # raw body (bytes) or form (dict)
    content_type: str | None = None
    before: Callable[[World], Any] | None = None  # an earlier request the case depends on
    check: Callable[[Any, World], None] | None = None  # extra assertions on the JSON answer


def _csv(rows: list[list[str]]) -> Callable[[World], bytes]:
    return lambda w: csv_bytes(rows)


async def _claim(w: World, role: str = "adviser") -> Any:
    return await w.client.post(f"/api/v1/calls/{w.ids['task']}/claim", headers=w.headers[role])


def _status_is(*values: str) -> Callable[[Any, World], None]:
    def check(body: Any, w: World) -> None:
        assert body["status"] in values, body
    return check


INTERVIEW = {"answers": {"move_in": 4, "cleanliness": 3, "communication": None},
             "summary": "Très bon accueil, le logement est propre.",
             "follow_ups": [{"kind": "technical", "category": "Plomberie",
                             "description": "Le robinet de la cuisine goutte."}]}
STATUS_PARAMS = {"MessageSid": "SM" + "0" * 32, "MessageStatus": "delivered", "ErrorCode": ""}

CASES: list[Case] = [
    Case("login", "POST", "/api/v1/auth/login", "anonymous", 200,
         {"token": str, "user": {"id": int, "email": str, "role": OneOf("adviser"), "agency": object}},
         json=lambda w: {"email": w.users["adviser"].email, "password": "motdepasse-solide"}),
    Case("login with wrong credentials", "POST", "/api/v1/auth/login", "anonymous", 401, ERROR,
         json=lambda w: {"email": w.users["adviser"].email, "password": "pas-le-bon"}),
    Case("estate", "GET", "/api/v1/estate", "adviser", 200, ESTATE),
    Case("tenants", "GET", "/api/v1/tenants?q=Martin", "adviser", 200, listing(TENANT)),
    Case("tenants without a token", "GET", "/api/v1/tenants", "anonymous", 401, ERROR),
    Case("tenant", "GET", "/api/v1/tenants/{tenant}", "adviser", 200, TENANT_DETAIL),
    Case("tenant of another agency", "GET", "/api/v1/tenants/{tenant}", "outsider", 403, ERROR),
    Case("unknown tenant", "GET", "/api/v1/tenants/987654", "adviser", 404, ERROR),
    Case("tenant import", "POST", "/api/v1/imports/tenants", "admin", 200,
         {"created": int, "updated": int, "unchanged": int, "ended": int, "rejected": list,
          "warnings": list},
         data=_csv([row("C-1"), row("C-2", mobile="pas un numéro")]), content_type="text/csv"),
    Case("tenant import of a file without its columns", "POST", "/api/v1/imports/tenants",
         "admin", 422, ERROR, data=lambda w: b"nom;prenom\r\nDurand;Claire\r\n",
         content_type="text/csv"),
    Case("tenant import by an adviser", "POST", "/api/v1/imports/tenants", "adviser", 403, ERROR,
         data=_csv([row("C-1")]), content_type="text/csv"),
    Case("survey import", "POST", "/api/v1/imports/surveys", "admin", 200,
         {"imported": int, "rejected": [{"line": int, "reason": str}]},
         data=lambda w: survey_csv([["B", "2026-Q3", "R1", "Blois", "cleanliness", "4"],
                                    ["B", "2026-Q3", "R2", "Atlantide", "cleanliness", "4"]]),
         content_type="text/csv"),
    Case("call queue", "GET", "/api/v1/calls/queue?date=2026-11-16", "adviser", 200,
         listing(QUEUE_ITEM)),
    Case("claim", "POST", "/api/v1/calls/{task}/claim", "adviser", 200,
         TASK | {"claimed_by": int, "claim_expires_at": str}),
    Case("claim taken by another adviser", "POST", "/api/v1/calls/{task}/claim", "adviser2", 409,
         ERROR, before=_claim),
    Case("attempt", "POST", "/api/v1/calls/{task}/attempts", "adviser", 200, TASK,
         json=lambda w: {"outcome": "no_answer"}, before=_claim),
    Case("attempt with an unknown outcome", "POST", "/api/v1/calls/{task}/attempts", "adviser",
         422, ERROR, json=lambda w: {"outcome": "parti"}),
    Case("callback without its time", "POST", "/api/v1/calls/{task}/attempts", "adviser", 422,
         ERROR, json=lambda w: {"outcome": "callback_requested"}, before=_claim),
    Case("interview", "POST", "/api/v1/calls/{task}/interview", "adviser", 200,
         TASK | {"summary_sentiment": OneOf(*SENTIMENTS),
                 "follow_ups": [{"kind": OneOf("technical", "administrative"), "category": str, "description": str}]},
         json=lambda w: INTERVIEW, before=_claim, check=_status_is("completed")),
    Case("courtesy-call KPIs", "GET", "/api/v1/kpi/courtesy-calls?from=2026-10-01&to=2026-11-16",
         "manager", 200, KPI),
    Case("campaign creation", "POST", "/api/v1/campaigns", "manager", 201, CAMPAIGN,
         json=lambda w: lift_campaign(w.ids["building"]), check=_status_is("draft")),
    Case("campaign with an unknown placeholder", "POST", "/api/v1/campaigns", "manager", 422,
         ERROR, json=lambda w: lift_campaign(w.ids["building"], body="Bonjour {{ surnom }}")),
    Case("campaign by an adviser", "POST", "/api/v1/campaigns", "adviser", 403, ERROR,
         json=lambda w: lift_campaign(w.ids["building"])),
    Case("campaigns", "GET", "/api/v1/campaigns", "manager", 200, listing(CAMPAIGN_ITEM)),
    Case("campaign", "GET", "/api/v1/campaigns/{campaign}", "manager", 200, CAMPAIGN),
    Case("unknown campaign", "GET", "/api/v1/campaigns/987654", "manager", 404, ERROR),
    Case("campaign preview", "GET", "/api/v1/campaigns/{campaign}/preview", "manager", 200, PREVIEW),
    Case("launch", "POST", "/api/v1/campaigns/{campaign}/launch", "manager", 202,
         {"status": OneOf("scheduled", "sending")}),
    Case("launch twice", "POST", "/api/v1/campaigns/{campaign}/launch", "manager", 202,
         {"status": OneOf("scheduled", "sending")},
         before=lambda w: w.client.post(f"/api/v1/campaigns/{w.ids['campaign']}/launch",
                                        headers=w.headers["manager"])),
    Case("launch of a finished campaign", "POST", "/api/v1/campaigns/{done_campaign}/launch",
         "manager", 202, {"status": OneOf("sending"), "campaign_status": OneOf("done")}),
    Case("cancel", "POST", "/api/v1/campaigns/{campaign}/cancel", "manager", 200,
         {"status": OneOf("cancelled")}),
    Case("one SMS to a tenant", "POST", "/api/v1/tenants/{tenant}/sms", "adviser", (200, 201, 202),
         {"id": int, "status": str}, json=lambda w: {"body": "Bonjour, votre agence vous rappelle."}),
    Case("incoming SMS webhook", "POST", "/webhooks/twilio/sms", "anonymous", 200,
         data=lambda w: _webhook("/webhooks/twilio/sms", _sms_params()),
         content_type="application/x-www-form-urlencoded"),
    Case("incoming SMS webhook without a signature", "POST", "/webhooks/twilio/sms", "anonymous",
         403, ERROR, data=lambda w: urlencode(_sms_params()),
         content_type="application/x-www-form-urlencoded"),
    Case("status callback for an unknown sid", "POST", "/webhooks/twilio/status", "anonymous", 200,
         data=lambda w: _webhook("/webhooks/twilio/status", STATUS_PARAMS),
         content_type="application/x-www-form-urlencoded"),
    Case("inbox", "GET", "/api/v1/inbox", "adviser", 200, listing(INBOX_ITEM)),
    Case("inbox with every status", "GET", "/api/v1/inbox?status=all&intent=problem_persists",
         "adviser", 200, listing(INBOX_ITEM)),
    Case("inbox reply", "POST", "/api/v1/inbox/{message}/reply", "adviser", (200, 201, 202),
         {"status": str}, json=lambda w: {"body": "Un technicien passe demain matin."}),
    Case("inbox handled", "POST", "/api/v1/inbox/{message}/handled", "adviser", 200,
         {"id": int, "status": OneOf("handled")}),
    Case("survey comparison", "GET", "/api/v1/surveys/comparison?year=2026", "manager", 200,
         listing(COMPARISON_ITEM)),
    Case("survey comparison of every agency", "GET", "/api/v1/surveys/comparison?year=2026",
         "admin", 200, listing(COMPARISON_ITEM),
         check=lambda body, w: _all_agencies_together(body)),
    Case("survey comparison CSV", "GET", "/api/v1/surveys/comparison.csv?year=2026", "manager", 200),
    Case("request", "POST", "/api/v1/requests", "adviser", 201, REQUEST,
         json=lambda w: {"tenant_id": w.ids["tenant2"], "kind": "administrative",
                         "category": "certificate", "description": "Attestation de loyer"},
         check=_status_is("registered")),
    Case("request with an unknown kind", "POST", "/api/v1/requests", "adviser", 422, ERROR,
         json=lambda w: {"tenant_id": w.ids["tenant"], "kind": "magic", "category": "leak"}),
    Case("request of another agency's tenant", "POST", "/api/v1/requests", "outsider", 403, ERROR,
         json=lambda w: {"tenant_id": w.ids["tenant"], "kind": "technical", "category": "leak"}),
    Case("requests", "GET", "/api/v1/requests?status=registered&late=false", "adviser", 200,
         listing(REQUEST)),
    Case("one request", "GET", "/api/v1/requests/{request}", "adviser", 200, REQUEST),
    Case("request step", "POST", "/api/v1/requests/{request}/status", "adviser", 200, REQUEST,
         json=lambda w: {"status": "scheduled", "appointment_at": "2026-11-18T09:30:00+01:00"},
         check=_status_is("scheduled")),
    Case("request step backwards", "POST", "/api/v1/requests/{request}/status", "adviser", 409,
         ERROR, json=lambda w: {"status": "registered"},
         before=lambda w: w.client.post(f"/api/v1/requests/{w.ids['request']}/status",
                                        json={"status": "done"}, headers=w.headers["adviser"])),
    Case("request pushed by reference", "PUT", "/api/v1/requests/by-ref/GMAO-1", "adviser", 201,
         REQUEST, json=lambda w: {"tenant_id": w.ids["tenant"], "kind": "technical",
                                  "category": "heating", "status": "taken_on"}),
    Case("the same push twice", "PUT", "/api/v1/requests/by-ref/GMAO-1", "adviser", 200,
         REQUEST | {"changed": OneOf(False)},
         json=lambda w: {"tenant_id": w.ids["tenant"], "kind": "technical", "category": "heating",
                         "status": "taken_on"},
         before=lambda w: w.client.put("/api/v1/requests/by-ref/GMAO-1", headers=w.headers["adviser"],
                                       json={"tenant_id": w.ids["tenant"], "kind": "technical",
                                             "category": "heating", "status": "taken_on"})),
    Case("incident declaration", "POST", "/api/v1/incidents", "manager", 201, INCIDENT,
         json=lambda w: {"kind": "heating", "planned": False, "scope": {"buildings": [w.ids["building"]]},
                         "starts_at": "2026-11-10T07:00:00+01:00", "referent": {"name": "Karim Benali",
                                                                                 "phone": "0254901234"}}),
    Case("planned stop announced too late", "POST", "/api/v1/incidents", "manager", 422, ERROR,
         json=lambda w: {"kind": "lift", "planned": True, "scope": {"buildings": [w.ids["building"]]},
                         "starts_at": "2026-11-18T08:00:00+01:00",
                         "referent": {"name": "Karim Benali", "phone": "0254901234"}},
         check=lambda body, w: _code_is(body, "notice_too_short")),
    Case("incident by an adviser", "POST", "/api/v1/incidents", "adviser", 403, ERROR,
         json=lambda w: {"kind": "lift", "scope": {"buildings": [w.ids["building"]]},
                         "starts_at": "2026-11-16T08:00:00+01:00"}),
    Case("incidents", "GET", "/api/v1/incidents?status=all", "adviser", 200, listing(INCIDENT)),
    Case("incident", "GET", "/api/v1/incidents/{incident}", "adviser", 200, INCIDENT),
    Case("incident of another agency", "GET", "/api/v1/incidents/{incident}", "outsider", 403, ERROR),
    Case("incident notification", "POST", "/api/v1/incidents/{incident}/notify", "manager", 202,
         {"campaign_id": int}, json=lambda w: {}),
    Case("incident update", "POST", "/api/v1/incidents/{incident}/updates", "manager", 200, INCIDENT,
         json=lambda w: {"message": "Reprise prévue demain 14 h", "notify": False}),
    Case("incident resolution", "POST", "/api/v1/incidents/{incident}/resolve", "manager", 200, INCIDENT,
         json=lambda w: {}, check=_status_is("resolved")),
    Case("incident report", "POST", "/api/v1/incidents/{incident}/reports", "adviser", 201,
         {"id": int, "incident_id": int, "channel": OneOf("phone", "visit", "sms")},
         json=lambda w: {"channel": "phone", "tenant_id": w.ids["tenant"]}),
    Case("commitments", "GET", "/api/v1/commitments?status=all", "manager", 200, listing(COMMITMENT)),
    Case("commitment done", "POST", "/api/v1/commitments/{commitment}/done", "manager", 200, COMMITMENT,
         json=lambda w: {"note": "Prestataire prévenu"}, check=_status_is("done")),
    Case("rent rebates CSV", "GET", "/api/v1/commitments/rent-rebates.csv?month=2026-11", "manager", 200),
    Case("incident KPIs", "GET", "/api/v1/kpi/incidents?from=2026-11-01&to=2026-11-30", "manager", 200,
         INCIDENT_KPI),
    Case("reply templates", "GET", "/api/v1/reply-templates", "adviser", 200, listing(REPLY_TEMPLATE)),
    Case("reply template", "GET", "/api/v1/reply-templates/{template}", "adviser", 200, REPLY_TEMPLATE),
    Case("reply template creation", "POST", "/api/v1/reply-templates", "manager", 201, REPLY_TEMPLATE,
         json=lambda w: {"title": "Merci", "body": "Merci de votre message."}),
    Case("reply template by an adviser", "POST", "/api/v1/reply-templates", "adviser", 403, ERROR,
         json=lambda w: {"title": "Merci", "body": "Merci de votre message."}),
    Case("reply template change", "PATCH", "/api/v1/reply-templates/{template}", "manager", 200,
         REPLY_TEMPLATE, json=lambda w: {"title": "Transmis"}),
    Case("reply template deletion", "DELETE", "/api/v1/reply-templates/{template}", "manager", 204),
    Case("reply template of another agency", "GET", "/api/v1/reply-templates/{template}", "outsider",
         403, ERROR),
    Case("health", "GET", "/healthz", "anonymous", 200,
         {"status": OneOf("ok"), "database": OneOf("ok")}),
    Case("metrics", "GET", "/metrics", "anonymous", 200),
    Case("OpenAPI document", "GET", "/api/openapi.json", "anonymous", 200,
         {"openapi": str, "info": dict, "paths": dict}),
    Case("unknown API path", "GET", "/api/v1/nulle-part", "adviser", 404, ERROR),
]


def _code_is(body: Any, code: str) -> None:
    assert body["error"]["code"] == code, body


def _all_agencies_together(body: Any) -> None:
    assert {item["agency"] for item in body["items"]} == {None}


def _sms_params() -> dict[str, str]:
    from tests.support.sms import twilio_params

    return twilio_params("Merci pour votre appel", "+33611000001", sid=new_sid())


def _webhook(path: str, params: dict[str, str]) -> tuple[str, str]:
    """The form and its X-Twilio-Signature, as Twilio signs them."""
    return urlencode(params), sign(params, url=PUBLIC_URL + path)


async def _request(w: World, case: Case) -> Any:
    headers = dict(w.headers[case.role])
    kwargs: dict[str, Any] = {}
    if case.json is not None:
        kwargs["json"] = case.json(w)
    if case.data is not None:
        data = case.data(w)
        if isinstance(data, tuple):
            data, headers["X-Twilio-Signature"] = data
        kwargs["data"] = data
    if case.content_type:
        headers["Content-Type"] = case.content_type
    return await w.client.request(case.method, case.path.format(**w.ids), headers=headers, **kwargs)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_each_endpoint_answers_the_documented_status_and_shape(world: World, case: Case) -> None:
    if case.before is not None:
        earlier = await case.before(world)
        assert earlier.status < 300, await earlier.text()
    resp = await _request(world, case)
    expected = case.status if isinstance(case.status, tuple) else (case.status,)
    assert resp.status in expected, f"{resp.status}: {await resp.text()}"
    if case.shape is None:
        _check_non_json(case.path, resp, await resp.read())
        return
    assert resp.content_type == "application/json"
    body = await resp.json()
    conform(body, case.shape)
    assert_utc_timestamps(body)
    if resp.status >= 400:
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
        assert re.fullmatch(r"[a-z][a-z0-9_]*", body["error"]["code"])
        assert "Traceback" not in await resp.text()
    if case.check is not None:
        case.check(body, world)


def _check_non_json(path: str, resp: Any, raw: bytes) -> None:
    if path.endswith(".csv?year=2026") or ".csv?month=" in path:
        assert resp.content_type == "text/csv" and raw.startswith("\ufeff".encode())
        assert b";" in raw.splitlines()[0]
    elif path == "/metrics":
        assert resp.content_type == "text/plain" and b"# TYPE" in raw
    elif path == "/webhooks/twilio/sms":
        assert resp.content_type == "text/xml" and b"<Response" in raw


# --- the list convention ------------------------------------------------------------------------

LISTS = [
    ("/api/v1/tenants", "adviser"),
    ("/api/v1/calls/queue?date=2026-11-16", "adviser"),
    ("/api/v1/campaigns", "manager"),
    ("/api/v1/inbox", "adviser"),
    ("/api/v1/reply-templates", "adviser"),
    ("/api/v1/requests?status=all", "adviser"),
    ("/api/v1/surveys/comparison?year=2026", "manager"),
    ("/api/v1/campaigns/presets", "manager"),
    ("/api/v1/incidents?status=all", "adviser"),
    ("/api/v1/commitments?status=all", "manager"),
]


def _with(path: str, **params: Any) -> str:
    return f"{path}{'&' if '?' in path else '?'}{urlencode(params)}"


@pytest.mark.parametrize(("path", "role"), LISTS, ids=[p for p, _ in LISTS])
async def test_every_list_pages_with_page_and_per_page_and_answers_items_total_page(
        world: World, path: str, role: str) -> None:
    headers = world.headers[role]
    first = await (await world.client.get(path, headers=headers)).json()
    assert set(first) >= {"items", "total", "page"} and first["page"] == 1
    assert isinstance(first["total"], int) and len(first["items"]) == min(first["total"], 50)
    one = await (await world.client.get(_with(path, page=2, per_page=1), headers=headers)).json()
    assert one["page"] == 2 and one["total"] == first["total"]
    assert one["items"] == first["items"][1:2]
    resp = await world.client.get(_with(path, per_page=1000), headers=headers)
    assert resp.status == 200
    for bad in ({"per_page": 1001}, {"per_page": 0}, {"page": 0}, {"page": "deux"}):
        resp = await world.client.get(_with(path, **bad), headers=headers)
        assert resp.status == 400, (bad, resp.status)
        assert (await resp.json())["error"]["code"] == "invalid_pagination"


async def test_lists_hold_more_than_one_item_in_this_world_so_paging_is_exercised(world: World) -> None:
    # One incident in this world: its list is paged by the test above, not here.
    for path, role in [(p, r) for p, r in LISTS if not p.startswith("/api/v1/incidents")]:
        body = await (await world.client.get(path, headers=world.headers[role])).json()
        assert body["total"] >= 2, path


async def test_per_page_defaults_to_fifty(client: Any, db: Database) -> None:
    await building_b(db, 51)
    headers = await login(client, await make_user(db, "admin", None))
    body = await (await client.get("/api/v1/tenants", headers=headers)).json()
    assert body["total"] == 51 and len(body["items"]) == 50
    body = await (await client.get("/api/v1/tenants?page=2", headers=headers)).json()
    assert len(body["items"]) == 1 and body["page"] == 2


# --- health -------------------------------------------------------------------------------------


async def test_healthz_answers_503_when_the_database_is_unreachable(
        aiohttp_client: Any, settings: Any, clock: Any) -> None:
    # Nothing listens on port 1: the connection is refused at once (asyncpg, no worker thread).
    unreachable = Database("postgresql+asyncpg://crm@127.0.0.1:1/crm")
    client = await aiohttp_client(create_app(settings, clock=clock, db=unreachable))
    resp = await client.get("/healthz")
    assert resp.status == 503
    assert (await resp.json())["database"] == "unreachable"


# --- OpenAPI --------------------------------------------------------------------------------------

# Every operation of API.md: (method, path) -> query parameters it documents.
DOCUMENTED: dict[tuple[str, str], set[str]] = {
    ("POST", "/api/v1/auth/login"): set(),
    ("POST", "/api/v1/imports/tenants"): set(),
    ("POST", "/api/v1/imports/surveys"): set(),
    ("GET", "/api/v1/estate"): {"agency"},
    ("GET", "/api/v1/tenants"): {"agency", "residence", "building", "q", "page", "per_page"},
    ("GET", "/api/v1/tenants/{id}"): set(),
    ("GET", "/api/v1/calls/queue"): {"date", "agency", "page", "per_page"},
    ("POST", "/api/v1/calls/{task_id}/claim"): set(),
    ("POST", "/api/v1/calls/{task_id}/attempts"): set(),
    ("POST", "/api/v1/calls/{task_id}/interview"): set(),
    ("GET", "/api/v1/kpi/courtesy-calls"): {"from", "to", "agency"},
    ("POST", "/api/v1/campaigns"): set(),
    ("GET", "/api/v1/campaigns"): {"page", "per_page"},
    ("GET", "/api/v1/campaigns/{id}"): set(),
    ("GET", "/api/v1/campaigns/{id}/preview"): set(),
    ("POST", "/api/v1/campaigns/{id}/launch"): set(),
    ("POST", "/api/v1/campaigns/{id}/cancel"): set(),
    ("POST", "/api/v1/tenants/{id}/sms"): set(),
    ("POST", "/webhooks/twilio/sms"): set(),
    ("POST", "/webhooks/twilio/status"): set(),
    ("GET", "/api/v1/inbox"): {"agency", "status", "intent", "campaign", "page", "per_page"},
    ("POST", "/api/v1/inbox/{id}/reply"): set(),
    ("POST", "/api/v1/inbox/{id}/handled"): set(),
    ("GET", "/api/v1/surveys/comparison"): {"year", "agency", "page", "per_page"},
    ("GET", "/api/v1/surveys/comparison.csv"): {"year", "agency"},
    ("POST", "/api/v1/requests"): set(),
    ("PUT", "/api/v1/requests/by-ref/{external_ref}"): set(),
    ("POST", "/api/v1/requests/{id}/status"): set(),
    ("GET", "/api/v1/requests"): {"status", "agency", "tenant", "late", "page", "per_page"},
    ("GET", "/api/v1/requests/{id}"): set(),
    ("POST", "/api/v1/incidents"): set(),
    ("GET", "/api/v1/incidents"): {"status", "agency", "kind", "page", "per_page"},
    ("GET", "/api/v1/incidents/{id}"): set(),
    ("POST", "/api/v1/incidents/{id}/notify"): set(),
    ("POST", "/api/v1/incidents/{id}/updates"): set(),
    ("POST", "/api/v1/incidents/{id}/resolve"): set(),
    ("POST", "/api/v1/incidents/{id}/reports"): set(),
    ("GET", "/api/v1/commitments"): {"status", "agency", "page", "per_page"},
    ("POST", "/api/v1/commitments/{id}/done"): set(),
    ("GET", "/api/v1/commitments/rent-rebates.csv"): {"month"},
    ("GET", "/api/v1/kpi/incidents"): {"from", "to", "agency"},
    ("GET", "/healthz"): set(),
    ("GET", "/metrics"): set(),
    ("GET", "/api/openapi.json"): set(),
}
JSON_BODIES = {("POST", "/api/v1/auth/login"), ("POST", "/api/v1/calls/{task_id}/attempts"),
               ("POST", "/api/v1/calls/{task_id}/interview"), ("POST", "/api/v1/campaigns"),
               ("POST", "/api/v1/tenants/{id}/sms"), ("POST", "/api/v1/inbox/{id}/reply"),
               ("POST", "/api/v1/requests"), ("PUT", "/api/v1/requests/by-ref/{external_ref}"),
               ("POST", "/api/v1/requests/{id}/status"),
               ("POST", "/api/v1/incidents"), ("POST", "/api/v1/incidents/{id}/notify"),
               ("POST", "/api/v1/incidents/{id}/updates"), ("POST", "/api/v1/incidents/{id}/resolve"),
               ("POST", "/api/v1/incidents/{id}/reports"), ("POST", "/api/v1/commitments/{id}/done")}


async def _openapi(client: Any) -> dict[str, Any]:
    resp = await client.get("/api/openapi.json")
    assert resp.status == 200
    return await resp.json()  # type: ignore[no-any-return]


async def test_openapi_lists_every_operation_of_api_md_with_its_query_parameters(client: Any) -> None:
    doc = await _openapi(client)
    assert doc["openapi"].startswith("3.")
    for (method, path), query in DOCUMENTED.items():
        op = doc["paths"].get(path, {}).get(method.lower())
        assert op is not None, f"{method} {path} missing from /api/openapi.json"
        assert op["summary"] and op["responses"]
        params = {p["name"]: p for p in op.get("parameters", [])}
        assert {n for n, p in params.items() if p["in"] == "query"} >= query, (method, path)
        assert {n for n, p in params.items() if p["in"] == "path"} == set(re.findall(r"\{(\w+)\}", path))


async def test_openapi_gives_json_bodies_a_schema_from_their_pydantic_model(client: Any) -> None:
    doc = await _openapi(client)
    schemas = doc["components"]["schemas"]
    for method, path in JSON_BODIES:
        body = doc["paths"][path][method.lower()]["requestBody"]["content"]["application/json"]
        name = body["schema"]["$ref"].rsplit("/", 1)[1]
        assert schemas[name]["type"] == "object" and schemas[name]["properties"], name
    campaign = schemas["CampaignIn"]
    assert set(campaign["required"]) >= {"name", "category", "body", "audience"}
    assert set(campaign["properties"]["category"]["enum"]) == set(CATEGORIES)
    outcome = schemas["AttemptIn"]["properties"]["outcome"]
    assert set(outcome["enum"]) == set(OUTCOMES)
    for ref in re.findall(r'"\$ref": "#/components/schemas/(\w+)"', str(doc).replace("'", '"')):
        assert ref in schemas, ref


async def test_openapi_gives_the_documented_success_statuses(client: Any) -> None:
    paths = (await _openapi(client))["paths"]
    assert "201" in paths["/api/v1/campaigns"]["post"]["responses"]
    assert "202" in paths["/api/v1/campaigns/{id}/launch"]["post"]["responses"]
    assert "409" in paths["/api/v1/calls/{task_id}/claim"]["post"]["responses"]
    assert "503" in paths["/healthz"]["get"]["responses"]
    assert paths["/healthz"]["get"]["security"] == []


def test_the_table_covers_every_operation_written_in_api_md() -> None:
    if not API_MD.exists():
        pytest.skip("API.md is not beside this clone")
    written = set(re.findall(r"`(GET|POST) (/[^`?\s]+)", API_MD.read_text(encoding="utf-8")))
    assert written, "no operation found in API.md"
    assert written <= set(DOCUMENTED), written - set(DOCUMENTED)
