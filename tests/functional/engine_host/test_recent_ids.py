"""The host's memory of applied command ids: at least the last `window` of them, dropped a
generation at a time so that no single add rebuilds a large set."""

import sys

from engine_host.recent_ids import GENERATIONS, RETIRE_STEP, RecentIds

WINDOW = 1_000


def test_the_last_window_ids_are_always_remembered() -> None:
    recent = RecentIds(WINDOW)
    for n in range(10 * WINDOW):
        recent.add(f"c{n}")
        assert f"c{max(0, n - WINDOW + 1)}" in recent  # the oldest of the last WINDOW
        if n + 1 >= WINDOW:
            assert WINDOW <= len(recent) <= WINDOW + WINDOW // GENERATIONS

    assert all(f"c{n}" in recent for n in range(9 * WINDOW, 10 * WINDOW))


def test_ids_older_than_the_window_and_one_generation_are_forgotten() -> None:
    recent = RecentIds(WINDOW)
    for n in range(3 * WINDOW):
        recent.add(f"c{n}")

    assert "c0" not in recent
    assert not any(f"c{n}" in recent for n in range(2 * WINDOW - WINDOW // GENERATIONS - 1))
    assert "never-added" not in recent


def test_clearing_forgets_everything() -> None:
    recent = RecentIds(WINDOW)
    for n in range(WINDOW):
        recent.add(f"c{n}")
    recent.clear()

    assert len(recent) == 0
    assert "c5" not in recent


def test_a_forgotten_generation_is_let_go_a_few_ids_per_add_not_all_at_once() -> None:
    recent = RecentIds(WINDOW)
    first = "".join(["c", "0"])  # a string of its own (not interned), so its references can be counted
    recent.add(first)
    held_by_recent = sys.getrefcount(first)
    n = 1
    while first in recent:
        recent.add(f"c{n}")
        n += 1
    assert sys.getrefcount(first) == held_by_recent  # forgotten, not yet freed

    for _ in range(WINDOW // GENERATIONS // RETIRE_STEP + 1):
        recent.add(f"c{n}")
        n += 1
    assert sys.getrefcount(first) == held_by_recent - 1
