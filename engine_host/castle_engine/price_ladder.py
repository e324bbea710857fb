"""The occupied price levels of one side of a book, as keys ordered best-highest: a bid's key is its
price, an ask's is minus its price.

A sorted list of keys costs a shift of every better level each time a level opens or empties below
the best, and a book that drifts leaves thousands of levels behind the market: those shifts were
the slowest engine calls. Here the keys are grouped in buckets of 32 consecutive keys, each an
occupancy bitmap: opening or emptying a level sets or clears one bit (a bucket is found through an
IntIndex), and the best key is the top bit of the last bucket. Only a bucket's first level to open
or its last to empty changes the sorted list of buckets, which is ~1/32 as long as a key list.

The best key is also kept in a plain attribute, because matching reads it once per level it walks
and per marketable order, and it changes far less often than it is read.
"""

from typing import Final, cast

from castle_engine.int_index import BUCKET_BIT_MASK, BUCKET_SHIFT, BitBucket, IntIndex

# below() when there is no lower key: lower than any key (keys are +-prices of at most 2**62 - 1).
NO_KEY: Final = -(1 << 62)


def _top(bucket: BitBucket) -> int:
    return (bucket.index_key << BUCKET_SHIFT) | (bucket.bits.bit_length() - 1)


def _bisect_left(numbers: list[int], x: int) -> int:
    lo = 0
    hi = len(numbers)
    while lo < hi:
        mid = (lo + hi) >> 1
        if numbers[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


class PriceLadder:
    """A set of int keys with the highest one at hand."""

    # The highest key, or NO_KEY when the ladder is empty (read-only outside the ladder).
    best: int

    def __init__(self) -> None:
        self.best = NO_KEY
        # The non-empty buckets, ascending by number (best last), and their numbers alongside.
        self._buckets: list[BitBucket] = []
        self._numbers: list[int] = []
        self._by_number = IntIndex()
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def add(self, key: int) -> None:
        """Add a key that is not in the ladder."""
        number = key >> BUCKET_SHIFT
        bucket = cast("BitBucket | None", self._by_number.get(number))
        if bucket is None:
            bucket = BitBucket(number)
            self._by_number.put(bucket)
            numbers = self._numbers
            if not numbers or numbers[-1] < number:
                numbers.append(number)
                self._buckets.append(bucket)
            else:
                i = _bisect_left(numbers, number)
                numbers.insert(i, number)
                self._buckets.insert(i, bucket)
        bucket.bits |= 1 << (key & BUCKET_BIT_MASK)
        self._size += 1
        self.best = max(self.best, key)

    def remove(self, key: int) -> None:
        """Remove a key that is in the ladder."""
        number = key >> BUCKET_SHIFT
        bucket = cast(BitBucket, self._by_number.get(number))
        bucket.bits &= ~(1 << (key & BUCKET_BIT_MASK))
        self._size -= 1
        if bucket.bits == 0:
            self._by_number.remove(number)
            numbers = self._numbers
            if numbers[-1] == number:
                numbers.pop()
                self._buckets.pop()
            else:
                i = _bisect_left(numbers, number)
                del numbers[i]
                del self._buckets[i]
        if key == self.best:
            buckets = self._buckets
            self.best = _top(buckets[-1]) if buckets else NO_KEY

    def descending(self) -> list[int]:
        """Every key, highest first (a walk of the whole side, for snapshots)."""
        out: list[int] = []
        buckets = self._buckets
        for i in range(len(buckets) - 1, -1, -1):
            bucket = buckets[i]
            base = bucket.index_key << BUCKET_SHIFT
            bits = bucket.bits
            while bits:
                top = bits.bit_length() - 1
                out.append(base | top)
                bits ^= 1 << top
        return out

    def below(self, key: int) -> int:
        """The highest key lower than `key` (which need not be in the ladder), or NO_KEY."""
        number = key >> BUCKET_SHIFT
        bucket = cast("BitBucket | None", self._by_number.get(number))
        if bucket is not None:
            lower = bucket.bits & ((1 << (key & BUCKET_BIT_MASK)) - 1)
            if lower:
                return (number << BUCKET_SHIFT) | (lower.bit_length() - 1)
        i = _bisect_left(self._numbers, number) - 1
        return _top(self._buckets[i]) if i >= 0 else NO_KEY
