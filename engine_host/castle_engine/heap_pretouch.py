"""Pre-touching the heap at start-up, as a JVM matching engine runs with -XX:+AlwaysPreTouch.

CPython's small-object allocator (pymalloc) maps memory in 1 MiB arenas and unmaps an arena as soon
as every object in it has been freed. The engine emits its events as objects; the caller drains and
frees them a batch at a time, so the arenas that batch filled go back to the OS, and the next batch
maps them again: the first write to each 4 KiB page is a page fault (1-3 µs on a VM), taken inside
an engine call. On the 1M-op replay with events hashed as bytes, those faults made the p99 3.4 µs and
the p99.9 13.4 µs; after pre-touching 512 MiB, 2.1 µs and 3.7 µs.

`pretouch_heap(mb)` fills `mb` MiB of arenas with throw-away objects, which writes every page, then
frees them all but a few per arena. The arenas stay mapped, and their empty pools serve any later
small allocation (an empty pool takes whatever size class is asked of it) without a fault.

It then asks Linux to back those arenas with 2 MiB transparent huge pages, as a JVM engine also runs
with -XX:+UseTransparentHugePages. A cancel reaches a random one of ~100k resting orders, and on a
VM a TLB miss walks two page tables; with huge pages the orders' memory needs 512 times fewer TLB
entries. An arena is 1 MiB and mapped on its own, so the kernel never gives it a huge page when it
is first touched; `MADV_COLLAPSE` (Linux 6.1+) merges the touched arenas' 4 KiB pages into huge
pages then and there (~2.5 ms per MiB). On the 1M-op replay: engine ops/s +5% to +12%, p99 -7% to
-12% (BENCHMARKS.md, section 4).

Buffers over 512 bytes (the order table, dict tables, long lists) come from glibc's malloc instead,
which maps any over 128 KiB-32 MiB on its own and gives freed heap back to the OS. With glibc, the
pre-touch therefore also has malloc serve buffers up to 32 MiB from its heap and never shrink it,
grows and touches that heap by a quarter of `mb`, and backs it with huge pages too: engine ops/s
another +9% (median of 6 pinned pairs), p99 -8%. Like a JVM's fixed heap, the process then keeps
that memory for its life. (Heap the process grows beyond it later is not advised: Linux keeps the
advice on the mapping it was given for, not on the extension.)

Interpreted (not compiled): it runs once, and it is about this interpreter's allocator.
"""

import ctypes
import sys
from bisect import bisect_left
from pathlib import Path

# A bytes of 400 is a 448-byte pymalloc block (pymalloc serves requests up to 512 bytes).
_OBJECT_SIZE = 400
_BLOCK_SIZE = 448
# One object is kept per 256 KiB address window. Any 1 MiB arena holds three whole windows, so it
# keeps at least three objects (and stays mapped) whatever order the arenas were mapped in; those
# keep 3-5 of its 64 pools.
_WINDOW_BITS = 18
_HUGE_PAGE = 2 << 20
_MADV_HUGEPAGE = 14
_MADV_COLLAPSE = 25
# glibc mallopt() parameters, and the largest mmap threshold it accepts.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_MAX_MMAP_THRESHOLD = 32 << 20
# The malloc heap grows in blocks well under that threshold, so that they come from the heap.
_MALLOC_BLOCK = 8 << 20


class _Touched:
    """What this process has pre-touched: the objects that hold the arenas, and how many MiB."""

    anchors: list[bytes] = []
    megabytes = 0
    huge_page_bytes = 0


def pretouch_heap(megabytes: int, huge_pages: bool = True) -> int:
    """Map and touch about `megabytes` MiB of small-object arenas and keep them for the process's
    life (only what earlier calls have not already touched), backed by huge pages where Linux can
    (`huge_pages`; the bytes it collapsed are added to `huge_page_bytes()`); the number of objects
    kept for it."""
    more = megabytes - _Touched.megabytes
    if more <= 0:
        return 0
    _Touched.megabytes = megabytes
    heap_blocks = _pretouch_malloc_heap(more // 4)
    filler = [bytes(_OBJECT_SIZE) for _ in range(more * (1 << 20) // _BLOCK_SIZE)]
    windows: set[int] = set()
    first_new = len(_Touched.anchors)
    for item in filler:
        window = id(item) >> _WINDOW_BITS
        if window not in windows:
            windows.add(window)
            _Touched.anchors.append(item)
    del filler
    if huge_pages:
        kept = _Touched.anchors[first_new:]
        addresses = sorted([id(item) for item in kept] + heap_blocks)
        _Touched.huge_page_bytes += back_with_huge_pages(addresses)
    return len(windows)


def _pretouch_malloc_heap(megabytes: int) -> list[int]:
    """glibc only: have malloc serve buffers up to 32 MiB from its heap and never return heap to the
    OS, then grow the heap by about `megabytes` MiB, touching every page; the addresses of the blocks
    that grew it (all freed again, so their memory serves later buffers). [] without glibc."""
    try:
        libc = ctypes.CDLL(None)
        mallopt, malloc, free = libc.mallopt, libc.malloc, libc.free
    except (OSError, AttributeError):
        return []
    if not mallopt(_M_MMAP_THRESHOLD, _MAX_MMAP_THRESHOLD) or not mallopt(_M_TRIM_THRESHOLD, 2**31 - 1):
        return []
    malloc.restype = ctypes.c_void_p
    malloc.argtypes = [ctypes.c_size_t]
    free.argtypes = [ctypes.c_void_p]
    blocks: list[int] = []
    for _ in range(megabytes * (1 << 20) // _MALLOC_BLOCK):
        block = malloc(_MALLOC_BLOCK)
        if not block:
            break
        ctypes.memset(block, 0, _MALLOC_BLOCK)
        blocks.append(block)
    for block in blocks:
        free(block)
    return blocks


def huge_page_bytes() -> int:
    """How much pre-touched heap the kernel has backed with huge pages (0 before any, or where it
    cannot)."""
    return _Touched.huge_page_bytes


def back_with_huge_pages(addresses: list[int]) -> int:
    """Ask Linux to back the anonymous mappings (the malloc heap included) that hold any of
    `addresses` (ascending) with 2 MiB transparent huge pages: MADV_HUGEPAGE for their later faults,
    MADV_COLLAPSE for the pages they already have. The bytes collapsed: 0 off Linux, before 6.1, or
    where THP is off."""
    if not sys.platform.startswith("linux") or not addresses:
        return 0
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return 0
    madvise = ctypes.CDLL(None, use_errno=True).madvise
    madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    collapsed = 0
    for line in maps.splitlines():
        fields = line.split()
        # Anonymous read-write mappings only: a sixth field names a file, [stack], ... or [heap].
        anonymous = len(fields) == 5 or (len(fields) == 6 and fields[5] == "[heap]")
        if not anonymous or not fields[1].startswith("rw"):
            continue
        low, high = (int(bound, 16) for bound in fields[0].split("-"))
        i = bisect_left(addresses, low)
        if i == len(addresses) or addresses[i] >= high:
            continue
        start = -(-low // _HUGE_PAGE) * _HUGE_PAGE
        end = high // _HUGE_PAGE * _HUGE_PAGE
        if end > start:
            madvise(start, end - start, _MADV_HUGEPAGE)
            if madvise(start, end - start, _MADV_COLLAPSE) == 0:
                collapsed += end - start
    return collapsed
