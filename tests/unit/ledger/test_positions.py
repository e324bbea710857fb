from hypothesis import given
from hypothesis import strategies as st

from castle.ledger.positions import PositionState, buy, sell


def test_buying_twice_averages_the_entry_price() -> None:
    position = buy(buy(PositionState(), 10**8, 100 * 10**8), 10**8, 200 * 10**8)
    assert (position.quantity, position.cost_basis) == (2 * 10**8, 300 * 10**8)


def test_selling_half_realizes_the_gain_over_the_average_cost() -> None:
    position = sell(PositionState(2 * 10**8, 300 * 10**8), 10**8, 200 * 10**8)
    assert position == PositionState(10**8, 150 * 10**8, 50 * 10**8)


def test_selling_more_than_the_position_realizes_only_the_part_bought() -> None:
    position = sell(PositionState(10**8, 100 * 10**8), 2 * 10**8, 400 * 10**8)
    assert position == PositionState(0, 0, 100 * 10**8)


@given(st.lists(st.tuples(st.booleans(), st.integers(1, 10**10), st.integers(1, 10**12)), max_size=50))
def test_quantity_and_cost_basis_never_go_negative(trades: list[tuple[bool, int, int]]) -> None:
    position = PositionState()
    for is_buy, quantity, quote in trades:
        position = buy(position, quantity, quote) if is_buy else sell(position, quantity, quote)
        assert position.quantity >= 0
        assert position.cost_basis >= 0
        assert position.quantity > 0 or position.cost_basis == 0
