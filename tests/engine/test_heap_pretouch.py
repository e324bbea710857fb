"""Pre-touching the heap keeps a few objects per arena alive, only once per process, and has Linux
back the touched arenas with huge pages where it can."""

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = (
    "from castle_engine.heap_pretouch import pretouch_heap\n"
    "print(pretouch_heap(16), pretouch_heap(16), pretouch_heap(0))\n"
)


def test_pretouching_keeps_objects_across_the_touched_memory_and_does_not_repeat() -> None:
    # A fresh interpreter: pretouching is once per process, and other tests may have done it here.
    answer = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    first, again, none = (int(word) for word in answer.stdout.split())

    # 16 MiB is 64 windows of 256 KiB: about one object kept in each.
    assert 48 <= first <= 80
    assert again == 0
    assert none == 0


HUGE_PAGE_PROBE = (
    "from castle_engine.heap_pretouch import huge_page_bytes, pretouch_heap\n"
    "pretouch_heap(64)\n"
    "anon = [line for line in open('/proc/self/smaps_rollup') if line.startswith('AnonHugePages:')]\n"
    "print(huge_page_bytes(), int(anon[0].split()[1]) * 1024)\n"
)
HEAP_PROBE = (
    "from castle_engine.heap_pretouch import pretouch_heap\n"
    "def heap_size():\n"
    "    lines = [line for line in open('/proc/self/maps') if line.rstrip().endswith('[heap]')]\n"
    "    spans = [line.split()[0].split('-') for line in lines]\n"
    "    return sum(int(high, 16) - int(low, 16) for low, high in spans)\n"
    "before = heap_size()\n"
    "pretouch_heap(64)\n"
    "print(before, heap_size())\n"
)


def _kernel_collapses_huge_pages() -> bool:
    """MADV_COLLAPSE: Linux 6.1 or later, with transparent huge pages not switched off."""
    thp = Path("/sys/kernel/mm/transparent_hugepage/enabled")
    if not sys.platform.startswith("linux") or not thp.is_file() or "[never]" in thp.read_text():
        return False
    major, minor = (int(part) for part in os.uname().release.split(".")[:2])
    return (major, minor) >= (6, 1)


@pytest.mark.skipif(not _kernel_collapses_huge_pages(), reason="needs Linux 6.1+ with THP not 'never'")
def test_pretouched_arenas_are_backed_by_huge_pages() -> None:
    answer = subprocess.run(
        [sys.executable, "-c", HUGE_PAGE_PROBE], capture_output=True, text=True, check=True
    )
    collapsed, anon_huge = (int(word) for word in answer.stdout.split())

    two_mib = 2 << 20
    assert collapsed % two_mib == 0
    # At most the 64 MiB of arenas plus the malloc heap (16 MiB grown, and what it held before). Not
    # all of it: each mapping loses its ends to 2 MiB alignment, and the first arenas are scattered
    # among the interpreter's own mappings (seen here: 80-82 MiB in all; the arenas alone gave 28-38
    # of 64, and 90% of 512).
    assert 16 * (1 << 20) <= collapsed <= 96 * (1 << 20)
    assert anon_huge >= collapsed


def test_pretouching_without_huge_pages_collapses_nothing() -> None:
    probe = (
        "from castle_engine.heap_pretouch import huge_page_bytes, pretouch_heap\n"
        "pretouch_heap(16, huge_pages=False)\n"
        "print(huge_page_bytes())\n"
    )
    answer = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)

    assert int(answer.stdout) == 0


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="the malloc heap part is for glibc")
def test_pretouching_also_grows_the_malloc_heap_by_a_quarter_and_keeps_it() -> None:
    answer = subprocess.run([sys.executable, "-c", HEAP_PROBE], capture_output=True, text=True, check=True)
    before, after = (int(word) for word in answer.stdout.split())

    # 64 MiB pre-touched: two 8 MiB blocks of malloc heap (less what free room the heap already
    # had), freed but not given back.
    assert after - before >= 14 * (1 << 20)
