"""Small builders shared by the engine tests (ticks and lots are plain ints)."""

import hashlib
from typing import TypeVar

from castle_engine import (
    BUY,
    GTC,
    LIMIT,
    MARKET,
    STP_NONE,
    Engine,
    Event,
    Order,
    SymbolSpec,
)

SYMBOL = "BTCUSDT"
E = TypeVar("E", bound=Event)


def new_engine(min_notional: int = 0) -> Engine:
    engine = Engine()
    engine.add_symbol(SymbolSpec(SYMBOL, min_notional=min_notional))
    return engine


def limit(
    order_id: int,
    user: str,
    side: int,
    price: int,
    qty: int,
    tif: int = GTC,
    stp: int = STP_NONE,
    order_type: int = LIMIT,
    client_order_id: str = "",
    stop_price: int = 0,
) -> Order:
    return Order(
        order_id,
        user,
        side,
        order_type,
        price,
        qty,
        tif,
        client_order_id=client_order_id,
        stop_price=stop_price,
        stp_mode=stp,
    )


def market(
    order_id: int, user: str, side: int = BUY, qty: int = 0, quote: int = 0, stp: int = STP_NONE
) -> Order:
    return Order(order_id, user, side, MARKET, quantity=qty, quote_quantity=quote, stp_mode=stp)


def of_type(events: list[Event], kind: type[E]) -> list[E]:
    return [event for event in events if isinstance(event, kind)]


def events_hash(events: list[Event]) -> str:
    return hashlib.sha256("\n".join(event.line() for event in events).encode()).hexdigest()
