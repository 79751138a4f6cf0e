"""The courtesy-call KPIs on a cohort built by hand: every count, rate, denominator, the
split by agency, adviser and month, the projection for open cohorts, scoping and CSV."""

from datetime import date, datetime

import pytest

from crm.calls.models import CallAttempt, CallTask, Interview, TaskStatus
from tests.support.calls import PARIS, new_task
from tests.support.factories import api_user, login, make_user


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=PARIS)


async def _attempt(db, task, when, outcome, adviser):
    async with db.session() as s:
        s.add(CallAttempt(task_id=task.id, at=when, outcome=outcome, adviser_id=adviser.id))
        await s.commit()


async def _interview(db, task, when, adviser):
    async with db.session() as s:
        s.add(Interview(task_id=task.id, tenant_id=task.tenant_id, agency_id=task.agency_id,
                        adviser_id=adviser.id, at=when, answers={}))
        t = await s.get(CallTask, task.id)
        t.status = TaskStatus.COMPLETED
        await s.commit()


@pytest.fixture
async def cohort(db):
    alice = await make_user(db, "adviser", "Blois", email="alice@example.fr")
    bob = await make_user(db, "adviser", "Blois", email="bob@example.fr")
    carol = await make_user(db, "adviser", "Vendôme", email="carol@example.fr")

    async def task(start, agency="Blois", **kw):
        return await new_task(db, lease_start=start, agency=agency, today=start, **kw)

    a = await task(date(2026, 10, 1))  # window 08/10 .. 31/10
    await _attempt(db, a, at(10, 9), "reached", alice)
    await _interview(db, a, at(10, 9, 11), alice)
    b = await task(date(2026, 10, 1))
    await _attempt(db, b, at(10, 9), "no_answer", alice)
    await _attempt(db, b, at(10, 12, 15), "no_answer", alice)
    await task(date(2026, 10, 1))  # c: never called
    d = await task(date(2026, 10, 5))  # window 12/10 .. 04/11: a call before it does not count
    await _attempt(db, d, at(10, 7), "no_answer", bob)
    e = await task(date(2026, 10, 5))
    await _attempt(db, e, at(10, 14), "refused", bob)
    f = await task(date(2026, 10, 20))  # window 27/10 .. 19/11: still open on 16/11
    await _attempt(db, f, at(10, 28), "reached", alice)
    await _interview(db, f, at(10, 28, 11), alice)
    await task(date(2026, 10, 20))  # g: open, not called yet
    await task(date(2026, 10, 25), mobile=None)  # h: open, no number: still counted
    i = await task(date(2026, 10, 2), agency="Vendôme")
    await _attempt(db, i, at(10, 15), "callback_requested", carol)
    await task(date(2026, 11, 2), agency="Vendôme")  # j: November cohort, open
    await task(date(2026, 9, 30))  # k: before the period; closed, never called (in the pace)
    cancelled = await task(date(2026, 10, 10))  # l: lease ended, task cancelled: left out
    async with db.session() as s:
        (await s.get(CallTask, cancelled.id)).status = TaskStatus.CANCELLED
        await s.commit()
    return {"alice": alice, "bob": bob, "carol": carol}


def _funnel(item):
    return tuple(item[k] for k in ("new_tenants", "attempted", "reached", "completed", "open"))


async def test_the_funnel_by_agency_adviser_and_month(client, db, cohort):
    headers = await api_user(client, db, "admin", None)
    resp = await client.get("/api/v1/kpi/courtesy-calls", params={"from": "2026-10-01", "to": "2026-11-15"}, headers=headers)
    assert resp.status == 200, await resp.text()
    k = await resp.json()
    assert _funnel(k) == (10, 5, 4, 2, 4)
    assert (k["attempted_rate"], k["reached_rate"], k["completed_rate"]) == (0.5, 0.4, 0.2)
    assert k["targets"] == {"attempted": 0.95, "completed": 0.60}
    assert {a["agency"]["name"]: _funnel(a) for a in k["by_agency"]} == {
        "Blois": (8, 4, 3, 2, 3), "Vendôme": (2, 1, 1, 0, 1)}
    assert {a["adviser"]["email"]: _funnel(a) for a in k["by_adviser"]} == {
        "alice@example.fr": (3, 3, 2, 2, 1), "bob@example.fr": (2, 1, 1, 0, 0),
        "carol@example.fr": (1, 1, 1, 0, 0)}
    cohorts = {c["cohort"]: c for c in k["by_cohort"]}
    assert _funnel(cohorts["2026-10"]) == (9, 5, 4, 2, 3)
    assert _funnel(cohorts["2026-11"]) == (1, 0, 0, 0, 1)
    # Pace from the 7 closed windows (a b c d e i k): 4/7 attempted, 1/7 completed.
    assert cohorts["2026-10"]["projection"] == {"attempted": round((5 + 2 * 4 / 7) / 9, 4),
                                                "completed": round((2 + 2 / 7) / 9, 4)}
    assert cohorts["2026-11"]["projection"] == {"attempted": round(4 / 7, 4), "completed": round(1 / 7, 4)}
    assert k["projection"] == {"attempted": round((5 + 3 * 4 / 7) / 10, 4), "completed": round((2 + 3 / 7) / 10, 4)}


async def test_a_manager_sees_their_agency_and_an_adviser_gets_403(client, db, cohort):
    manager = await api_user(client, db, "manager", "Vendôme")
    k = await (await client.get("/api/v1/kpi/courtesy-calls?from=2026-10-01&to=2026-11-15", headers=manager)).json()
    assert _funnel(k) == (2, 1, 1, 0, 1)
    adviser = await login(client, cohort["alice"])
    assert (await client.get("/api/v1/kpi/courtesy-calls", headers=adviser)).status == 403


async def test_the_csv_export_opens_in_excel_with_the_same_figures(client, db, cohort):
    headers = await api_user(client, db, "admin", None)
    resp = await client.get("/api/v1/kpi/courtesy-calls.csv?from=2026-10-01&to=2026-11-15", headers=headers)
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/csv")
    raw = await resp.read()
    assert raw.startswith("\ufeff".encode())
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].split(";")[:3] == ["groupe", "nom", "nouveaux locataires"]
    assert lines[1].split(";")[2:] == ["10", "5", "50,0", "4", "40,0", "2", "20,0", "4"]
    assert any(line.startswith("agence;Blois;8;4;50,0") for line in lines)
