"""A background import never stays "en cours" forever: a job left running by a process that
died is marked failed with a French message saying what to do (the committed batches stay;
sending the same file again completes the import); a job still queued with its file is run
by the periodic job; stopping the server ends a running import the same way."""

import asyncio

from sqlalchemy import func, select

from bench.import_tenants import generate
from crm.tenants.import_jobs import (
    IMPORT_RUNNER,
    INTERRUPTED,
    JOBS,
    STALE_AFTER,
    ImportRunner,
    recover_import_jobs,
)
from crm.tenants.models import ImportJob, ImportJobFile
from tests.support.factories import make_user
from tests.support.imports import SAMPLE, finish_import_jobs, import_job, table_counts


async def _stored_job(db, clock, user_id: int, *, status: str, content: bytes | None) -> int:
    """A job as a process that died left it (written directly: no task runs it)."""
    now = clock.now()
    async with db.session() as s:
        job = ImportJob(status=status, filename="locataires.csv", user_id=user_id,
                        bytes_total=len(content or b""), created_at=now, updated_at=now,
                        started_at=now if status == "running" else None)
        s.add(job)
        await s.flush()
        if content is not None:
            s.add(ImportJobFile(job_id=job.id, content=content))
        await s.commit()
        return job.id


async def test_a_running_job_without_progress_is_marked_failed_with_a_french_message(app, db, clock):
    admin = await make_user(db, "admin", None)
    job_id = await _stored_job(db, clock, admin.id, status="running", content=SAMPLE.read_bytes())

    clock.advance(seconds=STALE_AFTER.total_seconds() - 1)
    assert await recover_import_jobs(app) == 0  # still within the time a batch may take
    assert (await import_job(db, job_id)).status == "running"
    clock.advance(seconds=2)
    assert await recover_import_jobs(app) == 1

    job = await import_job(db, job_id)
    assert job.status == "failed" and job.error == INTERRUPTED
    assert "envoyez de nouveau le même fichier" in job.error
    assert job.finished_at == clock.now()
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(ImportJobFile)) == 0


async def test_a_queued_job_left_by_a_stopped_process_is_run(app, db, clock):
    admin = await make_user(db, "admin", None)
    job_id = await _stored_job(db, clock, admin.id, status="queued", content=SAMPLE.read_bytes())

    assert await recover_import_jobs(app) == 1
    await finish_import_jobs(app)

    job = await import_job(db, job_id)
    assert job.status == "done" and job.report["created"] == 6
    assert (await table_counts(db))["Lease"] == 6
    assert [j.name for j in JOBS] == ["recover_import_jobs"]  # in the scheduler's job list


async def test_stopping_the_server_marks_a_running_import_failed(app, db, clock, tmp_path, monkeypatch):
    path = tmp_path / "export.csv"
    generate(path, 5000)
    admin = await make_user(db, "admin", None)
    runner = app[IMPORT_RUNNER]
    first_batch = asyncio.Event()
    original = ImportRunner._set

    async def progress_seen(self, job_id, **values):
        await original(self, job_id, **values)
        first_batch.set()

    monkeypatch.setattr(ImportRunner, "_set", progress_seen)
    with path.open("rb") as upload:
        job = await runner.submit(upload, filename="export.csv", user_id=admin.id, agency_id=None)
    await first_batch.wait()  # a batch is committed, the others are still to come

    await runner.stop()

    stored = await import_job(db, job.id)
    assert stored.status == "failed" and stored.error == INTERRUPTED
    assert 0 < (await table_counts(db))["Lease"] < 5000  # the committed batches stay
