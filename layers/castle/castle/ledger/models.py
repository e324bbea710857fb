"""Value objects of the ledger, shared by its port, its PostgreSQL adapter and the API.

Amounts are integer minor units (1e-8) inside; the `as_binance()` views give Binance's decimal strings.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from castle.contracts.commands import OrderType, Side, TimeInForce
from castle.domain.money import format_minor, from_minor, to_minor

OrderStatus = Literal[
    "PENDING_NEW", "NEW", "PARTIALLY_FILLED", "FILLED", "CANCELED", "EXPIRED", "EXPIRED_IN_MATCH", "REJECTED"
]
OPEN_STATUSES: frozenset[str] = frozenset({"PENDING_NEW", "NEW", "PARTIALLY_FILLED"})


def _minor_or_none(value: Decimal | None) -> int | None:
    return None if value is None else to_minor(value)


def _text(minor: int | None) -> str:
    return format_minor(minor or 0)


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """What the API asks the ledger to hold funds for. Decimal amounts, as validated by the API."""

    user_id: str
    symbol: str
    side: Side
    order_type: OrderType
    client_order_id: str
    created_at_ms: int
    time_in_force: TimeInForce | None = None
    price: Decimal | None = None
    quantity: Decimal | None = None
    quote_quantity: Decimal | None = None
    stop_price: Decimal | None = None
    order_list_id: int | None = None

    @property
    def price_minor(self) -> int | None:
        return _minor_or_none(self.price)

    @property
    def quantity_minor(self) -> int | None:
        return _minor_or_none(self.quantity)

    @property
    def quote_quantity_minor(self) -> int | None:
        return _minor_or_none(self.quote_quantity)

    @property
    def stop_price_minor(self) -> int | None:
        return _minor_or_none(self.stop_price)


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """An order of record (the `orders` row) and its hold."""

    order_id: int
    user_id: str
    symbol: str
    side: Side
    order_type: OrderType
    time_in_force: TimeInForce | None
    client_order_id: str
    order_list_id: int | None
    price_minor: int | None
    quantity_minor: int | None
    quote_quantity_minor: int | None
    stop_price_minor: int | None
    status: OrderStatus
    executed_quantity_minor: int
    cumulative_quote_minor: int
    hold_asset: str
    hold_minor: int
    # What the engine gets as `quote_quantity`: quoteOrderQty, or the budget cap of a MARKET BUY by
    # quantity (its hold minus the maximum fee). None when the order has no quote amount.
    engine_quote_quantity_minor: int | None
    created_at_ms: int
    updated_at_ms: int
    working_time_ms: int | None
    reject_reason: str | None = None
    # True when reserve_order found this order already placed by the same (user, clientOrderId).
    replayed: bool = False

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def engine_quote_quantity(self) -> Decimal | None:
        minor = self.engine_quote_quantity_minor
        return None if minor is None else from_minor(minor)

    def as_binance(self) -> dict[str, Any]:
        """Binance's order shape (GET /api/v3/order, openOrders, allOrders)."""
        return {
            "symbol": self.symbol,
            "orderId": self.order_id,
            "orderListId": -1 if self.order_list_id is None else self.order_list_id,
            "clientOrderId": self.client_order_id,
            "price": _text(self.price_minor),
            "origQty": _text(self.quantity_minor),
            "executedQty": _text(self.executed_quantity_minor),
            "cummulativeQuoteQty": _text(self.cumulative_quote_minor),
            "status": "NEW" if self.status == "PENDING_NEW" else self.status,
            "timeInForce": self.time_in_force or "GTC",
            "type": self.order_type,
            "side": self.side,
            "stopPrice": _text(self.stop_price_minor),
            "icebergQty": "0.00000000",
            "time": self.created_at_ms,
            "updateTime": self.updated_at_ms,
            "isWorking": self.working_time_ms is not None,
            "workingTime": -1 if self.working_time_ms is None else self.working_time_ms,
            "origQuoteOrderQty": _text(self.quote_quantity_minor),
            "selfTradePreventionMode": "NONE",
        }


@dataclass(frozen=True, slots=True)
class UserTrade:
    """One side of one fill, as Binance's GET /api/v3/myTrades returns it."""

    symbol: str
    trade_id: int
    order_id: int
    order_list_id: int | None
    user_id: str
    price_minor: int
    quantity_minor: int
    quote_quantity_minor: int
    commission_minor: int
    commission_asset: str
    time_ms: int
    is_buyer: bool
    is_maker: bool

    def as_binance(self) -> dict[str, Any]:
        return {
            "symbol": self.symbol,
            "id": self.trade_id,
            "orderId": self.order_id,
            "orderListId": -1 if self.order_list_id is None else self.order_list_id,
            "price": _text(self.price_minor),
            "qty": _text(self.quantity_minor),
            "quoteQty": _text(self.quote_quantity_minor),
            "commission": _text(self.commission_minor),
            "commissionAsset": self.commission_asset,
            "time": self.time_ms,
            "isBuyer": self.is_buyer,
            "isMaker": self.is_maker,
            "isBestMatch": True,
        }


@dataclass(frozen=True, slots=True)
class Balance:
    asset: str
    free_minor: int
    locked_minor: int

    def as_binance(self) -> dict[str, str]:
        return {"asset": self.asset, "free": _text(self.free_minor), "locked": _text(self.locked_minor)}


@dataclass(frozen=True, slots=True)
class Position:
    """Net base quantity bought through trades, its average entry price and realized PnL (quote)."""

    user_id: str
    symbol: str
    quantity_minor: int
    cost_basis_minor: int
    realized_pnl_minor: int
    updated_seq: int

    @property
    def average_entry_price(self) -> Decimal:
        if self.quantity_minor == 0:
            return Decimal("0E-8")
        # price = cost (quote minor) / quantity (base minor); both in 1e-8 so the scales cancel.
        return (Decimal(self.cost_basis_minor) / Decimal(self.quantity_minor)).quantize(Decimal("1E-8"))

    def as_dict(self) -> dict[str, str | int]:
        return {
            "symbol": self.symbol,
            "quantity": _text(self.quantity_minor),
            "averageEntryPrice": f"{self.average_entry_price:f}",
            "costBasis": _text(self.cost_basis_minor),
            "realizedPnl": format_minor(self.realized_pnl_minor)
            if self.realized_pnl_minor >= 0
            else "-" + format_minor(-self.realized_pnl_minor),
        }


DepositStatus = Literal["PENDING", "CREDITED"]


@dataclass(frozen=True, slots=True)
class Deposit:
    tx_id: str
    user_id: str
    asset: str
    amount_minor: int
    confirmations: int
    required_confirmations: int
    status: DepositStatus


WithdrawalHoldStatus = Literal["HELD", "RELEASED", "SETTLED"]


@dataclass(frozen=True, slots=True)
class WithdrawalHold:
    withdrawal_id: str
    user_id: str
    asset: str
    amount_minor: int
    status: WithdrawalHoldStatus
    fee_minor: int = 0


@dataclass(frozen=True, slots=True)
class SettlementOutcome:
    """What one apply_events call did: how many events it applied, skipped as already applied, and
    which (symbol, seq) failed (a failed event blocks the later events of its symbol)."""

    applied: int
    skipped: int
    failed: frozenset[tuple[str, int]]
    errors: Mapping[tuple[str, int], str] = field(default_factory=dict)
