"""The tenant import reads the optional ``monthly_rent`` column ("loyer", "loyer mensuel"), in
euros written "412,50" or "412.50", for rent rebates; an unreadable rent is a warning and
leaves what is on record; re-importing the same file changes nothing."""

from __future__ import annotations

from tests.support.factories import api_user
from tests.support.imports import FRENCH_HEADER, csv_bytes, row
from tests.support.incidents import leases

HEADER = [*FRENCH_HEADER, "Loyer mensuel"]


async def _import(client, headers, rows):
    resp = await client.post("/api/v1/imports/tenants", data=csv_bytes(rows, HEADER),
                             headers={**headers, "Content-Type": "text/csv"})
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def test_rents_are_read_in_cents_whatever_the_decimal_mark(client, db):
    admin = await api_user(client, db, role="admin", agency=None)
    report = await _import(client, admin, [
        [*row("C-1"), "412,50"], [*row("C-2", mobile="06 12 34 56 79"), "1 034.2 €"],
        [*row("C-3", mobile="06 12 34 56 80"), ""]])
    assert report["created"] == 3 and report["warnings"] == []
    assert {lease.contract_ref: lease.monthly_rent_cents for lease in await leases(db)} == {
        "C-1": 41250, "C-2": 103420, "C-3": None}
    again = await _import(client, admin, [
        [*row("C-1"), "412.50"], [*row("C-2", mobile="06 12 34 56 79"), "1034,20"],
        [*row("C-3", mobile="06 12 34 56 80"), ""]])
    assert (again["unchanged"], again["updated"]) == (3, 0)


async def test_an_unreadable_rent_is_a_warning_and_keeps_the_known_one(client, db):
    admin = await api_user(client, db, role="admin", agency=None)
    await _import(client, admin, [[*row("C-1"), "412,50"]])
    report = await _import(client, admin, [[*row("C-1"), "quatre cents"]])
    assert report["unchanged"] == 1
    assert report["warnings"] == [{"line": 2, "reason": "Loyer « quatre cents » illisible (attendu 412,50) : ignoré."}]
    [lease] = await leases(db)
    assert lease.monthly_rent_cents == 41250
    updated = await _import(client, admin, [[*row("C-1"), "430"]])
    assert updated["updated"] == 1
    [lease] = await leases(db)
    assert lease.monthly_rent_cents == 43000
