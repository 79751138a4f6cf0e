"""The app factory: ``create_app(settings, *, sms=None, clock=None)``."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from crm import keys
from crm.campaigns.delivery import status_listener
from crm.campaigns.dispatcher import DISPATCHER, Dispatcher
from crm.clock import Clock
from crm.config import Settings
from crm.db import Database, DatabaseOutage
from crm.inbox.views import install as install_inbox
from crm.metrics import Metrics, install_queue_probes
from crm.scheduler import scheduler_ctx
from crm.sms.local import LocalTransport
from crm.sms.twilio import TwilioTransport
from crm.web.filters import install_filters
from crm.web.middlewares import (
    auth_middleware,
    error_middleware,
    metrics_middleware,
    security_headers_middleware,
)
from crm.web.routes import setup_routes

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
STATIC = ROOT / "static"
MAX_UPLOAD = 200 * 1024 * 1024  # a 100,000-row tenant export is about 25 MB


class _CompiledTemplates(jinja2.BytecodeCache):
    """Compiled page templates, shared by every app this process creates.

    Each app has its own Jinja environment (it holds the app and the settings' filters), and
    an environment compiles each template it loads. A process that creates many apps (the
    test suite: one per test) would compile them again every time; with this, once. Entries
    are checked against the template's source, so an edited template is compiled anew.
    """

    def __init__(self) -> None:
        self._code: dict[str, tuple[str, Any]] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        hit = self._code.get(bucket.key)
        if hit is not None and hit[0] == bucket.checksum:
            bucket.code = hit[1]

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = (bucket.checksum, bucket.code)


_COMPILED_TEMPLATES = _CompiledTemplates()


def _build_sms(settings: Settings, db: Database, clock: Clock) -> Any:
    if settings.sms_backend == "twilio":
        return TwilioTransport(settings)
    return LocalTransport(db, clock, delivery_after=settings.local_delivery_seconds)


async def _resources_ctx(app: web.Application) -> AsyncIterator[None]:
    """Close what the app opened, in reverse order, on shutdown."""
    yield
    sms = app[keys.SMS]
    close = getattr(sms, "close", None)
    if close is not None:
        await close()
    await app[keys.DB].dispose()


async def _background_ctx(app: web.Application) -> AsyncIterator[None]:
    """Loops that every process runs (the outbox dispatcher), when the scheduler is on."""
    if not app[keys.SETTINGS].scheduler_enabled:
        yield
        return
    dispatcher = app[DISPATCHER]
    await dispatcher.start()
    yield
    await dispatcher.stop()


def create_app(
    settings: Settings,
    *,
    sms: Any = None,
    clock: Clock | None = None,
    db: Database | None = None,
) -> web.Application:
    app = web.Application(
        middlewares=[
            security_headers_middleware,
            metrics_middleware,
            error_middleware,
            auth_middleware,
        ],
        client_max_size=MAX_UPLOAD,
    )
    clock = clock or Clock()
    db = db or Database(settings.database_url)
    app[keys.SETTINGS] = settings
    app[keys.CLOCK] = clock
    app[keys.DB] = db
    app[keys.METRICS] = metrics = Metrics()
    install_queue_probes(metrics, db)
    app[keys.PAGE_CONTEXT] = []
    app[keys.OUTAGE] = DatabaseOutage()
    app[keys.SMS] = transport = sms if sms is not None else _build_sms(settings, db, clock)
    # The outbox owner hears the statuses a transport reports itself (the local backend's
    # simulated deliveries); Twilio's come through the status webhook instead.
    if isinstance(transport, LocalTransport):
        transport.on_status(status_listener(db, clock))
    app[DISPATCHER] = Dispatcher(db=db, clock=clock, settings=settings, transport=transport,
                                 metrics=metrics)
    # First in, so last out: aiohttp cleans up in reverse order, and everything installed
    # below (import jobs, the scheduler, the dispatcher) still writes as it stops. The
    # database closing before them would leave their connections to the garbage collector.
    app.cleanup_ctx.append(_resources_ctx)

    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        undefined=jinja2.StrictUndefined,
        bytecode_cache=_COMPILED_TEMPLATES,
    )
    install_filters(env, settings)
    setup_routes(app)
    install_inbox(app)  # the open-messages badge in the navigation
    from crm.tenants.import_jobs import install as install_import_jobs

    install_import_jobs(app)  # large tenant imports run as background jobs
    from crm.requests.pages import install as install_requests

    install_requests(app)  # the reopened-requests badge on "Mes demandes"
    from crm.incidents.pages import install as install_incidents

    install_incidents(app)  # the due-commitments badge
    if STATIC.is_dir():
        app.router.add_static("/static/", STATIC, name="static")
    app.cleanup_ctx.append(scheduler_ctx)
    app.cleanup_ctx.append(_background_ctx)
    return app
