"""PostgreSQL: a batch of many new leases is written by two connections side by side, each
transaction holding whole households: a household, its leases, its phones and its leases'
call tasks are committed together."""

from __future__ import annotations

from collections import defaultdict

import pytest
from sqlalchemy import text

from crm.tenants.imports import import_tenants
from crm.tenants.imports.writer import SPLIT_AT
from tests.support.imports import write_csv

HEADER = ["N° contrat", "N° locataire", "Nom", "Tél. portable", "Date d'entrée", "Agence", "Groupe"]


def _rows(households: int) -> list[list[str]]:
    rows = []
    for h in range(households):
        for lease in range(1 + h % 3):  # households of one, two and three leases
            rows.append([f"C-{h}-{lease}", f"L-{h}", f"Nom{h}", f"06 12 {h // 100:02d} {h % 100:02d} {lease}0",
                         "25/11/2026", "Blois", f"Résidence {h % 4}"])
    return rows


async def test_a_large_batch_is_two_transactions_of_whole_households(db, clock, tmp_path):
    if not db.is_postgres:
        pytest.skip("SQLite has one writer")
    rows = _rows(300)
    assert len(rows) > 2 * SPLIT_AT
    path = write_csv(tmp_path, rows, header=HEADER)

    report = await import_tenants(db, path, clock=clock, batch_size=len(rows))

    assert report.created == len(rows) and not report.rejected
    async with db.session() as s:
        conn = await s.connection()
        # xmin: the transaction that wrote the row.
        households = (await conn.execute(text(
            "SELECT t.id, t.xmin::text, l.xmin::text, l.id FROM tenant t JOIN lease l ON l.tenant_id = t.id"))).all()
        phones = (await conn.execute(text("SELECT tenant_id, xmin::text FROM phone"))).all()
        tasks = dict((await conn.execute(text("SELECT lease_id, xmin::text FROM call_task"))).all())
    written_by: dict[int, set[str]] = defaultdict(set)
    for tenant_id, tenant_xmin, lease_xmin, lease_id in households:
        written_by[tenant_id] |= {tenant_xmin, lease_xmin, tasks[lease_id]}
    for tenant_id, phone_xmin in phones:
        written_by[tenant_id].add(phone_xmin)
    assert len(tasks) == len(rows)  # every new lease has its courtesy call
    assert all(len(xmins) == 1 for xmins in written_by.values())  # a household in one transaction
    transactions = {xmin for xmins in written_by.values() for xmin in xmins}
    assert len(transactions) == 2
