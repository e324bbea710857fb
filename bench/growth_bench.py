"""Cost growth: API latency and memory as the request rate grows, engine latency and memory as the
resting book grows. Writes a table (stderr + bench/results/growth.md), JSON and a PNG plot.

    .venv/bin/python bench/growth_bench.py [--rates 100,250,500,1000] [--duration 30]
                                          [--resting 10000,100000,1000000] [--ops 100000]
    castle bench growth                    (make bench-growth)

API: one fresh `castle up` (or --url), the api_bench mix at each rate in turn (lowest first), each
after a short warm-up at that rate; memory is the RSS of the stack's whole process tree at the end of
each step. Engine: per size, a fresh process builds a resting book of N GTC orders (bids below and asks
above a mid, 2,000 users, over ~4,000 price levels per side), then runs --ops operations against it
(45% passive limits, 45% cancels of resting orders, 10% marketable limits that trade), timing each
engine call inside the engine (`submit_timed` / `cancel_timed`); RSS is the process's after building.
The compiled engine (.build/engine, from scripts/build_engine.sh) is used when it is built.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _stack import ROOT, local_stack, machine, percentile, running_stack_url, traders

RESULTS = ROOT / "bench" / "results"


# ---- engine: one size per process -------------------------------------------------------------------
def engine_point(resting: int, ops: int, seed: int) -> dict[str, Any]:
    import gc

    import psutil

    from castle_engine import Engine, Order, SymbolSpec, codes, is_compiled

    gc.disable()  # as the engine host's replay does: the book is long-lived, cyclic GC only adds pauses
    rng = random.Random(seed)
    engine = Engine()
    engine.add_symbol(SymbolSpec("BTCUSDT"))
    process = psutil.Process()
    rss_before = process.memory_info().rss
    mid = 3_000_000  # 30000.00 in ticks
    live: list[int] = []
    owner: dict[int, str] = {}
    next_id = 0

    def new_order(side: int, ticks: int, lots: int) -> Order:
        nonlocal next_id
        next_id += 1
        user = f"u{rng.randrange(2000)}"
        owner[next_id] = user
        return Order(next_id, user, side, codes.LIMIT, ticks, lots, codes.GTC)

    started = time.perf_counter()
    for _ in range(resting):
        side = rng.randrange(2)
        offset = 1 + rng.randrange(4000)
        order = new_order(side, mid - offset if side == codes.BUY else mid + offset, rng.randint(1, 2000))
        engine.submit("BTCUSDT", order)
        live.append(order.order_id)
    engine.drain()
    build_s = time.perf_counter() - started
    rss_after = process.memory_info().rss

    submit_ns: list[int] = []
    cancel_ns: list[int] = []
    trade_ns: list[int] = []
    for _ in range(ops):
        roll = rng.random()
        if roll < 0.45 and live:
            index = rng.randrange(len(live))
            order_id = live[index]
            live[index] = live[-1]
            live.pop()
            cancel_ns.append(engine.cancel_timed("BTCUSDT", order_id, owner[order_id]))
        elif roll < 0.90:
            side = rng.randrange(2)
            offset = 1 + rng.randrange(4000)
            order = new_order(side, mid - offset if side == codes.BUY else mid + offset, rng.randint(1, 2000))
            submit_ns.append(engine.submit_timed("BTCUSDT", order))
            live.append(order.order_id)
        else:
            side = rng.randrange(2)
            order = new_order(side, mid + 5 if side == codes.BUY else mid - 5, rng.randint(1, 2000))
            trade_ns.append(engine.submit_timed("BTCUSDT", order))
        engine.drain()
    everything = sorted(submit_ns + cancel_ns + trade_ns)

    def us(values: list[int], fraction: float) -> float:
        return round(float(percentile(sorted(values), fraction)) / 1000, 2)

    return {
        "resting": resting,
        "compiled": bool(is_compiled()),
        "build_s": round(build_s, 2),
        "resting_after": engine.resting_count(),
        "rss_mb": round(rss_after / 1e6, 1),
        "book_mb": round((rss_after - rss_before) / 1e6, 1),
        "ops": ops,
        "mean_us": round(sum(everything) / len(everything) / 1000, 2),
        "p50_us": us(everything, 0.50),
        "p99_us": us(everything, 0.99),
        "p99_submit_passive_us": us(submit_ns, 0.99),
        "p99_cancel_us": us(cancel_ns, 0.99),
        "p99_marketable_us": us(trade_ns, 0.99),
    }


def engine_growth(sizes: list[int], ops: int) -> list[dict[str, Any]]:
    env = dict(os.environ)
    built = ROOT / ".build" / "engine"
    if built.is_dir():
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(built), env.get("PYTHONPATH", "")) if p)
    rows = []
    for size in sizes:
        answer = subprocess.run(
            [sys.executable, __file__, "engine-point", "--resting", str(size), "--ops", str(ops)],
            env=env, cwd=ROOT, check=True, capture_output=True, text=True, timeout=1800,
        )  # fmt: skip
        row = json.loads(answer.stdout.strip().splitlines()[-1])
        print(f"  engine {size:>9,} resting: {row}", file=sys.stderr)
        rows.append(row)
    return rows


# ---- API --------------------------------------------------------------------------------------------
def api_growth(url: str | None, rates: list[float], duration_s: float) -> list[dict[str, Any]]:
    from api_bench import run_load

    rows = []
    with local_stack(url) as stack:
        users = list(traders(stack).values())
        for rate in rates:
            run_load(stack, users, rate, min(3.0, duration_s / 4), seed=int(rate) + 1)
            result = run_load(stack, users, rate, duration_s, seed=int(rate))
            row = {
                "target_rate": rate,
                "achieved_rate": result["achieved_rate"],
                "error_rate": result["error_rate"],
                "p50_ms": result["all"]["p50_ms"],
                "p95_ms": result["all"]["p95_ms"],
                "p99_ms": result["all"]["p99_ms"],
                "stack_rss_mb": result["stack_rss_mb"],
                "stack_cpu_cores": result["stack_cpu_cores"],
            }
            print(f"  api {rate:>6}/s: {row}", file=sys.stderr)
            rows.append(row)
            settle(stack.url)
    return rows


def settle(url: str, timeout_s: float = 300.0) -> None:
    """Until the stack has worked off an overload's backlog (requests the client gave up on still
    run): three pings in a row answered within 50 ms."""
    import httpx

    deadline, fast = time.monotonic() + timeout_s, 0
    with httpx.Client(base_url=url, timeout=30) as http:
        while fast < 3 and time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                http.get("/api/v3/ping")
            except httpx.HTTPError:
                fast = 0
                continue
            fast = fast + 1 if time.perf_counter() - started < 0.05 else 0
            time.sleep(0.2)


# ---- output -----------------------------------------------------------------------------------------
def table(api: list[dict[str, Any]], engine: list[dict[str, Any]]) -> str:
    lines = [
        "| target req/s | achieved req/s | errors | p50 ms | p95 ms | p99 ms | stack RSS MB "
        "| stack CPU cores |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in api:
        lines.append(
            f"| {r['target_rate']:.0f} | {r['achieved_rate']} | {r['error_rate']:.2%} | {r['p50_ms']} | "
            f"{r['p95_ms']} | {r['p99_ms']} | {r['stack_rss_mb']} | {r['stack_cpu_cores']} |"
        )
    lines += [
        "",
        "| resting orders | compiled | build s | mean µs/op | p50 µs | p99 µs | p99 cancel µs | "
        "p99 marketable µs | process RSS MB | book MB |",
        "|---:|:-:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in engine:
        lines.append(
            f"| {r['resting']:,} | {'yes' if r['compiled'] else 'no'} | {r['build_s']} | {r['mean_us']} | "
            f"{r['p50_us']} | {r['p99_us']} | {r['p99_cancel_us']} | {r['p99_marketable_us']} | "
            f"{r['rss_mb']} | {r['book_mb']} |"
        )
    return "\n".join(lines) + "\n"


def plot(api: list[dict[str, Any]], engine: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(2, 2, figsize=(11, 8))
    if api:
        rates = [r["target_rate"] for r in api]
        latency, memory = axes[0]
        for key in ("p50_ms", "p95_ms", "p99_ms"):
            latency.plot(rates, [r[key] for r in api], marker="o", label=key.removesuffix("_ms"))
        achieved = latency.twinx()
        achieved.plot(rates, [r["achieved_rate"] for r in api], ls="--", color="grey", marker="x")
        achieved.set_ylabel("achieved req/s (dashed)")
        latency.set(
            title="API latency vs offered load", xlabel="offered req/s", ylabel="ms (log)", yscale="log"
        )
        latency.axhline(100, color="red", lw=0.8, ls=":", label="p99 target 100 ms")
        latency.legend(fontsize=8)
        memory.plot(rates, [r["stack_rss_mb"] for r in api], marker="o", color="purple")
        memory.set(title="Stack memory (RSS, all processes)", xlabel="offered req/s", ylabel="MB")
    if engine:
        sizes = [r["resting"] for r in engine]
        latency, memory = axes[1]
        for key in ("p50_us", "p99_us", "p99_marketable_us"):
            latency.plot(sizes, [r[key] for r in engine], marker="o", label=key.removesuffix("_us"))
        latency.set(title="Engine latency per op vs resting orders", xlabel="resting orders",
                    ylabel="µs (log)", xscale="log", yscale="log")  # fmt: skip
        latency.axhline(500, color="red", lw=0.8, ls=":", label="target 500 µs")
        latency.legend(fontsize=8)
        memory.plot(sizes, [r["book_mb"] for r in engine], marker="o", color="purple")
        memory.set(
            title="Engine book memory (RSS growth)", xlabel="resting orders", ylabel="MB", xscale="log"
        )
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "mode", nargs="?", default="all", choices=("all", "api", "engine", "engine-point", "plot")
    )
    parser.add_argument(
        "--merge",
        action="store_true",
        help="add these rows to the existing growth.json (same rate/size replaced)",
    )
    parser.add_argument("--rates", default="100,250,500,1000")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per API rate (20)")
    parser.add_argument("--resting", default="10000,100000,1000000")
    parser.add_argument("--ops", type=int, default=100_000, help="engine ops measured per size")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--url", default=running_stack_url(), help="a running stack (default: CASTLE_URL if up)"
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="where growth.{json,md,png} go")
    args = parser.parse_args()
    if args.mode == "engine-point":
        print(json.dumps(engine_point(int(args.resting), args.ops, args.seed)))
        return
    if args.mode == "plot":
        write(args.out, json.loads((args.out / "growth.json").read_text()))
        return
    api = (
        api_growth(args.url, [float(r) for r in args.rates.split(",")], args.duration)
        if args.mode != "engine"
        else []
    )
    engine = engine_growth([int(n) for n in args.resting.split(",")], args.ops) if args.mode != "api" else []
    result: dict[str, Any] = {"api": api, "engine": engine, "machine": machine()}
    if args.merge and (args.out / "growth.json").exists():
        old = json.loads((args.out / "growth.json").read_text())
        rates, sizes = {r["target_rate"] for r in api}, {r["resting"] for r in engine}
        result["api"] = sorted(
            [r for r in old["api"] if r["target_rate"] not in rates] + api, key=lambda r: r["target_rate"]
        )
        result["engine"] = sorted(
            [r for r in old["engine"] if r["resting"] not in sizes] + engine, key=lambda r: r["resting"]
        )
        result["machine_before_merge"] = old.get("machine")
    write(args.out, result)
    print(json.dumps(result))


def write(out: Path, result: dict[str, Any]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "growth.json").write_text(json.dumps(result, indent=2) + "\n")
    (out / "growth.md").write_text(table(result["api"], result["engine"]))
    plot(result["api"], result["engine"], out / "growth.png")
    print(table(result["api"], result["engine"]), file=sys.stderr)
    print(f"written: {out}/growth.json, growth.md, growth.png", file=sys.stderr)


if __name__ == "__main__":
    main()
