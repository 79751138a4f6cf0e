"""A request's steps go forward only (steps may be skipped); ``done → in_progress`` is the
one way back (reopened); cancelling is allowed from any open step only."""

import pytest

from crm.requests import steps
from tests.support.requests import move, open_request, stored, tenant_and_adviser


async def test_steps_move_forward_and_every_step_is_kept_with_who_and_when(client, db, clock):
    tenant, headers = await tenant_and_adviser(client, db)
    created = await open_request(client, headers, tenant)
    assert created["status"] == "registered"
    clock.advance(minutes=30)
    await move(client, headers, created["id"], "taken_on", note="Plombier prévenu")
    clock.advance(minutes=30)
    body = await move(client, headers, created["id"], "done")
    assert [s["status"] for s in body["steps"]] == ["registered", "taken_on", "done"]
    assert body["steps"][1]["note"] == "Plombier prévenu"
    assert body["steps"][1]["user_id"] is not None
    assert body["steps"][2]["at"] > body["steps"][1]["at"] > body["steps"][0]["at"]
    assert (await stored(db, created["id"])).done_at is not None


async def test_going_back_is_a_409_and_changes_nothing(client, db):
    tenant, headers = await tenant_and_adviser(client, db)
    created = await open_request(client, headers, tenant)
    await move(client, headers, created["id"], "in_progress")
    body = await move(client, headers, created["id"], "taken_on", expect=409)
    assert body["error"]["code"] == "step_not_allowed"
    await move(client, headers, created["id"], "in_progress", expect=409)
    assert (await stored(db, created["id"])).status == "in_progress"


async def test_done_reopens_to_in_progress_but_closed_and_cancelled_are_final(client, db):
    tenant, headers = await tenant_and_adviser(client, db)
    created = await open_request(client, headers, tenant)
    await move(client, headers, created["id"], "done")
    reopened = await move(client, headers, created["id"], "in_progress", note="Fuite revenue")
    assert reopened["status"] == "in_progress"
    await move(client, headers, created["id"], "done")
    await move(client, headers, created["id"], "closed")
    await move(client, headers, created["id"], "in_progress", expect=409)
    await move(client, headers, created["id"], "cancelled", expect=409)


async def test_scheduling_needs_an_appointment(client, db):
    tenant, headers = await tenant_and_adviser(client, db)
    created = await open_request(client, headers, tenant)
    body = await move(client, headers, created["id"], "scheduled", expect=422)
    assert body["error"]["code"] == "appointment_required"


@pytest.mark.parametrize(("current", "new", "allowed"), [
    ("registered", "taken_on", True), ("registered", "done", True), ("scheduled", "registered", False),
    ("done", "in_progress", True), ("done", "scheduled", False), ("closed", "done", False),
    ("in_progress", "cancelled", True), ("done", "cancelled", False), ("cancelled", "registered", False),
])
def test_the_transition_table(current, new, allowed):
    assert steps.is_allowed(current, new) is allowed
