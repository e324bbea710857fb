"""Withdrawal states and the rules between them (which steps need an administrator)."""

import uuid
from enum import StrEnum

from castle.wallets.networks import Network

# A fixed namespace: the withdrawal id of (user, idempotency key) is the same on every retry.
_WITHDRAWAL_NAMESPACE = uuid.UUID("8a3c2f0e-5b7d-4e59-9d61-0c6f1f2d7a11")


class WithdrawalStatus(StrEnum):
    REQUESTED = "REQUESTED"
    VALIDATED = "VALIDATED"
    LIMITS_CHECKED = "LIMITS_CHECKED"
    HELD = "HELD"
    AWAITING_APPROVAL = "AWAITING_APPROVAL"
    APPROVED = "APPROVED"
    BROADCAST = "BROADCAST"
    CONFIRMING = "CONFIRMING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


TERMINAL = frozenset({WithdrawalStatus.COMPLETED, WithdrawalStatus.FAILED})


def withdrawal_id_for(user_id: str, idempotency_key: str) -> str:
    """The same request retried (same user, same key) is the same withdrawal and the same execution."""
    return str(uuid.uuid5(_WITHDRAWAL_NAMESPACE, f"{user_id}\n{idempotency_key}"))


def requires_approval(network: Network, amount_minor: int, account_flagged: bool) -> bool:
    return account_flagged or amount_minor > network.approval_threshold_minor
