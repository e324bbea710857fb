"""The host's memory of applied command ids: at least the last `window` of them, dropped a
generation at a time so that no single add rebuilds a large set."""

from engine_host.recent_ids import GENERATIONS, RecentIds

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
