"""The price ladder (a side's occupied price keys) behaves as a sorted set, wherever the keys fall
relative to its 32-key buckets, negative (ask) keys included."""

from hypothesis import given
from hypothesis import strategies as st

from castle_engine.price_ladder import NO_KEY, PriceLadder

from .conftest import ENGINE_SETTINGS

# Keys around bucket edges on both signs, plus a few far apart, so that buckets fill, empty, and
# open between others.
KEYS = st.one_of(
    st.integers(min_value=-100, max_value=100),
    st.integers(min_value=-40, max_value=40).map(lambda k: k * 32 + (k % 3) - 1),
    st.sampled_from([-(10**12), -3_000_001, 2_999_999, 10**12]),
)


def _expected_below(keys: set[int], key: int) -> int:
    lower = [k for k in keys if k < key]
    return max(lower) if lower else NO_KEY


@given(steps=st.lists(st.tuples(st.booleans(), KEYS), max_size=400), probes=st.lists(KEYS, max_size=20))
@ENGINE_SETTINGS
def test_ladder_agrees_with_a_sorted_set_after_any_sequence_of_adds_and_removes(
    steps: list[tuple[bool, int]], probes: list[int]
) -> None:
    ladder = PriceLadder()
    expected: set[int] = set()
    for add, key in steps:
        if add and key not in expected:
            ladder.add(key)
            expected.add(key)
        elif not add and key in expected:
            ladder.remove(key)
            expected.discard(key)
        assert len(ladder) == len(expected)
        assert ladder.best == (max(expected) if expected else NO_KEY)
    for key in probes + [key for _, key in steps]:
        assert ladder.below(key) == _expected_below(expected, key)
    assert ladder.descending() == sorted(expected, reverse=True)


def test_walking_down_from_the_best_visits_every_key_in_descending_order() -> None:
    keys = [-70, -65, -64, -33, -32, -1, 0, 1, 31, 32, 95, 96, 1000]
    ladder = PriceLadder()
    for key in keys:
        ladder.add(key)

    walked = []
    key = ladder.best
    while key != NO_KEY:
        walked.append(key)
        key = ladder.below(key)

    assert walked == sorted(keys, reverse=True)


def test_an_empty_ladder_has_no_best_key() -> None:
    ladder = PriceLadder()
    ladder.add(5)
    ladder.remove(5)

    assert len(ladder) == 0
    assert ladder.best == NO_KEY
    assert ladder.below(10) == NO_KEY
