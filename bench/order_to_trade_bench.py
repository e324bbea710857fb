"""Order to trade: from `POST /api/v3/order` (a crossing order) to its trade on the WebSocket feed.

    .venv/bin/python bench/order_to_trade_bench.py [--samples 200] [--url http://127.0.0.1:8080]
    castle bench order_to_trade --samples 200        (make bench-order-to-trade)

The path measured is the whole exchange: gateway → trading function (signature, hold in PostgreSQL,
SQS FIFO send) → engine host (match) → Kinesis → market data consumer → WebSocket broadcast →
gateway → this client's `btcusdt@trade` stream.

Each round, the dealer rests asks at distinct prices (40000.00, 40000.01, ...; far above the other
benchmarks' resting bids) and we wait until the public depth shows them (the engine has them); then
the taker sends one LIMIT IOC buy per ask, in ascending price order and one at a time, each taking
exactly one ask. A sample is the time from just before the POST to the trade frame with that price.
Without --url a fresh `castle up` is started and stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from decimal import Decimal
from typing import Any

import aiohttp
from _stack import (
    Stack,
    Trader,
    emit,
    local_stack,
    machine,
    running_stack_url,
    summary_ms,
    traders,
    wait_for_engine,
)

SYMBOL = "BTCUSDT"
QUANTITY = "0.0010"
ROUND_SIZE = 50


class TradeFeed:
    """The `btcusdt@trade` stream: trade prices as they arrive, with their arrival time."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        self.socket = socket
        self.arrivals: dict[Decimal, float] = {}
        self._changed = asyncio.Condition()

    async def run(self) -> None:
        async for message in self.socket:
            if message.type != aiohttp.WSMsgType.TEXT:
                continue
            arrived = time.perf_counter()
            frame: dict[str, Any] = json.loads(message.data)
            data = frame.get("data", frame)
            if isinstance(data, dict) and data.get("e") == "trade":
                async with self._changed:
                    self.arrivals.setdefault(Decimal(data["p"]), arrived)
                    self._changed.notify_all()

    async def arrival(self, price: Decimal, timeout_s: float) -> float:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: price in self.arrivals), timeout_s)
            return self.arrivals[price]


async def post_order(
    http: aiohttp.ClientSession, user: Trader, params: list[tuple[str, str]]
) -> dict[str, Any]:
    async with http.post(
        f"/api/v3/order?{user.query(params)}", headers={"X-MBX-APIKEY": user.api_key}
    ) as answer:
        body: dict[str, Any] = await answer.json(content_type=None)
        if answer.status != 200:
            raise RuntimeError(f"order refused: {answer.status} {body}")
        return body


async def wait_for_asks(http: aiohttp.ClientSession, prices: list[Decimal], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        async with http.get("/api/v3/depth", params={"symbol": SYMBOL, "limit": "1000"}) as answer:
            book = await answer.json(content_type=None)
        asks = {Decimal(price) for price, _ in book.get("asks", [])}
        if all(p in asks for p in prices):
            return
        await asyncio.sleep(0.1)
    raise TimeoutError("the resting asks never showed in the depth")


async def measure(
    stack: Stack, dealer: Trader, taker: Trader, samples: int, base: Decimal
) -> tuple[list[float], list[float]]:
    """(order to trade, order to the POST's answer) per sample, in seconds."""
    latencies: list[float] = []
    answers: list[float] = []
    timeout = aiohttp.ClientTimeout(total=30)
    async with (
        aiohttp.ClientSession(stack.url, timeout=timeout) as http,
        http.ws_connect(f"{stack.ws_url}/ws") as socket,
    ):
        await socket.send_str(json.dumps({"method": "SUBSCRIBE", "params": ["btcusdt@trade"], "id": 1}))
        feed = TradeFeed(socket)
        reader = asyncio.create_task(feed.run())
        try:
            next_price = base
            while len(latencies) < samples:
                prices = [
                    next_price + Decimal("0.01") * k for k in range(min(ROUND_SIZE, samples - len(latencies)))
                ]
                next_price = prices[-1] + Decimal("0.01")
                for price in prices:
                    await post_order(http, dealer, [
                            ("symbol", SYMBOL), ("side", "SELL"), ("type", "LIMIT"), ("timeInForce", "GTC"),
                            ("price", f"{price:.2f}"), ("quantity", QUANTITY), ("newOrderRespType", "ACK"),
                        ])  # fmt: skip
                await wait_for_asks(http, prices)
                for price in prices:
                    started = time.perf_counter()
                    await post_order(http, taker, [
                            ("symbol", SYMBOL), ("side", "BUY"), ("type", "LIMIT"), ("timeInForce", "IOC"),
                            ("price", f"{price:.2f}"), ("quantity", QUANTITY), ("newOrderRespType", "ACK"),
                        ])  # fmt: skip
                    answers.append(time.perf_counter() - started)
                    latencies.append(await feed.arrival(price, timeout_s=30) - started)
                print(f"  {len(latencies)}/{samples} samples", file=sys.stderr)
        finally:
            reader.cancel()
    return latencies, answers


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--base-price", type=Decimal, default=Decimal("40000.00"))
    parser.add_argument(
        "--url", default=running_stack_url(), help="a running stack (default: CASTLE_URL if up)"
    )
    parser.add_argument("--json", type=str, default=None, help="also write the result here")
    args = parser.parse_args()
    with local_stack(args.url) as stack:
        wait_for_engine(stack)
        users = traders(stack, roles=("dealer", "taker"))
        latencies, answers = asyncio.run(
            measure(stack, users["dealer"], users["taker"], args.samples, args.base_price)
        )
    result = {
        "order_to_trade": summary_ms(latencies),
        "order_answer": summary_ms(answers),
        "machine": machine(),
    }
    for key, what in (("order_to_trade", "order to trade"), ("order_answer", "  of which the POST")):
        row = result[key]
        print(
            f"{what} over {row['count']} samples: p50 {row['p50_ms']} ms, p95 {row['p95_ms']} ms, "
            f"p99 {row['p99_ms']} ms, max {row['max_ms']} ms",
            file=sys.stderr,
        )
    emit(result, args.json)


if __name__ == "__main__":
    main()
