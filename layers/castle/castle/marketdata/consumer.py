"""The use case behind the Kinesis consumer: apply engine events to market data exactly once.

Per symbol, events arrive in `seq` order. Each event's items are written first (idempotent puts),
then the symbol state with a condition on its cursor; order items carry their own `last_seq` guard.
A redelivered event (seq <= cursor) changes nothing; a crash half-way is repaired by redelivery,
which rewrites the same items.
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

    def apply(self, event: EngineEvent) -> bool:
        """Apply one event; False if it had already been applied."""
        state = self._states.pop(event.symbol, None) or self._store.load_state(event.symbol)
        if event.seq <= state.last_seq:
            self._states[event.symbol] = state
            return False
        if state.last_seq and event.seq != state.last_seq + 1:
            self._states[event.symbol] = state
            raise SequenceGapError(f"{event.symbol}: seq {event.seq} after {state.last_seq}")
        expected = state.last_seq
        projection = project(state, event)
        self._apply_to_orders(event)
        self._store.store_projection(projection, state)
        self._store.save_state(state, expected_seq=expected)
        self._states[event.symbol] = state
        return True

    def _apply_to_orders(self, event: EngineEvent) -> None:
        store = self._executions
        if isinstance(event, OrderAccepted):
            store.put_order(orders.accepted(event))
        elif isinstance(event, OrderRejected):
            # A duplicate's rejection is about the copy, not the original order.
            if event.reason not in DUPLICATE_REASONS:
                store.put_order(orders.rejected(event, store.get_order(event.order_id)))
        elif isinstance(event, Trade):
            for order_id in (event.maker_order_id, event.taker_order_id):
                order = store.get_order(order_id)
                if order is None:
                    log.warning("fill of an unknown order", extra={"order_id": order_id, "seq": event.seq})
                elif order.last_seq < event.seq:
                    view, fill = orders.filled(order, event)
                    store.put_fill(fill)
                    store.put_order(view)
        elif isinstance(event, OrderDone):
            order = store.get_order(event.order_id)
            if order is not None and order.last_seq < event.seq:
                store.put_order(orders.done(order, event))
