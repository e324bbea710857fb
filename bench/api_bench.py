"""API load: an open-loop request mix against the local stack, latency per endpoint.

    .venv/bin/python bench/api_bench.py [--rate 500] [--duration 60] [--url http://127.0.0.1:8080]
    castle bench api --rate 500 --duration 60        (make bench-api)

Without --url (and without CASTLE_URL) a fresh `castle up` is started on free ports with its own
database and stopped at the end. The mix is what a trading client does: order book depth, tickers,
account, and signed new/cancel orders (LIMIT GTC bids well below the market, so they rest; every
cancel targets an order this run placed and cancels it once).

Why our own generator rather than Locust: this machine has 2 cores shared by the stack it measures;
Locust's per-user greenlets and stats machinery cost several times more CPU per request than one
asyncio loop, and its closed-loop users slow down when the server does (coordinated omission). This
generator is open-loop: request i is due at start + i/rate, sent then whatever the earlier ones do, and
its latency counts from when it was due, so a server that falls behind shows it in the percentiles.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from collections import defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from _stack import Stack, Trader, emit, local_stack, machine, running_stack_url, summary_ms, traders

# (endpoint name, weight): the request mix, in percent.
MIX: tuple[tuple[str, int], ...] = (
    ("GET /api/v3/depth", 25),
    ("GET /api/v3/ticker/24hr", 15),
    ("GET /api/v3/ticker/price", 10),
    ("GET /api/v3/account", 15),
    ("POST /api/v3/order", 18),
    ("DELETE /api/v3/order", 17),
)
SYMBOLS = ("BTCUSDT", "ETHUSDT")
RESTING_BID = {"BTCUSDT": (30_000, "0.0010"), "ETHUSDT": (1_500, "0.0200")}  # far below the demo mid


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_samples: dict[str, str] = field(default_factory=dict)
    late_s: list[float] = field(default_factory=list)
    sent: int = 0
    completed: int = 0


class LoadGenerator:
    def __init__(self, stack: Stack, users: Sequence[Trader], rate: float, duration_s: float, seed: int):
        self.stack = stack
        self.users = list(users)
        self.rate = rate
        self.duration_s = duration_s
        self.rng = random.Random(seed)
        self.results = Results()
        self.placed: deque[tuple[Trader, str, int]] = deque()
        names, weights = zip(*MIX, strict=True)
        self.names: tuple[str, ...] = names
        self.weights: tuple[int, ...] = weights

    async def run(self) -> float:
        connector = aiohttp.TCPConnector(limit=512, limit_per_host=512)
        timeout = aiohttp.ClientTimeout(total=30)
        async with aiohttp.ClientSession(self.stack.url, connector=connector, timeout=timeout) as http:
            total = int(self.rate * self.duration_s)
            started = time.perf_counter()
            tasks: set[asyncio.Task[None]] = set()
            for i in range(total):
                due = started + i / self.rate
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                self.results.late_s.append(max(0.0, time.perf_counter() - due))
                name, placed = self.pick()
                task = asyncio.create_task(self.one(http, name, placed, due))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                self.results.sent += 1
            sending_s = time.perf_counter() - started
            if tasks:
                await asyncio.wait(tasks, timeout=60)
            return sending_s

    def pick(self) -> tuple[str, tuple[Trader, str, int] | None]:
        """The next request; a cancel takes its order now (each placed order is cancelled once)."""
        name = self.rng.choices(self.names, self.weights)[0]
        if name != "DELETE /api/v3/order":
            return name, None
        if not self.placed:
            return "POST /api/v3/order", None
        return name, self.placed.popleft()

    async def one(
        self, http: aiohttp.ClientSession, name: str, placed: tuple[Trader, str, int] | None, due: float
    ) -> None:
        method, path = name.split(" ", 1)
        symbol = self.rng.choice(SYMBOLS)
        user = self.rng.choice(self.users)
        headers: dict[str, str] = {}
        query: str
        if path in ("/api/v3/depth",):
            query = f"symbol={symbol}&limit=100"
        elif path.startswith("/api/v3/ticker"):
            query = f"symbol={symbol}"
        elif path == "/api/v3/account":
            query, headers = user.query([]), {"X-MBX-APIKEY": user.api_key}
        elif method == "POST":
            price, quantity = RESTING_BID[symbol]
            params = [
                ("symbol", symbol), ("side", "BUY"), ("type", "LIMIT"), ("timeInForce", "GTC"),
                ("price", f"{price + self.rng.randint(0, 200)}.00"), ("quantity", quantity),
                ("newOrderRespType", "ACK"),
            ]  # fmt: skip
            query, headers = user.query(params), {"X-MBX-APIKEY": user.api_key}
        else:
            assert placed is not None
            user, symbol, order_id = placed
            query = user.query([("symbol", symbol), ("orderId", str(order_id))])
            headers = {"X-MBX-APIKEY": user.api_key}
        try:
            async with http.request(method, f"{path}?{query}", headers=headers) as answer:
                body = await answer.read()
                status = answer.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            self.fail(name, f"{type(exc).__name__}: {exc}")
            return
        self.results.latencies[name].append(time.perf_counter() - due)
        self.results.completed += 1
        if status != 200:
            self.fail(name, f"{status} {body[:160]!r}")
        elif method == "POST":
            self.placed.append((user, symbol, int(json.loads(body)["orderId"])))

    def fail(self, name: str, reason: str) -> None:
        self.results.errors[name] += 1
        self.results.error_samples.setdefault(name, reason)


def report(generator: LoadGenerator, sending_s: float, elapsed_s: float, stack: Stack) -> dict[str, Any]:
    results = generator.results
    every = [x for values in results.latencies.values() for x in values]
    errors = sum(results.errors.values())
    late = sorted(results.late_s)
    return {
        "target_rate": generator.rate,
        "duration_s": generator.duration_s,
        "sent": results.sent,
        "completed": results.completed,
        "achieved_rate": round(results.completed / elapsed_s, 1),
        "send_rate": round(results.sent / sending_s, 1),
        "errors": errors,
        "error_rate": round(errors / max(1, results.sent), 4),
        "generator_late_p99_ms": round(late[int(0.99 * (len(late) - 1))] * 1000, 1) if late else None,
        "all": summary_ms(every),
        "endpoints": {name: summary_ms(results.latencies[name]) for name in generator.names},
        "endpoint_errors": dict(results.errors),
        "error_samples": results.error_samples,
        "stack_rss_mb": round(stack.rss_mb(), 1),
    }


def run_load(
    stack: Stack, users: Sequence[Trader], rate: float, duration_s: float, seed: int
) -> dict[str, Any]:
    generator = LoadGenerator(stack, users, rate, duration_s, seed)
    cpu_before, started = stack.cpu_seconds(), time.perf_counter()
    sending_s = asyncio.run(generator.run())
    elapsed_s = time.perf_counter() - started
    result = report(generator, sending_s, elapsed_s, stack)
    result["stack_cpu_cores"] = round((stack.cpu_seconds() - cpu_before) / elapsed_s, 2)
    return result


def print_table(result: dict[str, Any]) -> None:
    print(
        f"rate {result['target_rate']}/s for {result['duration_s']}s: achieved {result['achieved_rate']}/s, "
        f"errors {result['errors']}/{result['sent']} ({result['error_rate']:.2%}), "
        f"stack RSS {result['stack_rss_mb']} MB, stack CPU {result.get('stack_cpu_cores')} cores",
        file=sys.stderr,
    )
    print(
        f"{'endpoint':28} {'count':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}",
        file=sys.stderr,
    )
    rows = {**result["endpoints"], "all": result["all"]}
    for name, row in rows.items():
        print(
            f"{name:28} {row['count']:>7} {row['p50_ms']:>8} {row['p95_ms']:>8} {row['p99_ms']:>8} "
            f"{row['max_ms']:>8}",
            file=sys.stderr,
        )
    for name, sample in result["error_samples"].items():
        print(f"  first error on {name}: {sample}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=500.0, help="requests per second (500)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (60)")
    parser.add_argument(
        "--warmup", type=float, default=5.0, help="seconds at the same rate first, not counted"
    )
    parser.add_argument(
        "--url", default=running_stack_url(), help="a running stack (default: CASTLE_URL if up)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=str, default=None, help="also write the result here")
    args = parser.parse_args()
    with local_stack(args.url) as stack:
        users = list(traders(stack).values())
        if args.warmup > 0:
            run_load(stack, users, args.rate, args.warmup, args.seed + 1)
        result = run_load(stack, users, args.rate, args.duration, args.seed)
    result["machine"] = machine()
    print_table(result)
    emit(result, args.json)


if __name__ == "__main__":
    main()
