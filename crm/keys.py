"""Typed keys for what the app holds (aiohttp AppKey), shared by every module."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from crm.clock import Clock
from crm.config import Settings
from crm.db import Database
from crm.metrics import Metrics

SETTINGS = web.AppKey("settings", Settings)
DB = web.AppKey("db", Database)
CLOCK = web.AppKey("clock", Clock)
SMS = web.AppKey("sms", object)  # a crm.sms.transport.SmsTransport (the core does not import crm.sms)
METRICS = web.AppKey("metrics", Metrics)
# Extra values for every page (e.g. the open inbox count): async (request) -> dict
PAGE_CONTEXT = web.AppKey("page_context", list)


PageContext = Callable[[web.Request], Awaitable[dict[str, Any]]]
