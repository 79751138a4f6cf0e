"""Schemathesis against /api/openapi.json: every operation, valid and invalid input, as an
admin — no answer is a 5xx. A fixed seed (derandomized Hypothesis) and a small budget keep
the run repeatable and short, on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.support.factories import api_user
from tests.support.security import two_agencies

EXAMPLES = 6  # per operation and generation mode
SKIPPED = {("POST", "/api/v1/auth/logout")}  # would revoke the token the run uses


def _fuzz(doc: dict[str, Any], base_url: str, headers: dict[str, str]) -> tuple[int, list[str]]:
    schema = schemathesis.openapi.from_dict(doc)
    session = requests.Session()
    calls = 0
    errors: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                      phases=[Phase.explicit, Phase.generate],
                      suppress_health_check=list(HealthCheck))
            def check(case: Any) -> None:
                nonlocal calls
                response = case.call(base_url=base_url, session=session, headers=headers, timeout=30)
                calls += 1
                if response.status_code >= 500:
                    errors.append(f"{response.status_code} {case.method} {case.formatted_path} "
                                  f"query={case.query} body={str(case.body)[:200]}: {response.text[:200]}")

            try:
                check()
            except Unsatisfiable:
                pass  # nothing to make invalid in this operation (no parameters, no body)
    session.close()
    return calls, errors


async def test_no_generated_request_gets_a_server_error(aiohttp_client, app, db):
    await two_agencies(db)
    client = await aiohttp_client(app)
    headers = await api_user(client, db, "admin", None)
    base_url = str(client.make_url("")).rstrip("/")
    doc = await (await client.get("/api/openapi.json")).json()
    started = time.monotonic()
    calls, errors = await asyncio.to_thread(_fuzz, doc, base_url, headers)
    print(f"schemathesis: {calls} requests, {len(errors)} server errors")
    assert calls > 100, calls
    assert errors == [], "\n".join(errors[:20])
    assert time.monotonic() - started < 600  # a budget, not a benchmark: catches a runaway
