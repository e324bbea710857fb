"""A book's resting orders by order id and its price levels by price: an open-addressing hash table
of `Keyed` objects built for mypyc.

A dict keyed by int pays for boxing, hashing, a rich compare and the generic C API on every lookup;
here a lookup is a few list reads and native int compares. A key's home slot is `key & mask`:
order ids are assigned by the exchange (clients choose only client order ids), mostly increasing,
and a book's level prices cluster around the market, so neighbouring keys sit in neighbouring
slots and a lookup usually reads one cache line. Collisions are resolved by Robin Hood linear
probing (an insertion takes the slot of an entry nearer its home), which lets a deletion stop
shifting entries back at the first one already at home: with such keys that is almost always the
very next slot, however long the run of occupied slots is.
"""

from typing import Final

from librt.vecs import vec
from mypy_extensions import i64, mypyc_attr

from castle_engine.orders import Keyed

_MIN_SLOTS: Final = 1024
# A BitBucket covers 2**BUCKET_SHIFT consecutive ints: 32, so that its bitmap (below 2**32) stays a
# native, unboxed int in mypyc.
BUCKET_SHIFT: Final = 5
BUCKET_BIT_MASK: Final = 31


@mypyc_attr(acyclic=True)  # as every Keyed (see castle_engine.orders)
class BitBucket(Keyed):
    """The set members among ints number*32 .. number*32+31 (index_key = number): bit i set = member
    number*32+i. The price ladder and the id set keep theirs in an IntIndex."""

    bits: int

    def __init__(self, number: int) -> None:
        self.index_key = number
        self.bits = 0


class IntIndex:
    """index_key -> Keyed object. Kept at most a quarter full: short probe runs matter more here than
    the memory (8 bytes a slot).

    The slots are a librt `vec` rather than a list: a vec's items are type-checked when stored, so
    compiled code reads a slot with a plain load, where a list read costs a call and a subclass check
    of the item (Order and Level are subclasses of Keyed): -5% of the engine's instructions."""

    def __init__(self, capacity: int = 0) -> None:
        """An index that takes `capacity` entries before it first grows (at least 256)."""
        slots = _MIN_SLOTS
        while slots // 4 < capacity:
            slots *= 2
        self._slots: vec[Keyed | None] = vec[Keyed | None]([None] * slots)
        # The mask twice: as an int, to mask a key of any size, and as a native i64 for the probing
        # arithmetic (reading an int attribute into an i64 costs a tag check and a conversion).
        self._mask = slots - 1
        self._slot_mask: i64 = slots - 1
        self._size: i64 = 0
        self._max_size: i64 = slots // 4

    def __len__(self) -> int:
        return self._size

    def capacity(self) -> int:
        """How many entries the index holds before it next grows. Growing rehashes every entry in
        one call, reading each entry's key from the entry itself: a cache miss each, ~5 ms at 65,536
        resting orders, which is why a long-lived host reserves its order tables up front."""
        return self._max_size

    def entries(self) -> list[Keyed]:
        """Every entry, in slot order (no particular order)."""
        return [entry for entry in self._slots if entry is not None]

    # Slot arithmetic is on native i64s (no tagged-int checks); a key is masked as an int first, so
    # that any key, however large, gives a slot number.
    def get(self, key: int) -> Keyed | None:
        slots = self._slots
        mask = self._slot_mask
        i: i64 = key & self._mask
        while True:
            entry = slots[i]
            if entry is None or entry.index_key == key:
                return entry
            i = (i + 1) & mask

    def put(self, entry: Keyed) -> None:
        """Add an entry whose key is not in the index."""
        if self._size >= self._max_size:
            self._grow()
        slots = self._slots
        mask = self._slot_mask
        i: i64 = entry.index_key & self._mask
        distance: i64 = 0  # from the home slot of the entry being placed
        while True:
            occupant = slots[i]
            if occupant is None:
                slots[i] = entry
                break
            occupant_distance: i64 = (i - (occupant.index_key & self._mask)) & mask
            if occupant_distance < distance:
                # Robin Hood: the entry farther from home takes the slot; place the other one on.
                slots[i] = entry
                entry = occupant
                distance = occupant_distance
            i = (i + 1) & mask
            distance += 1
        self._size += 1

    def remove(self, key: int) -> None:
        """Remove the entry with this key (it must be in the index)."""
        slots = self._slots
        mask = self._slot_mask
        hole: i64 = key & self._mask
        while True:
            entry = slots[hole]
            assert entry is not None, "key not in the index"
            if entry.index_key == key:
                break
            hole = (hole + 1) & mask
        # Backward shift until an empty slot or an entry at its home slot (Robin Hood order makes
        # every entry after that one stay where a lookup finds it).
        j: i64 = (hole + 1) & mask
        while True:
            moving = slots[j]
            if moving is None or (moving.index_key & self._mask) == j:
                break
            slots[hole] = moving
            hole = j
            j = (j + 1) & mask
        slots[hole] = None
        self._size -= 1

    def _grow(self) -> None:
        old = self._slots
        self._slots = vec[Keyed | None]([None] * (len(old) * 2))
        self._mask = len(self._slots) - 1
        self._slot_mask = len(self._slots) - 1
        self._max_size = len(self._slots) // 4
        self._size = 0
        for entry in old:
            if entry is not None:
                self.put(entry)
