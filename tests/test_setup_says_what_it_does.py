"""Set-up feedback: the first `make run` says what it is installing, scheduler jobs have
names and speak at debug level unless they did something, HTTP requests are logged (and
the access log can be turned off)."""

import logging
import shutil
import subprocess
from pathlib import Path

import pytest
from aiohttp import web

from crm.scheduler import Job, _wrap
from crm.serve import access_log_options

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_the_first_make_run_announces_the_install():
    out = subprocess.run(["make", "-n", "-B", "run"], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    assert "Installing the project and its dependencies" in out and "1-2 minutes the first time" in out
    assert "Starting:" in out


async def _run(job_result, caplog):
    async def fn(app):
        return job_result

    async def gate():
        return True

    caplog.set_level(logging.DEBUG, logger="crm.scheduler")
    await _wrap(web.Application(), Job("dispatch_outbox", 30, fn), gate, set())()
    return [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "crm.scheduler"]


async def test_a_job_with_nothing_to_do_speaks_at_debug_level(caplog):
    assert await _run(0, caplog) == [("DEBUG", "job dispatch_outbox: nothing to do")]


async def test_a_job_that_did_something_says_so_at_info_level(caplog):
    assert await _run(3, caplog) == [("INFO", "job dispatch_outbox: 3 done")]


def test_apscheduler_run_lines_are_quiet():
    assert logging.getLogger("apscheduler").getEffectiveLevel() >= logging.WARNING


def test_the_access_log_is_on_by_default_and_can_be_turned_off(settings):
    assert access_log_options(settings)["access_log"] is logging.getLogger("aiohttp.access")
    assert access_log_options(settings.model_copy(update={"access_log": False})) == {"access_log": None}


async def test_each_request_is_one_access_log_line(aiohttp_server, app, settings, caplog):
    caplog.set_level(logging.INFO, logger="aiohttp.access")
    server = await aiohttp_server(app, **access_log_options(settings))
    from aiohttp import ClientSession

    async with ClientSession() as http:
        async with http.get(server.make_url("/login")) as resp:
            assert resp.status == 200
    lines = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]
    assert len(lines) == 1 and '"GET /login HTTP/1.1" 200' in lines[0]
