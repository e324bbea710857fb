"""What the wallet store keeps: withdrawals, their history, wallet profiles (pure data)."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from castle.domain.money import format_minor
from castle.wallets.withdrawal import WithdrawalStatus


@dataclass(frozen=True, slots=True)
class NewWithdrawal:
    withdrawal_id: str
    user_id: str
    idempotency_key: str
    asset: str
    network: str
    address: str
    amount_minor: int
    fee_minor: int
    two_factor_verified: bool

    def same_request_as(self, other: "Withdrawal") -> bool:
        return (self.asset, self.network, self.address, self.amount_minor) == (
            other.asset,
            other.network,
            other.address,
            other.amount_minor,
        )


@dataclass(frozen=True, slots=True)
class WithdrawalEvent:
    step: str
    status: str
    detail: dict[str, Any]
    at: datetime

    def as_json(self) -> dict[str, Any]:
        return {"step": self.step, "status": self.status, "detail": self.detail, "at": self.at.isoformat()}


@dataclass(frozen=True, slots=True)
class Withdrawal:
    withdrawal_id: str
    user_id: str
    idempotency_key: str
    asset: str
    network: str
    address: str
    amount_minor: int
    fee_minor: int
    status: WithdrawalStatus
    failure_reason: str | None
    two_factor_verified: bool
    requires_approval: bool
    hold_placed: bool
    tx_id: str | None
    confirmations: int
    reviewed_by: str | None
    created_at: datetime
    updated_at: datetime
    history: tuple[WithdrawalEvent, ...] = field(default=())

    @property
    def hold_minor(self) -> int:
        """What leaves the user's balance: the amount sent plus the network fee."""
        return self.amount_minor + self.fee_minor

    def as_json(self, with_history: bool = False) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.withdrawal_id,
            "asset": self.asset,
            "network": self.network,
            "address": self.address,
            "amount": format_minor(self.amount_minor),
            "fee": format_minor(self.fee_minor),
            "status": self.status.value,
            "failureReason": self.failure_reason,
            "requiresApproval": self.requires_approval,
            "txId": self.tx_id,
            "confirmations": self.confirmations,
            "createdAt": self.created_at.isoformat(),
            "updatedAt": self.updated_at.isoformat(),
        }
        if with_history:
            body["history"] = [event.as_json() for event in self.history]
        return body


@dataclass(frozen=True, slots=True)
class WalletProfile:
    user_id: str
    kyc_tier: int = 1
    totp_secret: str | None = None
    totp_last_counter: int = 0
    risk_flagged: bool = False


@dataclass(frozen=True, slots=True)
class LimitFacts:
    """Everything the limit rules look at, read together under the user's lock."""

    profile: WalletProfile
    used_24h_minor: int
    address_known: bool
