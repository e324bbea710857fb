"""Replay an operations file through the engine and print one JSON summary line.

    python -m castle_engine.replay FILE.jsonl [--symbol BTCUSDT] [--tick 0.01] [--lot 0.0001]

Lines: {"op":"limit","id":"42","user":"u1","side":"buy","price":"100.01","qty":"0.5","tif":"GTC"},
{"op":"market","id":"43","user":"u2","side":"sell","qty":"1.2"} (or "quote_qty" for a buy by
quote amount), {"op":"cancel","id":"42"}; optional "symbol", "stp" (NONE/EXPIRE_TAKER/...), "type"
(LIMIT/LIMIT_MAKER/STOP_LOSS_LIMIT/TAKE_PROFIT_LIMIT, the latter two with "stop_price").
The per-line work lives in castle_engine.replay_core (compiled with the engine); see its docstring
for what the engine and end-to-end figures measure.
"""

import argparse
import gc
import json
import sys
from decimal import Decimal
from typing import Any

from castle_engine import is_compiled
from castle_engine.heap_pretouch import pretouch_heap
from castle_engine.replay_core import Replayer, ReplayError, replay_lines

try:
    import orjson

    _loads: Any = orjson.loads
except ImportError:  # pragma: no cover - orjson is a dependency; json is the slow fallback
    _loads = json.loads

__all__ = ["ReplayError", "Replayer", "main", "replay"]


def replay(
    path: str,
    symbol: str,
    tick: Decimal,
    lot: Decimal,
    cyclic_gc: bool = False,
    pretouch_mb: int = 0,
    huge_pages: bool = True,
    latencies: list[int] | None = None,
) -> dict[str, Any]:
    """Replay a file; its summary. `latencies`, when given, receives each engine call's time in ns,
    in operation order (what the summary's figures are computed from).

    Without `cyclic_gc` the cyclic garbage collector is off during the run: the engine frees
    everything by reference counting (it unlinks every order it drops), so the collector would only
    add pauses scanning the live book. `pretouch_mb` MiB of heap are mapped and touched first, and
    with `huge_pages` backed by huge pages (castle_engine.heap_pretouch), so that page faults and
    most TLB misses stay out of the engine calls."""
    pretouch_heap(pretouch_mb, huge_pages)
    replayer = Replayer(symbol, tick, lot, is_compiled())
    gc_was_enabled = gc.isenabled()
    if not cyclic_gc:
        gc.collect()
        gc.freeze()
        gc.disable()
    try:
        summary = replay_lines(path, replayer, _loads)
    finally:
        if gc_was_enabled:
            gc.enable()
    if latencies is not None:
        latencies.extend(replayer.latencies)
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m castle_engine.replay", description=__doc__.split("\n")[0]
    )
    parser.add_argument("file")
    parser.add_argument("--symbol", default="BTCUSDT", help="symbol of lines without one")
    parser.add_argument("--tick", default="0.01", type=Decimal)
    parser.add_argument("--lot", default="0.0001", type=Decimal)
    parser.add_argument("--gc", action="store_true", help="keep the cyclic garbage collector on")
    parser.add_argument(
        "--pretouch-mb",
        type=int,
        default=512,
        help="MiB of heap to map and touch before the run, 0 for none (default 512)",
    )
    parser.add_argument(
        "--no-huge-pages",
        action="store_true",
        help="do not ask Linux to back the pre-touched heap with transparent huge pages",
    )
    args = parser.parse_args(argv)
    try:
        result = replay(
            args.file,
            args.symbol,
            args.tick,
            args.lot,
            cyclic_gc=args.gc,
            pretouch_mb=args.pretouch_mb,
            huge_pages=not args.no_huge_pages,
        )
    except ReplayError as exc:
        print(f"replay: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"replay: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
