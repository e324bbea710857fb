"""The resting orders of a book by order id: an open-addressing hash table built for mypyc.

A dict keyed by int pays for boxing, hashing and the generic C API on every lookup; here a lookup
is a few list reads and native int compares. Slots are found by `order_id & mask` with linear
probing: order ids are assigned by the exchange (clients choose only client order ids), mostly in
increasing order, so consecutive ids land in consecutive slots and probes stay short. Deletion
shifts the following entries back (no tombstones), so a lookup never scans past a hole.
"""

from castle_engine.orders import Order

_MIN_SLOTS = 1024


class OrderIndex:
    """order_id -> Order, for orders the book holds. Kept at most a quarter full: short probe runs
    matter more here than the memory (8 bytes a slot)."""

    def __init__(self) -> None:
        self._slots: list[Order | None] = [None] * _MIN_SLOTS
        self._mask = _MIN_SLOTS - 1
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def get(self, order_id: int) -> Order | None:
        slots = self._slots
        mask = self._mask
        i = order_id & mask
        while True:
            order = slots[i]
            if order is None or order.order_id == order_id:
                return order
            i = (i + 1) & mask

    def put(self, order: Order) -> None:
        """Add an order whose id is not in the index."""
        if (self._size + 1) * 4 > len(self._slots):
            self._grow()
        slots = self._slots
        mask = self._mask
        i = order.order_id & mask
        while slots[i] is not None:
            i = (i + 1) & mask
        slots[i] = order
        self._size += 1

    def remove(self, order_id: int) -> None:
        """Remove the order with this id (it must be in the index)."""
        slots = self._slots
        mask = self._mask
        hole = order_id & mask
        while True:
            order = slots[hole]
            assert order is not None, "order id not in the index"
            if order.order_id == order_id:
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
            home = moving.order_id & mask
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
        for order in old:
            if order is not None:
                self.put(order)
