"""Running the service: one process with the web server, the scheduler and the dispatcher."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from crm.app import create_app
from crm.config import Settings

log = logging.getLogger(__name__)


# Time, client, request line, status, size, duration: what an adviser's "it did not work"
# needs to be found in the log. Never the query string's body or cookies.
ACCESS_LOG_FORMAT = '%a "%r" %s %b %Tfs'


def access_log_options(settings: Settings) -> dict[str, object]:
    """``run_app``'s access-log arguments: on by default, off with ``CRM_ACCESS_LOG=false``."""
    if not settings.access_log:
        return {"access_log": None}
    return {"access_log": logging.getLogger("aiohttp.access"), "access_log_format": ACCESS_LOG_FORMAT}


def serve(settings: Settings, *, demo: bool = False) -> int:
    if demo:
        from crm.demo import run_demo_command

        asyncio.run(run_demo_command(settings, only_if_empty=True))
    app = create_app(settings)
    print(f"CRM HLM on {settings.public_url} (database: {settings.database_url.split('://')[0]}, "
          f"SMS: {settings.sms_backend})", flush=True)
    web.run_app(app, host=settings.host, port=settings.port, print=None,
                **access_log_options(settings))
    return 0
