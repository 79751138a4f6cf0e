"""The "refus SMS" column: an objection on file is recorded once, with source "import", and
importing again never overwrites what the tenant said since (STOP or START)."""

from sqlalchemy import select

from crm.models import OptOutEvent
from crm.tenants.imports import import_tenants
from crm.tenants.optouts import is_opted_out, record_opt_change
from tests.support.imports import lease_by_ref, row, write_csv

MOBILE = "+33612345678"


async def _events(db) -> list[tuple[bool, str]]:
    async with db.session() as s:
        return [(e.opted_out, e.source) for e in await s.scalars(select(OptOutEvent).order_by(OptOutEvent.id))]


async def _opted_out(db) -> bool:
    async with db.session() as s:
        return await is_opted_out(s, MOBILE)


async def _tenant_says(db, clock, opted_out: bool) -> None:
    async with db.session() as s:
        await record_opt_change(s, MOBILE, opted_out=opted_out, at=clock.now(), source="sms")
        await s.commit()


async def test_an_objection_on_file_is_recorded_once(db, clock, tmp_path):
    path = write_csv(tmp_path, [row("O-1", opt_out="oui")])
    await import_tenants(db, path, clock=clock)
    report = await import_tenants(db, path, clock=clock)

    assert report.unchanged == 1
    assert await _events(db) == [(True, "import")]
    lease = await lease_by_ref(db, "O-1")
    async with db.session() as s:
        event = (await s.scalars(select(OptOutEvent))).one()
    assert event.tenant_id == lease.tenant_id and event.note.endswith("ligne 2")


async def test_a_start_sent_after_the_import_survives_a_re_import(db, clock, tmp_path):
    path = write_csv(tmp_path, [row("O-1", opt_out="oui")])
    await import_tenants(db, path, clock=clock)
    clock.advance(days=1)
    await _tenant_says(db, clock, opted_out=False)  # START

    await import_tenants(db, path, clock=clock)

    assert not await _opted_out(db)
    assert await _events(db) == [(True, "import"), (False, "sms")]


async def test_a_stop_sent_by_the_tenant_is_never_lifted_by_the_file(db, clock, tmp_path):
    await import_tenants(db, write_csv(tmp_path, [row("O-1", opt_out="non")]), clock=clock)
    await _tenant_says(db, clock, opted_out=True)  # STOP

    await import_tenants(db, write_csv(tmp_path, [row("O-1", opt_out="non")]), clock=clock)

    assert await _opted_out(db)
    assert await _events(db) == [(True, "sms")]


async def test_the_file_can_withdraw_its_own_objection(db, clock, tmp_path):
    await import_tenants(db, write_csv(tmp_path, [row("O-1", opt_out="1")]), clock=clock)

    report = await import_tenants(db, write_csv(tmp_path, [row("O-1", opt_out="0")]), clock=clock)

    assert report.unchanged == 1  # the lease itself did not change
    assert not await _opted_out(db)
    assert await _events(db) == [(True, "import"), (False, "import")]


async def test_an_objection_on_file_for_a_tenant_who_already_sent_stop_changes_no_state(db, clock, tmp_path):
    await _tenant_says(db, clock, opted_out=True)
    await import_tenants(db, write_csv(tmp_path, [row("O-1", opt_out="oui")]), clock=clock)
    await _tenant_says(db, clock, opted_out=False)  # START later

    await import_tenants(db, write_csv(tmp_path, [row("O-1", opt_out="oui")]), clock=clock)

    assert not await _opted_out(db)  # the START stands


async def test_a_number_shared_by_two_households_that_disagree_settles_on_the_objection(db, clock, tmp_path):
    path = write_csv(tmp_path, [row("S-1", last_name="Martin", opt_out="non"),
                                row("S-2", last_name="Petit", opt_out="oui")])
    await import_tenants(db, path, clock=clock)
    first = await _events(db)

    report = await import_tenants(db, path, clock=clock)

    assert report.unchanged == 2
    assert first == [(True, "import")]
    assert await _events(db) == first  # no flip-flop at each import
    assert await _opted_out(db)
