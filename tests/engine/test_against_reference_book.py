"""Hypothesis stateful test: the engine and the naive reference book see the same commands and must
produce the same trades, outcomes and book, with the book never crossed, quantity conserved, depth
updates reproducing the book, and snapshot/restore in the middle changing nothing."""

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from castle_engine import (
    BUY,
    CANCELED,
    EXPIRED,
    EXPIRED_IN_MATCH,
    FILLED,
    GTC,
    LIMIT_MAKER,
    SELL,
    CancelRejected,
    DepthUpdate,
    Engine,
    Event,
    OrderAccepted,
    OrderDone,
    OrderRejected,
    Trade,
)
from tests.engine.conftest import ENGINE_SETTINGS
from tests.engine.harness import SYMBOL, limit, market, new_engine
from tests.engine.reference_book import Outcome, ReferenceBook

USERS = st.sampled_from(["alice", "bob", "carol"])
SIDES = st.sampled_from([BUY, SELL])
PRICES = st.integers(min_value=95, max_value=105)
QTYS = st.integers(min_value=1, max_value=12)
STPS = st.integers(min_value=0, max_value=4)
MIN_NOTIONAL = 200


def outcomes(events: list[Event]) -> list[Outcome]:
    """The engine's events in the reference book's vocabulary (depth updates aside)."""
    out: list[Outcome] = []
    for e in events:
        if isinstance(e, OrderAccepted):
            out.append(("A", e.order_id))
        elif isinstance(e, OrderRejected):
            out.append(("R", e.order_id, e.reason))
        elif isinstance(e, CancelRejected):
            out.append(("CR", e.order_id, e.reason))
        elif isinstance(e, Trade):
            out.append(("T", e.price, e.quantity, e.maker_order_id, e.taker_order_id))
        elif isinstance(e, OrderDone):
            out.append(("D", e.order_id, e.status, e.executed_quantity, e.cumulative_quote_quantity))
    return out


class EngineVersusReference(RuleBasedStateMachine):
    engine: Engine

    @initialize()
    def start(self) -> None:
        self.engine = new_engine(min_notional=MIN_NOTIONAL)
        self.reference = ReferenceBook(min_notional=MIN_NOTIONAL)
        self.next_id = 1
        self.users: dict[int, str] = {}
        self.submitted: dict[int, int] = {}  # accepted order id -> quantity (limit orders only)
        self.filled: dict[int, int] = {}
        self.closed: dict[int, int] = {}  # order id -> quantity cancelled or expired at done
        self.l2: dict[int, dict[int, int]] = {BUY: {}, SELL: {}}
        self.last_update_id = 0
        self.seq = 0
        self.compare()

    def new_id(self, user: str) -> int:
        order_id = self.next_id
        self.next_id += 1
        self.users[order_id] = user
        return order_id

    @rule(user=USERS, side=SIDES, price=PRICES, qty=QTYS, tif=st.integers(0, 2), stp=STPS)
    def submit_limit(self, user: str, side: int, price: int, qty: int, tif: int, stp: int) -> None:
        order_id = self.new_id(user)
        self.engine.submit(SYMBOL, limit(order_id, user, side, price, qty, tif=tif, stp=stp))
        self.reference.limit(order_id, user, side, price, qty, tif, stp)
        self.compare(limit_qty=(order_id, qty))

    @rule(user=USERS, side=SIDES, price=PRICES, qty=QTYS)
    def submit_post_only(self, user: str, side: int, price: int, qty: int) -> None:
        order_id = self.new_id(user)
        self.engine.submit(SYMBOL, limit(order_id, user, side, price, qty, order_type=LIMIT_MAKER))
        self.reference.limit_maker(order_id, user, side, price, qty)
        self.compare(limit_qty=(order_id, qty))

    @rule(
        user=USERS,
        side=SIDES,
        qty=st.integers(0, 30),
        quote=st.sampled_from([0, 0, 150, 400, 2500]),
        stp=STPS,
    )
    def submit_market(self, user: str, side: int, qty: int, quote: int, stp: int) -> None:
        order_id = self.new_id(user)
        self.engine.submit(SYMBOL, market(order_id, user, side, qty=qty, quote=quote, stp=stp))
        self.reference.market(order_id, user, side, qty, quote, stp)
        self.compare()

    @precondition(lambda self: self.next_id > 1)
    @rule(data=st.data(), intruder=st.booleans())
    def cancel(self, data: st.DataObject, intruder: bool) -> None:
        order_id = data.draw(st.integers(1, self.next_id - 1))
        user = "mallory" if intruder else self.users[order_id]
        self.engine.cancel(SYMBOL, order_id, user)
        self.reference.cancel(order_id, user)
        self.compare()

    @precondition(lambda self: self.next_id > 1)
    @rule(user=USERS, side=SIDES, price=PRICES, qty=QTYS)
    def resubmit_a_used_order_id(self, user: str, side: int, price: int, qty: int) -> None:
        self.engine.submit(SYMBOL, limit(1, user, side, price, qty))
        self.reference.limit(1, user, side, price, qty, GTC, 0)
        self.compare()

    @rule()
    def fail_over_to_a_restored_standby(self) -> None:
        standby = Engine()
        standby.restore(self.engine.snapshot())
        assert standby.snapshot() == self.engine.snapshot()
        self.engine = standby

    # ---- checks ----
    def compare(self, limit_qty: tuple[int, int] | None = None) -> None:
        events = self.engine.drain()
        for event in events:
            self.seq += 1
            assert event.seq == self.seq, "sequence numbers must have no gaps"
            if isinstance(event, DepthUpdate):
                assert event.first_update_id == self.last_update_id + 1
                assert event.last_update_id == self.last_update_id + len(event.bids) + len(event.asks)
                self.last_update_id = event.last_update_id
                for side, levels in ((BUY, event.bids), (SELL, event.asks)):
                    for price, total in levels:
                        if total:
                            self.l2[side][price] = total
                        else:
                            self.l2[side].pop(price, None)
            if isinstance(event, OrderAccepted) and limit_qty is not None and event.order_id == limit_qty[0]:
                self.submitted[event.order_id] = limit_qty[1]
            if isinstance(event, Trade):
                for order_id in (event.maker_order_id, event.taker_order_id):
                    self.filled[order_id] = self.filled.get(order_id, 0) + event.quantity
            if isinstance(event, OrderDone) and event.order_id in self.submitted:
                assert event.executed_quantity == self.filled.get(event.order_id, 0)
                assert event.status in (FILLED, CANCELED, EXPIRED, EXPIRED_IN_MATCH)
                # For FILLED this is what DECREMENT self-trade prevention took off the order.
                self.closed[event.order_id] = self.submitted[event.order_id] - event.executed_quantity
        expected = self.reference.out[:]
        self.reference.out.clear()
        assert outcomes(events) == expected

    @invariant()
    def book_is_never_crossed(self) -> None:
        _, bids, asks = self.engine.depth_snapshot(SYMBOL, 1000)
        if bids and asks:
            assert bids[0][0] < asks[0][0]

    @invariant()
    def book_matches_the_reference_level_by_level_and_order_by_order(self) -> None:
        _, bids, asks = self.engine.depth_snapshot(SYMBOL, 1000)
        assert bids == self.reference.levels(BUY)
        assert asks == self.reference.levels(SELL)
        engine_queue = [(o.order_id, o.remaining) for o in self.engine.open_orders(SYMBOL)]
        assert engine_queue == self.reference.queue()

    @invariant()
    def depth_updates_reproduce_the_book(self) -> None:
        last_update_id, bids, asks = self.engine.depth_snapshot(SYMBOL, 1000)
        assert last_update_id == self.last_update_id
        assert sorted(bids, reverse=True) == sorted(self.l2[BUY].items(), reverse=True)
        assert sorted(asks) == sorted(self.l2[SELL].items())

    @invariant()
    def quantity_is_conserved(self) -> None:
        """submitted = filled + cancelled/expired (incl. STP-prevented) + resting (+ its prevented part)."""
        open_orders = {o.order_id: o for o in self.engine.open_orders(SYMBOL)}
        submitted = sum(self.submitted.values())
        filled = sum(q for order_id, q in self.filled.items() if order_id in self.submitted)
        closed = sum(self.closed.values())
        resting = sum(o.remaining + o.prevented for o in open_orders.values())
        assert submitted == filled + closed + resting


EngineVersusReference.TestCase.settings = ENGINE_SETTINGS
test_engine_behaves_like_the_naive_reference_book = EngineVersusReference.TestCase
