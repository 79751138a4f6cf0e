"""A bulk job (the tenant import) shortens the interval at which CPython hands the GIL to a
waiting thread, so that SQLite's thread is not kept waiting 5 ms at a time while the loop
parses (``crm.gil``); the process' setting comes back when the last job ends, even when
two overlap or one fails, and a process already set shorter is left alone."""

from __future__ import annotations

import sys

import pytest

from crm.gil import BULK_SWITCH_INTERVAL, prompt_handoffs


@pytest.fixture
def default_interval():
    before = sys.getswitchinterval()
    sys.setswitchinterval(0.005)
    yield 0.005
    sys.setswitchinterval(before)


def test_the_interval_is_short_inside_and_restored_after(default_interval):
    with prompt_handoffs():
        assert sys.getswitchinterval() == pytest.approx(BULK_SWITCH_INTERVAL)
    assert sys.getswitchinterval() == pytest.approx(default_interval)


def test_overlapping_jobs_restore_it_when_the_last_one_ends(default_interval):
    first, second = prompt_handoffs(), prompt_handoffs()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)  # the first job ends while the second still runs
    assert sys.getswitchinterval() == pytest.approx(BULK_SWITCH_INTERVAL)
    second.__exit__(None, None, None)
    assert sys.getswitchinterval() == pytest.approx(default_interval)


def test_a_failing_job_restores_it(default_interval):
    with pytest.raises(RuntimeError), prompt_handoffs():
        raise RuntimeError("the database went away")
    assert sys.getswitchinterval() == pytest.approx(default_interval)


def test_a_shorter_setting_of_the_process_is_left_alone():
    before = sys.getswitchinterval()
    sys.setswitchinterval(0.0001)
    try:
        with prompt_handoffs():
            assert sys.getswitchinterval() == pytest.approx(0.0001)
        assert sys.getswitchinterval() == pytest.approx(0.0001)
    finally:
        sys.setswitchinterval(before)


async def test_the_tenant_import_runs_with_the_short_interval(db, clock, tmp_path, default_interval):
    from bench.import_tenants import generate
    from crm.tenants.imports import import_tenants

    path = tmp_path / "export.csv"
    generate(path, 300)
    seen: list[float] = []
    report = await import_tenants(db, path, clock=clock, batch_size=100,
                                  progress=lambda done, total: seen.append(sys.getswitchinterval()))
    assert report.created == 300
    assert seen and all(interval == pytest.approx(BULK_SWITCH_INTERVAL) for interval in seen)
    assert sys.getswitchinterval() == pytest.approx(default_interval)
