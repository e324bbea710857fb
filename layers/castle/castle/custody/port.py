"""The custody port: what the withdrawal workflow needs from a wallet provider or a chain node."""

from dataclasses import dataclass
from typing import Protocol


class TransientError(Exception):
    """A failure worth retrying (timeouts, throttling, a node briefly unreachable).

    The name is part of the workflow's contract: the state machine's Retry matches on "TransientError".
    """


class CustodyRejectedError(Exception):
    """The provider refused the transaction for good (bad address, frozen funds, policy)."""


@dataclass(frozen=True, slots=True)
class OutgoingTransfer:
    withdrawal_id: str
    asset: str
    network: str
    address: str
    amount_minor: int


class Custody(Protocol):
    def broadcast(self, transfer: OutgoingTransfer) -> str:
        """Sign and send; idempotent by withdrawal id (the same id returns the same tx id)."""
        ...

    def confirmations(self, tx_id: str) -> int:
        """How deep the transaction is on the chain now (0 while in the mempool)."""
        ...
