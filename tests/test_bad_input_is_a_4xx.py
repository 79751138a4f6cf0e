"""Bad input on every JSON API endpoint — not JSON, wrong types, huge numbers, negative or
absurd ids, unknown enum values, impossible dates, NUL characters — gets a clear 4xx JSON
error, never a 500, and changes nothing in the database."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.factories import api_user
from tests.support.security import snapshot, two_agencies

HUGE = 10**20  # beyond any database integer
BIG = 2**31  # just beyond a PostgreSQL INTEGER

NOT_JSON = {"data": b"ceci n'est pas du json", "headers": {"Content-Type": "application/json"}}
# A multipart body that ends where a part's headers should be (schemathesis found it).
BAD_MULTIPART = {"data": b"--b\r\nx\r\n--b--", "headers": {"Content-Type": "multipart/form-data; boundary=b"}}
BAD_UTF8 = {"data": b'{"body": "\xff\xfe"}', "headers": {"Content-Type": "application/json"}}


def j(body: Any) -> dict[str, Any]:
    return {"json": body}


REQ = {"tenant_id": "{tenant}", "kind": "technical", "category": "leak"}


# (role, method, path, request kwargs). Paths may name {task}, {fu}, {campaign}, {msg}, {tenant}.
CASES: list[tuple[str, str, str, dict[str, Any]]] = [
    # login
    ("anon", "POST", "/api/v1/auth/login", NOT_JSON),
    ("anon", "POST", "/api/v1/auth/login", BAD_UTF8),
    ("anon", "POST", "/api/v1/auth/login", BAD_MULTIPART),
    ("anon", "POST", "/api/v1/auth/login", j([1, 2])),
    ("anon", "POST", "/api/v1/auth/login", j({"email": 5, "password": []})),
    ("anon", "POST", "/api/v1/auth/login", j({"email": "a@b.fr", "password": "x" * 5000})),
    ("anon", "POST", "/api/v1/auth/login", j({"email": "a\u0000@b.fr", "password": "x"})),
    # estate and tenants
    ("adviser", "GET", "/api/v1/estate?agency=abc", {}),
    ("admin", "GET", f"/api/v1/estate?agency={HUGE}", {}),
    ("adviser", "GET", "/api/v1/tenants?page=0", {}),
    ("adviser", "GET", "/api/v1/tenants?agency=", {}),
    ("adviser", "GET", "/api/v1/calls/queue?date=", {}),
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
    # requests ({fu}: a request opened during a call)
    ("adviser", "GET", "/api/v1/requests?status=perdu", {}),
    ("adviser", "GET", "/api/v1/requests?kind=magic", {}),
    ("adviser", "GET", "/api/v1/requests?late=peut-etre", {}),
    ("adviser", "GET", "/api/v1/requests?sort=hasard", {}),
    ("adviser", "GET", f"/api/v1/requests?tenant={HUGE}", {}),
    ("adviser", "GET", "/api/v1/requests?owner=moi", {}),
    ("adviser", "GET", "/api/v1/requests?per_page=0", {}),
    ("admin", "GET", f"/api/v1/requests?agency={HUGE}", {}),
    ("adviser", "GET", f"/api/v1/requests/{HUGE}", {}),
    ("adviser", "POST", "/api/v1/requests", NOT_JSON),
    ("adviser", "POST", "/api/v1/requests", j({"tenant_id": "{tenant}"})),
    ("adviser", "POST", "/api/v1/requests", j({**REQ, "kind": "magic"})),
    ("adviser", "POST", "/api/v1/requests", j({**REQ, "urgency": "U9"})),
    ("adviser", "POST", "/api/v1/requests", j({**REQ, "category": ""})),
    ("adviser", "POST", "/api/v1/requests", j({**REQ, "description": "a\u0000b"})),
    ("adviser", "POST", "/api/v1/requests", j({**REQ, "tenant_id": HUGE})),
    ("adviser", "POST", "/api/v1/requests", j({**REQ, "tenant_id": BIG})),
    ("adviser", "POST", "/api/v1/requests", j({**REQ, "owner_id": BIG})),
    ("adviser", "POST", "/api/v1/requests", j({**REQ, "external_ref": "REF-BLOISMARK"})),
    ("adviser", "POST", "/api/v1/requests", j({**REQ, "status": "done"})),
    ("adviser", "PUT", "/api/v1/requests/by-ref/X-1", NOT_JSON),
    ("adviser", "PUT", "/api/v1/requests/by-ref/X-1", j({**REQ, "status": "finie"})),
    ("adviser", "PUT", "/api/v1/requests/by-ref/X-1", j({**REQ, "status": "scheduled"})),
    ("adviser", "PUT", "/api/v1/requests/by-ref/X-1",
     j({**REQ, "status": "scheduled", "appointment_at": "mardi 14h"})),
    ("adviser", "PUT", "/api/v1/requests/by-ref/X-1",
     j({**REQ, "status": "scheduled", "appointment_at": "9999-12-31T10:00:00"})),
    ("adviser", "PUT", "/api/v1/requests/by-ref/" + "R" * 200, j(REQ)),
    ("adviser", "POST", "/api/v1/requests/{fu}/status", NOT_JSON),
    ("adviser", "POST", "/api/v1/requests/{fu}/status", j({"status": "perdue"})),
    ("adviser", "POST", "/api/v1/requests/{fu}/status", j({"status": None})),
    ("adviser", "POST", "/api/v1/requests/{fu}/status", j({"status": "scheduled"})),
    ("adviser", "POST", "/api/v1/requests/{fu}/status",
     j({"status": "scheduled", "appointment_at": "0001-01-01T00:00:00"})),
    ("adviser", "POST", "/api/v1/requests/{fu}/status", j({"status": "done", "note": "x" * 5000})),
    ("adviser", "POST", f"/api/v1/requests/{HUGE}/status", j({"status": "done"})),
    ("adviser", "POST", "/api/v1/requests/{fu}/owner", j({"owner_id": "moi"})),
    ("adviser", "POST", "/api/v1/requests/{fu}/owner", j({"owner_id": BIG})),
    ("admin", "PUT", "/api/v1/requests/sms-templates/registered", j({"body": "Bonjour {{ prenom }}"})),
    ("admin", "PUT", "/api/v1/requests/sms-templates/registered", j({"body": "{% for %}"})),
    ("admin", "PUT", "/api/v1/requests/sms-templates/registered", j({"body": ""})),
    ("admin", "PUT", "/api/v1/requests/sms-templates/registered", j({"body": "x" * 1000})),
    ("admin", "PUT", "/api/v1/requests/sms-templates/nulle-part", j({"body": "Bonjour"})),
    ("admin", "POST", "/api/v1/requests/sms-templates/preview", j({"body": "{{ reference.__class__ }}"})),
    ("admin", "POST", "/api/v1/requests/sms-templates/preview", NOT_JSON),
    ("manager", "GET", "/api/v1/kpi/requests?from=2026-13", {}),
    ("manager", "GET", "/api/v1/kpi/requests?from=2026-11&to=2026-01", {}),
    ("manager", "GET", "/api/v1/kpi/requests.csv?to=novembre", {}),
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
    ("admin", "POST", "/api/v1/campaigns",
     j({"name": "x", "category": "information", "body": "b", "audience": {"agencies": ["{agency}"]},
        "agency": 987654})),
    ("manager", "POST", "/api/v1/campaigns",
     j({"name": "x", "category": "information", "body": "b", "audience": {"tenant_ids": [False]}})),
    ("manager", "POST", "/api/v1/campaigns",
     j({"name": "x", "category": "information", "body": "b", "audience": {"tenant_ids": [2**31 - 1, BIG]}})),
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
    ("adviser", "POST", "/api/v1/inbox/{msg}/intent", NOT_JSON),
    ("adviser", "POST", "/api/v1/inbox/{msg}/intent", BAD_UTF8),
    ("adviser", "POST", "/api/v1/inbox/{msg}/intent", j({"intent": 5})),
    ("adviser", "POST", "/api/v1/inbox/{msg}/intent", j({"intent": "colere"})),
    ("adviser", "POST", "/api/v1/inbox/{msg}/intent", j({"intent": "x" * 5000})),
    ("adviser", "POST", "/api/v1/inbox/{msg}/intent", j({"intent": "a\u0000b"})),
    ("adviser", "POST", "/api/v1/inbox/{msg}/intent", j([])),
    ("adviser", "POST", f"/api/v1/inbox/{HUGE}/intent", j({"intent": "question"})),
    ("adviser", "POST", f"/api/v1/inbox/{BIG}/intent", j({"intent": "question"})),
    ("adviser", "POST", "/api/v1/inbox/{msg}/review", NOT_JSON),
    ("adviser", "POST", "/api/v1/inbox/{msg}/review", j({"decision": "peut-etre"})),
    ("adviser", "POST", "/api/v1/inbox/{msg}/review", j({"decision": None})),
    ("adviser", "POST", "/api/v1/inbox/{msg}/review", j({"decision": "accept"})),  # nothing to review
    ("adviser", "POST", f"/api/v1/inbox/{HUGE}/review", j({"decision": "accept"})),
    ("manager", "GET", "/api/v1/inbox/corrections.csv?agency=abc", {}),
    ("admin", "GET", f"/api/v1/inbox/corrections.csv?agency={HUGE}", {}),
    # imports
    ("admin", "POST", "/api/v1/imports/tenants",
     {"data": b"\x00\x01\x02binaire", "headers": {"Content-Type": "text/csv"}}),
    ("admin", "POST", "/api/v1/imports/tenants", {"data": b"", "headers": {"Content-Type": "text/csv"}}),
    ("admin", "POST", "/api/v1/imports/surveys",
     {"data": b"\x00\x01\x02binaire", "headers": {"Content-Type": "text/csv"}}),
    ("admin", "POST", "/api/v1/imports/surveys", {"data": b"", "headers": {"Content-Type": "text/csv"}}),
    ("admin", "POST", "/api/v1/imports/tenants", BAD_MULTIPART),
    # reply templates ({template}: Blois's)
    ("manager", "POST", "/api/v1/reply-templates", NOT_JSON),
    ("manager", "POST", "/api/v1/reply-templates", j(["Titre", "Texte"])),
    ("manager", "POST", "/api/v1/reply-templates", j({"title": "", "body": "Bonjour"})),
    ("manager", "POST", "/api/v1/reply-templates", j({"title": "   ", "body": "Bonjour"})),
    ("manager", "POST", "/api/v1/reply-templates", j({"title": "T", "body": "x" * 1601})),
    ("manager", "POST", "/api/v1/reply-templates", j({"title": "T" * 81, "body": "Bonjour"})),
    ("manager", "POST", "/api/v1/reply-templates", j({"title": 5, "body": ["Bonjour"]})),
    ("manager", "POST", "/api/v1/reply-templates", j({"title": "T", "body": "a\u0000b"})),
    ("manager", "POST", "/api/v1/reply-templates", j({"title": "T", "body": "B", "couleur": "bleu"})),
    ("manager", "POST", "/api/v1/reply-templates", j({"title": "T", "body": "B", "agency_id": HUGE})),
    ("manager", "POST", "/api/v1/reply-templates", j({"title": "T", "body": "B", "agency_id": "{agency}x"})),
    ("admin", "POST", "/api/v1/reply-templates", j({"title": "T", "body": "B"})),
    ("admin", "POST", "/api/v1/reply-templates", j({"title": "T", "body": "B", "agency_id": 987654})),
    ("admin", "POST", "/api/v1/reply-templates", j({"title": "T", "body": "B", "agency_id": 0})),
    ("adviser", "GET", "/api/v1/reply-templates?page=0", {}),
    ("adviser", "GET", "/api/v1/reply-templates?agency=abc", {}),
    ("admin", "GET", f"/api/v1/reply-templates?agency={HUGE}", {}),
    ("adviser", "GET", f"/api/v1/reply-templates/{HUGE}", {}),
    ("adviser", "GET", f"/api/v1/reply-templates/{BIG}", {}),
    ("manager", "PATCH", "/api/v1/reply-templates/{template}", NOT_JSON),
    ("manager", "PATCH", "/api/v1/reply-templates/{template}", j({"title": ""})),
    ("manager", "PATCH", "/api/v1/reply-templates/{template}", j({"body": "x" * 1601})),
    ("manager", "PATCH", "/api/v1/reply-templates/{template}", j({"agency_id": "{agency}"})),
    ("manager", "PATCH", f"/api/v1/reply-templates/{HUGE}", j({"title": "T"})),
    ("manager", "DELETE", f"/api/v1/reply-templates/{BIG}", {}),
    ("manager", "DELETE", "/api/v1/reply-templates/987654", {}),
    ("admin", "POST", "/api/v1/imports/tenants?background=peut-etre",
     {"data": b"n contrat;nom\n", "headers": {"Content-Type": "text/csv"}}),
    ("admin", "POST", "/api/v1/imports/tenants?background=1",
     {"data": b"\x00\x01\x02binaire", "headers": {"Content-Type": "text/csv"}}),
    ("admin", "POST", "/api/v1/imports/tenants?background=1",
     {"data": b"nom;prenom\nDurand;Claire\n", "headers": {"Content-Type": "text/csv"}}),
    ("admin", "GET", "/api/v1/imports/jobs/abc", {}),
    ("admin", "GET", f"/api/v1/imports/jobs/{BIG}", {}),
    ("admin", "GET", f"/api/v1/imports/jobs/{HUGE}", {}),
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
    # incidents
    ("manager", "POST", "/api/v1/incidents", NOT_JSON),
    ("manager", "POST", "/api/v1/incidents", j({"kind": "volcan", "scope": {"residences": ["{residence}"]},
                                                "starts_at": "2026-11-16T08:00:00+01:00"})),
    ("manager", "POST", "/api/v1/incidents", j({"kind": "lift", "scope": {},
                                                "starts_at": "2026-11-16T08:00:00+01:00"})),
    ("manager", "POST", "/api/v1/incidents", j({"kind": "lift", "scope": {"residences": ["{residence}"]},
                                                "starts_at": "2026-11-16T08:00:00"})),
    ("manager", "POST", "/api/v1/incidents", j({"kind": "lift", "scope": {"residences": ["{residence}"]},
                                                "starts_at": "9999-12-31T08:00:00+00:00", "planned": True})),
    ("manager", "POST", "/api/v1/incidents", j({"kind": "lift", "scope": {"residences": [HUGE]},
                                                "starts_at": "2026-11-16T08:00:00+01:00"})),
    ("admin", "POST", "/api/v1/incidents", j({"kind": "lift", "scope": {"residences": [987654]},
                                              "starts_at": "2026-11-16T08:00:00+01:00"})),
    ("manager", "POST", "/api/v1/incidents", j({"kind": "lift", "scope": {"planets": [1]},
                                                "starts_at": "2026-11-16T08:00:00+01:00"})),
    ("manager", "POST", "/api/v1/incidents", j({"kind": "lift", "scope": {"residences": ["{residence}"]},
                                                "starts_at": "2026-11-16T08:00:00+01:00",
                                                "expected_end_at": "2026-11-15T08:00:00+01:00"})),
    ("manager", "POST", "/api/v1/incidents", j({"kind": "lift", "scope": {"residences": ["{residence}"]},
                                                "starts_at": "2026-11-16T08:00:00+01:00",
                                                "referent": {"name": "X", "phone": "pas un numéro"}})),
    ("manager", "POST", "/api/v1/incidents", j({"kind": "lift", "scope": {"residences": ["{residence}"]},
                                                "starts_at": "2026-11-16T08:00:00+01:00", "title": "a\u0000b"})),
    ("adviser", "GET", "/api/v1/incidents?status=perdu", {}),
    ("adviser", "GET", "/api/v1/incidents?kind=volcan", {}),
    ("admin", "GET", f"/api/v1/incidents?agency={HUGE}", {}),
    ("adviser", "GET", f"/api/v1/incidents/{HUGE}", {}),
    ("manager", "POST", "/api/v1/incidents/{incident}/notify", j({"preset": "inconnu"})),
    ("manager", "POST", "/api/v1/incidents/{incident}/notify", j({"send_at": "demain"})),
    ("manager", "POST", "/api/v1/incidents/{incident}/notify", j({"body": "Bonjour {{ pointure }}"})),
    ("manager", "POST", "/api/v1/incidents/{incident}/notify", j({"reminder_day_before": True})),
    ("manager", "POST", "/api/v1/incidents/{incident}/updates", j({"message": ""})),
    ("manager", "POST", "/api/v1/incidents/{incident}/updates",
     j({"message": "x", "expected_end_at": "2000-01-01T00:00:00+00:00"})),
    ("manager", "POST", "/api/v1/incidents/{incident}/resolve", j({"resolved_at": "2020-01-01T00:00:00+00:00"})),
    ("manager", "POST", "/api/v1/incidents/{incident}/resolve", j({"resolved_at": "2030-01-01T00:00:00+00:00"})),
    ("manager", "POST", f"/api/v1/incidents/{BIG}/resolve", j({})),
    ("adviser", "POST", "/api/v1/incidents/{incident}/reports", j({"channel": "pigeon"})),
    ("adviser", "POST", "/api/v1/incidents/{incident}/reports", j({"channel": "phone", "tenant_id": HUGE})),
    ("adviser", "POST", "/api/v1/incidents/{incident}/reports", j({"channel": "phone", "tenant_id": 987654})),
    ("adviser", "GET", "/api/v1/commitments?status=perdu", {}),
    ("manager", "POST", f"/api/v1/commitments/{HUGE}/done", j({})),
    ("manager", "POST", "/api/v1/commitments/{commitment}/done", j({"note": "x" * 5000})),
    ("manager", "GET", "/api/v1/commitments/rent-rebates.csv?month=2026-13", {}),
    ("manager", "GET", "/api/v1/commitments/rent-rebates.csv", {}),
    ("manager", "GET", "/api/v1/kpi/incidents?from=2026-02-30", {}),
    ("manager", "GET", "/api/v1/kpi/incidents?from=2026-11-01&to=2026-10-01", {}),
    # webhooks
    ("anon", "POST", "/webhooks/twilio/sms", j({"Body": "STOP"})),
    ("anon", "POST", "/webhooks/twilio/sms",
     {"data": "MessageSid=x&From=%2B33600000000&Body=hello",
      "headers": {"Content-Type": "application/x-www-form-urlencoded"}}),
    ("anon", "POST", "/webhooks/twilio/status", BAD_MULTIPART),
    ("anon", "POST", "/webhooks/twilio/sms", BAD_MULTIPART),
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
           "msg": blois.inbound, "tenant": blois.tenant, "agency": blois.agency,
           "residence": blois.residence, "incident": blois.incident, "commitment": blois.commitment,
           "template": blois.reply_template}
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


# Pages answer bad input with a French page (or a redirect carrying the message), never a 500.
PAGE_CASES: list[tuple[str, str, str, dict[str, str] | None]] = [
    ("adviser", "GET", "/appels?date=9999-12-31", None),
    ("adviser", "GET", "/appels?date=0001-01-01", None),
    ("adviser", "GET", "/appels?date=hier", None),
    ("adviser", "GET", "/appels?agency=abc", None),
    ("adviser", "GET", f"/appels/{HUGE}", None),
    ("adviser", "GET", "/locataires?page=abc", None),
    ("adviser", "GET", f"/locataires?residence={HUGE}", None),
    ("adviser", "GET", "/locataires?q=%00", None),
    ("adviser", "GET", f"/locataires/{HUGE}", None),
    ("adviser", "GET", "/messages?status=lu", None),
    ("adviser", "GET", "/messages?per_page=0", None),
    ("adviser", "GET", f"/messages/{HUGE}", None),
    ("adviser", "GET", "/sms-simulation?page=x", None),
    ("manager", "GET", "/indicateurs?from=0001-01-01&to=9999-12-31", None),
    ("manager", "GET", "/indicateurs.csv?from=2026-02-30", None),
    ("manager", "GET", "/enquetes?year=abc", None),
    ("manager", "GET", f"/enquetes/rapport?agency={HUGE}", None),
    ("manager", "GET", "/campagnes?page=0", None),
    ("manager", "GET", f"/campagnes/{HUGE}", None),
    ("adviser", "POST", "/appels/{task}/issue", {"outcome": "dance"}),
    ("adviser", "POST", "/appels/{task}/issue", {"outcome": "callback_requested",
                                                 "callback_at": "demain"}),
    ("adviser", "POST", "/appels/{task}/issue", {"outcome": "callback_requested",
                                                 "callback_at": "9999-12-31T10:00"}),
    ("adviser", "POST", "/appels/{task}/entretien", {"answer_cleanliness": "9", "summary": "a\u0000b"}),
    ("adviser", "POST", "/demandes/{fu}/etape", {"status": "perdu"}),
    ("adviser", "POST", "/demandes/{fu}/etape", {"status": "scheduled", "appointment_at": "demain"}),
    ("adviser", "POST", "/demandes/{fu}/etape", {"status": "registered"}),
    ("adviser", "POST", "/demandes/{fu}/responsable", {"owner_id": "personne"}),
    ("adviser", "POST", "/demandes/nouvelle", {"tenant_id": "abc", "kind": "technical", "category": "x"}),
    ("adviser", "POST", "/demandes/nouvelle", {"tenant_id": "{tenant}", "kind": "magic", "category": "x"}),
    ("adviser", "GET", "/demandes?status=perdu&kind=magic&sort=x&page=0", None),
    ("adviser", "GET", f"/demandes/{HUGE}", None),
    ("adviser", "GET", f"/demandes/nouvelle?tenant={HUGE}&message_id=abc", None),
    ("manager", "GET", "/demandes/indicateurs?from=2026-13", None),
    ("admin", "POST", "/demandes/sms", {"step": "registered", "body": "{{ prenom }}"}),
    ("admin", "POST", "/demandes/sms", {"step": "nulle-part", "body": "Bonjour"}),
    ("adviser", "POST", "/appels/{task}/annuler-essai", {"attempt": "abc"}),
    ("adviser", "POST", "/appels/{task}/annuler-essai", {"attempt": str(HUGE)}),
    ("adviser", "POST", "/messages/{msg}/reply", {"body": ""}),
    ("adviser", "POST", "/messages/{msg}/reply", {"body": "x" * 2000}),
    ("adviser", "POST", "/messages/{msg}/intent", {"intent": "colere"}),
    ("adviser", "POST", "/messages/{msg}/intent", {}),
    ("adviser", "POST", "/messages/{msg}/review", {"decision": "peut-etre"}),
    ("adviser", "POST", "/messages/{msg}/review", {"decision": "accept"}),
    ("adviser", "POST", f"/messages/{HUGE}/review", {"decision": "accept"}),
    ("manager", "GET", "/messages/corrections.csv?agency=abc", None),
    ("adviser", "POST", "/locataires/{tenant}/sms", {"body": ""}),
    ("adviser", "POST", "/sms-simulation/reponse", {"from": "pas un numéro", "body": "Merci"}),
    ("adviser", "POST", "/sms-simulation/reponse", {"from": "+33611111111", "body": ""}),
    ("adviser", "POST", "/sms-simulation/reponse", {"from": "+33611111111", "body": "a\u0000b"}),
    ("manager", "GET", "/campagnes/nouvelle?suite=abc", None),
    ("manager", "GET", "/ce-matin?agency=abc", None),
    ("adviser", "GET", "/messages?ouvert=abc", None),
    ("manager", "POST", "/messages/modeles", {"title": "", "body": "x"}),
    ("manager", "POST", "/messages/modeles", {"title": "a\u0000b", "body": "x" * 2000}),
    ("manager", "POST", f"/messages/modeles/{HUGE}/supprimer", None),
    ("manager", "POST", f"/messages/modeles/{HUGE}/modifier", {"title": "T", "body": "B"}),
    ("adviser", "GET", f"/messages?ouvert={HUGE}", None),
    ("adviser", "GET", "/messages?q=%00", None),
    ("adviser", "GET", "/messages.csv?status=lu", None),
    ("adviser", "POST", "/messages/{msg}/attribuer", {"assigned_to": "abc"}),
    ("adviser", "POST", "/messages/{msg}/attribuer", {"assigned_to": str(HUGE)}),
    ("adviser", "POST", "/messages/{msg}/rappel", {"callback_at": "demain"}),
    ("adviser", "POST", "/messages/{msg}/rappel", {"callback_at": "9999-12-31T10:00"}),
    ("manager", "GET", f"/ce-matin?agency={HUGE}", None),
    ("manager", "GET", f"/campagnes/nouvelle?suite={HUGE}", None),
    ("manager", "GET", "/incidents?status=perdu", None),
    ("manager", "GET", f"/incidents/{HUGE}", None),
    ("manager", "GET", "/indicateurs/incidents?from=0001-01-01&to=9999-12-31", None),
    ("manager", "GET", "/engagements?status=perdu", None),
    ("manager", "POST", "/incidents/nouveau", {"kind": "volcan", "starts_at": "demain"}),
    ("manager", "POST", "/incidents/nouveau", {"kind": "lift", "buildings": "abc", "starts_at": "9999-12-31T10:00"}),
    ("manager", "POST", "/incidents/{incident}/point", {"message": ""}),
    ("manager", "POST", "/incidents/{incident}/resoudre", {"resolved_at": "hier"}),
    ("manager", "POST", "/incidents/{incident}/prevenir", {"body": "Bonjour {{ pointure }}"}),
    ("adviser", "POST", "/incidents/{incident}/contact", {"channel": "pigeon"}),
    ("adviser", "POST", "/incidents/{incident}/foyers/{household}/aide", {"day": "hier", "slot": "morning"}),
    ("adviser", "POST", "/incidents/{incident}/foyers/{household}/besoins", {"needs": "x", "slots": "nuit"}),
    ("manager", "POST", "/engagements/{commitment}/fait", {"note": "x" * 2000}),
]


@pytest.mark.parametrize(("role", "method", "path", "form"), PAGE_CASES,
                         ids=[f"{c[1]} {c[2]} {c[3] or ''}"[:80] for c in PAGE_CASES])
async def test_pages_answer_bad_input_without_a_500(client, db, role, method, path, form):
    from tests.support.factories import make_user, page_login

    blois, _ = await two_agencies(db)
    ids = {"task": blois.task, "fu": blois.follow_up, "msg": blois.inbound, "tenant": blois.tenant,
           "incident": blois.incident, "commitment": blois.commitment, "household": blois.household}
    csrf = await page_login(client, await make_user(db, role, "Blois"))
    before = await snapshot(db)
    if method == "POST":
        resp = await client.post(_fill(path, ids), data={"csrf_token": csrf, **(form or {})},
                                 allow_redirects=False)
    else:
        resp = await client.get(path, allow_redirects=False)
    text = await resp.text()
    assert resp.status < 500, text[:300]
    assert "Traceback" not in text
    if resp.status >= 400:
        assert resp.content_type == "text/html"
    if method == "POST" and "entretien" not in path:
        assert await snapshot(db) == before


@pytest.mark.parametrize("path", ["/login", "/logout", "/locataires/{tenant}/sms"])
async def test_a_malformed_multipart_form_is_a_400_page_not_a_500(client, db, path):
    from tests.support.factories import make_user, page_login

    blois, _ = await two_agencies(db)
    await page_login(client, await make_user(db, "adviser", "Blois"))
    resp = await client.post(_fill(path, {"tenant": blois.tenant}), allow_redirects=False, **BAD_MULTIPART)
    assert resp.status == 400, (await resp.text())[:300]
    assert "Traceback" not in await resp.text()


async def test_the_login_form_refuses_a_nul_character_without_touching_the_database(client, db):
    page = await (await client.get("/login")).text()
    import re

    token = re.search(r'name="login_csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    before = await snapshot(db)
    resp = await client.post("/login", data={"email": "a\u0000@b.fr", "password": "x",
                                             "login_csrf": token}, allow_redirects=False)
    assert resp.status == 400
    assert resp.content_type == "text/html"
    assert await snapshot(db) == before
