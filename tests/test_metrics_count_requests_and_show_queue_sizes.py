"""/metrics speaks Prometheus and shows requests and the queues read from the database."""

from datetime import date

from tests.support.factories import make_lease


async def test_metrics_count_requests_and_show_queue_sizes(client, db, app):
    from crm.calls.tasks import ensure_call_tasks

    await make_lease(db, lease_start=date(2026, 11, 3))
    async with db.session() as session:
        await ensure_call_tasks(session, today=date(2026, 11, 16))
        await session.commit()
    await client.get("/healthz")
    resp = await client.get("/metrics")
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/plain")
    text = await resp.text()
    assert 'crm_http_requests_total{method="GET",route="/healthz",status="200"} 1.0' in text
    assert "crm_call_tasks_open 1.0" in text
    assert "crm_outbox_pending 0.0" in text
    assert "crm_inbox_open 0.0" in text
