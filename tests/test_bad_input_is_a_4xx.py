"""Bad input on every JSON API endpoint — not JSON, wrong types, huge numbers, negative or
absurd ids, unknown enum values, impossible dates, NUL characters — gets a clear 4xx JSON
error, never a 500, and changes nothing in the database."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import api_user
from tests.security_helpers import snapshot, two_agencies

HUGE = 10**20  # beyond any database integer
BIG = 2**31  # just beyond a PostgreSQL INTEGER

NOT_JSON = {"data": b"ceci n'est pas du json", "headers": {"Content-Type": "application/json"}}
BAD_UTF8 = {"data": b'{"body": "\xff\xfe"}', "headers": {"Content-Type": "application/json"}}


def j(body: Any) -> dict[str, Any]:
    return {"json": body}


# (role, method, path, request kwargs). Paths may name {task}, {fu}, {campaign}, {msg}, {tenant}.
CASES: list[tuple[str, str, str, dict[str, Any]]] = [
    # login
    ("anon", "POST", "/api/v1/auth/login", NOT_JSON),
    ("anon", "POST", "/api/v1/auth/login", BAD_UTF8),
    ("anon", "POST", "/api/v1/auth/login", j([1, 2])),
    ("anon", "POST", "/api/v1/auth/login", j({"email": 5, "password": []})),
    ("anon", "POST", "/api/v1/auth/login", j({"email": "a@b.fr", "password": "x" * 5000})),
    ("anon", "POST", "/api/v1/auth/login", j({"email": "a\u0000@b.fr", "password": "x"})),
    # estate and tenants
    ("adviser", "GET", "/api/v1/estate?agency=abc", {}),
    ("admin", "GET", f"/api/v1/estate?agency={HUGE}", {}),
    ("adviser", "GET", "/api/v1/tenants?page=0", {}),
    ("adviser", "GET", "/api/v1/tenants?page=-3", {}),
    ("adviser", "GET", "/api/v1/tenants?page=deux", {}),
    ("adviser", "GET", "/api/v1/tenants?per_page=5000", {}),
    ("adviser", "GET", f"/api/v1/tenants?page={HUGE}", {}),
    ("admin", "GET", f"/api/v1/tenants?agency={HUGE}", {}),
    ("adviser", "GET", f"/api/v1/tenants?residence={HUGE}", {}),
    ("adviser", "GET", "/api/v1/tenants?building=un", {}),
    ("adviser", "GET", "/api/v1/tenants?q=Locataire%00", {}),
    ("adviser", "GET", f"/api/v1/tenants/{HUGE}", {}),
    ("adviser", "GET", f"/api/v1/tenants/{BIG}", {}),
    # calls
    ("adviser", "GET", "/api/v1/calls/queue?date=2026-13-45", {}),
    ("adviser", "GET", "/api/v1/calls/queue?date=hier", {}),
    ("adviser", "GET", "/api/v1/calls/queue?date=9999-12-31", {}),
    ("adviser", "GET", "/api/v1/calls/queue?date=0001-01-01", {}),
    ("admin", "GET", f"/api/v1/calls/queue?agency={HUGE}", {}),
    ("adviser", "GET", f"/api/v1/calls/{HUGE}", {}),
    ("adviser", "POST", f"/api/v1/calls/{BIG}/claim", {}),
    ("adviser", "POST", "/api/v1/calls/{task}/attempts", NOT_JSON),
    ("adviser", "POST", "/api/v1/calls/{task}/attempts", j(["no_answer"])),
    ("adviser", "POST", "/api/v1/calls/{task}/attempts", j({"outcome": "dance"})),
    ("adviser", "POST", "/api/v1/calls/{task}/attempts", j({"outcome": 7})),
    ("adviser", "POST", "/api/v1/calls/{task}/attempts", j({"outcome": "callback_requested"})),
    ("adviser", "POST", "/api/v1/calls/{task}/attempts",
     j({"outcome": "callback_requested", "callback_at": "demain matin"})),
    ("adviser", "POST", "/api/v1/calls/{task}/attempts",
     j({"outcome": "callback_requested", "callback_at": "2026-11-16T25:00:00"})),
    ("adviser", "POST", "/api/v1/calls/{task}/attempts",
     j({"outcome": "callback_requested", "callback_at": "0001-01-01T00:00:00"})),
    ("adviser", "POST", "/api/v1/calls/{task}/attempts",
     j({"outcome": "callback_requested", "callback_at": "9999-12-31T23:59:59"})),
    ("adviser", "POST", "/api/v1/calls/{task}/attempts", j({"outcome": "no_answer", "note": "x" * 5000})),
    ("adviser", "POST", "/api/v1/calls/{task}/attempts", j({"outcome": "no_answer", "note": "a\u0000b"})),
    ("adviser", "POST", f"/api/v1/calls/{HUGE}/attempts", j({"outcome": "no_answer"})),
    ("adviser", "POST", "/api/v1/calls/{task}/interview", NOT_JSON),
    ("adviser", "POST", "/api/v1/calls/{task}/interview", j({"answers": "tout va bien"})),
    ("adviser", "POST", "/api/v1/calls/{task}/interview", j({"answers": {"cleanliness": 9}})),
    ("adviser", "POST", "/api/v1/calls/{task}/interview", j({"answers": {"cleanliness": HUGE}})),
    ("adviser", "POST", "/api/v1/calls/{task}/interview", j({"answers": {"licorne": 2}})),
    ("adviser", "POST", "/api/v1/calls/{task}/interview",
     j({"follow_ups": [{"kind": "magic", "category": "x", "description": "y"}]})),
    ("adviser", "POST", "/api/v1/calls/{task}/interview", j({"summary": "a\u0000b"})),
    ("adviser", "POST", "/api/v1/calls/{task}/interview",
     j({"follow_ups": [{"kind": "technical", "category": "x", "description": "y"}] * 50})),
    # KPIs
    ("manager", "GET", "/api/v1/kpi/courtesy-calls?from=2026-02-30", {}),
    ("manager", "GET", "/api/v1/kpi/courtesy-calls?from=2026-11-01&to=2026-10-01", {}),
    ("manager", "GET", "/api/v1/kpi/courtesy-calls?to=31/12/2026", {}),
    ("manager", "GET", "/api/v1/kpi/courtesy-calls?from=0001-01-01&to=9999-12-31", {}),
    ("admin", "GET", f"/api/v1/kpi/courtesy-calls?agency={HUGE}", {}),
    ("manager", "GET", "/api/v1/kpi/courtesy-calls.csv?from=nope", {}),
    # follow-ups
    ("adviser", "GET", "/api/v1/follow-ups?status=perdu", {}),
    ("adviser", "GET", "/api/v1/follow-ups?kind=magic", {}),
    ("adviser", "GET", f"/api/v1/follow-ups?tenant={HUGE}", {}),
    ("adviser", "GET", "/api/v1/follow-ups?per_page=0", {}),
    ("adviser", "POST", "/api/v1/follow-ups/{fu}/status", NOT_JSON),
    ("adviser", "POST", "/api/v1/follow-ups/{fu}/status", j({"status": "closed"})),
    ("adviser", "POST", "/api/v1/follow-ups/{fu}/status", j({"status": None})),
    ("adviser", "POST", f"/api/v1/follow-ups/{HUGE}/status", j({"status": "done"})),
    # campaigns
    ("manager", "POST", "/api/v1/campaigns", NOT_JSON),
    ("manager", "POST", "/api/v1/campaigns", j({"name": "x"})),
    ("manager", "POST", "/api/v1/campaigns",
     j({"name": "x", "category": "party", "body": "b", "audience": {"agencies": []}})),
    ("manager", "POST", "/api/v1/campaigns",
     j({"name": "x", "category": "information", "body": "Bonjour {{ pointure }}",
        "audience": {"tenant_ids": ["{tenant}"]}})),
    ("manager", "POST", "/api/v1/campaigns",
     j({"name": "x", "category": "information", "body": "b", "audience": {"residences": [HUGE]}})),
    ("admin", "POST", "/api/v1/campaigns",
     j({"name": "x", "category": "information", "body": "b", "audience": {"residences": [HUGE]}})),
    ("admin", "POST", "/api/v1/campaigns",
     j({"name": "x", "category": "information", "body": "b", "audience": {"agencies": [-1]},
        "agency": HUGE})),
    ("manager", "POST", "/api/v1/campaigns",
     j({"name": "x", "category": "information", "body": "b", "audience": {"planets": [1]}})),
    ("manager", "POST", "/api/v1/campaigns",
     j({"name": "x", "category": "information", "body": "b", "audience": {"agencies": ["{agency}"]},
        "send_at": "2026-11-20T10:00:00"})),
    ("manager", "POST", "/api/v1/campaigns",
     j({"name": "x", "category": "information", "body": "b", "audience": {"agencies": ["{agency}"]},
        "send_at": "le 20 novembre"})),
    ("manager", "POST", "/api/v1/campaigns",
     j({"name": "x\u0000", "category": "information", "body": "b\u0000",
        "audience": {"agencies": ["{agency}"]}})),
    ("manager", "POST", "/api/v1/campaigns",
     j({"name": "x", "category": "information", "body": "b", "audience": {"agencies": ["{agency}"]},
        "urgent": "oui"})),
    ("manager", "GET", "/api/v1/campaigns?page=0", {}),
    ("admin", "GET", f"/api/v1/campaigns?agency={HUGE}", {}),
    ("manager", "POST", "/api/v1/campaigns/preview", NOT_JSON),
    ("manager", "POST", "/api/v1/campaigns/preview",
     j({"name": "x", "category": "information", "body": "b", "audience": {"tenant_ids": [HUGE]}})),
    ("manager", "POST", "/api/v1/campaigns/audience-count", NOT_JSON),
    ("manager", "POST", "/api/v1/campaigns/audience-count", j({"audience": {"residences": ["x"]}})),
    ("manager", "POST", "/api/v1/campaigns/audience-count", j({"audience": {"buildings": [HUGE]}})),
    ("admin", "POST", "/api/v1/campaigns/audience-count", j({"audience": {"entrances": [HUGE]}})),
    ("manager", "POST", "/api/v1/campaigns/audience-count",
     j({"audience": {"agencies": ["{agency}"]}, "category": "party"})),
    ("manager", "GET", f"/api/v1/campaigns/{HUGE}", {}),
    ("manager", "GET", f"/api/v1/campaigns/{BIG}/preview", {}),
    ("manager", "POST", f"/api/v1/campaigns/{HUGE}/launch", {}),
    ("manager", "POST", f"/api/v1/campaigns/{HUGE}/cancel", {}),
    ("adviser", "POST", "/api/v1/tenants/{tenant}/sms", NOT_JSON),
    ("adviser", "POST", "/api/v1/tenants/{tenant}/sms", j({"body": ""})),
    ("adviser", "POST", "/api/v1/tenants/{tenant}/sms", j({"body": "   "})),
    ("adviser", "POST", "/api/v1/tenants/{tenant}/sms", j({"body": 5})),
    ("adviser", "POST", "/api/v1/tenants/{tenant}/sms", j({"body": "x" * 5000})),
    ("adviser", "POST", "/api/v1/tenants/{tenant}/sms", j({"body": "a\u0000b"})),
    ("adviser", "POST", "/api/v1/tenants/{tenant}/sms", j({"body": "ok", "urgent": True})),
    ("adviser", "POST", f"/api/v1/tenants/{HUGE}/sms", j({"body": "ok"})),
    # inbox
    ("adviser", "GET", "/api/v1/inbox?status=lu", {}),
    ("adviser", "GET", "/api/v1/inbox?intent=colere", {}),
    ("adviser", "GET", "/api/v1/inbox?campaign=abc", {}),
    ("adviser", "GET", f"/api/v1/inbox?campaign={HUGE}", {}),
    ("admin", "GET", f"/api/v1/inbox?agency={HUGE}", {}),
    ("adviser", "POST", "/api/v1/inbox/{msg}/reply", NOT_JSON),
    ("adviser", "POST", "/api/v1/inbox/{msg}/reply", j({"body": ""})),
    ("adviser", "POST", "/api/v1/inbox/{msg}/reply", j({"body": ["a"]})),
    ("adviser", "POST", "/api/v1/inbox/{msg}/reply", j({"body": "a\u0000b"})),
    ("adviser", "POST", f"/api/v1/inbox/{HUGE}/reply", j({"body": "ok"})),
    ("adviser", "POST", f"/api/v1/inbox/{HUGE}/handled", {}),
    # imports
    ("admin", "POST", "/api/v1/imports/tenants",
     {"data": b"\x00\x01\x02binaire", "headers": {"Content-Type": "text/csv"}}),
    ("admin", "POST", "/api/v1/imports/tenants", {"data": b"", "headers": {"Content-Type": "text/csv"}}),
    ("admin", "POST", "/api/v1/imports/surveys",
     {"data": b"\x00\x01\x02binaire", "headers": {"Content-Type": "text/csv"}}),
    ("admin", "POST", "/api/v1/imports/surveys", {"data": b"", "headers": {"Content-Type": "text/csv"}}),
    # surveys
    ("manager", "GET", "/api/v1/surveys/comparison?year=abc", {}),
    ("manager", "GET", "/api/v1/surveys/comparison?year=1800", {}),
    ("manager", "GET", f"/api/v1/surveys/comparison?year={HUGE}", {}),
    ("admin", "GET", "/api/v1/surveys/comparison?agency=Atlantide", {}),
    ("admin", "GET", f"/api/v1/surveys/comparison?agency={HUGE}", {}),
    ("manager", "GET", "/api/v1/surveys/comparison.csv?year=-1", {}),
    # personal data
    ("admin", "GET", f"/api/v1/tenants/{HUGE}/export", {}),
    ("admin", "POST", f"/api/v1/tenants/{BIG}/anonymize", {}),
    # webhooks
    ("anon", "POST", "/webhooks/twilio/sms", j({"Body": "STOP"})),
    ("anon", "POST", "/webhooks/twilio/sms",
     {"data": "MessageSid=x&From=%2B33600000000&Body=hello",
      "headers": {"Content-Type": "application/x-www-form-urlencoded"}}),
    ("anon", "POST", "/webhooks/twilio/status",
     {"data": "MessageSid=x&MessageStatus=delivered",
      "headers": {"Content-Type": "application/x-www-form-urlencoded"}}),
]

def _fill(value: Any, ids: dict[str, int]) -> Any:
    if isinstance(value, str):
        for key, id_ in ids.items():
            if value == "{" + key + "}":
                return id_
            value = value.replace("{" + key + "}", str(id_))
        return value
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


@pytest.mark.parametrize(("role", "method", "path", "kwargs"), CASES,
                         ids=[f"{c[1]} {c[2]} {str(c[3])[:60]}" for c in CASES])
async def test_bad_input_gets_a_json_4xx_and_changes_nothing(client, db, role, method, path, kwargs):
    blois, _ = await two_agencies(db)
    ids = {"task": blois.task, "fu": blois.follow_up, "campaign": blois.draft,
           "msg": blois.inbound, "tenant": blois.tenant, "agency": blois.agency}
    headers = {} if role == "anon" else await api_user(client, db, role, "Blois")
    before = await snapshot(db)
    kwargs = _fill(kwargs, ids)
    kwargs = {**kwargs, "headers": {**headers, **kwargs.get("headers", {})}}
    resp = await client.request(method, _fill(path, ids), **kwargs)
    text = await resp.text()
    assert 400 <= resp.status < 500, f"{resp.status}: {text[:300]}"
    if not path.startswith("/webhooks/") or resp.status != 403:
        body = await resp.json()
        assert set(body["error"]) >= {"code", "message"}, body
        assert "Traceback" not in text
    assert await snapshot(db) == before
