"""`castle up` keeps full garbage collections short by freezing what survives them. No stack needed."""

import gc
from collections.abc import Iterator

import pytest

from castle_local.gc_tuning import FULL_SWEEP_EVERY, FreezeSurvivors, freeze_long_lived


@pytest.fixture
def survivors() -> Iterator[FreezeSurvivors]:
    callback = freeze_long_lived()
    yield callback
    gc.callbacks.remove(callback)
    gc.unfreeze()


def test_start_up_objects_are_frozen_and_installing_twice_adds_one_callback(
    survivors: FreezeSurvivors,
) -> None:
    assert gc.get_freeze_count() > 0
    assert freeze_long_lived() is survivors
    assert sum(isinstance(c, FreezeSurvivors) for c in gc.callbacks) == 1


def test_what_survives_a_full_collection_is_frozen(survivors: FreezeSurvivors) -> None:
    kept = [[i] for i in range(1000)]
    frozen_before = gc.get_freeze_count()

    gc.collect(2)

    assert gc.get_freeze_count() >= frozen_before + len(kept)


def test_every_nth_full_collection_unfreezes_so_old_cycles_are_still_reclaimed(
    survivors: FreezeSurvivors,
) -> None:
    survivors.full_collections = FULL_SWEEP_EVERY - 1

    gc.collect(2)

    assert gc.get_freeze_count() == 0
