"""Prometheus metrics: one registry per app, so tests and several apps never collide."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from crm import hooks

if TYPE_CHECKING:
    from crm.db import Database

Probe = Callable[[], Awaitable[float]]


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.http_requests = Counter(
            "crm_http_requests_total", "HTTP requests served",
            ["method", "route", "status"], registry=self.registry,
        )
        self.http_latency = Histogram(
            "crm_http_request_seconds", "HTTP request latency", ["route"], registry=self.registry,
        )
        self.sms_handed_over = Counter(
            "crm_sms_handed_over_total", "SMS accepted by the provider", registry=self.registry
        )
        self.sms_failed = Counter(
            "crm_sms_failed_total", "SMS refused by the provider", ["permanent"],
            registry=self.registry,
        )
        self._gauges: dict[str, tuple[Gauge, Probe]] = {}
        # Label children per (method, route, status): ``labels()`` takes a lock and
        # validates its arguments on every call, a noticeable share of a webhook's time.
        self._served: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one HTTP request and its latency."""
        children = self._served.get((method, route, status))
        if children is None:
            children = self._served[(method, route, status)] = (
                self.http_requests.labels(method, route, str(status)),
                self.http_latency.labels(route))
        children[0].inc()
        children[1].observe(seconds)

    def add_probe(self, name: str, documentation: str, probe: Probe) -> None:
        """A gauge computed at scrape time (e.g. queue sizes read from the database)."""
        self._gauges[name] = (Gauge(name, documentation, registry=self.registry), probe)

    async def render(self) -> bytes:
        for gauge, probe in self._gauges.values():
            gauge.set(await probe())
        return generate_latest(self.registry)


def install_queue_probes(metrics: Metrics, db: "Database") -> None:
    """Queue sizes read from the database at scrape time: what waits for people or for the
    provider."""
    from sqlalchemy import func, select

    def counter(model: type, column: object, value: str) -> Probe:
        async def probe() -> float:
            async with db.session() as session:
                return float(await session.scalar(
                    select(func.count()).select_from(model).where(column == value)) or 0)
        return probe

    for probes in hooks.QUEUE_PROBES.values():
        for name, documentation, model, column, value in probes:
            metrics.add_probe(name, documentation, counter(model, column, value))
