"""One symbol's order book and matching rules (price-time priority).

Layout, chosen for mypyc: each price level is a native `Level` holding an intrusive doubly-linked
FIFO of `Order`s; each side keeps an IntIndex price -> Level (castle_engine.int_index: no boxed-int
dict lookups) plus a PriceLadder of the occupied price keys (bids: key = price; asks: key = -price,
so that the best level has the highest key on both sides).
Resting orders are found by id in another IntIndex. Pending stop orders live in two lists ordered
by trigger priority. Levels touched by a command are flagged and reported once, in one DepthUpdate,
at the end.
"""

from typing import Any, Final, cast

from mypy_extensions import i64

from castle_engine.codes import (
    BAD_LOT,
    BAD_ORDER,
    BAD_STOP_PRICE,
    BAD_TICK,
    BUY,
    CANCEL_REPLACE_CANCEL_FAILED,
    CANCELED,
    DUPLICATE_CLIENT_ORDER_ID,
    DUPLICATE_ORDER_ID,
    EXPIRED,
    EXPIRED_IN_MATCH,
    FILLED,
    FOK,
    FOK_NOT_FILLABLE,
    GTC,
    HALT,
    LIMIT,
    LIMIT_MAKER,
    MARKET,
    MIN_NOTIONAL,
    POST_ONLY_WOULD_TAKE,
    REASON_OCO,
    REASON_REPLACED,
    REASON_STP,
    SELL,
    STOP_LOSS_LIMIT,
    STOP_WOULD_TRIGGER_IMMEDIATELY,
    STP_DECREMENT,
    STP_EXPIRE_BOTH,
    STP_EXPIRE_MAKER,
    STP_EXPIRE_TAKER,
    STP_NONE,
    SYMBOL_NOT_TRADING,
    TAKE_PROFIT_LIMIT,
    TRADING,
    UNKNOWN_ORDER,
)
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
from castle_engine.id_set import IdSet
from castle_engine.int_index import IntIndex
from castle_engine.orders import Level, Order, SymbolSpec
from castle_engine.price_ladder import NO_KEY, PriceLadder

# The limit key of an order without a limit price: below every key, above the empty ladder's NO_KEY.
NO_LIMIT_KEY: Final = NO_KEY + 1
# Quantity of a MARKET order by quote amount only: unbounded, the budget stops it.
UNBOUNDED_QTY: Final = 1 << 62
# Where an open order is, in snapshots.
_RESTING: Final = 0
_STOP_UP: Final = 1
_STOP_DOWN: Final = 2


def _final_total(dirty: list[Level], count: int, i: int) -> int:
    """The total of dirty[i]'s price as the command left it: that of its last level in `dirty`."""
    level = dirty[i]
    for j in range(count - 1, i, -1):
        other = dirty[j]
        if other.price == level.price and other.side == level.side:
            return other.total
    return level.total


def _level_at(levels: IntIndex, price: int) -> Level:
    """The level at a price the book holds."""
    return cast(Level, levels.get(price))


def _triggers_up(order: Order) -> bool:
    """True when the stop fires on last price >= stop price (buy stop-loss, sell take-profit)."""
    return (order.order_type == STOP_LOSS_LIMIT) == (order.side == BUY)


class OrderBook:
    spec: SymbolSpec
    symbol: str
    status: int

    def __init__(self, spec: SymbolSpec, events: list[Event], reserve_orders: int = 0) -> None:
        self.spec = spec
        self.symbol = spec.symbol
        self.status = TRADING
        self._events = events
        # Counters as native i64s: each command bumps several, and tagged-int arithmetic costs a tag
        # check and an overflow check per step (they cannot reach 2**63). The last price stays an
        # int: prices beyond 64 bits are legal input.
        self._seq: i64 = 0
        self._trade_id: i64 = 0
        self._update_id: i64 = 0
        self._last_price = 0
        self._price_moved = False
        self._arrival: i64 = 0
        self._bid_levels = IntIndex()
        self._ask_levels = IntIndex()
        self._bid_ladder = PriceLadder()
        self._ask_ladder = PriceLadder()
        # Resting orders by id, sized for `reserve_orders` of them (see IntIndex.capacity).
        self._resting = IntIndex(reserve_orders)
        self._stops: dict[int, Order] = {}
        self._stops_up: list[Order] = []
        self._stops_down: list[Order] = []
        # Every order id the book has used; as many 32-id buckets reserved as orders (see IdSet).
        self._seen = IdSet(reserve_orders)
        # Open orders' client order ids, per user: user -> client order id -> order id. Per user
        # rather than one dict keyed by "user + id": a dict whose entries come and go is rebuilt
        # whole once deletions use up its slots, which at ~60k open orders in one dict stalled an
        # engine call for 1-3 ms; a user's own dict stays small. An emptied one is dropped.
        self._client_ids: dict[str, dict[str, int]] = {}
        # Levels changed by the current command: the first _ndirty entries (the list is reused).
        self._dirty: list[Level] = []
        self._ndirty: i64 = 0

    # ---- commands -----------------------------------------------------------------------------------
    def submit(self, order: Order) -> None:
        reason = self._admission_error(order)
        if reason:
            self._reject(order, reason)
            return
        self._place(order)
        if self._price_moved:
            self._after_matching()
        self._flush_depth()

    def cancel(self, order_id: int, user_id: str) -> None:
        if self.status == HALT:
            self._seq += 1
            self._events.append(CancelRejected(self.symbol, self._seq, order_id, user_id, SYMBOL_NOT_TRADING))
            return
        order = self._open_order(order_id, user_id)
        if order is None:
            self._seq += 1
            self._events.append(CancelRejected(self.symbol, self._seq, order_id, user_id, UNKNOWN_ORDER))
            return
        self._cancel_open(order, "")
        self._flush_depth()

    def cancel_replace(self, cancel_order_id: int, order: Order) -> None:
        old = self._open_order(cancel_order_id, order.user_id) if self.status != HALT else None
        if old is None:
            self._seq += 1
            reason = SYMBOL_NOT_TRADING if self.status == HALT else UNKNOWN_ORDER
            self._events.append(
                CancelRejected(self.symbol, self._seq, cancel_order_id, order.user_id, reason)
            )
            dup = self._seen.has(order.order_id)
            self._reject(order, DUPLICATE_ORDER_ID if dup else CANCEL_REPLACE_CANCEL_FAILED)
            return
        if self._keeps_priority(old, order):
            self._replace_in_place(old, order)
        else:
            self._cancel_open(old, REASON_REPLACED)
            reason = self._admission_error(order)
            if reason:
                self._reject(order, reason)
            else:
                self._place(order)
                self._after_matching()
        self._flush_depth()

    def submit_oco(self, order_list_id: int, limit_leg: Order, stop_leg: Order) -> None:
        reason = self._admission_error(limit_leg)
        if not reason:
            reason = self._admission_error(stop_leg)
        if not reason and (
            limit_leg.order_type != LIMIT_MAKER
            or (stop_leg.order_type not in (STOP_LOSS_LIMIT, TAKE_PROFIT_LIMIT))
            or limit_leg.side != stop_leg.side
            or limit_leg.user_id != stop_leg.user_id
            or limit_leg.quantity != stop_leg.quantity
            or limit_leg.order_id == stop_leg.order_id
            or (limit_leg.client_order_id != "" and limit_leg.client_order_id == stop_leg.client_order_id)
        ):
            reason = BAD_ORDER
        if reason:
            self._reject(limit_leg, reason)
            self._reject(stop_leg, reason)
            return
        limit_leg.order_list_id = order_list_id
        stop_leg.order_list_id = order_list_id
        limit_leg.sibling = stop_leg
        stop_leg.sibling = limit_leg
        self._accept(limit_leg)
        self._accept(stop_leg)
        self._rest(limit_leg)
        self._add_stop(stop_leg)
        self._flush_depth()

    def set_status(self, status: int) -> None:
        self.status = status
        self._seq += 1
        self._events.append(SymbolStatusChanged(self.symbol, self._seq, status))

    def reject(self, order_id: int, client_order_id: str, user_id: str, reason: str) -> None:
        if not self._seen.add(order_id):
            reason = DUPLICATE_ORDER_ID
        self._seq += 1
        self._events.append(OrderRejected(self.symbol, self._seq, order_id, client_order_id, user_id, reason))

    # ---- queries ------------------------------------------------------------------------------------
    def depth_snapshot(self, limit: int) -> tuple[int, list[tuple[int, int]], list[tuple[int, int]]]:
        bids: list[tuple[int, int]] = []
        asks: list[tuple[int, int]] = []
        key = self._bid_ladder.best
        while key != NO_KEY and len(bids) < limit:
            bids.append((key, _level_at(self._bid_levels, key).total))
            key = self._bid_ladder.below(key)
        key = self._ask_ladder.best
        while key != NO_KEY and len(asks) < limit:
            asks.append((-key, _level_at(self._ask_levels, -key).total))
            key = self._ask_ladder.below(key)
        return self._update_id, bids, asks

    def open_orders(self) -> list[Order]:
        """Resting orders (bids best first, then asks best first, FIFO), then pending stops."""
        out: list[Order] = []
        for key in self._bid_ladder.descending():
            self._collect(_level_at(self._bid_levels, key), out)
        for key in self._ask_ladder.descending():
            self._collect(_level_at(self._ask_levels, -key), out)
        out.extend(self._stops_up)
        out.extend(self._stops_down)
        return out

    def find_order(self, order_id: int) -> Order | None:
        order = cast("Order | None", self._resting.get(order_id))
        if order is None:
            order = self._stops.get(order_id)
        return order

    def resting_count(self) -> int:
        return len(self._resting)

    def release(self) -> None:
        """Clear every link among the book's orders and levels (FIFO neighbours, levels, OCO
        siblings) before the book is dropped: orders and levels are invisible to the cyclic garbage
        collector, so a dropped book whose resting orders still formed cycles would never be freed.
        The book must not be used afterwards."""
        for levels in (self._bid_levels, self._ask_levels):
            for entry in levels.entries():
                level = cast(Level, entry)
                order = level.head
                while order is not None:
                    nxt = order.next
                    order.prev = None
                    order.next = None
                    order.level = None
                    order.sibling = None
                    order = nxt
                level.head = None
                level.tail = None
        for order in self._stops.values():
            order.sibling = None

    def order_capacity(self) -> int:
        """How many orders can rest before the book's order table next grows."""
        return self._resting.capacity()

    def best_bid(self) -> int:
        """Best bid price in ticks, 0 when there is none."""
        key = self._bid_ladder.best
        return key if key != NO_KEY else 0

    def best_ask(self) -> int:
        """Best ask price in ticks, 0 when there is none."""
        key = self._ask_ladder.best
        return -key if key != NO_KEY else 0

    @property
    def last_price(self) -> int:
        return self._last_price

    # ---- admission ----------------------------------------------------------------------------------
    def _admission_error(self, order: Order) -> str:
        """The reject reason, or "" (and the order id is now used: a later duplicate is refused)."""
        if not self._seen.add(order.order_id):
            return DUPLICATE_ORDER_ID
        if self.status != TRADING:
            return SYMBOL_NOT_TRADING
        reason = self._validation_error(order)
        if reason:
            return reason
        if order.client_order_id and self._client_id_taken(order):
            return DUPLICATE_CLIENT_ORDER_ID
        if order.order_type == LIMIT_MAKER and self._crosses(order):
            return POST_ONLY_WOULD_TAKE
        if order.order_type == LIMIT and order.time_in_force == FOK and not self._fok_fillable(order):
            return FOK_NOT_FILLABLE
        if (order.order_type in (STOP_LOSS_LIMIT, TAKE_PROFIT_LIMIT)) and self._stop_fires(order):
            return STOP_WOULD_TRIGGER_IMMEDIATELY
        return ""

    def _validation_error(self, order: Order) -> str:
        spec = self.spec
        if (
            (order.side not in (BUY, SELL))
            or order.order_type < LIMIT
            or order.order_type > TAKE_PROFIT_LIMIT
            or order.time_in_force < GTC
            or order.time_in_force > FOK
            or order.stp_mode < STP_NONE
            or order.stp_mode > STP_DECREMENT
        ):
            return BAD_ORDER
        qty = order.quantity
        if order.order_type == MARKET:
            if qty < 0 or order.quote_quantity < 0 or (qty == 0 and order.quote_quantity == 0):
                return BAD_LOT
            if qty > 0 and (qty < spec.min_qty or (spec.max_qty > 0 and qty > spec.max_qty)):
                return BAD_LOT
            if qty == 0 and order.quote_quantity < spec.min_notional:
                return MIN_NOTIONAL
            return ""
        price = order.price
        if price < spec.min_price or price <= 0 or (spec.max_price > 0 and price > spec.max_price):
            return BAD_TICK
        if qty <= 0 or qty < spec.min_qty or (spec.max_qty > 0 and qty > spec.max_qty):
            return BAD_LOT
        if price * qty < spec.min_notional:
            return MIN_NOTIONAL
        if order.order_type in (STOP_LOSS_LIMIT, TAKE_PROFIT_LIMIT):
            stop = order.stop_price
            if stop < spec.min_price or stop <= 0 or (spec.max_price > 0 and stop > spec.max_price):
                return BAD_STOP_PRICE
        return ""

    def _client_id_taken(self, order: Order) -> bool:
        """Whether one of the user's open orders has this order's client order id."""
        ids = self._client_ids.get(order.user_id)
        return ids is not None and order.client_order_id in ids

    def _claim_client_id(self, order: Order) -> None:
        ids = self._client_ids.get(order.user_id)
        if ids is None:
            ids = self._client_ids[order.user_id] = {}
        ids[order.client_order_id] = order.order_id

    def _release_client_id(self, order: Order) -> None:
        user = order.user_id
        ids = self._client_ids.get(user)
        if ids is not None and ids.get(order.client_order_id) == order.order_id:
            del ids[order.client_order_id]
            if not ids:
                del self._client_ids[user]

    def _crosses(self, order: Order) -> bool:
        if order.side == BUY:
            return self._ask_ladder.best >= -order.price
        return self._bid_ladder.best >= order.price

    def _stop_fires(self, order: Order) -> bool:
        last = self._last_price
        if last <= 0:
            return False
        if _triggers_up(order):
            return last >= order.stop_price
        return last <= order.stop_price

    def _fok_fillable(self, order: Order) -> bool:
        """Whether the whole quantity would trade now, self-trade prevention included."""
        if order.side == BUY:
            ladder = self._ask_ladder
            levels = self._ask_levels
            limit_key = -order.price
            sign = -1
        else:
            ladder = self._bid_ladder
            levels = self._bid_levels
            limit_key = order.price
            sign = 1
        need = order.quantity
        avail = 0
        stp = order.stp_mode
        key = ladder.best
        while key >= limit_key:
            level = _level_at(levels, key * sign)
            if stp == STP_NONE:
                avail += level.total
            else:
                maker = level.head
                while maker is not None:
                    if maker.user_id == order.user_id:
                        if stp != STP_EXPIRE_MAKER:
                            return avail >= need
                    else:
                        avail += maker.remaining
                        if avail >= need:
                            return True
                    maker = maker.next
            if avail >= need:
                return True
            key = ladder.below(key)
        return False

    # ---- placing and matching -----------------------------------------------------------------------
    def _reject(self, order: Order, reason: str) -> None:
        if reason != DUPLICATE_ORDER_ID:
            self._seen.add(order.order_id)
        self._seq += 1
        self._events.append(
            OrderRejected(
                self.symbol, self._seq, order.order_id, order.client_order_id, order.user_id, reason
            )
        )

    def _accept(self, order: Order) -> None:
        self._seq += 1
        self._events.append(OrderAccepted(self.symbol, self._seq, order))
        if order.client_order_id:
            self._claim_client_id(order)

    def _place(self, order: Order) -> None:
        """Accept an admitted order and work it: match, then rest, expire or wait for its trigger."""
        self._accept(order)
        kind = order.order_type
        if kind == LIMIT:
            self._work_limit(order)
        elif kind == MARKET:
            self._work_market(order)
        elif kind == LIMIT_MAKER:
            self._rest(order)
        else:
            self._add_stop(order)

    def _work_limit(self, order: Order) -> None:
        limit_key = -order.price if order.side == BUY else order.price
        # Most limit orders do not cross: they skip the matching loop's set-up altogether.
        expired_in_match = self._crosses(order) and self._match(order, limit_key, -1)
        if order.remaining == 0:
            self._done(
                order,
                EXPIRED_IN_MATCH if expired_in_match else FILLED,
                REASON_STP if expired_in_match else "",
            )
        elif expired_in_match:
            order.prevented += order.remaining
            order.remaining = 0
            self._done(order, EXPIRED_IN_MATCH, REASON_STP)
        elif order.time_in_force == GTC:
            self._rest(order)
        else:
            self._done(order, EXPIRED, "")

    def _work_market(self, order: Order) -> None:
        by_quote_only = order.quantity == 0
        if by_quote_only:
            order.remaining = UNBOUNDED_QTY
        budget = order.quote_quantity if order.quote_quantity > 0 else -1
        expired_in_match = self._match(order, NO_LIMIT_KEY, budget)
        if expired_in_match:
            if not by_quote_only:
                order.prevented += order.remaining
            order.remaining = 0
            self._done(order, EXPIRED_IN_MATCH, REASON_STP)
            return
        if order.remaining == 0:
            self._done(order, FILLED, "")
            return
        spent_budget = budget > 0 and order.executed > 0 and self._budget_exhausted(order)
        order.remaining = 0
        self._done(order, FILLED if by_quote_only and spent_budget else EXPIRED, "")

    def _budget_exhausted(self, order: Order) -> bool:
        """Whether a quote-limited market order stopped because it cannot afford the next lot."""
        key = (self._ask_ladder if order.side == BUY else self._bid_ladder).best
        if key == NO_KEY:
            return False
        price = -key if order.side == BUY else key
        return order.quote_quantity - order.cumulative_quote < price

    def _match(self, taker: Order, limit_key: int, budget: int) -> bool:
        """Trade `taker` against the opposite side while it crosses `limit_key` (and, when budget >= 0,
        while it can afford a lot). Returns True when self-trade prevention expired the taker."""
        if taker.side == BUY:
            ladder = self._ask_ladder
            levels = self._ask_levels
            sign = -1
        else:
            ladder = self._bid_ladder
            levels = self._bid_levels
            sign = 1
        stp = taker.stp_mode
        taker_user = taker.user_id
        symbol = self.symbol
        events = self._events
        taker_expired = False
        out_of_budget = False
        while taker.remaining > 0:
            key = ladder.best
            if key < limit_key:
                break
            price = key * sign
            level = _level_at(levels, price)
            maker = level.head
            while maker is not None and taker.remaining > 0:
                nxt = maker.next
                if stp != STP_NONE and maker.user_id == taker_user:
                    if stp == STP_EXPIRE_TAKER:
                        taker_expired = True
                        break
                    if stp == STP_DECREMENT:
                        prevented = maker.remaining if maker.remaining < taker.remaining else taker.remaining
                        taker.remaining -= prevented
                        taker.prevented += prevented
                        maker.remaining -= prevented
                        maker.prevented += prevented
                        level.total -= prevented
                        self._mark(level)
                        if maker.remaining == 0:
                            self._unlink(level, maker)
                            self._done(maker, EXPIRED_IN_MATCH, REASON_STP)
                            self._expire_sibling(maker)
                        if taker.remaining == 0:
                            taker_expired = True
                            break
                    else:
                        self._expire_maker(level, maker)
                        if stp == STP_EXPIRE_BOTH:
                            taker_expired = True
                            break
                    maker = nxt
                    continue
                fill = maker.remaining if maker.remaining < taker.remaining else taker.remaining
                if budget >= 0:
                    affordable = (budget - taker.cumulative_quote) // price
                    if affordable < fill:
                        # The budget runs out at this price (and deeper prices are worse): last fill.
                        fill = affordable
                        out_of_budget = True
                        if fill <= 0:
                            break
                quote = price * fill
                self._trade_id += 1
                self._seq += 1
                events.append(
                    Trade(
                        symbol,
                        self._seq,
                        self._trade_id,
                        price,
                        fill,
                        maker.order_id,
                        taker.order_id,
                        maker.user_id,
                        taker_user,
                        taker.side,
                    )
                )
                taker.remaining -= fill
                taker.executed += fill
                taker.cumulative_quote += quote
                maker.remaining -= fill
                maker.executed += fill
                maker.cumulative_quote += quote
                level.total -= fill
                if not level.dirty:
                    self._mark(level)
                self._last_price = price
                self._price_moved = True
                if maker.remaining == 0:
                    self._unlink(level, maker)
                    self._done(maker, FILLED, "")
                if maker.sibling is not None:
                    self._expire_sibling(maker)
                if out_of_budget:
                    break
                maker = nxt
            if level.head is None:
                self._drop_level(level)
            if taker_expired or out_of_budget or level.head is not None:
                break
        return taker_expired

    def _expire_maker(self, level: Level, maker: Order) -> None:
        maker.prevented += maker.remaining
        level.total -= maker.remaining
        maker.remaining = 0
        self._mark(level)
        self._unlink(level, maker)
        self._done(maker, EXPIRED_IN_MATCH, REASON_STP)
        self._expire_sibling(maker)

    def _after_matching(self) -> None:
        """Trigger the stops the last trade price reached, one at a time, until none is left."""
        while self._price_moved:
            self._price_moved = False
            while True:
                order = self._next_triggered()
                if order is None:
                    break
                self._seq += 1
                self._events.append(OrderTriggered(self.symbol, self._seq, order.order_id, order.user_id))
                self._expire_sibling(order)
                self._work_limit(order)

    def _next_triggered(self) -> Order | None:
        last = self._last_price
        if self._stops_up and self._stops_up[0].stop_price <= last:
            order = self._stops_up.pop(0)
        elif self._stops_down and self._stops_down[0].stop_price >= last:
            order = self._stops_down.pop(0)
        else:
            return None
        del self._stops[order.order_id]
        return order

    # ---- book maintenance ---------------------------------------------------------------------------
    def _rest(self, order: Order) -> None:
        price = order.price
        if order.side == BUY:
            levels = self._bid_levels
            ladder = self._bid_ladder
            key = price
        else:
            levels = self._ask_levels
            ladder = self._ask_ladder
            key = -price
        level = cast("Level | None", levels.get(price))
        if level is None:
            level = Level(price, order.side)
            levels.put(level)
            ladder.add(key)
        self._arrival += 1
        order.arrival = self._arrival
        tail = level.tail
        order.level = level
        order.prev = tail
        order.next = None
        if tail is None:
            level.head = order
        else:
            tail.next = order
        level.tail = order
        level.total += order.remaining
        level.count += 1
        if not level.dirty:
            self._mark(level)
        self._resting.put(order)

    def _unlink(self, level: Level, order: Order) -> None:
        """Take a resting order out of its level (the level stays, possibly empty)."""
        prev = order.prev
        nxt = order.next
        if prev is None:
            level.head = nxt
        else:
            prev.next = nxt
        if nxt is None:
            level.tail = prev
        else:
            nxt.prev = prev
        order.prev = None
        order.next = None
        order.level = None
        level.count -= 1
        self._resting.remove(order.order_id)

    def _drop_level(self, level: Level) -> None:
        if level.side == BUY:
            ladder = self._bid_ladder
            self._bid_levels.remove(level.price)
            key = level.price
        else:
            ladder = self._ask_ladder
            self._ask_levels.remove(level.price)
            key = -level.price
        ladder.remove(key)

    def _mark(self, level: Level) -> None:
        if not level.dirty:
            level.dirty = True
            dirty = self._dirty
            n = self._ndirty
            if n < len(dirty):
                dirty[n] = level
            else:
                dirty.append(level)
            self._ndirty = n + 1

    def _level_of(self, order: Order) -> Level:
        level = order.level
        assert level is not None, "not a resting order"
        return level

    def _remove_resting(self, order: Order) -> None:
        level = self._level_of(order)
        level.total -= order.remaining
        self._mark(level)
        self._unlink(level, order)
        if level.head is None:
            self._drop_level(level)

    def _add_stop(self, order: Order) -> None:
        self._arrival += 1
        order.arrival = self._arrival
        self._stops[order.order_id] = order
        if _triggers_up(order):
            # Lowest stop first (it fires first on a rising price), then arrival.
            stops = self._stops_up
            i = len(stops)
            while i > 0 and stops[i - 1].stop_price > order.stop_price:
                i -= 1
        else:
            stops = self._stops_down
            i = len(stops)
            while i > 0 and stops[i - 1].stop_price < order.stop_price:
                i -= 1
        stops.insert(i, order)

    def _remove_stop(self, order: Order) -> None:
        del self._stops[order.order_id]
        stops = self._stops_up if _triggers_up(order) else self._stops_down
        for i in range(len(stops)):
            if stops[i] is order:
                del stops[i]
                return

    def _open_order(self, order_id: int, user_id: str) -> Order | None:
        order = self.find_order(order_id)
        if order is None or order.user_id != user_id:
            return None
        return order

    def _take_out(self, order: Order) -> None:
        if order.level is not None:
            self._remove_resting(order)
        else:
            self._remove_stop(order)

    def _cancel_open(self, order: Order, reason: str) -> None:
        self._take_out(order)
        self._done(order, CANCELED, reason)
        sibling = order.sibling
        if sibling is not None:
            order.sibling = None
            sibling.sibling = None
            self._take_out(sibling)
            self._done(sibling, CANCELED, REASON_OCO)

    def _expire_sibling(self, order: Order) -> None:
        """An OCO leg filled, triggered or expired: the other leg expires."""
        sibling = order.sibling
        if sibling is None:
            return
        order.sibling = None
        sibling.sibling = None
        self._take_out(sibling)
        self._done(sibling, EXPIRED, REASON_OCO)

    def _done(self, order: Order, status: int, reason: str) -> None:
        self._seq += 1
        self._events.append(OrderDone(self.symbol, self._seq, order, status, reason))
        if order.client_order_id:
            self._release_client_id(order)

    def _keeps_priority(self, old: Order, new: Order) -> bool:
        return (
            old.level is not None
            and old.sibling is None
            and (new.order_type == LIMIT_MAKER or (new.order_type == LIMIT and new.time_in_force == GTC))
            and new.side == old.side
            and new.price == old.price
            and 0 < new.quantity <= old.remaining
            and not self._seen.has(new.order_id)
            and self.status == TRADING
            and self._validation_error(new) == ""
            and (new.client_order_id in ("", old.client_order_id) or not self._client_id_taken(new))
        )

    def _replace_in_place(self, old: Order, new: Order) -> None:
        """Swap `new` into `old`'s place in the queue (a same-price quantity reduction)."""
        level = self._level_of(old)
        self._done(old, CANCELED, REASON_REPLACED)
        self._seen.add(new.order_id)
        self._accept(new)
        new.prev = old.prev
        new.next = old.next
        if old.prev is None:
            level.head = new
        else:
            old.prev.next = new
        if old.next is None:
            level.tail = new
        else:
            old.next.prev = new
        new.level = level
        old.prev = None
        old.next = None
        old.level = None
        new.arrival = old.arrival
        level.total += new.remaining - old.remaining
        self._mark(level)
        self._resting.remove(old.order_id)
        self._resting.put(new)

    def _flush_depth(self) -> None:
        count = self._ndirty
        if count == 0:
            return
        dirty = self._dirty
        self._ndirty = 0
        self._seq += 1
        first = self._update_id + 1
        level = dirty[0]
        level.dirty = False
        if count == 1:
            update = DepthUpdate(self.symbol, self._seq, first, level.side, level.price, level.total)
        else:
            # A price can appear twice (a level emptied then re-created): it is reported once, at
            # its first place, with the total of its last level.
            update = DepthUpdate(
                self.symbol, self._seq, first, level.side, level.price, _final_total(dirty, count, 0)
            )
            for i in range(1, count):
                level = dirty[i]
                level.dirty = False
                side = level.side
                price = level.price
                repeated = False
                for j in range(i):
                    if dirty[j].price == price and dirty[j].side == side:
                        repeated = True
                        break
                if not repeated:
                    update.add(side, price, _final_total(dirty, count, i))
        self._update_id += update.count
        update.last_update_id = self._update_id
        self._events.append(update)

    def _collect(self, level: Level, out: list[Order]) -> None:
        order = level.head
        while order is not None:
            out.append(order)
            order = order.next

    # ---- snapshot -----------------------------------------------------------------------------------
    def export_state(self) -> dict[str, Any]:
        spec = self.spec
        orders: list[list[Any]] = []
        for order in self.open_orders():
            where = _RESTING
            if order.order_id in self._stops:
                where = _STOP_UP if _triggers_up(order) else _STOP_DOWN
            sibling = order.sibling
            orders.append(
                [
                    order.order_id,
                    order.client_order_id,
                    order.user_id,
                    order.side,
                    order.order_type,
                    order.time_in_force,
                    order.price,
                    order.quantity,
                    order.quote_quantity,
                    order.stop_price,
                    order.stp_mode,
                    order.order_list_id,
                    order.remaining,
                    order.executed,
                    order.cumulative_quote,
                    order.prevented,
                    order.arrival,
                    where,
                    -1 if sibling is None else sibling.order_id,
                ]
            )
        seen = self._seen.sorted_ids()
        deltas: list[int] = []
        previous = 0
        for order_id in seen:
            deltas.append(order_id - previous)
            previous = order_id
        return {
            "spec": [
                spec.symbol,
                spec.min_price,
                spec.max_price,
                spec.min_qty,
                spec.max_qty,
                spec.min_notional,
            ],
            "counters": [
                self.status,
                self._seq,
                self._trade_id,
                self._update_id,
                self._last_price,
                self._arrival,
            ],
            "orders": orders,
            "seen": deltas,
        }

    @staticmethod
    def from_state(state: dict[str, Any], events: list[Event], reserve_orders: int = 0) -> "OrderBook":
        s = state["spec"]
        spec = SymbolSpec(str(s[0]), int(s[1]), int(s[2]), int(s[3]), int(s[4]), int(s[5]))
        book = OrderBook(spec, events, max(reserve_orders, len(state["orders"])))
        c = state["counters"]
        book.status = int(c[0])
        book._seq = int(c[1])
        book._trade_id = int(c[2])
        book._update_id = int(c[3])
        book._last_price = int(c[4])
        by_id: dict[int, Order] = {}
        siblings: list[tuple[Order, int]] = []
        for row in state["orders"]:
            order = Order(
                int(row[0]),
                str(row[2]),
                int(row[3]),
                int(row[4]),
                int(row[6]),
                int(row[7]),
                int(row[5]),
                str(row[1]),
                int(row[8]),
                int(row[9]),
                int(row[10]),
                int(row[11]),
            )
            order.remaining = int(row[12])
            order.executed = int(row[13])
            order.cumulative_quote = int(row[14])
            order.prevented = int(row[15])
            where = int(row[17])
            if where == _RESTING:
                book._rest(order)
            else:
                book._add_stop(order)
            order.arrival = int(row[16])
            if order.client_order_id:
                book._claim_client_id(order)
            by_id[order.order_id] = order
            if int(row[18]) >= 0:
                siblings.append((order, int(row[18])))
        for order, sibling_id in siblings:
            order.sibling = by_id[sibling_id]
        for i in range(book._ndirty):
            book._dirty[i].dirty = False
        book._ndirty = 0
        book._arrival = int(c[5])
        previous = 0
        for delta in state["seen"]:
            previous += int(delta)
            book._seen.add(previous)
        return book
