"""A book's resting orders by order id and its price levels by price: an open-addressing hash table
of `Keyed` objects built for mypyc.

A dict keyed by int pays for boxing, hashing, a rich compare and the generic C API on every lookup;
here a lookup is a few list reads and native int compares. Slots are found by `key & mask` with
linear probing: order ids are assigned by the exchange (clients choose only client order ids),
mostly increasing, and the prices of a book's levels cluster around the market, so neighbouring
keys land in neighbouring slots and probes stay short. Deletion shifts the following entries back
(no tombstones), so a lookup never scans past a hole.
"""

from castle_engine.orders import Keyed

_MIN_SLOTS = 1024


class IntIndex:
    """index_key -> Keyed object. Kept at most a quarter full: short probe runs matter more here than
    the memory (8 bytes a slot)."""

    def __init__(self) -> None:
        self._slots: list[Keyed | None] = [None] * _MIN_SLOTS
        self._mask = _MIN_SLOTS - 1
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def get(self, key: int) -> Keyed | None:
        slots = self._slots
        mask = self._mask
        i = key & mask
        while True:
            entry = slots[i]
            if entry is None or entry.index_key == key:
                return entry
            i = (i + 1) & mask

    def put(self, entry: Keyed) -> None:
        """Add an entry whose key is not in the index."""
        if (self._size + 1) * 4 > len(self._slots):
            self._grow()
        slots = self._slots
        mask = self._mask
        i = entry.index_key & mask
        while slots[i] is not None:
            i = (i + 1) & mask
        slots[i] = entry
        self._size += 1

    def remove(self, key: int) -> None:
        """Remove the entry with this key (it must be in the index)."""
        slots = self._slots
        mask = self._mask
        hole = key & mask
        while True:
            entry = slots[hole]
            assert entry is not None, "key not in the index"
            if entry.index_key == key:
                break
            hole = (hole + 1) & mask
        # Backward shift: move later entries of the probe run into the hole unless their home slot
        # lies cyclically after the hole (then they must stay where a lookup from home finds them).
        j = hole
        while True:
            j = (j + 1) & mask
            moving = slots[j]
            if moving is None:
                break
            home = moving.index_key & mask
            if (j > hole and (home <= hole or home > j)) or (j < hole and home <= hole and home > j):
                slots[hole] = moving
                hole = j
        slots[hole] = None
        self._size -= 1

    def _grow(self) -> None:
        old = self._slots
        self._slots = [None] * (len(old) * 2)
        self._mask = len(self._slots) - 1
        self._size = 0
        for entry in old:
            if entry is not None:
                self.put(entry)
