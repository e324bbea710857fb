"""Pre-touching the heap keeps a few objects per arena alive, and only once per process."""

import subprocess
import sys

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
