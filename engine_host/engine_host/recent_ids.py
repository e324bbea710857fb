"""The command ids the host applied most recently, to drop SQS redeliveries of them.

One set fed in FIFO order (add the new id, discard the oldest) churns: CPython rebuilds a set whose
slots are used up by deleted entries, all of it at once, and at 200,000 ids that rebuild, or a
doubling while the set grows, is a 3-7 ms stall inside one batch (bench/host_gc_bench.py). Here the
ids are kept in generations of window/GENERATIONS ids each and a whole generation is forgotten at
a time, so no single add grows or rebuilds more than one generation's worth. A forgotten generation
is freed a few ids per add (RETIRE_STEP) rather than at once: freeing 25,000 strings in one go was
itself a ~2 ms batch.
"""

from collections import deque

GENERATIONS = 8
# Ids of the forgotten generation freed per add: it is empty long before the next one is forgotten.
RETIRE_STEP = 8


class RecentIds:
    """At least the last `window` ids added (at most one generation more)."""

    def __init__(self, window: int) -> None:
        self._generation_size = max(1, -(-window // GENERATIONS))
        self._full: deque[set[str]] = deque()
        self._current: set[str] = set()
        self._retiring: set[str] = set()  # forgotten already, being freed

    def add(self, command_id: str) -> None:
        current = self._current
        current.add(command_id)
        retiring = self._retiring
        for _ in range(min(RETIRE_STEP, len(retiring))):
            retiring.pop()
        if len(current) >= self._generation_size:
            self._full.append(current)
            if len(self._full) > GENERATIONS:
                self._retiring = self._full.popleft()
            self._current = set()

    def __contains__(self, command_id: object) -> bool:
        if command_id in self._current:
            return True
        # A plain loop, not any(): no generator per lookup, and most ids are new and miss every set.
        for generation in self._full:  # noqa: SIM110
            if command_id in generation:
                return True
        return False

    def __len__(self) -> int:
        return len(self._current) + sum(len(generation) for generation in self._full)

    def clear(self) -> None:
        self._full.clear()
        self._current = set()
        self._retiring = set()
