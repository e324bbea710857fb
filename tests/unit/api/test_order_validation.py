"""New-order parameters against Binance's rules and the symbol's filters (castle.domain.markets)."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from castle.errors import CastleError
from castle.orders.parameters import check_known
from castle.orders.validation import NEW_ORDER_PARAMS, parse_new_order

LIMIT = {
    "symbol": "BTCUSDT",
    "side": "BUY",
    "type": "LIMIT",
    "timeInForce": "GTC",
    "quantity": "0.0100",
    "price": "50000.00",
}


def error_of(params: dict[str, str]) -> CastleError:
    with pytest.raises(CastleError) as caught:
        parse_new_order(params)
    return caught.value


def test_valid_limit_order_parses_to_decimals_and_defaults_to_full_response() -> None:
    order = parse_new_order(LIMIT)
    assert (order.price, order.quantity, order.resp_type) == (Decimal("50000.00"), Decimal("0.0100"), "FULL")


def test_stop_limit_order_defaults_to_ack_response() -> None:
    order = parse_new_order({**LIMIT, "type": "STOP_LOSS_LIMIT", "stopPrice": "49000"})
    assert order.resp_type == "ACK"


def test_price_off_the_tick_grid_is_a_price_filter_failure() -> None:
    error = error_of({**LIMIT, "price": "50000.005"})
    assert (error.code, error.message) == (-1013, "Filter failure: PRICE_FILTER")


def test_quantity_off_the_lot_grid_is_a_lot_size_failure() -> None:
    error = error_of({**LIMIT, "quantity": "0.00015"})
    assert (error.code, error.message) == (-1013, "Filter failure: LOT_SIZE")


def test_order_below_min_notional_is_a_notional_failure() -> None:
    error = error_of({**LIMIT, "quantity": "0.0001", "price": "100.00"})
    assert (error.code, error.message) == (-1013, "Filter failure: NOTIONAL")


def test_unknown_symbol_is_1121() -> None:
    assert error_of({**LIMIT, "symbol": "DOGEUSDT"}).code == -1121


def test_missing_quantity_is_1102() -> None:
    params = dict(LIMIT)
    del params["quantity"]
    assert error_of(params).code == -1102


def test_price_on_a_market_order_is_1106() -> None:
    assert (
        error_of({"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "1", "price": "1"}).code
        == -1106
    )


def test_negative_price_is_illegal_characters_1100() -> None:
    assert error_of({**LIMIT, "price": "-1"}).code == -1100


def test_more_than_eight_decimals_is_1111() -> None:
    assert error_of({**LIMIT, "price": "50000.000000001"}).code == -1111


def test_unknown_parameter_is_1104() -> None:
    with pytest.raises(CastleError) as caught:
        check_known({**LIMIT, "foo": "bar"}, NEW_ORDER_PARAMS)
    assert caught.value.code == -1104


def test_iceberg_orders_are_refused_with_binances_message() -> None:
    error = error_of({**LIMIT, "icebergQty": "0.001"})
    assert (error.code, error.message) == (-2010, "Iceberg orders are not supported for this symbol.")


def test_market_order_needs_quantity_or_quote_quantity() -> None:
    assert error_of({"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET"}).code == -1102


def test_huge_quote_order_quantity_is_a_notional_failure_not_an_overflow() -> None:
    error = error_of({"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quoteOrderQty": "9" * 20})
    assert error.message == "Filter failure: NOTIONAL"


_names = st.sampled_from(sorted(NEW_ORDER_PARAMS))
_values = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        ["NaN", "Infinity", "-0", "1e400", "0", "0.00000001", "1" * 25, "BUY", "LIMIT", "GTC", ""]
    ),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(_names, _values, max_size=10))
def test_any_input_is_either_an_order_or_a_binance_error(params: dict[str, str]) -> None:
    try:
        parse_new_order(params)
    except CastleError as error:
        assert error.status < 500


@settings(max_examples=300, deadline=None)
@given(
    price=st.one_of(st.text(max_size=30), st.decimals(allow_nan=True).map(str)),
    quantity=st.one_of(st.text(max_size=30), st.decimals(allow_nan=True).map(str)),
)
def test_any_price_and_quantity_is_either_valid_or_a_binance_error(price: str, quantity: str) -> None:
    try:
        order = parse_new_order({**LIMIT, "price": price, "quantity": quantity})
    except CastleError as error:
        assert error.status < 500
    else:
        assert order.price is not None and order.price > 0
