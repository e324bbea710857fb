"""What the order use cases need from outside: the ledger, the command queue, and a way to wait."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from castle.ports.commands import CommandSender
from castle.ports.ledger import AccountLedger, OrderLedger

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Waiter:
    """Polls with a deadline (RESULT/FULL answers wait, bounded, for the engine's outcome)."""

    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    first_interval_s: float = 0.01
    # The engine's outcome usually lands within 50-200 ms; a short cap answers soon after it does,
    # for one primary-key read per probe.
    max_interval_s: float = 0.025

    def until(self, probe: Callable[[], tuple[bool, T]], budget_ms: int) -> T:
        """Call `probe` until it reports done or the budget is spent; its last value either way."""
        deadline = self.monotonic() + budget_ms / 1000
        interval = self.first_interval_s
        done, value = probe()
        while not done:
            remaining = deadline - self.monotonic()
            if remaining <= 0:
                break
            self.sleep(min(interval, remaining))
            interval = min(interval * 2, self.max_interval_s)
            done, value = probe()
        return value


class OrderListIds(Protocol):
    def next_id(self) -> int: ...


@dataclass(frozen=True, slots=True)
class TradingPorts:
    ledger: OrderLedger
    accounts: AccountLedger
    commands: CommandSender
    order_list_ids: OrderListIds
    result_wait_ms: int
    waiter: Waiter = field(default_factory=Waiter)
