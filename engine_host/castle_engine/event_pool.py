"""The engine's event factory: it makes the commonest events, reusing the ones the caller hands
back with Engine.recycle.

Allocating an event (pymalloc, zero-filling, the type's set-up) cost ~130 instructions of the
~2,100 an engine call takes, and a call makes ~2.4 events. A caller that is done with a drained
batch (it has hashed, encoded or published it) can hand the events back: the engine then refills
their fields instead of allocating. This is the preallocated event ring of exchange engines
(LMAX, exchange-core), kept opt-in: a caller that never recycles gets fresh events as before.

Only the four kinds that nearly every command makes are pooled (accepted, trade, done, depth); the
rare ones (rejections, triggers, status changes) are always new. Each kind's free events are a
stack with an explicit height over a list that never shrinks: list.pop() resized the list as it
emptied, which cost more than the allocation it saved. What is cheap to reset (the order an event
held, a depth update's extra levels) is reset by recycle(), in the caller's time, not the engine's.
"""

from typing import Final, TypeVar, cast

from castle_engine.codes import EV_ACCEPTED, EV_DEPTH, EV_DONE, EV_TRADE
from castle_engine.events import (
    NO_LEVELS,
    DepthUpdate,
    Event,
    OrderAccepted,
    OrderDone,
    Trade,
)
from castle_engine.orders import Order

# What a pooled accepted/done event refers to instead of its order, so that the order is freed when
# the caller recycles the event, and a stale reference can never reach a live order.
NO_ORDER: Final = Order(0, "")
# The seq of a pooled event: marks it as handed back, so that recycling it twice adds it once.
POOLED: Final = -1

E = TypeVar("E", bound=Event)


def _push(free: list[E], height: int, event: E) -> int:
    """Put `event` on a stack of `height` free events; returns the new height."""
    if height < len(free):
        free[height] = event
    else:
        free.append(event)
    return height + 1


class EventPool:
    def __init__(self) -> None:
        # The free events of a kind are its list's first n (the rest are stale references).
        self._accepted: list[OrderAccepted] = []
        self._n_accepted = 0
        self._trades: list[Trade] = []
        self._n_trades = 0
        self._done: list[OrderDone] = []
        self._n_done = 0
        self._depth: list[DepthUpdate] = []
        self._n_depth = 0

    def __len__(self) -> int:
        return self._n_accepted + self._n_trades + self._n_done + self._n_depth

    def recycle(self, events: list[Event]) -> None:
        """Take back drained events that nobody refers to any more (the caller must not keep them:
        their fields will change). Other kinds, and events already handed back, are ignored."""
        for event in events:
            if event.seq == POOLED:
                continue
            # Dispatch on the kind code, commonest first: isinstance() on a class that does not
            # match costs a subtype walk, and a variable narrowed to a union of classes loses
            # mypyc's direct attribute access.
            kind = event.kind
            if kind == EV_DEPTH:
                depth = cast(DepthUpdate, event)
                # depth() refills only the first level.
                depth.side1 = 0
                depth.price1 = 0
                depth.qty1 = 0
                depth.more = NO_LEVELS
                self._n_depth = _push(self._depth, self._n_depth, depth)
            elif kind == EV_ACCEPTED:
                accepted = cast(OrderAccepted, event)
                accepted.order = NO_ORDER
                self._n_accepted = _push(self._accepted, self._n_accepted, accepted)
            elif kind == EV_DONE:
                done = cast(OrderDone, event)
                done.order = NO_ORDER
                self._n_done = _push(self._done, self._n_done, done)
            elif kind == EV_TRADE:
                self._n_trades = _push(self._trades, self._n_trades, cast(Trade, event))
            else:
                continue
            event.seq = POOLED

    def accepted(self, symbol: str, seq: int, order: Order) -> OrderAccepted:
        n = self._n_accepted - 1
        if n < 0:
            return OrderAccepted(symbol, seq, order)
        self._n_accepted = n
        event = self._accepted[n]
        event.symbol = symbol
        event.seq = seq
        event.order = order
        return event

    def done(self, symbol: str, seq: int, order: Order, status: int, reason: str) -> OrderDone:
        n = self._n_done - 1
        if n < 0:
            return OrderDone(symbol, seq, order, status, reason)
        self._n_done = n
        event = self._done[n]
        event.symbol = symbol
        event.seq = seq
        event.order = order
        event.status = status
        event.reason = reason
        return event

    def trade(
        self,
        symbol: str,
        seq: int,
        trade_id: int,
        price: int,
        quantity: int,
        maker: Order,
        taker: Order,
    ) -> Trade:
        n = self._n_trades - 1
        if n < 0:
            return Trade(
                symbol,
                seq,
                trade_id,
                price,
                quantity,
                maker.order_id,
                taker.order_id,
                maker.user_id,
                taker.user_id,
                taker.side,
            )
        self._n_trades = n
        event = self._trades[n]
        event.symbol = symbol
        event.seq = seq
        event.trade_id = trade_id
        event.price = price
        event.quantity = quantity
        event.quote_quantity = price * quantity
        event.maker_order_id = maker.order_id
        event.taker_order_id = taker.order_id
        event.maker_user_id = maker.user_id
        event.taker_user_id = taker.user_id
        event.taker_side = taker.side
        return event

    def depth(
        self, symbol: str, seq: int, first_update_id: int, side: int, price: int, qty: int
    ) -> DepthUpdate:
        """A DepthUpdate of one level (see DepthUpdate.__init__)."""
        n = self._n_depth - 1
        if n < 0:
            return DepthUpdate(symbol, seq, first_update_id, side, price, qty)
        self._n_depth = n
        event = self._depth[n]
        event.symbol = symbol
        event.seq = seq
        event.first_update_id = first_update_id
        event.last_update_id = first_update_id
        event.count = 1
        event.side0 = side
        event.price0 = price
        event.qty0 = qty
        return event
