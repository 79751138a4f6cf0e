"""``serve`` (and the benchmarks) run the app through ``crm.serve.serving``: once started,
what startup built is frozen out of the garbage collector's full collections, and those
come far less often (a higher young-generation threshold). Before, a 100,000-recipient
launch met 13 full collections, each stopping the loop up to 130 ms."""

import gc

from crm.app import create_app
from crm.serve import GC_YOUNG_THRESHOLD, serving, settle_garbage_collector


async def test_the_startup_heap_is_frozen_and_collections_rarer_once_served(
        aiohttp_client, settings, clock, db):
    gc.unfreeze()
    thresholds = gc.get_threshold()
    app = serving(create_app(settings, clock=clock, db=db))
    assert app.on_startup[-1] is settle_garbage_collector  # after every other startup step
    try:
        client = await aiohttp_client(app)
        assert gc.get_freeze_count() > 10_000  # modules, mappers, routes, templates
        assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, *thresholds[1:])
        assert (await client.get("/healthz")).status == 200
    finally:
        gc.unfreeze()  # the test process goes on building apps
        gc.set_threshold(*thresholds)


async def test_an_app_built_for_tests_leaves_the_collector_alone(aiohttp_client, settings, clock, db):
    gc.unfreeze()
    thresholds = gc.get_threshold()
    await aiohttp_client(create_app(settings, clock=clock, db=db))
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == thresholds
