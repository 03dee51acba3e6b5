"""The server's collector settings: start-up objects left out of collections, full ones rare."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from tenantsim.heap import FULL_EVERY, settle_for_serving


@pytest.fixture
def collector() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("collector")
def test_start_up_objects_are_frozen_and_full_collections_rare() -> None:
    young, middle, _ = gc.get_threshold()
    settle_for_serving()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (young, middle, FULL_EVERY)
