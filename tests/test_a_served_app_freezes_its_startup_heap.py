"""``serve`` (and the benchmarks) run the app through ``crm.serve.serving``: once started,
what startup built is frozen out of the garbage collector's full collections, which
otherwise walked it every second or two of a launch and stopped the loop for 90-240 ms."""

import gc

from crm.app import create_app
from crm.serve import freeze_startup_heap, serving


async def test_the_startup_heap_is_frozen_once_the_served_app_started(aiohttp_client, settings, clock, db):
    gc.unfreeze()
    app = serving(create_app(settings, clock=clock, db=db))
    assert app.on_startup[-1] is freeze_startup_heap  # after every other startup step
    try:
        client = await aiohttp_client(app)
        assert gc.get_freeze_count() > 10_000  # modules, mappers, routes, templates
        assert (await client.get("/healthz")).status == 200
    finally:
        gc.unfreeze()  # the test process goes on building apps


async def test_an_app_built_for_tests_freezes_nothing(aiohttp_client, settings, clock, db):
    gc.unfreeze()
    await aiohttp_client(create_app(settings, clock=clock, db=db))
    assert gc.get_freeze_count() == 0
