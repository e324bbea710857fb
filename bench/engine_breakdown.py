"""Where the engine's time goes, by kind of operation: replay a workload exactly as
`python -m castle_engine.replay` does, then pair each per-call engine time with its line's kind.

    PYTHONPATH=.build/engine .venv/bin/python bench/engine_breakdown.py [FILE.jsonl]
    (also: make bench-engine-breakdown, after make bench-engine)

The kinds: a GTC limit order (it rests or trades), an IOC/FOK limit, a market order, a cancel.
Prints the replay's own summary line, then one JSON line per kind: count, share of the operations,
mean / p50 / p99 / p99.9 engine ns, and share of the engine time. It shows which kind of call to
work on: the target (engine ops/s) is a sum over all of them.
"""

import argparse
import json
import sys
from decimal import Decimal
from pathlib import Path

from castle_engine import is_compiled
from castle_engine.replay import replay

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WORKLOAD = ROOT / ".build" / "bench" / "workload-1000000-1.jsonl"


def kind_of(line: dict[str, object]) -> str:
    op = line.get("op")
    if op == "limit":
        return "limit GTC" if line.get("tif", "GTC") == "GTC" else "limit IOC/FOK"
    return str(op)


def line_kinds(path: Path) -> list[str]:
    """Each operation's kind, in file order (blank lines carry no operation)."""
    return [kind_of(json.loads(raw)) for raw in path.read_bytes().splitlines() if raw.strip()]


def percentile(ordered: list[int], q: float) -> int:
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT_WORKLOAD)
    args = parser.parse_args()
    if not args.file.is_file():
        print(f"no workload at {args.file}: run make bench-engine first", file=sys.stderr)
        return 2
    latencies: list[int] = []
    summary = replay(
        str(args.file), "BTCUSDT", Decimal("0.01"), Decimal("0.0001"), pretouch_mb=512, latencies=latencies
    )
    print(json.dumps(summary))
    kinds = line_kinds(args.file)
    by_kind: dict[str, list[int]] = {}
    for kind, ns in zip(kinds, latencies, strict=True):  # one engine call per operation line
        by_kind.setdefault(kind, []).append(ns)
    total_ns = sum(latencies)
    for kind, times in sorted(by_kind.items(), key=lambda item: -sum(item[1])):
        times.sort()
        print(
            json.dumps(
                {
                    "kind": kind,
                    "compiled": is_compiled(),
                    "count": len(times),
                    "share_of_ops": round(len(times) / len(latencies), 3),
                    "mean_ns": round(sum(times) / len(times)),
                    "p50_ns": percentile(times, 0.50),
                    "p99_ns": percentile(times, 0.99),
                    "p999_ns": percentile(times, 0.999),
                    "share_of_engine_time": round(sum(times) / total_ns, 3),
                }
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
