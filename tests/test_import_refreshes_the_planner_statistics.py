"""After a tenant import the query planner knows the tables' new sizes (ANALYZE): without
statistics SQLite scans every lease for each chunk of a campaign launch."""

from sqlalchemy import text

from crm.tenants.imports import import_tenants
from tests.support.imports import SAMPLE


async def _lease_statistics(db):
    """SQLite: the lease's rows in sqlite_stat1; PostgreSQL: when lease was last analysed."""
    async with db.session() as s:
        if db.is_sqlite:
            if not await s.scalar(text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")):
                return 0
            return await s.scalar(text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'lease'"))
        return await s.scalar(text("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'lease'"))


async def test_a_tenant_import_leaves_fresh_statistics_for_the_lease_table(db, clock):
    before = await _lease_statistics(db)

    await import_tenants(db, SAMPLE, clock=clock)

    after = await _lease_statistics(db)
    assert after and after != before


async def test_importing_the_same_file_again_leaves_the_statistics_alone(db, clock, monkeypatch):
    await import_tenants(db, SAMPLE, clock=clock)
    refreshed: list[object] = []

    async def recording(tables=None):
        refreshed.append(tables)

    monkeypatch.setattr(db, "refresh_statistics", recording)
    report = await import_tenants(db, SAMPLE, clock=clock)

    assert not (report.created or report.updated or report.ended)
    assert refreshed == []
