"""The use case behind the Kinesis consumer: apply engine events to market data exactly once.

Per symbol, events arrive in `seq` order. Each event's items are whole-value puts computed from the
symbol state and the event alone, so writing them again writes the same thing; order items carry
their own `last_seq` guard. The symbol state (its `last_seq` is the cursor) is saved once per batch,
conditionally on the cursor it was loaded at: a redelivered event (seq <= cursor) changes nothing,
and a crash before the save is repaired by redelivery, which recomputes and rewrites the same items.
"""

import logging

from castle.contracts.events import (
    DUPLICATE_REASONS,
    EngineEvent,
    OrderAccepted,
    OrderDone,
    OrderRejected,
    Trade,
)
from castle.marketdata import orders
from castle.marketdata.ports import ExecutionStore, MarketDataStore
from castle.marketdata.projection import SymbolState, project

log = logging.getLogger(__name__)


class SequenceGapError(Exception):
    """An event arrived before its predecessor was applied; it is retried, never skipped."""


class MarketDataConsumer:
    """One per batch: it caches symbol states between the batch's records."""

    def __init__(self, store: MarketDataStore, executions: ExecutionStore) -> None:
        self._store = store
        self._executions = executions
        self._states: dict[str, SymbolState] = {}
        self._loaded_seq: dict[str, int] = {}
        self._orders: dict[int, orders.OrderView | None] = {}

    def apply(self, event: EngineEvent) -> bool:
        """Apply one event; False if it had already been applied. Call `save` after the batch."""
        state = self._states.get(event.symbol)
        if state is None:
            state = self._store.load_state(event.symbol)
            self._states[event.symbol] = state
            self._loaded_seq[event.symbol] = state.last_seq
        if event.seq <= state.last_seq:
            return False
        if state.last_seq and event.seq != state.last_seq + 1:
            raise SequenceGapError(f"{event.symbol}: seq {event.seq} after {state.last_seq}")
        # Work on a copy: a failure leaves the state as of the last fully written event.
        working = state.clone()
        projection = project(working, event)
        self._apply_to_orders(event)
        self._store.store_projection(projection, working)
        self._states[event.symbol] = working
        return True

    def save(self) -> None:
        """Store every advanced symbol state (StaleStateError if another writer moved a cursor)."""
        for symbol, state in self._states.items():
            loaded = self._loaded_seq[symbol]
            if state.last_seq > loaded:
                self._store.save_state(state, expected_seq=loaded)
                self._loaded_seq[symbol] = state.last_seq

    def _order(self, order_id: int) -> orders.OrderView | None:
        if order_id not in self._orders:
            self._orders[order_id] = self._executions.get_order(order_id)
        return self._orders[order_id]

    def _put_order(self, order: orders.OrderView) -> None:
        self._orders.pop(order.order_id, None)  # re-read if the guarded put is refused
        if self._executions.put_order(order):
            self._orders[order.order_id] = order

    def _apply_to_orders(self, event: EngineEvent) -> None:
        if isinstance(event, OrderAccepted):
            self._put_order(orders.accepted(event))
        elif isinstance(event, OrderRejected):
            # A duplicate's rejection is about the copy, not the original order.
            if event.reason not in DUPLICATE_REASONS:
                self._put_order(orders.rejected(event, self._order(event.order_id)))
        elif isinstance(event, Trade):
            for order_id in (event.maker_order_id, event.taker_order_id):
                order = self._order(order_id)
                if order is None:
                    log.warning("fill of an unknown order", extra={"order_id": order_id, "seq": event.seq})
                elif order.last_seq < event.seq:
                    view, fill = orders.filled(order, event)
                    self._executions.put_fill(fill)
                    self._put_order(view)
        elif isinstance(event, OrderDone):
            order = self._order(event.order_id)
            if order is not None and order.last_seq < event.seq:
                self._put_order(orders.done(order, event))
