"""Builders for the engine's contract events (castle.contracts.events) in consumer tests.

Every field has a plain default, so a test names only the fields it is about:
`a_trade(maker="w", taker="w")` is a self-trade, `a_done_order(order_id=42, status="FILLED")` a fill.
"""

from decimal import Decimal

from castle.contracts.commands import Side
from castle.contracts.events import OrderAccepted, OrderDone, OrderFinalStatus, Trade


def a_trade(
    *,
    seq: int = 1,
    ts_ms: int = 0,
    price: str = "100",
    qty: str = "1",
    maker: str = "m",
    taker: str = "t",
    taker_side: Side = "BUY",
    maker_order_id: int = 1,
    taker_order_id: int = 2,
    symbol: str = "BTCUSDT",
) -> Trade:
    """A trade whose id is its sequence number and whose quote quantity is price times quantity."""
    p, q = Decimal(price), Decimal(qty)
    return Trade(
        symbol=symbol,
        seq=seq,
        ts_ms=ts_ms,
        trade_id=seq,
        price=p,
        quantity=q,
        quote_quantity=p * q,
        maker_order_id=maker_order_id,
        taker_order_id=taker_order_id,
        maker_user_id=maker,
        taker_user_id=taker,
        taker_side=taker_side,
    )


def an_accepted_order(
    *,
    order_id: int = 7,
    user: str = "u",
    side: Side = "BUY",
    price: str = "100",
    qty: str = "1",
    seq: int = 1,
    ts_ms: int = 0,
    symbol: str = "BTCUSDT",
) -> OrderAccepted:
    """A LIMIT order the engine accepted."""
    return OrderAccepted(
        symbol=symbol,
        seq=seq,
        ts_ms=ts_ms,
        order_id=order_id,
        client_order_id=f"c{order_id}",
        user_id=user,
        side=side,
        order_type="LIMIT",
        price=Decimal(price),
        quantity=Decimal(qty),
    )


def a_done_order(
    *,
    order_id: int,
    user: str = "u",
    status: OrderFinalStatus = "CANCELED",
    executed_qty: str = "0",
    executed_quote: str = "0",
    seq: int = 2,
    ts_ms: int = 0,
    symbol: str = "BTCUSDT",
) -> OrderDone:
    """An order that left the engine; by default cancelled with nothing executed."""
    return OrderDone(
        symbol=symbol,
        seq=seq,
        ts_ms=ts_ms,
        order_id=order_id,
        user_id=user,
        status=status,
        executed_quantity=Decimal(executed_qty),
        cumulative_quote_quantity=Decimal(executed_quote),
    )
