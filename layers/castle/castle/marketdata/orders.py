"""Per-order state and fills, as Binance's FULL order responses and executionReports need them."""

from dataclasses import dataclass, replace
from decimal import ROUND_FLOOR, Decimal

from castle.contracts.events import OrderAccepted, OrderDone, OrderRejected, Trade
from castle.domain.markets import MARKETS

ZERO = Decimal(0)
_EIGHT_PLACES = Decimal("0.00000001")


@dataclass(frozen=True, slots=True)
class OrderView:
    order_id: int
    symbol: str
    user_id: str
    client_order_id: str
    side: str
    order_type: str
    time_in_force: str | None
    price: Decimal | None
    quantity: Decimal | None
    quote_quantity: Decimal | None
    stop_price: Decimal | None
    order_list_id: int | None
    status: str
    executed_quantity: Decimal
    cumulative_quote_quantity: Decimal
    created_ms: int
    updated_ms: int
    last_seq: int
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Fill:
    """One trade from one order's side: the fields of a FULL response fill and a TRADE report."""

    order_id: int
    trade_id: int
    symbol: str
    price: Decimal
    quantity: Decimal
    quote_quantity: Decimal
    commission: Decimal
    commission_asset: str
    is_maker: bool
    time: int
    cumulative_quantity: Decimal
    cumulative_quote_quantity: Decimal
    status_after: str
    seq: int


def accepted(event: OrderAccepted) -> OrderView:
    return OrderView(
        order_id=event.order_id,
        symbol=event.symbol,
        user_id=event.user_id,
        client_order_id=event.client_order_id,
        side=event.side,
        order_type=event.order_type,
        time_in_force=event.time_in_force,
        price=event.price,
        quantity=event.quantity,
        quote_quantity=event.quote_quantity,
        stop_price=event.stop_price,
        order_list_id=event.order_list_id,
        status="NEW",
        executed_quantity=ZERO,
        cumulative_quote_quantity=ZERO,
        created_ms=event.ts_ms,
        updated_ms=event.ts_ms,
        last_seq=event.seq,
    )


def rejected(event: OrderRejected, known: OrderView | None) -> OrderView:
    base = known or OrderView(
        order_id=event.order_id,
        symbol=event.symbol,
        user_id=event.user_id,
        client_order_id=event.client_order_id,
        side="",
        order_type="",
        time_in_force=None,
        price=None,
        quantity=None,
        quote_quantity=None,
        stop_price=None,
        order_list_id=None,
        status="NEW",
        executed_quantity=ZERO,
        cumulative_quote_quantity=ZERO,
        created_ms=event.ts_ms,
        updated_ms=event.ts_ms,
        last_seq=0,
    )
    return replace(base, status="REJECTED", reason=event.reason, updated_ms=event.ts_ms, last_seq=event.seq)


def commission(event: Trade, *, is_maker: bool) -> tuple[Decimal, str]:
    """Quote-asset fee of one side of a fill: floor(quote * bps / 10000) at 1e-8 (the ledger's rule)."""
    market = MARKETS.get(event.symbol)
    if market is None:
        return ZERO, ""
    bps = market.maker_fee_bps if is_maker else market.taker_fee_bps
    fee = (event.quote_quantity * bps / 10000).quantize(_EIGHT_PLACES, rounding=ROUND_FLOOR)
    return fee, market.quote_asset


def filled(order: OrderView, event: Trade) -> tuple[OrderView, Fill]:
    """The order after its side of `event`, and the fill record."""
    is_maker = event.maker_order_id == order.order_id
    executed = order.executed_quantity + event.quantity
    quote = order.cumulative_quote_quantity + event.quote_quantity
    complete = order.quantity is not None and executed >= order.quantity
    status = "FILLED" if complete else "PARTIALLY_FILLED"
    fee, fee_asset = commission(event, is_maker=is_maker)
    fill = Fill(
        order_id=order.order_id,
        trade_id=event.trade_id,
        symbol=event.symbol,
        price=event.price,
        quantity=event.quantity,
        quote_quantity=event.quote_quantity,
        commission=fee,
        commission_asset=fee_asset,
        is_maker=is_maker,
        time=event.ts_ms,
        cumulative_quantity=executed,
        cumulative_quote_quantity=quote,
        status_after=status,
        seq=event.seq,
    )
    view = replace(
        order,
        status=status,
        executed_quantity=executed,
        cumulative_quote_quantity=quote,
        updated_ms=event.ts_ms,
        last_seq=event.seq,
    )
    return view, fill


def done(order: OrderView, event: OrderDone) -> OrderView:
    return replace(
        order,
        status=event.status,
        executed_quantity=event.executed_quantity,
        cumulative_quote_quantity=event.cumulative_quote_quantity,
        reason=event.reason,
        updated_ms=event.ts_ms,
        last_seq=event.seq,
    )
