"""Settlement planning: engine events + the orders they touch -> what to write. Pure.

The PostgreSQL adapter loads (and locks) the orders a batch references, asks `plan_settlement` what
the events mean, then writes the plan in one transaction. Exactly once per (symbol, seq): events at
or below the symbol's last applied seq are skipped; an event that cannot be settled fails, and so do
the later events of its symbol in the batch (per-symbol order is what makes settlement correct).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from castle.contracts.events import (
    DUPLICATE_REASONS,
    EngineEvent,
    OrderAccepted,
    OrderDone,
    OrderRejected,
    OrderTriggered,
    Trade,
)
from castle.domain.markets import market
from castle.domain.money import to_minor
from castle.ledger.models import OPEN_STATUSES, OrderStatus
from castle.ledger.rules import Posting, fill_for, fill_postings, release_postings

STOP_TYPES = frozenset({"STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT", "STOP_LOSS", "TAKE_PROFIT"})


class SettlementError(ValueError):
    """An event the ledger cannot settle (unknown order, over-consumed hold): a poison record."""


@dataclass(slots=True)
class OrderState:
    """The settlement-relevant part of an order row and its hold, mutated while planning."""

    order_id: int
    user_id: str
    symbol: str
    side: str
    order_type: str
    order_list_id: int | None
    status: OrderStatus
    executed_quantity: int
    cumulative_quote: int
    hold_asset: str
    hold_remaining: int
    hold_open: bool
    working_time_ms: int | None
    updated_at_ms: int
    reject_reason: str | None = None
    dirty: bool = False


@dataclass(frozen=True, slots=True)
class PlannedEntry:
    cause_type: str
    cause_id: str
    leg: str
    postings: tuple[Posting, ...]


@dataclass(frozen=True, slots=True)
class PlannedTrade:
    """One user's side of a fill (a myTrades row)."""

    symbol: str
    trade_id: int
    order_id: int
    order_list_id: int | None
    user_id: str
    price: int
    quantity: int
    quote: int
    commission: int
    commission_asset: str
    time_ms: int
    is_buyer: bool
    is_maker: bool


@dataclass(slots=True)
class SettlementPlan:
    entries: list[PlannedEntry] = field(default_factory=list)
    trades: list[PlannedTrade] = field(default_factory=list)
    last_seq: dict[str, int] = field(default_factory=dict)
    applied: int = 0
    skipped: int = 0
    failed: set[tuple[str, int]] = field(default_factory=set)
    errors: dict[tuple[str, int], str] = field(default_factory=dict)


def referenced_order_ids(events: Iterable[EngineEvent]) -> set[int]:
    ids: set[int] = set()
    for event in events:
        if isinstance(event, Trade):
            ids.update((event.maker_order_id, event.taker_order_id))
        elif isinstance(event, OrderAccepted | OrderRejected | OrderTriggered | OrderDone):
            ids.add(event.order_id)
    return ids


def plan_settlement(
    events: Sequence[EngineEvent], orders: Mapping[int, OrderState], last_seq: Mapping[str, int]
) -> SettlementPlan:
    """Walk the events in order; `orders` is mutated to the state after the applied events."""
    plan = SettlementPlan(last_seq=dict(last_seq))
    blocked: set[str] = set()
    for event in events:
        key = (event.symbol, event.seq)
        if event.symbol in blocked:
            plan.failed.add(key)
            continue
        if event.seq <= plan.last_seq.get(event.symbol, -1):
            plan.skipped += 1
            continue
        entries: list[PlannedEntry] = []
        trades: list[PlannedTrade] = []
        touched: dict[int, OrderState] = {}
        try:
            _plan_event(event, orders, entries, trades, touched)
        except (SettlementError, ValueError, LookupError) as exc:
            plan.failed.add(key)
            plan.errors[key] = str(exc)
            blocked.add(event.symbol)
            continue
        for order_id, state in touched.items():
            _replace(orders, order_id, state)
        plan.entries.extend(entries)
        plan.trades.extend(trades)
        plan.last_seq[event.symbol] = event.seq
        plan.applied += 1
    return plan


def _replace(orders: Mapping[int, OrderState], order_id: int, state: OrderState) -> None:
    target = orders[order_id]
    for name in OrderState.__slots__:
        setattr(target, name, getattr(state, name))


def _working_copy(
    orders: Mapping[int, OrderState], touched: dict[int, OrderState], order_id: int
) -> OrderState:
    """A copy of the order to change, so a failing event leaves `orders` untouched."""
    if order_id in touched:
        return touched[order_id]
    try:
        original = orders[order_id]
    except KeyError as exc:
        raise SettlementError(f"unknown order {order_id}") from exc
    copy = OrderState(**{name: getattr(original, name) for name in OrderState.__slots__})
    touched[order_id] = copy
    return copy


def _plan_event(
    event: EngineEvent,
    orders: Mapping[int, OrderState],
    entries: list[PlannedEntry],
    trades: list[PlannedTrade],
    touched: dict[int, OrderState],
) -> None:
    if isinstance(event, OrderAccepted):
        order = _working_copy(orders, touched, event.order_id)
        if order.status == "PENDING_NEW":
            order.status = "NEW"
            if order.order_type not in STOP_TYPES:
                order.working_time_ms = event.ts_ms
            order.updated_at_ms = event.ts_ms
            order.dirty = True
    elif isinstance(event, OrderTriggered):
        order = _working_copy(orders, touched, event.order_id)
        order.working_time_ms = event.ts_ms
        order.updated_at_ms = event.ts_ms
        order.dirty = True
    elif isinstance(event, Trade):
        _plan_trade(event, orders, entries, trades, touched)
    elif isinstance(event, OrderDone):
        order = _working_copy(orders, touched, event.order_id)
        _finish(order, event.status, event.reason or None, event.ts_ms, entries)
    elif isinstance(event, OrderRejected):
        if event.reason in DUPLICATE_REASONS or event.order_id not in orders:
            return  # the original order keeps its hold; an order never held has nothing to release
        order = _working_copy(orders, touched, event.order_id)
        _finish(order, "REJECTED", event.reason, event.ts_ms, entries)
    # cancel_rejected, depth and symbol_status move no money.


def _finish(
    order: OrderState, status: OrderStatus, reason: str | None, ts_ms: int, entries: list[PlannedEntry]
) -> None:
    if order.status not in OPEN_STATUSES:
        return
    order.status = status
    order.reject_reason = reason
    order.updated_at_ms = ts_ms
    order.dirty = True
    release_hold(order, entries)


def release_hold(order: OrderState, entries: list[PlannedEntry]) -> None:
    """Close the order's hold, giving back what is left of it."""
    if not order.hold_open:
        return
    if order.hold_remaining:
        entries.append(
            PlannedEntry(
                "order",
                str(order.order_id),
                "release",
                tuple(release_postings(order.user_id, order.hold_asset, order.hold_remaining)),
            )
        )
    order.hold_remaining = 0
    order.hold_open = False
    order.dirty = True


def _consume(order: OrderState, asset: str, amount: int) -> None:
    if not order.hold_open or order.hold_asset != asset:
        raise SettlementError(f"order {order.order_id} has no open {asset} hold")
    if amount > order.hold_remaining:
        raise SettlementError(
            f"order {order.order_id}: fill needs {amount} {asset}, hold has {order.hold_remaining}"
        )
    order.hold_remaining -= amount


def _plan_trade(
    event: Trade,
    orders: Mapping[int, OrderState],
    entries: list[PlannedEntry],
    trades: list[PlannedTrade],
    touched: dict[int, OrderState],
) -> None:
    mkt = market(event.symbol)
    maker = _working_copy(orders, touched, event.maker_order_id)
    taker = _working_copy(orders, touched, event.taker_order_id)
    buyer, seller = (taker, maker) if event.taker_side == "BUY" else (maker, taker)
    if buyer.side != "BUY" or seller.side != "SELL":
        raise SettlementError(f"trade {event.trade_id}: order sides do not match the taker side")
    quantity, quote, price = to_minor(event.quantity), to_minor(event.quote_quantity), to_minor(event.price)
    fill = fill_for(mkt, buyer.user_id, seller.user_id, event.taker_side, quantity, quote)
    _consume(buyer, mkt.quote_asset, fill.buyer_debit)
    _consume(seller, mkt.base_asset, quantity)
    for order in (buyer, seller):
        order.executed_quantity += quantity
        order.cumulative_quote += quote
        if order.status in {"PENDING_NEW", "NEW"}:
            order.status = "PARTIALLY_FILLED"
        order.updated_at_ms = event.ts_ms
        order.dirty = True
    entries.append(
        PlannedEntry("trade", f"{event.symbol}:{event.trade_id}", "fill", tuple(fill_postings(fill)))
    )
    for order, commission, is_buyer in ((buyer, fill.buyer_fee, True), (seller, fill.seller_fee, False)):
        trades.append(
            PlannedTrade(
                symbol=event.symbol,
                trade_id=event.trade_id,
                order_id=order.order_id,
                order_list_id=order.order_list_id,
                user_id=order.user_id,
                price=price,
                quantity=quantity,
                quote=quote,
                commission=commission,
                commission_asset=mkt.quote_asset,
                time_ms=event.ts_ms,
                is_buyer=is_buyer,
                is_maker=order is maker,
            )
        )
