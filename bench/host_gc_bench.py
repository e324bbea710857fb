"""Pauses of the cyclic garbage collector in the engine host's pipeline, with a growing book.

    PYTHONPATH=.build/engine .venv/bin/python bench/host_gc_bench.py [--commands 600000] [--policy both]
        [--reserve-orders 0]

Runs the host's pure pipeline (CommandPipeline: decode, de-dup, match, encode) over one symbol's
generated commands in SQS-sized batches of 10, once per GC policy, and prints the per-batch wall
time (p50/p99/p99.9/max), how many batches took over 10 ms, and the collections of each generation:
- `default`: CPython's collector as a plain process has it (what the host ran with before);
- `host`: the host's policy (castle.gc_tuning, as `engine_gc_freeze` sets it): what is alive is
  frozen at the start and then once a second between batches (and after any full collection), so
  no collection scans the book again.
`--reserve-orders N` sizes the book's order table for N resting orders up front, as the EC2 hosts do
(`CASTLE_ENGINE_RESERVE_ORDERS`), so that it never grows (rehashes) inside a batch.
Each collection is timed through gc.callbacks. `cyclic_garbage_left` counts what a full collection
still finds at the end, after unfreezing: garbage the policy would have kept forever.
"""

import argparse
import gc
import json
import time

from castle.gc_tuning import FreezeEvery, freeze_long_lived
from engine_host.command_stream import bodies, generate_commands
from engine_host.engine_adapter import EngineAdapter
from engine_host.pipeline import CommandPipeline
from engine_host.transport import ReceivedMessage

BATCH = 10
SLOW_MS = 10.0


class CollectionTimer:
    """Times every collection the collector runs (gc.callbacks): count, total and longest per generation."""

    def __init__(self) -> None:
        self.count = [0, 0, 0]
        self.total_ms = [0.0, 0.0, 0.0]
        self.max_ms = [0.0, 0.0, 0.0]
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        took = (time.perf_counter() - self._started) * 1000
        generation = info["generation"]
        self.count[generation] += 1
        self.total_ms[generation] += took
        self.max_ms[generation] = max(self.max_ms[generation], took)


def run(messages: list[ReceivedMessage], policy: str, reserve_orders: int) -> dict[str, object]:
    pipeline = CommandPipeline(EngineAdapter(reserve_orders=reserve_orders))
    gc.collect()
    survivors = freeze_long_lived(full_sweep_every=0) if policy == "host" else None
    freezer = FreezeEvery() if policy == "host" else None
    timer = CollectionTimer()
    gc.callbacks.append(timer)
    times: list[float] = []
    perf = time.perf_counter
    for start in range(0, len(messages), BATCH):
        began = perf()
        pipeline.process(messages[start : start + BATCH])
        if freezer is not None:
            freezer.tick(time.monotonic())
        times.append((perf() - began) * 1000)
    gc.callbacks.remove(timer)
    if survivors is not None:
        gc.callbacks.remove(survivors)
        gc.unfreeze()
    # Cyclic garbage the freezes kept from the collector (never collected in the host): found now.
    left_garbage = gc.collect()
    times.sort()
    engine = pipeline.adapter.engine
    n = len(times)
    return {
        "policy": policy,
        "reserve_orders": reserve_orders,
        "batches": n,
        "resting": sum(len(engine.open_orders(s)) for s in engine.symbols()),
        "p50_ms": round(times[n // 2], 3),
        "p99_ms": round(times[int(n * 0.99)], 3),
        "p999_ms": round(times[int(n * 0.999)], 3),
        "max_ms": round(times[-1], 1),
        f"over_{SLOW_MS:g}ms": sum(1 for t in times if t > SLOW_MS),
        "collections": timer.count,
        "collection_ms_total": [round(t, 1) for t in timer.total_ms],
        "collection_ms_max": [round(t, 1) for t in timer.max_ms],
        "cyclic_garbage_left": left_garbage,
        "total_s": round(sum(times) / 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--commands", type=int, default=600_000)
    parser.add_argument("--policy", choices=["default", "host", "both"], default="both")
    parser.add_argument("--reserve-orders", type=int, default=0)
    args = parser.parse_args()
    commands = generate_commands(args.commands, seed=1, symbol="BTCUSDT")
    messages = [ReceivedMessage(body, str(i)) for i, body in enumerate(bodies(commands))]
    del commands  # the harness's own models would be scanned too
    for policy in ("default", "host") if args.policy == "both" else (args.policy,):
        print(json.dumps(run(messages, policy, args.reserve_orders)), flush=True)


if __name__ == "__main__":
    main()
