"""Engine output events, one-to-one with castle.contracts.events (the host converts ticks/lots to
decimal strings and adds command_id/ts_ms).

Every event has `kind` (an EV_* code), `symbol` and `seq`: the symbol's sequence number, strictly
increasing by one per event with no gaps. `line()` is a canonical text form used for event hashes.
"""

from typing import Final

from mypy_extensions import mypyc_attr

from castle_engine.codes import (
    BUY,
    EV_ACCEPTED,
    EV_CANCEL_REJECTED,
    EV_DEPTH,
    EV_DONE,
    EV_REJECTED,
    EV_STATUS,
    EV_TRADE,
    EV_TRIGGERED,
    SELL,
)
from castle_engine.orders import Order

# Text of the small ints (codes, zero quantities) that line() writes most: no str() per field.
_SMALL_TEXT: Final[list[str]] = [str(i) for i in range(256)]


def _num(value: int) -> str:
    if 0 <= value < 256:
        return _SMALL_TEXT[value]
    return str(value)


# The shared "no further levels" list of DepthUpdate.more (never mutated: add() replaces it).
_NO_LEVELS: Final[list[int]] = []


@mypyc_attr(acyclic=True)
class Event:
    """Base of the engine events. Subclasses set kind/symbol/seq themselves rather than calling
    super().__init__ (one call less per event on the hot path).

    Events are `acyclic` for mypyc: they hold ints, strs and (OrderAccepted) an Order, and nothing
    refers back to an event, so they can never be part of a reference cycle. The cyclic garbage
    collector then does not track them, which saves ~5% of the engine's instructions per call."""

    kind: int
    symbol: str
    seq: int

    def __init__(self, kind: int, symbol: str, seq: int) -> None:
        self.kind = kind
        self.symbol = symbol
        self.seq = seq

    def line(self) -> str:
        """Canonical one-line text of the event (stable across builds: used for hashing)."""
        return f"{self.seq} {self.kind}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.line()})"


@mypyc_attr(acyclic=True)
class OrderAccepted(Event):
    """The order passed validation. The fields echo the order (ints; -1 order_list_id = none): they
    are read from the accepted Order itself, whose echoed fields the engine never changes, so that
    emitting the commonest event stores one reference instead of eleven fields."""

    order: Order

    def __init__(self, symbol: str, seq: int, order: Order) -> None:
        self.kind = EV_ACCEPTED
        self.symbol = symbol
        self.seq = seq
        self.order = order

    @property
    def order_id(self) -> int:
        return self.order.order_id

    @property
    def client_order_id(self) -> str:
        return self.order.client_order_id

    @property
    def user_id(self) -> str:
        return self.order.user_id

    @property
    def side(self) -> int:
        return self.order.side

    @property
    def order_type(self) -> int:
        return self.order.order_type

    @property
    def time_in_force(self) -> int:
        return self.order.time_in_force

    @property
    def price(self) -> int:
        return self.order.price

    @property
    def quantity(self) -> int:
        return self.order.quantity

    @property
    def quote_quantity(self) -> int:
        return self.order.quote_quantity

    @property
    def stop_price(self) -> int:
        return self.order.stop_price

    @property
    def order_list_id(self) -> int:
        return self.order.order_list_id

    def line(self) -> str:
        o = self.order
        return (
            f"{self.seq} A {o.order_id} {o.client_order_id} {o.user_id} {_num(o.side)} "
            f"{_num(o.order_type)} {_num(o.time_in_force)} {o.price} {o.quantity} "
            f"{_num(o.quote_quantity)} {_num(o.stop_price)} {o.order_list_id}"
        )


@mypyc_attr(acyclic=True)
class OrderRejected(Event):
    """A new order the engine refused; `reason` is a codes.* reason string."""

    order_id: int
    client_order_id: str
    user_id: str
    reason: str

    def __init__(
        self, symbol: str, seq: int, order_id: int, client_order_id: str, user_id: str, reason: str
    ) -> None:
        self.kind = EV_REJECTED
        self.symbol = symbol
        self.seq = seq
        self.order_id = order_id
        self.client_order_id = client_order_id
        self.user_id = user_id
        self.reason = reason

    def line(self) -> str:
        return f"{self.seq} R {self.order_id} {self.client_order_id} {self.user_id} {self.reason}"


@mypyc_attr(acyclic=True)
class CancelRejected(Event):
    order_id: int
    user_id: str
    reason: str

    def __init__(self, symbol: str, seq: int, order_id: int, user_id: str, reason: str) -> None:
        self.kind = EV_CANCEL_REJECTED
        self.symbol = symbol
        self.seq = seq
        self.order_id = order_id
        self.user_id = user_id
        self.reason = reason

    def line(self) -> str:
        return f"{self.seq} CR {self.order_id} {self.user_id} {self.reason}"


@mypyc_attr(acyclic=True)
class Trade(Event):
    """One fill at the maker's price. quote_quantity = price * quantity (tick-lots)."""

    trade_id: int
    price: int
    quantity: int
    quote_quantity: int
    maker_order_id: int
    taker_order_id: int
    maker_user_id: str
    taker_user_id: str
    taker_side: int

    def __init__(
        self,
        symbol: str,
        seq: int,
        trade_id: int,
        price: int,
        quantity: int,
        maker_order_id: int,
        taker_order_id: int,
        maker_user_id: str,
        taker_user_id: str,
        taker_side: int,
    ) -> None:
        self.kind = EV_TRADE
        self.symbol = symbol
        self.seq = seq
        self.trade_id = trade_id
        self.price = price
        self.quantity = quantity
        self.quote_quantity = price * quantity
        self.maker_order_id = maker_order_id
        self.taker_order_id = taker_order_id
        self.maker_user_id = maker_user_id
        self.taker_user_id = taker_user_id
        self.taker_side = taker_side

    def line(self) -> str:
        return (
            f"{self.seq} T {self.trade_id} {self.price} {self.quantity} {self.maker_order_id} "
            f"{self.taker_order_id} {self.maker_user_id} {self.taker_user_id} {_num(self.taker_side)}"
        )


@mypyc_attr(acyclic=True)
class OrderTriggered(Event):
    """A stop order's stop price was reached by the last trade price: it now works as a limit."""

    order_id: int
    user_id: str

    def __init__(self, symbol: str, seq: int, order_id: int, user_id: str) -> None:
        self.kind = EV_TRIGGERED
        self.symbol = symbol
        self.seq = seq
        self.order_id = order_id
        self.user_id = user_id

    def line(self) -> str:
        return f"{self.seq} G {self.order_id} {self.user_id}"


@mypyc_attr(acyclic=True)
class OrderDone(Event):
    """An order left the engine: status is FILLED/CANCELED/EXPIRED/EXPIRED_IN_MATCH (codes.*).
    executed_quantity in lots, cumulative_quote_quantity in tick-lots.

    Like OrderAccepted, the event reads the order's fields from the Order itself: the engine never
    changes an order once it is done. Holding the order also means that the event, not the engine
    call that finished the order, releases its memory: the order is freed when the caller drops
    the drained event, outside the latency of matching."""

    order: Order
    status: int
    reason: str

    def __init__(self, symbol: str, seq: int, order: Order, status: int, reason: str) -> None:
        self.kind = EV_DONE
        self.symbol = symbol
        self.seq = seq
        self.order = order
        self.status = status
        self.reason = reason

    @property
    def order_id(self) -> int:
        return self.order.order_id

    @property
    def user_id(self) -> str:
        return self.order.user_id

    @property
    def executed_quantity(self) -> int:
        return self.order.executed

    @property
    def cumulative_quote_quantity(self) -> int:
        return self.order.cumulative_quote

    def line(self) -> str:
        o = self.order
        return (
            f"{self.seq} D {o.order_id} {o.user_id} {_num(self.status)} {_num(o.executed)} "
            f"{_num(o.cumulative_quote)} {self.reason}"
        )


@mypyc_attr(acyclic=True)
class DepthUpdate(Event):
    """The L2 levels one command changed: (price ticks, total lots), 0 lots = level removed.
    first_update_id/last_update_id are Binance's U/u: contiguous across a symbol's depth updates
    (each changed level consumes one update id), comparable to depth_snapshot's lastUpdateId.

    `bids` and `asks` are built on access: the engine stores the changed levels as ints (the first
    two inline, any further ones flat in `more` as side, price, qty), so that emitting the common
    one- or two-level update allocates nothing but the event."""

    first_update_id: int
    last_update_id: int
    count: int
    side0: int
    price0: int
    qty0: int
    side1: int
    price1: int
    qty1: int
    more: list[int]

    def __init__(self, symbol: str, seq: int, first_update_id: int, side: int, price: int, qty: int) -> None:
        """An update of one level (further ones: add); last_update_id is first_update_id until the
        engine sets it."""
        self.kind = EV_DEPTH
        self.symbol = symbol
        self.seq = seq
        self.first_update_id = first_update_id
        self.last_update_id = first_update_id
        self.count = 1
        self.side0 = side
        self.price0 = price
        self.qty0 = qty
        self.side1 = 0
        self.price1 = 0
        self.qty1 = 0
        self.more = _NO_LEVELS

    def add(self, side: int, price: int, qty: int) -> None:
        """Append one changed level (the engine's builder; bids and asks keep their own order)."""
        count = self.count
        if count == 0:
            self.side0 = side
            self.price0 = price
            self.qty0 = qty
        elif count == 1:
            self.side1 = side
            self.price1 = price
            self.qty1 = qty
        else:
            if count == 2:
                self.more = []
            more = self.more
            more.append(side)
            more.append(price)
            more.append(qty)
        self.count = count + 1

    def levels(self, side: int) -> list[tuple[int, int]]:
        """The changed levels of one side (codes.BUY / codes.SELL), in order."""
        out: list[tuple[int, int]] = []
        count = self.count
        if count > 0 and self.side0 == side:
            out.append((self.price0, self.qty0))
        if count > 1 and self.side1 == side:
            out.append((self.price1, self.qty1))
        more = self.more
        for i in range(0, len(more), 3):
            if more[i] == side:
                out.append((more[i + 1], more[i + 2]))
        return out

    @property
    def bids(self) -> list[tuple[int, int]]:
        return self.levels(BUY)

    @property
    def asks(self) -> list[tuple[int, int]]:
        return self.levels(SELL)

    def line(self) -> str:
        if self.count == 1:  # the common case, built in one go
            if self.side0 == BUY:
                return (
                    f"{self.seq} L {self.first_update_id} {self.last_update_id} b "
                    f"{self.price0}:{_num(self.qty0)} a"
                )
            return (
                f"{self.seq} L {self.first_update_id} {self.last_update_id} b a "
                f"{self.price0}:{_num(self.qty0)}"
            )
        parts = [f"{self.seq} L {self.first_update_id} {self.last_update_id} b"]
        self._level_texts(BUY, parts)
        parts.append("a")
        self._level_texts(SELL, parts)
        return " ".join(parts)

    def _level_texts(self, side: int, parts: list[str]) -> None:
        """Append "price:qty" of the changed levels of one side, in order (as levels() lists them)."""
        count = self.count
        if count > 0 and self.side0 == side:
            parts.append(f"{self.price0}:{_num(self.qty0)}")
        if count > 1 and self.side1 == side:
            parts.append(f"{self.price1}:{_num(self.qty1)}")
        more = self.more
        for i in range(0, len(more), 3):
            if more[i] == side:
                parts.append(f"{more[i + 1]}:{_num(more[i + 2])}")


@mypyc_attr(acyclic=True)
class SymbolStatusChanged(Event):
    status: int

    def __init__(self, symbol: str, seq: int, status: int) -> None:
        self.kind = EV_STATUS
        self.symbol = symbol
        self.seq = seq
        self.status = status

    def line(self) -> str:
        return f"{self.seq} S {self.status}"
