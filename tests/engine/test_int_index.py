"""The int index (resting orders by id, levels by price) behaves as a dict, whatever the keys collide on."""

from hypothesis import given
from hypothesis import strategies as st

from castle_engine.int_index import IntIndex
from castle_engine.orders import Order

from .conftest import ENGINE_SETTINGS

# Ids that share low bits (multiples of the table sizes) and wrap around its end, so that probe
# runs form, cross the end of the table and are broken up by deletions.
IDS = st.one_of(
    st.integers(min_value=0, max_value=5000),
    st.integers(min_value=0, max_value=40).map(lambda k: k * 1024 + 1023),
    st.integers(min_value=0, max_value=40).map(lambda k: k * 4096),
)


@given(steps=st.lists(st.tuples(st.booleans(), IDS), max_size=600))
@ENGINE_SETTINGS
def test_index_agrees_with_a_dict_after_any_sequence_of_puts_and_removes(
    steps: list[tuple[bool, int]],
) -> None:
    index = IntIndex()
    expected: dict[int, Order] = {}
    for add, order_id in steps:
        if add and order_id not in expected:
            order = Order(order_id, "u")
            index.put(order)
            expected[order_id] = order
        elif not add and order_id in expected:
            index.remove(order_id)
            del expected[order_id]
        assert len(index) == len(expected)
    for order_id, order in expected.items():
        assert index.get(order_id) is order
    for _, order_id in steps:
        if order_id not in expected:
            assert index.get(order_id) is None


def test_index_grows_past_its_initial_size_and_keeps_every_order() -> None:
    index = IntIndex()
    orders = [Order(order_id * 3, "u") for order_id in range(10_000)]
    for order in orders:
        index.put(order)
    for order in orders[::2]:
        index.remove(order.order_id)

    assert len(index) == 5_000
    assert all(index.get(order.order_id) is order for order in orders[1::2])
    assert all(index.get(order.order_id) is None for order in orders[::2])


def test_an_index_made_for_n_entries_takes_them_without_growing() -> None:
    index = IntIndex(capacity=5_000)
    capacity = index.capacity()
    for order_id in range(5_000):
        index.put(Order(order_id, "u"))

    assert capacity >= 5_000
    assert index.capacity() == capacity
    assert IntIndex().capacity() == 256
