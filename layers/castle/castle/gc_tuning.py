"""Keeping CPython's full garbage collections short in long-lived processes with a big live heap.

A full (generation 2) collection scans every tracked object, and the heap of a long-lived process
keeps growing: moto's records in the `castle up` process (pauses of 0.2-0.4 s after a few minutes,
which were the order-to-trade p99), and in the engine host whatever it keeps alive besides the book
(the book's orders and levels were ~230 ms at 70k resting orders, bench/host_gc_bench.py, until
castle_engine made them untracked: `acyclic`). The objects alive after start-up, and after each full
collection, are moved to the permanent generation (`gc.freeze`), so a full collection scans only
what is newer. Young collections are unchanged, so short-lived cycles are reclaimed as before.

Garbage cycles among frozen objects are not: with `full_sweep_every` = N, every Nth full collection
unfreezes everything first, so they are reclaimed later, at the price of one long pause then.

The engine host passes 0 (never): a pause inside matching costs more than a few cycles left behind.
It also freezes once a second between batches (`FreezeEvery`), so that the first full collection
after a freeze, which CPython runs once a quarter of the frozen heap's size has been promoted
since, never comes. What this gives up: a cycle that is alive at a freeze and dies later is never
reclaimed. The book makes none: the engine unlinks every order it drops, and a book dropped whole
(a node falling back to standby, a restore) is released explicitly (castle_engine's
Engine.release), since the collector does not see orders at all. The host still calls
`freeze_long_lived` after a restore, which unfreezes before it collects, so anything else frozen
that has died by then is reclaimed there. Otherwise the pipeline makes no cyclic garbage
(bench/host_gc_bench.py counts it), and a host run over moto froze no per-request garbage (only
objects that died when the run ended).
"""

import gc
from typing import Any

FULL_SWEEP_EVERY = 50


class FreezeSurvivors:
    """A gc callback: freeze what survives a full collection (see the module docstring)."""

    def __init__(self, full_sweep_every: int = FULL_SWEEP_EVERY) -> None:
        self.full_sweep_every = full_sweep_every
        self.full_collections = 0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase != "stop" or info.get("generation") != 2:
            return
        self.full_collections += 1
        if self.full_sweep_every and self.full_collections % self.full_sweep_every == 0:
            gc.unfreeze()  # the next full collection scans everything again
        else:
            gc.freeze()


class FreezeEvery:
    """Freezes every tracked object (what has stayed alive since the last call, in whatever
    generation), at most once per interval; called between units of work (a list splice: no pause)."""

    def __init__(self, interval_s: float = 1.0) -> None:
        self.interval_s = interval_s
        self._next = 0.0

    def tick(self, now: float) -> None:
        if now >= self._next:
            gc.freeze()
            self._next = now + self.interval_s


def freeze_long_lived(full_sweep_every: int = FULL_SWEEP_EVERY) -> FreezeSurvivors:
    """Freeze what is alive now and keep freezing full collections' survivors. Idempotent: a second
    call (say, after the engine host loaded a snapshot) unfreezes everything first, so that the full
    collection reclaims what was frozen and has died since, then freezes again; it returns the
    callback already installed."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    for callback in gc.callbacks:
        if isinstance(callback, FreezeSurvivors):
            return callback
    callback = FreezeSurvivors(full_sweep_every)
    gc.callbacks.append(callback)
    return callback
