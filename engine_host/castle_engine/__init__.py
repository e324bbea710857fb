"""castle_engine: Castle's deterministic price-time matching engine (pure typed Python, mypyc-compiled).

Integers only: prices in ticks, quantities in lots, quote amounts in tick-lots (price * qty); the
host converts decimal strings with the symbol's tick/lot size. Enumerations are the int codes in
`castle_engine.codes` (BUY/SELL, LIMIT/MARKET/..., GTC/IOC/FOK, STP_*, TRADING/HALT/..., FILLED/...).

    engine = Engine()
    engine.add_symbol(SymbolSpec("BTCUSDT", min_notional=50_000))
    engine.submit("BTCUSDT", Order(order_id=1, user_id="u1", side=BUY, price=10_000, quantity=5))
    for event in engine.drain(): ...   # OrderAccepted, Trade, OrderDone, DepthUpdate, ...

Outcomes per command (events in this order, each with the symbol's next `seq`):
- new order: OrderRejected(reason) alone; or OrderAccepted, then for each fill a Trade (followed
  by the maker's OrderDone when the maker is filled or expired), OCO/stop follow-ups, the taker's
  OrderDone if it does not rest, then one DepthUpdate if any L2 level changed.
- cancel: OrderDone(CANCELED) + DepthUpdate, or CancelRejected(reason).
- set_status: SymbolStatusChanged.
Stops trigger on the last trade price after the command that moved it: OrderTriggered, then the
order works as a LIMIT with its time in force.
"""

from castle_engine import codes
from castle_engine.codes import (
    BREAK,
    BUY,
    CANCEL_ONLY,
    CANCELED,
    EXPIRED,
    EXPIRED_IN_MATCH,
    FILLED,
    FOK,
    GTC,
    HALT,
    IOC,
    LIMIT,
    LIMIT_MAKER,
    MARKET,
    SELL,
    STOP_LOSS_LIMIT,
    STP_DECREMENT,
    STP_EXPIRE_BOTH,
    STP_EXPIRE_MAKER,
    STP_EXPIRE_TAKER,
    STP_NONE,
    TAKE_PROFIT_LIMIT,
    TRADING,
)
from castle_engine.engine import Engine, UnknownSymbolError
from castle_engine.events import (
    CancelRejected,
    DepthUpdate,
    Event,
    OrderAccepted,
    OrderDone,
    OrderRejected,
    OrderTriggered,
    SymbolStatusChanged,
    Trade,
)
from castle_engine.orders import Order, SymbolSpec
from castle_engine.snapshot_codec import SnapshotError

__all__ = [
    "BREAK",
    "BUY",
    "CANCELED",
    "CANCEL_ONLY",
    "EXPIRED",
    "EXPIRED_IN_MATCH",
    "FILLED",
    "FOK",
    "GTC",
    "HALT",
    "IOC",
    "LIMIT",
    "LIMIT_MAKER",
    "MARKET",
    "SELL",
    "STOP_LOSS_LIMIT",
    "STP_DECREMENT",
    "STP_EXPIRE_BOTH",
    "STP_EXPIRE_MAKER",
    "STP_EXPIRE_TAKER",
    "STP_NONE",
    "TAKE_PROFIT_LIMIT",
    "TRADING",
    "CancelRejected",
    "DepthUpdate",
    "Engine",
    "Event",
    "Order",
    "OrderAccepted",
    "OrderDone",
    "OrderRejected",
    "OrderTriggered",
    "SnapshotError",
    "SymbolSpec",
    "SymbolStatusChanged",
    "Trade",
    "UnknownSymbolError",
    "codes",
    "is_compiled",
]


def is_compiled() -> bool:
    """True when the engine modules are the mypyc-built extension modules."""
    from castle_engine import order_book

    return not order_book.__file__.endswith(".py") if order_book.__file__ else False
