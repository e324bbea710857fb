"""The order ids a book has used, so that a duplicate id is rejected rather than applied twice.

A set of ints boxes each id and keeps it for the book's lifetime (~60 bytes an id, and a lookup in a
table that outgrows the caches). Ids are assigned by the exchange and mostly increase, so they are
kept as bits of 32-id BitBuckets found through an IntIndex: ~1.5 bytes an id, one bucket per 32
consecutive ids, and no allocation for 31 ids out of 32. The bucket last used is kept at hand: a
new order's id usually falls in the same bucket as the one before, so most adds probe nothing.
"""

from typing import cast

from castle_engine.int_index import BUCKET_BIT_MASK, BUCKET_SHIFT, BitBucket, IntIndex
from castle_engine.orders import Keyed


class IdSet:
    def __init__(self, reserve_buckets: int = 0) -> None:
        """`reserve_buckets`: buckets (of 32 consecutive ids each) held before the index first grows."""
        self._buckets = IntIndex(reserve_buckets)
        self._size = 0
        self._last: BitBucket | None = None

    def __len__(self) -> int:
        return self._size

    def add(self, value: int) -> bool:
        """Add an id; False (and nothing changes) when it was already in the set."""
        number = value >> BUCKET_SHIFT
        bucket = self._last
        if bucket is None or bucket.index_key != number:
            bucket = cast("BitBucket | None", self._buckets.get(number))
            if bucket is None:
                bucket = BitBucket(number)
                self._buckets.put(bucket)
            self._last = bucket
        bit = 1 << (value & BUCKET_BIT_MASK)
        if bucket.bits & bit:
            return False
        bucket.bits |= bit
        self._size += 1
        return True

    def has(self, value: int) -> bool:
        bucket = cast("BitBucket | None", self._buckets.get(value >> BUCKET_SHIFT))
        return bucket is not None and bucket.bits & (1 << (value & BUCKET_BIT_MASK)) != 0

    def sorted_ids(self) -> list[int]:
        out: list[int] = []
        for entry in sorted(self._buckets.entries(), key=_index_key):
            bucket = cast(BitBucket, entry)
            base = bucket.index_key << BUCKET_SHIFT
            bits = bucket.bits
            while bits:
                low = bits & -bits
                out.append(base + low.bit_length() - 1)
                bits ^= low
        return out


def _index_key(entry: Keyed) -> int:
    return entry.index_key
