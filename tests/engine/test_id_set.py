"""The id set (the order ids a book has used) behaves as a set of ints, negative ids and ids far
apart included, and lists its ids in order for snapshots."""

from hypothesis import given
from hypothesis import strategies as st

from castle_engine.id_set import IdSet

from .conftest import ENGINE_SETTINGS

IDS = st.one_of(
    st.integers(min_value=-70, max_value=200),
    st.integers(min_value=0, max_value=10**12),
    st.sampled_from([31, 32, 33, 63, 64, -32, -33, 2**40 + 31]),
)


@given(ids=st.lists(IDS, max_size=300), probes=st.lists(IDS, max_size=30))
@ENGINE_SETTINGS
def test_id_set_agrees_with_a_set(ids: list[int], probes: list[int]) -> None:
    id_set = IdSet()
    expected: set[int] = set()
    for value in ids:
        assert id_set.add(value) is (value not in expected)
        expected.add(value)
    assert len(id_set) == len(expected)
    assert all(id_set.has(value) is (value in expected) for value in probes + ids)
    assert id_set.sorted_ids() == sorted(expected)


def test_adding_an_id_twice_reports_the_duplicate_and_keeps_one() -> None:
    id_set = IdSet()

    assert id_set.add(42) is True
    assert id_set.add(42) is False
    assert len(id_set) == 1
