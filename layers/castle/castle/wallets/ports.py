"""The wallet store port (PostgreSQL: castle.adapters.postgres.wallet_store.PostgresWalletStore)."""

from collections.abc import Callable
from typing import Any, Protocol

from castle.wallets.records import LimitFacts, NewWithdrawal, WalletProfile, Withdrawal
from castle.wallets.withdrawal import WithdrawalStatus


class WithdrawalStore(Protocol):
    def create(self, request: NewWithdrawal) -> tuple[Withdrawal, bool]:
        """Insert (status REQUESTED, one history event) or return the existing withdrawal of the same
        (user, idempotency key); the bool says whether it was created now."""

    def get(self, withdrawal_id: str, with_history: bool = False) -> Withdrawal | None: ...

    def list_for_user(self, user_id: str, limit: int = 50) -> list[Withdrawal]: ...

    def transition(
        self,
        withdrawal_id: str,
        status: WithdrawalStatus,
        step: str,
        detail: dict[str, Any] | None = None,
        **fields: Any,
    ) -> Withdrawal:
        """Move to `status` (setting `fields`) and append a history event, unless already terminal."""

    def record_event(self, withdrawal_id: str, step: str, detail: dict[str, Any]) -> None:
        """A history event without a status change (a retry, a notification)."""

    def decide_limits(self, withdrawal_id: str, decide: Callable[[Withdrawal, LimitFacts], bool]) -> bool:
        """Run `decide` over the user's limit facts holding the user's lock (so two withdrawals of one
        user are checked one after the other); on success add the address to the allow-list and
        mark LIMITS_CHECKED. Returns decide's answer (whether an administrator must approve)."""


class WalletProfileStore(Protocol):
    def profile(self, user_id: str) -> WalletProfile: ...

    def save_profile(self, profile: WalletProfile) -> None: ...

    def accept_totp_counter(self, user_id: str, counter: int) -> bool:
        """Record a used TOTP time step; False when it (or a later one) was already used."""

    def allowed_addresses(self, user_id: str) -> list[tuple[str, str, str]]: ...

    def add_allowed_address(self, user_id: str, asset: str, network: str, address: str) -> None: ...


class DepositAddressStore(Protocol):
    def deposit_address(self, user_id: str, asset: str, network: str) -> str | None: ...

    def claim_deposit_address(self, user_id: str, asset: str, network: str, address: str, index: int) -> bool:
        """Store the user's address; False when another user (or asset) already owns it."""

    def owner_of(self, network: str, address: str) -> tuple[str, str] | None:
        """(user_id, asset) of a deposit address."""
