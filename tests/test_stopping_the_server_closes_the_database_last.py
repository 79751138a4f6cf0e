"""Stopping the server stops what still writes (a running import marks itself failed) before
the database closes: no connection is opened on a closed database and left to the garbage
collector (on PostgreSQL an open socket the server keeps until the process ends)."""

import asyncio

from bench.import_tenants import generate
from crm.keys import DB
from crm.tenants.import_jobs import IMPORT_RUNNER, INTERRUPTED, ImportRunner
from tests.support.factories import make_user
from tests.support.imports import import_job


async def test_a_running_import_ends_before_the_database_closes(aiohttp_client, app, db, tmp_path, monkeypatch):
    client = await aiohttp_client(app)
    path = tmp_path / "export.csv"
    generate(path, 5000)
    admin = await make_user(db, "admin", None)
    first_batch = asyncio.Event()
    original = ImportRunner._set

    async def progress_seen(self, job_id, **values):  # type: ignore[no-untyped-def]
        await original(self, job_id, **values)
        first_batch.set()

    monkeypatch.setattr(ImportRunner, "_set", progress_seen)
    with path.open("rb") as upload:
        job = await app[IMPORT_RUNNER].submit(upload, filename="export.csv", user_id=admin.id,
                                              agency_id=None)
    await first_batch.wait()

    await client.close()  # the app's shutdown

    assert not app[IMPORT_RUNNER].tasks
    pool = app[DB].engine.pool
    # Every connection the import used went back and was closed with the pool: none left
    # open after the shutdown (the job's last write came before the database closed).
    assert (pool.checkedout(), pool.checkedin()) == (0, 0)  # type: ignore[attr-defined]
    stored = await import_job(db, job.id)
    assert stored.status == "failed" and stored.error == INTERRUPTED
