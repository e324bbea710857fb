"""A deterministic simulated chain behind the Custody port, with failures scripted per address.

Tx ids are a hash of the withdrawal id (so broadcasting twice gives one transaction); every poll of
`confirmations` adds `blocks_per_poll` blocks. Scripts make a destination address misbehave, the way
card networks publish test card numbers: tests (and demos) choose the address, not a mock.
State lives in the process (one Lambda container, one local stack), which is what a simulator needs.
"""

import hashlib
import threading
from dataclasses import dataclass, field

from castle.custody.port import CustodyRejectedError, OutgoingTransfer, TransientError


@dataclass
class AddressScript:
    transient_broadcast_failures: int = 0
    reject_broadcast: bool = False
    never_confirms: bool = False


@dataclass
class SimulatedChain:
    blocks_per_poll: int = 1
    scripts: dict[str, AddressScript] = field(default_factory=dict)
    _transactions: dict[str, OutgoingTransfer] = field(default_factory=dict)
    _depth: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def script(self, address: str, script: AddressScript) -> None:
        with self._lock:
            self.scripts[address] = script

    def broadcast(self, transfer: OutgoingTransfer) -> str:
        tx_id = hashlib.sha256(f"castle-sim:{transfer.withdrawal_id}".encode()).hexdigest()
        with self._lock:
            behaviour = self.scripts.get(transfer.address, AddressScript())
            if behaviour.reject_broadcast:
                raise CustodyRejectedError(f"custody refused the transfer to {transfer.address}")
            if behaviour.transient_broadcast_failures > 0:
                behaviour.transient_broadcast_failures -= 1
                raise TransientError("custody node unavailable")
            self._transactions.setdefault(tx_id, transfer)
            self._depth.setdefault(tx_id, 0)
        return tx_id

    def confirmations(self, tx_id: str) -> int:
        with self._lock:
            transfer = self._transactions.get(tx_id)
            if transfer is None:
                return 0
            if self.scripts.get(transfer.address, AddressScript()).never_confirms:
                return 0
            self._depth[tx_id] += self.blocks_per_poll
            return self._depth[tx_id]

    def transactions(self) -> dict[str, OutgoingTransfer]:
        with self._lock:
            return dict(self._transactions)
