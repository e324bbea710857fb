"""The ledger port: what the API, settlement, positions, deposits and withdrawals code against.

The system of record is PostgreSQL (castle.adapters.postgres.ledger_store.PostgresLedger, obtained
with `get_ledger()`). Every money movement is a balanced double-entry journal entry, idempotent by its
cause id; no user balance can go negative (the database refuses it).
"""

from collections.abc import Sequence
from typing import Protocol

from castle.contracts.events import EngineEvent
from castle.ledger.models import (
    Balance,
    Deposit,
    OrderRecord,
    OrderRequest,
    Position,
    SettlementOutcome,
    UserTrade,
    WithdrawalHold,
)

__all__ = [
    "AccountLedger",
    "Balance",
    "Deposit",
    "DepositLedger",
    "Ledger",
    "OrderLedger",
    "OrderRecord",
    "OrderRequest",
    "Position",
    "SettlementLedger",
    "SettlementOutcome",
    "UserTrade",
    "WithdrawalHold",
    "WithdrawalLedger",
]


class AccountLedger(Protocol):
    def ensure_account(self, user_id: str, email: str | None = None) -> None:
        """Create the user and its ledger account if missing (idempotent)."""

    def balances(self, user_id: str) -> list[Balance]:
        """Free/locked per asset, every listed asset included (zero when never funded)."""

    def positions(self, user_id: str) -> list[Position]:
        """Positions kept by the positions consumer, one per symbol traded."""


class OrderLedger(Protocol):
    def reserve_order(self, request: OrderRequest) -> OrderRecord:
        """One transaction: allocate the order id, insert the order (PENDING_NEW), hold its funds.

        Idempotent by (user_id, client_order_id): the same request again returns the same order with
        `replayed=True` and no second hold. Raises castle.errors.InsufficientBalanceError when the
        funds are short, DuplicateRequestError when the clientOrderId was used for a different order,
        InvalidSymbolError / BadParameterError for an order the ledger cannot price a hold for.
        """

    def release_order(self, order_id: int, reason: str) -> OrderRecord | None:
        """Compensation when the command never reached the engine: mark REJECTED, release the whole
        remaining hold. Idempotent; does nothing to an order the engine already acknowledged."""

    def get_order(
        self, user_id: str, symbol: str, order_id: int | None = None, client_order_id: str | None = None
    ) -> OrderRecord | None: ...

    def open_orders(self, user_id: str, symbol: str | None = None) -> list[OrderRecord]: ...

    def all_orders(
        self,
        user_id: str,
        symbol: str,
        order_id: int | None = None,
        start_time_ms: int | None = None,
        end_time_ms: int | None = None,
        limit: int = 500,
    ) -> list[OrderRecord]:
        """Binance allOrders: orderId >= order_id (else the most recent), time window, oldest first."""

    def user_trades(
        self,
        user_id: str,
        symbol: str,
        order_id: int | None = None,
        start_time_ms: int | None = None,
        end_time_ms: int | None = None,
        from_id: int | None = None,
        limit: int = 500,
    ) -> list[UserTrade]:
        """Binance myTrades: trade id >= from_id (else the most recent), time window, oldest first."""


class SettlementLedger(Protocol):
    def apply_events(self, events: Sequence[EngineEvent]) -> SettlementOutcome:
        """Settle engine events exactly once per (symbol, seq), in order per symbol."""


class DepositLedger(Protocol):
    def record_deposit(
        self, tx_id: str, user_id: str, asset: str, amount_minor: int, confirmations: int
    ) -> Deposit:
        """Chain watcher: record/refresh a deposit; credits it once confirmations reach the asset's
        requirement (castle.ledger.rules.REQUIRED_CONFIRMATIONS). Idempotent by tx_id."""

    def credit_deposit(self, tx_id: str, user_id: str, asset: str, amount_minor: int) -> Deposit:
        """Credit a deposit now (admin/test path). Idempotent by tx_id."""


class WithdrawalLedger(Protocol):
    def hold_withdrawal(
        self, withdrawal_id: str, user_id: str, asset: str, amount_minor: int
    ) -> WithdrawalHold:
        """available -> held; idempotent by withdrawal_id; InsufficientBalanceError when short."""

    def release_withdrawal(self, withdrawal_id: str) -> WithdrawalHold:
        """held -> available (rejected/failed withdrawal). Idempotent; no-op once settled."""

    def settle_withdrawal(self, withdrawal_id: str, fee_minor: int) -> WithdrawalHold:
        """The hold leaves: amount - fee to the external withdrawals account, fee to the fee account."""


class Ledger(AccountLedger, OrderLedger, SettlementLedger, DepositLedger, WithdrawalLedger, Protocol):
    """Everything at once (the PostgreSQL adapter implements all of it)."""
