"""A new order's parameters, parsed and checked against the symbol's filters before any money moves.

Binance rules: mandatory parameters per type, -1106 for parameters a type does not take, filter
failures (-1013 "Filter failure: PRICE_FILTER" / "LOT_SIZE" / "NOTIONAL"), unsupported features
rejected with Binance's own -2010 messages. Pure: no clock, no I/O.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, cast

from castle.contracts.commands import OrderType, Side, StpMode, TimeInForce
from castle.domain.markets import Market
from castle.errors import (
    FilterFailureError,
    InvalidOrderTypeError,
    InvalidSideError,
    InvalidTimeInForceError,
    MandatoryParameterError,
    OrderRejectedError,
    ParamNotRequiredError,
)
from castle.orders.parameters import (
    illegal,
    missing,
    optional,
    parse_client_order_id,
    parse_decimal,
    parse_enum,
    parse_long,
    parse_symbol,
)

RespType = Literal["ACK", "RESULT", "FULL"]

SIDES = ("BUY", "SELL")
ENGINE_TYPES = ("LIMIT", "MARKET", "LIMIT_MAKER", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT")
BINANCE_TYPES = (*ENGINE_TYPES, "STOP_LOSS", "TAKE_PROFIT")
TIME_IN_FORCE = ("GTC", "IOC", "FOK")
STP_MODES = ("NONE", "EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH", "DECREMENT")
RESP_TYPES = ("ACK", "RESULT", "FULL")

# Everything POST /api/v3/order documents; features Castle does not offer are refused explicitly.
NEW_ORDER_PARAMS = frozenset(
    {
        "symbol", "side", "type", "timeInForce", "quantity", "quoteOrderQty", "price",
        "newClientOrderId", "strategyId", "strategyType", "stopPrice", "trailingDelta", "icebergQty",
        "newOrderRespType", "selfTradePreventionMode", "pegPriceType", "pegOffsetValue", "pegOffsetType",
    }
)  # fmt: skip
_UNSUPPORTED = {
    "icebergQty": "Iceberg orders are not supported for this symbol.",
    "trailingDelta": "Trailing stop orders are not supported for this symbol.",
    "pegPriceType": "Pegged orders are not supported for this symbol.",
    "pegOffsetValue": "Pegged orders are not supported for this symbol.",
    "pegOffsetType": "Pegged orders are not supported for this symbol.",
}
_UNSUPPORTED_TYPES = {
    "STOP_LOSS": "Stop loss orders are not supported for this symbol.",
    "TAKE_PROFIT": "Take profit orders are not supported for this symbol.",
}
_NEEDS_TIF = frozenset({"LIMIT", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"})
_NEEDS_PRICE = frozenset({"LIMIT", "LIMIT_MAKER", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"})
_NEEDS_STOP = frozenset({"STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"})


@dataclass(frozen=True, slots=True)
class NewOrderParams:
    market: Market
    side: Side
    order_type: OrderType
    time_in_force: TimeInForce | None
    quantity: Decimal | None
    quote_order_qty: Decimal | None
    price: Decimal | None
    stop_price: Decimal | None
    client_order_id: str | None
    resp_type: RespType
    stp_mode: StpMode

    @property
    def symbol(self) -> str:
        return self.market.symbol

    @property
    def ends_immediately(self) -> bool:
        """MARKET, IOC and FOK orders reach a final status in the same engine step."""
        return self.order_type == "MARKET" or self.time_in_force in {"IOC", "FOK"}


def default_resp_type(order_type: str) -> RespType:
    """Binance: MARKET and LIMIT default to FULL, every other type to ACK."""
    return "FULL" if order_type in {"MARKET", "LIMIT"} else "ACK"


def parse_new_order(params: Mapping[str, str], *, prefix: str = "") -> NewOrderParams:
    """Parse and validate POST /api/v3/order's parameters (unknown names are checked by the caller)."""
    for name, message in _UNSUPPORTED.items():
        if optional(params, name) is not None:
            raise OrderRejectedError(message)
    strategy_type = parse_long(params, "strategyType")
    if strategy_type is not None and strategy_type < 1_000_000:
        raise _bad_strategy_type()
    parse_long(params, "strategyId")

    mkt = parse_symbol(params)
    side = parse_enum(params, "side", SIDES, InvalidSideError())
    if side is None:
        raise missing("side")
    raw_type = parse_enum(params, "type", BINANCE_TYPES, InvalidOrderTypeError())
    if raw_type is None:
        raise missing("type")
    if raw_type in _UNSUPPORTED_TYPES:
        raise OrderRejectedError(_UNSUPPORTED_TYPES[raw_type])
    order_type = cast(OrderType, raw_type)
    tif = parse_enum(params, "timeInForce", TIME_IN_FORCE, InvalidTimeInForceError())
    quantity = parse_decimal(params, "quantity")
    quote_qty = parse_decimal(params, "quoteOrderQty")
    price = parse_decimal(params, "price")
    stop_price = parse_decimal(params, "stopPrice")
    client_order_id = parse_client_order_id(params, prefix + "newClientOrderId")
    resp = parse_enum(
        params, "newOrderRespType", RESP_TYPES, illegal("newOrderRespType", "^(ACK|RESULT|FULL)$")
    )
    stp = parse_enum(
        params, "selfTradePreventionMode", STP_MODES, illegal("selfTradePreventionMode", "|".join(STP_MODES))
    )

    _check_combination(order_type, side, tif, quantity, quote_qty, price, stop_price)
    order = NewOrderParams(
        market=mkt,
        side=cast(Side, side),
        order_type=order_type,
        time_in_force=cast(TimeInForce, tif) if tif else None,
        quantity=quantity,
        quote_order_qty=quote_qty,
        price=price,
        stop_price=stop_price,
        client_order_id=client_order_id,
        resp_type=cast(RespType, resp or default_resp_type(order_type)),
        stp_mode=cast(StpMode, stp or "NONE"),
    )
    check_filters(order)
    return order


def _bad_strategy_type() -> MandatoryParameterError:
    error = MandatoryParameterError("`strategyType` was less than 1000000.")
    error.code = -1134
    return error


def _check_combination(
    order_type: str,
    side: str,
    tif: str | None,
    quantity: Decimal | None,
    quote_qty: Decimal | None,
    price: Decimal | None,
    stop_price: Decimal | None,
) -> None:
    if order_type in _NEEDS_TIF and tif is None:
        raise missing("timeInForce")
    if order_type not in _NEEDS_TIF and tif is not None:
        raise ParamNotRequiredError("Parameter 'timeInForce' sent when not required.")
    if order_type in _NEEDS_PRICE and price is None:
        raise missing("price")
    if order_type not in _NEEDS_PRICE and price is not None:
        raise ParamNotRequiredError("Parameter 'price' sent when not required.")
    if order_type in _NEEDS_STOP and stop_price is None:
        raise missing("stopPrice")
    if order_type not in _NEEDS_STOP and stop_price is not None:
        raise ParamNotRequiredError("Parameter 'stopPrice' sent when not required.")
    if order_type == "MARKET":
        if quantity is None and quote_qty is None:
            raise MandatoryParameterError(
                "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!"
            )
        if quantity is not None and quote_qty is not None:
            raise ParamNotRequiredError("Parameter 'quoteOrderQty' sent when not required.")
        if quote_qty is not None and side == "SELL":
            raise OrderRejectedError("Quote order qty market orders are not support for this symbol.")
    else:
        if quantity is None:
            raise missing("quantity")
        if quote_qty is not None:
            raise ParamNotRequiredError("Parameter 'quoteOrderQty' sent when not required.")


def _on_grid(value: Decimal, minimum: Decimal, step: Decimal) -> bool:
    return (value - minimum) % step == 0


def check_filters(order: NewOrderParams) -> None:
    """PRICE_FILTER, LOT_SIZE and NOTIONAL as exchangeInfo publishes them for the symbol."""
    m = order.market
    for price in (order.price, order.stop_price):
        if price is not None and (
            price < m.min_price or price > m.max_price or not _on_grid(price, m.min_price, m.tick_size)
        ):
            raise FilterFailureError("Filter failure: PRICE_FILTER")
    if order.quantity is not None and (
        order.quantity < m.min_qty
        or order.quantity > m.max_qty
        or not _on_grid(order.quantity, m.min_qty, m.lot_size)
    ):
        raise FilterFailureError("Filter failure: LOT_SIZE")
    notional = order.quote_order_qty
    if notional is None and order.price is not None and order.quantity is not None:
        notional = order.price * order.quantity
    if notional is not None and (notional < m.min_notional or notional > max_notional(m)):
        raise FilterFailureError("Filter failure: NOTIONAL")


def max_notional(m: Market) -> Decimal:
    return m.max_price * m.max_qty
