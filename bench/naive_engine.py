"""The yardstick the engine issue names: a deliberately naive price-time book (a dict of price to
deque, a heap of prices, integer ticks), to calibrate the machine, not to use.

It matches limit and market orders and cancels by id, and records trades as tuples. It has no
validation, no self-trade prevention, no time-in-force but IOC, no order or depth events, no
duplicate-id check and no snapshots: none of what castle_engine's figures include. Cancels are
lazy (the entry's quantity becomes 0 and matching skips it). Compiled with mypyc by
bench/naive_engine_bench.py, or run as plain Python.
"""

import heapq
from collections import deque
from time import perf_counter_ns
from typing import Final

BUY: Final = 0
SELL: Final = 1
# An operation: (kind, order id, side, price ticks, quantity lots, ioc) with kind LIMIT/MARKET/CANCEL.
LIMIT: Final = 0
MARKET: Final = 1
CANCEL: Final = 2
Op = tuple[int, int, int, int, int, bool]


class NaiveBook:
    def __init__(self) -> None:
        # price -> FIFO of [order id, remaining lots]
        self.bids: dict[int, deque[list[int]]] = {}
        self.asks: dict[int, deque[list[int]]] = {}
        self.bid_heap: list[int] = []  # negated prices: the best bid is the smallest
        self.ask_heap: list[int] = []
        self.entries: dict[int, list[int]] = {}
        self.trades: list[tuple[int, int, int, int]] = []  # maker id, taker id, price, lots

    def apply(self, op: Op) -> None:
        kind, order_id, side, price, qty, ioc = op
        if kind == CANCEL:
            entry = self.entries.pop(order_id, None)
            if entry is not None:
                entry[1] = 0
            return
        if kind == MARKET:
            price = (1 << 62) if side == BUY else 0
            ioc = True
        qty = self.match(order_id, side, price, qty)
        if qty > 0 and not ioc:
            self.rest(order_id, side, price, qty)

    def match(self, taker: int, side: int, limit: int, qty: int) -> int:
        levels = self.asks if side == BUY else self.bids
        heap = self.ask_heap if side == BUY else self.bid_heap
        while qty > 0 and heap:
            price = heap[0] if side == BUY else -heap[0]
            if (side == BUY and price > limit) or (side == SELL and price < limit):
                break
            queue = levels[price]
            while queue and qty > 0:
                maker = queue[0]
                if maker[1] == 0:
                    queue.popleft()
                    continue
                fill = min(qty, maker[1])
                maker[1] -= fill
                qty -= fill
                self.trades.append((maker[0], taker, price, fill))
                if maker[1] == 0:
                    queue.popleft()
                    self.entries.pop(maker[0], None)
            if not queue:
                del levels[price]
                heapq.heappop(heap)
        return qty

    def rest(self, order_id: int, side: int, price: int, qty: int) -> None:
        levels = self.bids if side == BUY else self.asks
        queue = levels.get(price)
        if queue is None:
            queue = deque()
            levels[price] = queue
            heapq.heappush(self.bid_heap if side == BUY else self.ask_heap, -price if side == BUY else price)
        entry = [order_id, qty]
        queue.append(entry)
        self.entries[order_id] = entry


def run_batch(book: NaiveBook, ops: list[Op]) -> int:
    """Apply every op; the nanoseconds the whole loop took."""
    start = perf_counter_ns()
    for op in ops:
        book.apply(op)
    return perf_counter_ns() - start


def run_timed(book: NaiveBook, ops: list[Op]) -> list[int]:
    """Apply every op, timing each call as castle_engine.replay times the engine's."""
    latencies: list[int] = []
    for op in ops:
        start = perf_counter_ns()
        book.apply(op)
        latencies.append(perf_counter_ns() - start)
    return latencies
