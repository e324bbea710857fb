"""Engine inputs: a symbol's trading rules and an order. Everything is integer ticks and lots.

A price is a number of ticks, a quantity a number of lots, and a quote amount ("tick-lots") is
price_ticks * qty_lots; the host converts decimal strings with the symbol's tick and lot size.
"""

from mypy_extensions import mypyc_attr

from castle_engine.codes import BUY, GTC, LIMIT, STP_NONE


class SymbolSpec:
    """Trading rules of one symbol, in ticks, lots and tick-lots. A zero maximum means unbounded."""

    symbol: str
    min_price: int
    max_price: int
    min_qty: int
    max_qty: int
    min_notional: int

    def __init__(
        self,
        symbol: str,
        min_price: int = 1,
        max_price: int = 0,
        min_qty: int = 1,
        max_qty: int = 0,
        min_notional: int = 0,
    ) -> None:
        self.symbol = symbol
        self.min_price = min_price
        self.max_price = max_price
        self.min_qty = min_qty
        self.max_qty = max_qty
        self.min_notional = min_notional


# Keyed objects (orders, levels, id and price buckets) are `acyclic` for mypyc: the cyclic garbage
# collector does not track them, so it never scans the book (a young collection of a busy host's new
# orders took 7-9 ms), and an order is 16 bytes smaller and cheaper to make and free. Resting orders
# and their levels do refer to each other, so the engine keeps them free of garbage cycles itself:
# it clears an order's links (FIFO neighbours, level, OCO sibling) when the order leaves the book,
# and OrderBook.release() clears them all when a whole book is dropped.
@mypyc_attr(acyclic=True)
class Keyed:
    """An object an IntIndex holds: `index_key` is its order id (Order) or price (Level)."""

    index_key: int


@mypyc_attr(acyclic=True)
class Order(Keyed):
    """One order. The engine takes ownership of the object (it becomes the resting book entry): do
    not reuse or mutate it after submitting.

    price: limit price in ticks (0 for MARKET). quantity: lots (0 for a MARKET order by quote only).
    quote_quantity: tick-lots budget of a MARKET order (quoteOrderQty, or the cap of a MARKET BUY by
    quantity; 0 = none). stop_price: ticks, for STOP_LOSS_LIMIT / TAKE_PROFIT_LIMIT.
    order_list_id: the OCO list id, or -1.

    The engine-maintained state: `remaining` (lots still open), `executed` (lots filled),
    `cumulative_quote` (tick-lots filled), `prevented` (lots expired by DECREMENT self-trade
    prevention while the order stayed open).
    """

    # Declared in the order of the object's memory layout: first what matching and cancelling read
    # and write (id, owner, remaining quantity, the FIFO links and price level of a resting order, the
    # OCO sibling, the client order id that finishing an order looks up), so that a cancel or a fill
    # touches one or two cache lines of the order, not three.
    order_id: int
    user_id: str
    remaining: int
    prev: "Order | None"
    next: "Order | None"
    level: "Level | None"
    sibling: "Order | None"
    client_order_id: str
    executed: int
    cumulative_quote: int
    side: int
    price: int
    stp_mode: int
    order_type: int
    time_in_force: int
    quantity: int
    quote_quantity: int
    stop_price: int
    order_list_id: int
    prevented: int
    arrival: int

    def __init__(
        self,
        order_id: int,
        user_id: str,
        side: int = BUY,
        order_type: int = LIMIT,
        price: int = 0,
        quantity: int = 0,
        time_in_force: int = GTC,
        client_order_id: str = "",
        quote_quantity: int = 0,
        stop_price: int = 0,
        stp_mode: int = STP_NONE,
        order_list_id: int = -1,
    ) -> None:
        self.order_id = order_id
        self.index_key = order_id
        self.client_order_id = client_order_id
        self.user_id = user_id
        self.side = side
        self.order_type = order_type
        self.time_in_force = time_in_force
        self.price = price
        self.quantity = quantity
        self.quote_quantity = quote_quantity
        self.stop_price = stop_price
        self.stp_mode = stp_mode
        self.order_list_id = order_list_id
        self.remaining = quantity
        self.executed = 0
        self.cumulative_quote = 0
        self.prevented = 0
        self.prev = None
        self.next = None
        self.sibling = None
        self.level = None
        self.arrival = 0

    def __repr__(self) -> str:
        return (
            f"Order(id={self.order_id}, user={self.user_id!r}, side={self.side}, type={self.order_type}, "
            f"price={self.price}, qty={self.quantity}, remaining={self.remaining}, executed={self.executed})"
        )


@mypyc_attr(acyclic=True)
class Level(Keyed):
    """All resting orders at one price of one side of a book, oldest first (an intrusive FIFO)."""

    price: int
    side: int
    total: int
    count: int
    head: Order | None
    tail: Order | None
    dirty: bool

    def __init__(self, price: int, side: int) -> None:
        self.price = price
        self.index_key = price
        self.side = side
        self.total = 0
        self.count = 0
        self.head = None
        self.tail = None
        self.dirty = False
