"""Long-lived processes (`castle up`, the engine host) keep full garbage collections short by freezing
what survives them."""

import gc
import weakref
from collections.abc import Iterator

import pytest

from castle.gc_tuning import FULL_SWEEP_EVERY, FreezeEvery, FreezeSurvivors, freeze_long_lived


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


def test_without_sweeps_survivors_stay_frozen_through_every_full_collection() -> None:
    # The engine host's setting: a full sweep would scan the whole book inside matching.
    survivors = FreezeSurvivors(full_sweep_every=0)
    survivors.full_collections = FULL_SWEEP_EVERY - 1
    gc.callbacks.append(survivors)
    try:
        kept = [[i] for i in range(1000)]
        gc.collect(2)
        assert gc.get_freeze_count() >= len(kept)
    finally:
        gc.callbacks.remove(survivors)
        gc.unfreeze()


def test_freeze_every_freezes_what_is_alive_at_most_once_per_interval() -> None:
    freezer = FreezeEvery(interval_s=1.0)
    try:
        freezer.tick(now=100.0)
        frozen = gc.get_freeze_count()
        kept = [[i] for i in range(1000)]

        freezer.tick(now=100.5)
        assert gc.get_freeze_count() == frozen

        freezer.tick(now=101.0)
        assert gc.get_freeze_count() >= frozen + len(kept)
    finally:
        gc.unfreeze()


def test_freezing_again_reclaims_frozen_cycles_that_died_since(survivors: FreezeSurvivors) -> None:
    # The engine host drops its whole book (resting orders link to each other) when it resyncs.
    class Node:
        def __init__(self) -> None:
            self.other: Node | None = None

    book = [Node() for _ in range(1000)]
    for i, node in enumerate(book):
        node.other = book[(i + 1) % len(book)]  # one ring: only the collector can free it
    first = weakref.ref(book[0])
    freeze_long_lived()
    del book, node

    freeze_long_lived()

    assert first() is None
