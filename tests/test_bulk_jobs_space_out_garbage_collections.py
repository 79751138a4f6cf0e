"""A bulk job run outside the served app (the command-line tenant import) gets the served
app's young-collection threshold while it runs, and gives the process its own back after."""

import gc

from crm.collector import GC_YOUNG_THRESHOLD, spaced_collections


def test_a_lower_threshold_is_raised_for_the_job_then_restored():
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        with spaced_collections():
            assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, 10, 10)
        assert gc.get_threshold() == (700, 10, 10)
    finally:
        gc.set_threshold(*before)


def test_the_served_apps_threshold_is_left_alone():
    before = gc.get_threshold()
    try:
        gc.set_threshold(GC_YOUNG_THRESHOLD * 2, 10, 10)
        with spaced_collections():
            assert gc.get_threshold() == (GC_YOUNG_THRESHOLD * 2, 10, 10)
        assert gc.get_threshold() == (GC_YOUNG_THRESHOLD * 2, 10, 10)
    finally:
        gc.set_threshold(*before)
