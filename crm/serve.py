"""Running the service: the web server, the scheduler and the dispatcher, in one process or in
``CRM_WORKERS`` processes sharing one port (``crm/supervisor.py``; PostgreSQL only).

Every worker runs the whole app: its web server, its outbox dispatcher (claims are atomic and
the SMS rate is one bucket in the database), and the scheduler, whose singleton jobs run only
in the process holding the PostgreSQL advisory lock (``crm/scheduler.py``)."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import socket

from aiohttp import web

from crm.app import create_app
from crm.collector import GC_YOUNG_THRESHOLD
from crm.config import Settings
from crm.supervisor import Supervisor, ignore_interrupt, listening_socket

log = logging.getLogger(__name__)


# Time, client, request line, status, size, duration: what an adviser's "it did not work"
# needs to be found in the log. Never the query string's body or cookies.
ACCESS_LOG_FORMAT = '%a "%r" %s %b %Tfs'


def access_log_options(settings: Settings) -> dict[str, object]:
    """``run_app``'s access-log arguments: on by default, off with ``CRM_ACCESS_LOG=false``."""
    if not settings.access_log:
        return {"access_log": None}
    return {"access_log": logging.getLogger("aiohttp.access"), "access_log_format": ACCESS_LOG_FORMAT}


async def settle_garbage_collector(_app: web.Application) -> None:
    """Keep Python's full collections off the event loop's back while the app serves:
    what startup built (modules, mappers, routes, templates: about 150,000 objects, alive
    as long as the process) is frozen out of their sight, and they come far less often
    (``GC_YOUNG_THRESHOLD``). The last startup hook of a served app (``serving``)."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)


def serving(app: web.Application) -> web.Application:
    """The app as ``serve`` runs it (benchmarks too): the garbage collector settled once
    started (``settle_garbage_collector``)."""
    app.on_startup.append(settle_garbage_collector)
    return app


SQLITE_WORKERS_REFUSED = (
    "{n} workers need PostgreSQL: SQLite allows one writer at a time, so several processes "
    "would queue behind each other's locks (and a second process adds no capacity). Set "
    "CRM_DATABASE_URL=postgresql+asyncpg://USER@HOST/DB and run `python main.py db upgrade`, "
    "or run one process (CRM_WORKERS=1, the default).")


def workers_refusal(settings: Settings) -> str | None:
    """Why these settings cannot run several workers, or None when they can."""
    if settings.workers > 1 and settings.is_sqlite:
        return SQLITE_WORKERS_REFUSED.format(n=settings.workers)
    return None


def serve(settings: Settings, *, demo: bool = False) -> int:
    if demo:
        from crm.demo import run_demo_command

        asyncio.run(run_demo_command(settings, only_if_empty=True))
    if settings.workers > 1:
        return serve_workers(settings)
    app = serving(create_app(settings))
    print(f"CRM HLM on {settings.public_url} (database: {settings.database_url.split('://')[0]}, "
          f"SMS: {settings.sms_backend})", flush=True)
    web.run_app(app, host=settings.host, port=settings.port, print=None,
                **access_log_options(settings))
    return 0


def serve_workers(settings: Settings) -> int:
    """The parent of ``settings.workers`` processes on one listening socket."""
    sock = listening_socket(settings.host, settings.port)
    print(f"CRM HLM on {settings.public_url} ({settings.workers} processes, database: "
          f"{settings.database_url.split('://')[0]}, SMS: {settings.sms_backend})", flush=True)
    try:
        return Supervisor(run_worker, (settings, sock), settings.workers).run()
    finally:
        sock.close()


def run_worker(settings: Settings, sock: socket.socket, index: int) -> None:
    """One worker process (spawned by the supervisor): the whole app on the shared socket,
    until the parent's SIGTERM."""
    ignore_interrupt()
    logging.basicConfig(level=logging.INFO,
                        format=f"%(asctime)s %(levelname)s [worker {index} pid %(process)d] "
                               "%(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    asyncio.run(_run_worker(settings, sock))


async def _run_worker(settings: Settings, sock: socket.socket) -> None:
    app = serving(create_app(settings))
    runner = web.AppRunner(app, handle_signals=False, **access_log_options(settings))
    await runner.setup()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    try:
        await web.SockSite(runner, sock).start()
        log.info("serving")
        await stop.wait()
    finally:
        await runner.cleanup()
