"""`python main.py demo`: a realistic fictitious landlord in an empty database, only once."""

import time
from datetime import timedelta

from sqlalchemy import func, select

from crm.demo import DEMO_PASSWORD, run_demo_command
from crm.models import Agency, Lease, LocalOffice, OptOutEvent, Phone, Residence, Tenant, User


async def _count(db, model, *where):
    async with db.session() as s:
        return await s.scalar(select(func.count()).select_from(model).where(*where))


async def test_the_demo_fills_an_empty_database_then_refuses_a_second_time(db, settings, clock, capsys, client):
    started = time.perf_counter()
    assert await run_demo_command(settings, clock=clock) == 0
    elapsed = time.perf_counter() - started
    assert elapsed < 60, f"demo took {elapsed:.1f}s"
    out = capsys.readouterr().out
    assert "admin@demo.fr" in out and DEMO_PASSWORD in out

    async with db.session() as s:
        agencies = (await s.scalars(select(Agency).order_by(Agency.name))).all()
    assert [(a.name, a.department) for a in agencies] == [
        ("Blois", "41"), ("Romorantin", "41"), ("Vendôme", "41")]
    assert all(a.phone for a in agencies)
    assert await _count(db, LocalOffice) == 12
    assert 50 <= await _count(db, Residence) <= 70
    assert 4500 <= await _count(db, Lease) <= 5500
    today = clock.now().date()
    new = await _count(db, Lease, Lease.lease_start > today - timedelta(days=45))
    assert 120 <= new <= 180
    tenants = await _count(db, Tenant)
    with_mobile = await _count(db, Tenant, Tenant.id.in_(select(Phone.tenant_id).where(Phone.kind == "mobile")))
    with_phone = await _count(db, Tenant, Tenant.id.in_(select(Phone.tenant_id)))
    assert 0.5 * tenants < with_mobile < with_phone < tenants  # some landline-only, some without
    assert await _count(db, OptOutEvent, OptOutEvent.opted_out.is_(True)) > 10
    assert 0 < await _count(db, Tenant, Tenant.reduced_mobility.is_(True)) < tenants * 0.1
    assert await _count(db, User) == 7

    # The printed logins work.
    resp = await client.post("/api/v1/auth/login", json={"email": "conseiller.blois@demo.fr",
                                                         "password": DEMO_PASSWORD})
    assert resp.status == 200
    token = (await resp.json())["token"]
    body = await (await client.get("/api/v1/tenants", headers={"Authorization": f"Bearer {token}"})).json()
    assert body["total"] > 1000
    assert {i["agency"]["name"] for i in body["items"]} == {"Blois"}

    leases = await _count(db, Lease)
    assert await run_demo_command(settings, clock=clock) == 1
    assert "déjà" in capsys.readouterr().out
    assert await run_demo_command(settings, only_if_empty=True, clock=clock) == 0
    assert await _count(db, Lease) == leases
    assert await _count(db, User) == 7
