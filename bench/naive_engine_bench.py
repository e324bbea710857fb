"""Calibrate the machine with the engine issue's yardstick: run bench/naive_engine.py over the same
1M-op workload as `make bench-engine`, interpreted and compiled with mypyc, timed as a whole loop
and per call.

    .venv/bin/python bench/naive_engine_bench.py [--ops 1000000] [--seed 1]

The issue says this naive book does ~1.5M ops/s in CPython and ~2.5M compiled on its 2-core machine.
The workload lines are decoded before the clock starts, and the cyclic garbage collector is off, as
in the replay. Prints one JSON line per build: the whole loop's rate, the rate by the sum of
per-call times (as the replay counts engine ops/s), and per-call percentiles.
"""

import argparse
import gc
import hashlib
import json
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / ".build" / "naive"


def decode(path: Path) -> list[tuple[int, int, int, int, int, bool]]:
    """The workload's lines as naive-engine ops (ticks of 0.01, lots of 0.0001)."""
    ops = []
    for raw in path.read_bytes().splitlines():
        line = json.loads(raw)
        order_id = int(line["id"])
        if line["op"] == "cancel":
            ops.append((2, order_id, 0, 0, 0, False))
            continue
        side = 0 if line["side"] == "buy" else 1
        qty = int(Decimal(line["qty"]) * 10_000)
        if line["op"] == "market":
            ops.append((1, order_id, side, 0, qty, True))
        else:
            ops.append((0, order_id, side, int(Decimal(line["price"]) * 100), qty, line["tif"] != "GTC"))
    return ops


def compile_naive() -> Path:
    """mypyc-compile bench/naive_engine.py into .build/naive, again whenever the source changed."""
    source = Path(__file__).with_name("naive_engine.py")
    stamp = hashlib.sha256(source.read_bytes()).hexdigest()
    if (BUILD / ".stamp").is_file() and (BUILD / ".stamp").read_text() == stamp:
        return BUILD
    shutil.rmtree(BUILD, ignore_errors=True)
    BUILD.mkdir(parents=True)
    shutil.copy(source, BUILD / "naive_engine.py")
    mypyc = Path(sys.executable).with_name("mypyc")
    subprocess.run([str(mypyc), "naive_engine.py"], cwd=BUILD, check=True, capture_output=True)
    (BUILD / "naive_engine.py").unlink()  # the compiled module must be the one imported
    (BUILD / ".stamp").write_text(stamp)
    return BUILD


def measure(ops_path: Path, build: str) -> None:
    """(Child process) run both timings over the workload, with the compiled module from `build`
    or, when it is empty, the plain one beside this script."""
    if build:
        sys.path.insert(0, build)
    import naive_engine

    ops = decode(ops_path)
    compiled = not str(naive_engine.__file__).endswith(".py")
    # As castle_engine.replay runs: the cyclic collector off (it would scan the whole book).
    gc.collect()
    gc.freeze()
    gc.disable()
    batch_ns = naive_engine.run_batch(naive_engine.NaiveBook(), ops)
    latencies = sorted(naive_engine.run_timed(naive_engine.NaiveBook(), ops))
    n = len(latencies)
    print(json.dumps({
        "compiled": compiled,
        "ops": n,
        "batch_ops_per_s": int(n * 1e9 / batch_ns),
        "per_call_ops_per_s": int(n * 1e9 / sum(latencies)),
        "p50_ns": latencies[n // 2],
        "p99_ns": latencies[int(n * 0.99)],
        "p999_ns": latencies[int(n * 0.999)],
    }))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ops", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--build", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure, args.build)
        return
    workload = ROOT / ".build" / "bench" / f"workload-{args.ops}-{args.seed}.jsonl"
    if not workload.exists():
        sys.exit(f"no {workload}: run `make bench-engine` (or castle_engine.workload) first")
    for build in (str(compile_naive()), ""):
        subprocess.run([sys.executable, __file__, "--measure", str(workload), "--build", build], check=True)


if __name__ == "__main__":
    main()
