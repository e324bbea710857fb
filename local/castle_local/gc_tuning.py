"""Garbage-collector settings for the `castle up` process.

moto keeps every record, message and item of the session in this process, so a full (generation 2)
collection scans a heap that keeps growing: after a few minutes those pauses were 0.2-0.4 s, and
they were the order-to-trade p99. The objects alive after start-up, and after each full collection,
are moved to the permanent generation (`gc.freeze`), so a full collection scans only what is newer
(pauses ~15 ms). Every FULL_SWEEP_EVERY-th full collection unfreezes everything first, so garbage
cycles among frozen objects are still reclaimed, only later.
"""

import gc
from typing import Any

FULL_SWEEP_EVERY = 50


class FreezeSurvivors:
    """A gc callback: freeze what survives a full collection (see the module docstring)."""

    def __init__(self) -> None:
        self.full_collections = 0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase != "stop" or info.get("generation") != 2:
            return
        self.full_collections += 1
        if self.full_collections % FULL_SWEEP_EVERY == 0:
            gc.unfreeze()  # the next full collection scans everything again
        else:
            gc.freeze()


def freeze_long_lived() -> FreezeSurvivors:
    """Freeze what start-up left alive and keep freezing full collections' survivors (idempotent)."""
    gc.collect()
    gc.freeze()
    for callback in gc.callbacks:
        if isinstance(callback, FreezeSurvivors):
            return callback
    callback = FreezeSurvivors()
    gc.callbacks.append(callback)
    return callback
