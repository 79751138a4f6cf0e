"""PostgreSQL: the tables an import wrote are analysed by two connections side by side (the
leases are half of the work, and the import waits for nothing else meanwhile), and every
table named is analysed."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from crm.tenants.imports.writer import IMPORTED_TABLES


async def _last_analyze(db, tables) -> dict[str, object]:
    async with db.engine.connect() as conn:
        # A transaction of its own: the statistics views are a snapshot per transaction.
        rows = await conn.execute(text(
            "SELECT relname, last_analyze FROM pg_stat_user_tables WHERE relname = ANY(:t)"), {"t": list(tables)})
        return {r[0]: r[1] for r in rows}


async def _analysed_since(db, before: dict[str, object]) -> set[str]:
    """The tables analysed since ``before`` (the database is the worker's, shared by its tests)."""
    now = await _last_analyze(db, before)
    return {t for t, at in now.items() if at is not None and (before.get(t) is None or at > before[t])}


async def test_every_table_an_import_writes_is_analysed(db):
    if not db.is_postgres:
        pytest.skip("SQLite analyses its tables one after the other on its one writer")
    before = await _last_analyze(db, IMPORTED_TABLES)
    assert set(before) == set(IMPORTED_TABLES)

    await db.refresh_statistics(IMPORTED_TABLES)

    assert await _analysed_since(db, before) == set(IMPORTED_TABLES)


async def test_a_table_whose_analyse_waits_does_not_hold_back_the_others(db):
    if not db.is_postgres:
        pytest.skip("SQLite analyses its tables one after the other on its one writer")
    before = await _last_analyze(db, ["tenant", "lease", "phone"])
    async with db.engine.connect() as blocker:
        await blocker.execute(text("LOCK TABLE tenant IN SHARE UPDATE EXCLUSIVE MODE"))  # what ANALYZE takes
        refresh = asyncio.create_task(db.refresh_statistics(["tenant", "lease", "phone"]))

        async def others_done() -> None:
            while await _analysed_since(db, before) != {"lease", "phone"}:
                assert not refresh.done()
                await asyncio.sleep(0.01)  # polling another backend's progress, not timing it

        # One after the other, lease and phone would wait behind tenant's lock.
        await asyncio.wait_for(others_done(), timeout=30)
        assert "tenant" not in await _analysed_since(db, before)
        await blocker.rollback()
    await asyncio.wait_for(refresh, timeout=30)
    assert await _analysed_since(db, before) == {"tenant", "lease", "phone"}
