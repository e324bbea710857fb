"""Hold + settle throughput of the PostgreSQL ledger (local PostgreSQL, one fresh database).

    .venv/bin/python bench/ledger_bench.py [--trades 20000] [--batch 500]

Phase 1 places the holds (one reserve_order transaction each, as the API does). Phase 2 settles the
trades as the settlement Lambda does: Kinesis-sized batches through apply_events, one transaction per
batch. Every trade fully fills a buy and a sell order, followed by both orders' order_done (so a
"settled trade" here = 1 trade + 2 order_done events, fees and hold releases included).
"""

import argparse
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from psycopg_pool import ConnectionPool

from castle.adapters.postgres.ledger_store import PostgresLedger
from castle.adapters.postgres.migrations import migrate
from castle.contracts.commands import Side
from castle.contracts.events import EngineEvent, OrderDone, Trade
from castle.ledger.models import OrderRecord, OrderRequest
from tests.support.conservation import assert_conserved
from tests.support.database import create_database, drop_database, url_for


def _request(user: str, side: Side, n: int) -> OrderRequest:
    return OrderRequest(
        user_id=user,
        symbol="BTCUSDT",
        side=side,
        order_type="LIMIT",
        client_order_id=f"{side}-{n}",
        created_at_ms=n,
        time_in_force="GTC",
        price=Decimal("100.00"),
        quantity=Decimal("0.0100"),
    )


def _events(pairs: Sequence[tuple[OrderRecord, OrderRecord]]) -> list[EngineEvent]:
    events: list[EngineEvent] = []
    seq = 0
    for trade_id, (buy, sell) in enumerate(pairs, start=1):
        ts_ms = 1_700_000_000_000 + trade_id
        events.append(
            Trade(
                symbol="BTCUSDT",
                ts_ms=ts_ms,
                seq=(seq := seq + 1),
                trade_id=trade_id,
                price=Decimal("99.50"),
                quantity=Decimal("0.01"),
                quote_quantity=Decimal("0.995"),
                maker_order_id=sell.order_id,
                taker_order_id=buy.order_id,
                maker_user_id=sell.user_id,
                taker_user_id=buy.user_id,
                taker_side="BUY",
            )
        )
        for order in (buy, sell):
            events.append(
                OrderDone(
                    symbol="BTCUSDT",
                    ts_ms=ts_ms,
                    seq=(seq := seq + 1),
                    order_id=order.order_id,
                    user_id=order.user_id,
                    status="FILLED",
                    executed_quantity=Decimal("0.01"),
                    cumulative_quote_quantity=Decimal("0.995"),
                )
            )
    return events


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trades", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500, help="events per apply_events call (Kinesis batch)")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--threads", type=int, default=4, help="concurrent reserve_order callers")
    args = parser.parse_args()

    name = create_database("castle_bench")
    url = url_for(name)
    try:
        migrate(url)
        with ConnectionPool(url, min_size=args.threads, max_size=args.threads, open=True) as pool:
            ledger = PostgresLedger(pool)
            buyers = [f"buyer-{i}" for i in range(args.users)]
            sellers = [f"seller-{i}" for i in range(args.users)]
            for user in buyers:
                ledger.credit_deposit(f"tx-{user}", user, "USDT", 10**8 * 10**6)
            for user in sellers:
                ledger.credit_deposit(f"tx-{user}", user, "BTC", 10**8 * 10**4)

            def place(n: int) -> tuple[OrderRecord, OrderRecord]:
                buy = ledger.reserve_order(_request(buyers[n % args.users], "BUY", n))
                sell = ledger.reserve_order(_request(sellers[n % args.users], "SELL", n))
                return buy, sell

            started = time.perf_counter()
            with ThreadPoolExecutor(args.threads) as executor:
                pairs = list(executor.map(place, range(args.trades)))
            hold_seconds = time.perf_counter() - started
            holds = 2 * args.trades

            with pool.connection() as conn:
                conn.execute("ANALYZE")  # a live database has statistics; a fresh one must be told
            events = _events(pairs)
            started = time.perf_counter()
            for start in range(0, len(events), args.batch):
                outcome = ledger.apply_events(events[start : start + args.batch])
                assert not outcome.failed, outcome.errors
            settle_seconds = time.perf_counter() - started
            replay_started = time.perf_counter()
            for start in range(0, len(events), args.batch):
                assert ledger.apply_events(events[start : start + args.batch]).applied == 0
            replay_seconds = time.perf_counter() - replay_started

        check_started = time.perf_counter()
        assert_conserved(url)
        check_seconds = time.perf_counter() - check_started
        print(
            f"holds (reserve_order, {args.threads} threads): {holds} in {hold_seconds:.2f}s = "
            f"{holds / hold_seconds:,.0f} holds/s"
        )
        print(
            f"settlement (batches of {args.batch} events): {args.trades} trades + {2 * args.trades} "
            f"order_done in {settle_seconds:.2f}s = {args.trades / settle_seconds:,.0f} settled trades/s "
            f"({len(events) / settle_seconds:,.0f} events/s)"
        )
        print(f"redelivery of every batch (all skipped): {replay_seconds:.2f}s")
        print(f"conservation check over {len(events)} events: {check_seconds:.2f}s: OK")
    finally:
        drop_database(name)


if __name__ == "__main__":
    main()
