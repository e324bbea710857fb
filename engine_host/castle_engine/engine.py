"""The matching engine: one order book per symbol, a shared event list the caller drains.

Deterministic: no clock, no randomness, no I/O. Each call (submit, cancel, cancel_replace,
submit_oco, set_status, reject) appends the events it caused to `events`, every event stamped with
its symbol's next sequence number; the caller drains them with `drain()` after each call.
"""

from time import perf_counter_ns
from typing import Final

from castle_engine.events import Event
from castle_engine.order_book import OrderBook
from castle_engine.orders import Order, SymbolSpec
from castle_engine.snapshot_codec import decode_state, encode_state

# A Final alias compiles to a C static: no module-dict lookup per call (the clock is read twice per op).
_clock: Final = perf_counter_ns


class UnknownSymbolError(LookupError):
    """The engine has no book for this symbol (the host must add_symbol first)."""


class Engine:
    """All symbols' books. See the package docstring for the command and event semantics."""

    events: list[Event]

    def __init__(self, reserve_orders: int = 0) -> None:
        """`reserve_orders`: resting orders each book takes before its order table first grows, and
        as many 32-id buckets of used order ids (a growth rehashes a table inside one call: ~5 ms at
        65,536 orders). 64 bytes of tables per reserved order and symbol; 0 = start small."""
        self.events = []
        self._reserve_orders = reserve_orders
        self._books: dict[str, OrderBook] = {}
        # The last book used, by symbol object identity (callers usually pass the same str).
        self._last_symbol = ""
        self._last_book: OrderBook | None = None

    # ---- configuration ---------------------------------------------------------------------------
    def add_symbol(self, spec: SymbolSpec) -> None:
        """Open a book for `spec.symbol` (status TRADING). Re-adding a symbol only updates its rules."""
        book = self._books.get(spec.symbol)
        if book is None:
            self._books[spec.symbol] = OrderBook(spec, self.events, self._reserve_orders)
        else:
            book.spec = spec

    def symbols(self) -> list[str]:
        return list(self._books)

    def book(self, symbol: str) -> OrderBook:
        book = self._last_book
        if symbol is self._last_symbol and book is not None:
            return book
        book = self._books.get(symbol)
        if book is None:
            raise UnknownSymbolError(symbol)
        self._last_symbol = symbol
        self._last_book = book
        return book

    # ---- commands ---------------------------------------------------------------------------------
    def submit(self, symbol: str, order: Order) -> None:
        """A new order: order_accepted then trades/done/depth, or a single order_rejected."""
        self.book(symbol).submit(order)

    def cancel(self, symbol: str, order_id: int, user_id: str) -> None:
        """Cancel an open order of `user_id` (an OCO leg cancels the whole list): order_done
        CANCELED + depth, or cancel_rejected UNKNOWN_ORDER / SYMBOL_NOT_TRADING."""
        self.book(symbol).cancel(order_id, user_id)

    def cancel_replace(self, symbol: str, cancel_order_id: int, order: Order) -> None:
        """Cancel `cancel_order_id` then place `order` (Binance STOP_ON_FAILURE). A resting LIMIT
        replaced by a same-side, same-price LIMIT/LIMIT_MAKER GTC order whose quantity is not larger
        than the old remaining quantity keeps its time priority; otherwise the new order queues
        last. If the cancel fails: cancel_rejected, then order_rejected CANCEL_REPLACE_CANCEL_FAILED."""
        self.book(symbol).cancel_replace(cancel_order_id, order)

    def submit_oco(self, symbol: str, order_list_id: int, limit_leg: Order, stop_leg: Order) -> None:
        """Binance orderList/oco: a LIMIT_MAKER leg and a STOP_LOSS_LIMIT/TAKE_PROFIT_LIMIT leg of the
        same side and quantity. Both accepted or both rejected. The limit leg's first fill, or the
        stop leg's trigger, expires the other leg (order_done EXPIRED, reason OCO_SIBLING)."""
        self.book(symbol).submit_oco(order_list_id, limit_leg, stop_leg)

    def submit_timed(self, symbol: str, order: Order) -> int:
        """`submit`, returning the nanoseconds it took (perf_counter_ns around just the engine work,
        read from compiled code so the figure carries no interpreter overhead; for benchmarks)."""
        start = _clock()
        self.book(symbol).submit(order)
        return _clock() - start

    def cancel_timed(self, symbol: str, order_id: int, user_id: str) -> int:
        """`cancel`, returning the nanoseconds it took (see submit_timed)."""
        start = _clock()
        self.book(symbol).cancel(order_id, user_id)
        return _clock() - start

    def set_status(self, symbol: str, status: int) -> None:
        """TRADING; HALT (no new orders, no cancels); BREAK and CANCEL_ONLY (cancels only)."""
        self.book(symbol).set_status(status)

    def reject(self, symbol: str, order_id: int, user_id: str, client_order_id: str, reason: str) -> None:
        """Emit order_rejected for an order the host could not even convert (e.g. a price that is
        not a multiple of the tick size), so that it too gets its outcome in the symbol's sequence."""
        self.book(symbol).reject(order_id, client_order_id, user_id, reason)

    # ---- output and queries -------------------------------------------------------------------------
    def drain(self) -> list[Event]:
        """The events emitted since the last drain, in order; clears the buffer."""
        out = self.events[:]
        self.events.clear()
        return out

    def depth_snapshot(
        self, symbol: str, limit: int
    ) -> tuple[int, list[tuple[int, int]], list[tuple[int, int]]]:
        """(lastUpdateId, bids best first, asks best first), at most `limit` levels per side."""
        return self.book(symbol).depth_snapshot(limit)

    def open_orders(self, symbol: str) -> list[Order]:
        """Resting and pending-stop orders of a symbol, in a deterministic order."""
        return self.book(symbol).open_orders()

    def find_order(self, symbol: str, order_id: int) -> Order | None:
        return self.book(symbol).find_order(order_id)

    def status(self, symbol: str) -> int:
        return self.book(symbol).status

    def order_capacity(self, symbol: str) -> int:
        """How many orders can rest in the symbol's book before its order table next grows."""
        return self.book(symbol).order_capacity()

    def resting_count(self) -> int:
        """Number of orders resting in all books (pending stops excluded)."""
        return sum(book.resting_count() for book in self._books.values())

    # ---- state transfer -----------------------------------------------------------------------------
    def snapshot(self) -> bytes:
        """The full engine state, versioned and compressed. Undrained events are not included."""
        return encode_state([book.export_state() for book in self._books.values()])

    def release(self) -> None:
        """Drop every book, clearing the links among its orders first (OrderBook.release): call it
        before dropping an engine that may still hold resting orders, or they are never freed."""
        for book in self._books.values():
            book.release()
        self._books = {}
        self._last_symbol = ""
        self._last_book = None

    def restore(self, data: bytes) -> None:
        """Replace this engine's whole state with a snapshot's (pending events are dropped)."""
        self.events.clear()
        self.release()
        for state in decode_state(data):
            book = OrderBook.from_state(state, self.events, self._reserve_orders)
            self._books[book.spec.symbol] = book
