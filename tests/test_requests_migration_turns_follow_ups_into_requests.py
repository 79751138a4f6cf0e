"""The revision that brings requests moves every courtesy-call follow-up into a request
(same tenant, agency, kind, category, description, interview; steps rebuilt from its status;
U3 due time on the working-day calendar) and drops the follow-up table; going back down
gives the follow-ups back. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text

from crm.db import make_engine
from crm.migrate import alembic_config, upgrade_async
from tests.test_migrations_build_exactly_the_schema_of_the_models import empty_database_url  # noqa: F401 (fixture)

REVISION = "dd4bb036d0e6"
OPENED = datetime(2026, 11, 6, 8, 0, tzinfo=UTC)  # Friday 09:00 in Paris; 11 November is off
CHANGED = datetime(2026, 11, 9, 15, 0, tzinfo=UTC)


async def _sql(url: str, *statements: str, params: dict | None = None) -> list:
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            result = None
            for statement in statements:
                result = await conn.execute(text(statement), params or {})
            return list(result.all()) if result is not None and result.returns_rows else []
    finally:
        await engine.dispose()


def _stamp(url: str, value: datetime) -> object:
    return value.replace(tzinfo=None) if url.startswith("sqlite") else value


async def test_follow_ups_become_requests_with_their_steps(empty_database_url):  # noqa: F811
    url = empty_database_url
    before = ScriptDirectory.from_config(alembic_config(url)).get_revision(REVISION).down_revision
    await upgrade_async(url, before)
    opened, changed = _stamp(url, OPENED), _stamp(url, CHANGED)
    await _sql(url,
               "INSERT INTO agency (id, name, department) VALUES (1, 'Blois', '41')",
               "INSERT INTO tenant (id, last_name, reduced_mobility, created_at, updated_at) "
               "VALUES (7, 'Martin', false, :o, :o)",
               "INSERT INTO follow_up (tenant_id, agency_id, kind, category, description, status, "
               "created_at, updated_at) VALUES (7, 1, 'technical', 'Plomberie', 'Fuite évier', "
               "'open', :o, :o)",
               "INSERT INTO follow_up (tenant_id, agency_id, kind, category, description, status, "
               "created_at, updated_at) VALUES (7, 1, 'administrative', 'Loyer / APL', 'APL', "
               "'done', :o, :c)", params={"o": opened, "c": changed})
    await upgrade_async(url, REVISION)
    rows = await _sql(url, "SELECT kind, category, description, status, urgency, source, due_at, "
                           "done_at FROM tenant_request ORDER BY id")
    assert [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows] == [
        ("technical", "Plomberie", "Fuite évier", "registered", "U3", "call"),
        ("administrative", "Loyer / APL", "APL", "done", "U3", "call")]
    due = rows[0][6] if isinstance(rows[0][6], datetime) else datetime.fromisoformat(str(rows[0][6]))
    # Friday 6 → Mon 9, Tue 10, Thu 12, Fri 13, Mon 16 (11 November skipped), 09:00 Paris.
    assert due.replace(tzinfo=UTC) == datetime(2026, 11, 16, 8, 0, tzinfo=UTC)
    assert rows[0][7] is None and rows[1][7] is not None
    steps = await _sql(url, "SELECT request_id, status FROM request_step ORDER BY request_id, id")
    assert [s[1] for s in steps] == ["registered", "registered", "done"]
    tables = await _sql(url, "SELECT count(*) FROM request_message")
    assert tables == [(0,)]  # no SMS for steps already passed
    await upgrade_async(url, "head")

    await asyncio.to_thread(command.downgrade, alembic_config(url), before)
    back = await _sql(url, "SELECT category, status FROM follow_up ORDER BY id")
    assert back == [("Plomberie", "open"), ("Loyer / APL", "done")]
