"""Large tenant imports as background jobs: the upload is stored, the request answers at once,
and an asyncio task of the same process imports the file, writing its progress after every
batch; the page polls it and shows the line-numbered report when the job is done.

A job is claimed atomically (queued -> running) so it runs once whatever the number of
processes. A queued job whose process went away is picked up by the periodic job; a running
job without a sign of life for ``STALE_AFTER`` (its process died mid-import) is marked failed
with a French message saying what to do: the batches already committed stay, and sending the
same file again completes the import without duplicates (re-imports change nothing).
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import IO, Any

from aiohttp import web
from sqlalchemy import delete, select, update

from crm.clock import Clock
from crm.db import Database
from crm.keys import CLOCK, DB, SETTINGS
from crm.scheduler import Job
from crm.tenants.imports import ImportFileError, import_tenants
from crm.tenants.models import ImportJob, ImportJobFile, ImportJobStatus

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=5)  # a batch takes seconds: this long without progress is a dead process
INTERRUPTED = ("Import interrompu (arrêt ou redémarrage du serveur). Les lignes déjà importées "
               "sont conservées : envoyez de nouveau le même fichier pour terminer l'import, "
               "rien ne sera importé deux fois.")
UNEXPECTED = ("Erreur inattendue pendant l'import. Les lignes déjà importées sont conservées : "
              "envoyez de nouveau le même fichier pour terminer l'import, rien ne sera importé "
              "deux fois.")


class ImportRunner:
    """The import tasks of this process."""

    def __init__(self, db: Database, clock: Clock, tz: Any) -> None:
        self.db = db
        self.clock = clock
        self.tz = tz
        self.tasks: dict[int, asyncio.Task[None]] = {}

    async def submit(self, upload: IO[bytes], *, filename: str | None, user_id: int,
                     agency_id: int | None) -> ImportJob:
        """Store the upload as a queued job and start it; returns the job at once."""
        upload.seek(0)
        content = upload.read()
        now = self.clock.now()
        async with self.db.session() as session:
            job = ImportJob(filename=(filename or "")[:255] or None, user_id=user_id,
                            agency_id=agency_id, bytes_total=len(content), created_at=now,
                            updated_at=now)
            session.add(job)
            await session.flush()
            session.add(ImportJobFile(job_id=job.id, content=content))
            await session.commit()
            await session.refresh(job)
        del content
        assert job.id is not None
        self.start(job.id)
        return job

    def start(self, job_id: int) -> None:
        if job_id in self.tasks:
            return
        task = asyncio.create_task(self.run(job_id), name=f"import-job-{job_id}")
        self.tasks[job_id] = task
        task.add_done_callback(lambda _: self.tasks.pop(job_id, None))

    async def wait(self) -> None:
        """Until every task of this process has ended (tests, shutdown)."""
        while self.tasks:
            await asyncio.gather(*list(self.tasks.values()), return_exceptions=True)

    async def stop(self) -> None:
        """Shutdown: running imports stop and say so (nothing is left silently "en cours")."""
        for task in list(self.tasks.values()):
            task.cancel()
        await self.wait()

    async def run(self, job_id: int) -> None:
        if not await self._claim(job_id):
            return  # another process took it, or it has already run
        try:
            await self._import(job_id)
        except asyncio.CancelledError:  # the server stops: say so rather than stay "en cours"
            await asyncio.shield(self._end(job_id, ImportJobStatus.FAILED, error=INTERRUPTED))
            raise
        except Exception:
            log.exception("import job %s failed", job_id)
            await self._end(job_id, ImportJobStatus.FAILED, error=UNEXPECTED)

    async def _import(self, job_id: int) -> None:
        async with self.db.session() as session:
            content = await session.scalar(select(ImportJobFile.content).where(ImportJobFile.job_id == job_id))
            user_id = await session.scalar(select(ImportJob.user_id).where(ImportJob.id == job_id))
        if content is None:
            await self._end(job_id, ImportJobStatus.FAILED, error=INTERRUPTED)
            return

        async def progress(done: int, total: int | None) -> None:
            await self._set(job_id, bytes_done=done, updated_at=self.clock.now())

        try:
            report = await import_tenants(self.db, io.BytesIO(content), clock=self.clock,
                                          user_id=user_id, progress=progress, tz=self.tz)
        except ImportFileError as exc:
            await self._end(job_id, ImportJobStatus.FAILED, error=f"Fichier refusé : {exc}")
        else:
            await self._end(job_id, ImportJobStatus.DONE, report=report.as_dict())

    async def _claim(self, job_id: int) -> bool:
        now = self.clock.now()
        async with self.db.session() as session:
            result: Any = await session.execute(
                update(ImportJob).where(ImportJob.id == job_id, ImportJob.status == ImportJobStatus.QUEUED)
                .values(status=ImportJobStatus.RUNNING, started_at=now, updated_at=now))
            await session.commit()
            return bool(result.rowcount)

    async def _set(self, job_id: int, **values: Any) -> None:
        async with self.db.session() as session:
            await session.execute(update(ImportJob).where(ImportJob.id == job_id).values(**values))
            await session.commit()

    async def _end(self, job_id: int, status: str, *, error: str | None = None,
                   report: dict[str, Any] | None = None) -> None:
        now = self.clock.now()
        async with self.db.session() as session:
            values: dict[str, Any] = {"status": status, "error": error, "report": report,
                                      "finished_at": now, "updated_at": now}
            if status == ImportJobStatus.DONE:
                values["bytes_done"] = ImportJob.bytes_total
            await session.execute(update(ImportJob).where(ImportJob.id == job_id).values(**values))
            await session.execute(delete(ImportJobFile).where(ImportJobFile.job_id == job_id))
            await session.commit()


IMPORT_RUNNER = web.AppKey("import_runner", ImportRunner)


def install(app: web.Application) -> None:
    app[IMPORT_RUNNER] = ImportRunner(app[DB], app[CLOCK], app[SETTINGS].tz)

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        yield
        await app[IMPORT_RUNNER].stop()

    app.cleanup_ctx.append(ctx)


async def recover_import_jobs(app: web.Application) -> int:
    """Run the queued jobs nobody runs (their process stopped before starting them) and mark
    failed the running ones without a sign of life: a crashed import is never left "en cours"."""
    runner = app[IMPORT_RUNNER]
    now = app[CLOCK].now()
    async with app[DB].session() as session:
        stale: Any = await session.execute(
            update(ImportJob).where(ImportJob.status == ImportJobStatus.RUNNING,
                                    ImportJob.updated_at < now - STALE_AFTER,
                                    ImportJob.id.not_in(list(runner.tasks) or [0]))
            .values(status=ImportJobStatus.FAILED, error=INTERRUPTED, finished_at=now, updated_at=now))
        await session.execute(delete(ImportJobFile).where(ImportJobFile.job_id.in_(
            select(ImportJob.id).where(ImportJob.status == ImportJobStatus.FAILED))))
        queued = (await session.scalars(select(ImportJob.id).where(
            ImportJob.status == ImportJobStatus.QUEUED))).all()
        await session.commit()
    for job_id in queued:
        runner.start(job_id)
    return int(stale.rowcount or 0) + len(queued)


JOBS = [Job("recover_import_jobs", 60, recover_import_jobs)]


def job_as_dict(job: ImportJob) -> dict[str, Any]:
    """The job as the API and the progress page's script read it."""
    percent = 100 if job.status == ImportJobStatus.DONE else (
        int(100 * job.bytes_done / job.bytes_total) if job.bytes_total else 0)
    return {
        "id": job.id, "status": job.status, "status_label": ImportJobStatus.LABELS[job.status],
        "filename": job.filename, "bytes_done": job.bytes_done, "bytes_total": job.bytes_total,
        "percent": percent, "created_at": job.created_at, "started_at": job.started_at,
        "finished_at": job.finished_at, "error": job.error, "report": job.report,
        "url": f"/api/v1/imports/jobs/{job.id}", "page": f"/imports/jobs/{job.id}",
    }
