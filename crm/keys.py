"""Typed keys for what the app holds (aiohttp AppKey), shared by every module."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from crm.clock import Clock
from crm.config import Settings
from crm.db import Database

if TYPE_CHECKING:
    from crm.metrics import Metrics
    from crm.sms.transport import SmsTransport

SETTINGS = web.AppKey("settings", Settings)
DB = web.AppKey("db", Database)
CLOCK = web.AppKey("clock", Clock)
SMS = web.AppKey("sms", object)  # SmsTransport; typed loosely to avoid an import cycle
METRICS = web.AppKey("metrics", object)  # crm.metrics.Metrics
# Extra values for every page (e.g. the open inbox count): async (request) -> dict
PAGE_CONTEXT = web.AppKey("page_context", list)


def settings(app: web.Application) -> Settings:
    return app[SETTINGS]


def sms(app: web.Application) -> "SmsTransport":
    return app[SMS]  # type: ignore[return-value]


def metrics(app: web.Application) -> "Metrics":
    return app[METRICS]  # type: ignore[return-value]


PageContext = Callable[[web.Request], Awaitable[dict[str, Any]]]
