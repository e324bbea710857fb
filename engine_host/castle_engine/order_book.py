"""One symbol's order book (stub: being implemented)."""

from typing import Any

from castle_engine.codes import TRADING
from castle_engine.events import Event
from castle_engine.orders import Order, SymbolSpec


class OrderBook:
    spec: SymbolSpec
    status: int

    def __init__(self, spec: SymbolSpec, events: list[Event]) -> None:
        self.spec = spec
        self.status = TRADING
        self._events = events

    def submit(self, order: Order) -> None:
        raise NotImplementedError

    def cancel(self, order_id: int, user_id: str) -> None:
        raise NotImplementedError

    def cancel_replace(self, cancel_order_id: int, order: Order) -> None:
        raise NotImplementedError

    def submit_oco(self, order_list_id: int, limit_leg: Order, stop_leg: Order) -> None:
        raise NotImplementedError

    def set_status(self, status: int) -> None:
        raise NotImplementedError

    def reject(self, order_id: int, client_order_id: str, user_id: str, reason: str) -> None:
        raise NotImplementedError

    def depth_snapshot(self, limit: int) -> tuple[int, list[tuple[int, int]], list[tuple[int, int]]]:
        raise NotImplementedError

    def open_orders(self) -> list[Order]:
        raise NotImplementedError

    def find_order(self, order_id: int) -> Order | None:
        raise NotImplementedError

    def resting_count(self) -> int:
        raise NotImplementedError

    def export_state(self) -> dict[str, Any]:
        raise NotImplementedError

    @staticmethod
    def from_state(state: dict[str, Any], events: list[Event]) -> "OrderBook":
        raise NotImplementedError
