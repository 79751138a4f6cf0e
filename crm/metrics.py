"""Prometheus metrics: one registry per app, so tests and several apps never collide."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

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

    def add_probe(self, name: str, documentation: str, probe: Probe) -> None:
        """A gauge computed at scrape time (e.g. queue sizes read from the database)."""
        self._gauges[name] = (Gauge(name, documentation, registry=self.registry), probe)

    async def render(self) -> bytes:
        for gauge, probe in self._gauges.values():
            gauge.set(await probe())
        return generate_latest(self.registry)
