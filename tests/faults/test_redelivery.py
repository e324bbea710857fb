"""Redelivery: Kinesis delivers every batch at least once. A trading session run through the real
matching engine (orders held in the ledger first, as the API does) is delivered batch by batch to
every engine-event consumer (settlement, positions, market data, analytics); every batch delivered a
second time, and batches overlapping earlier ones, leave every store exactly as a single delivery
did: balances, journal, orders, trades, positions, analytics aggregates, DynamoDB items.
"""

import random
from collections.abc import Callable
from typing import Any

import boto3
import psycopg
import pytest

import castle_engine as ce
from castle.contracts.commands import Side
from castle.contracts.events import EngineEvent, Trade
from castle.domain.markets import MARKETS
from castle.ledger.models import OrderRequest
from tests.security.exchange import Exchange
from tests.support.conservation import assert_conserved
from tests.support.engine_session import to_wire
from tests.support.engine_tape import kinesis_event
from tests.support.lambda_context import FakeLambdaContext
from tests.support.template_tables import table_name

SYMBOL = "BTCUSDT"
BATCH = 25
POSTGRES_STATE = {
    "balances": "SELECT account_id, asset, available, held FROM balances",
    "journal": "SELECT cause_type, cause_id, leg FROM journal_entries",
    "postings": "SELECT count(*), coalesce(sum(abs(amount)), 0) FROM postings",
    "orders": "SELECT order_id, status, executed_quantity, cumulative_quote, hold_remaining, hold_open,"
    " working_time_ms, reject_reason FROM orders",
    "user_trades": "SELECT symbol, trade_id, is_buyer, user_id, order_id, price, quantity, commission"
    " FROM user_trades",
    "positions": "SELECT user_id, symbol, quantity, cost_basis, realized_pnl, updated_seq FROM positions",
    "progress": "SELECT consumer, symbol, last_seq FROM consumer_progress",
    "ohlcv": "SELECT * FROM analytics_ohlcv_hourly",
    "volume": "SELECT * FROM analytics_user_volume_hourly",
    "fees": "SELECT * FROM analytics_fee_revenue_hourly",
}
DYNAMO_TABLES = ("MarketStateTable", "MarketSeriesTable", "OrderBookDepthTable", "TradeExecutionsTable")


def consumers() -> list[tuple[str, Callable[..., Any]]]:
    from analytics.consume import handler as analytics
    from marketdata.consume import handler as marketdata
    from positions.consume import handler as positions
    from settlement.consume import handler as settlement

    return [("settlement", settlement), ("positions", positions), ("marketdata", marketdata),
            ("analytics", analytics)]  # fmt: skip


def deliver(events: list[EngineEvent], first_sequence_number: int) -> None:
    """One Kinesis batch to every consumer of the engine events stream; none may fail a record."""
    batch = kinesis_event(events, first_sequence_number)
    for name, handler in consumers():
        answer = handler(batch, FakeLambdaContext())
        assert answer["batchItemFailures"] == [], (name, answer)


def state(exchange: Exchange) -> dict[str, Any]:
    with psycopg.connect(exchange.database_url) as conn:
        found: dict[str, Any] = {
            name: sorted(conn.execute(query.encode()).fetchall(), key=repr)
            for name, query in POSTGRES_STATE.items()
        }
    resource = boto3.resource("dynamodb", region_name="us-east-1")
    for logical_id in DYNAMO_TABLES:
        found[logical_id] = sorted(resource.Table(table_name(logical_id)).scan()["Items"], key=repr)
    return found


def trading_session(exchange: Exchange, commands: int, seed: int = 11) -> list[EngineEvent]:
    """Limit orders around 50,000 (many crossing) and cancels from four users: each order's hold is
    placed in the ledger first (which allocates the order id), then the engine matches it."""
    market = MARKETS[SYMBOL]
    rng = random.Random(seed)
    users = [exchange.user("redelivery", USDT="1000000", BTC="100") for _ in range(4)]
    engine = ce.Engine()
    engine.add_symbol(ce.SymbolSpec(SYMBOL))
    # The engine numbers seqs and trade ids from 1; this database has seen some already (other
    # tests' tapes): continue after them, as a long-running engine would.
    offset = exchange.tape(SYMBOL).seq
    with psycopg.connect(exchange.database_url) as conn:
        row = conn.execute("SELECT max(trade_id) FROM user_trades WHERE symbol = %s", (SYMBOL,)).fetchone()
    trade_offset = max(int(row[0] or 0) if row else 0, 10**9)
    open_orders: list[tuple[int, str]] = []
    events: list[EngineEvent] = []
    for index in range(commands):
        user = rng.choice(users)
        if rng.random() < 0.2 and open_orders:
            order_id, owner = open_orders.pop(rng.randrange(len(open_orders)))
            engine.cancel(SYMBOL, order_id, owner)
        else:
            side: Side = "BUY" if rng.random() < 0.5 else "SELL"
            # Both sides within 5.00 of 50,000: many orders cross, some rest.
            ticks = 5_000_000 + rng.randint(-500, 500)
            lots = rng.randint(1, 60)
            request = OrderRequest(
                user_id=user,
                symbol=SYMBOL,
                side=side,
                order_type="LIMIT",
                client_order_id=f"redelivery-{seed}-{index}",
                created_at_ms=1_700_000_000_000 + index,
                time_in_force="GTC",
                price=market.ticks_to_price(ticks),
                quantity=market.lots_to_quantity(lots),
            )
            record = exchange.ledger.reserve_order(request)
            engine.submit(
                SYMBOL,
                ce.Order(order_id=record.order_id, user_id=user, side=ce.BUY if side == "BUY" else ce.SELL,
                         price=ticks, quantity=lots, client_order_id=record.client_order_id),
            )  # fmt: skip
            open_orders.append((record.order_id, user))
        ts_ms = 1_700_000_000_000 + index * 1000
        for event in engine.drain():
            wire = to_wire(event, ts_ms)
            shifted: dict[str, int] = {"seq": wire.seq + offset}
            if isinstance(wire, Trade):
                shifted["trade_id"] = wire.trade_id + trade_offset
            events.append(wire.model_copy(update=shifted))
    return events


@pytest.fixture(scope="module")
def session(exchange: Exchange) -> list[EngineEvent]:
    events = trading_session(exchange, commands=36)
    assert sum(1 for e in events if e.type == "trade") >= 5  # the session really trades
    return events


def batches(events: list[EngineEvent]) -> list[tuple[int, list[EngineEvent]]]:
    """(first Kinesis sequence number, records) per batch, in stream order."""
    return [(start + 1, events[start : start + BATCH]) for start in range(0, len(events), BATCH)]


def test_every_batch_delivered_twice_leaves_the_state_of_a_single_delivery(
    exchange: Exchange, session: list[EngineEvent]
) -> None:
    for first, records in batches(session):
        deliver(records, first)
        once = state(exchange)
        deliver(records, first)
        assert state(exchange) == once, f"batch starting at record {first} changed state on redelivery"
    assert_conserved(exchange.database_url)


def test_overlapping_and_whole_stream_redeliveries_change_nothing(
    exchange: Exchange, session: list[EngineEvent]
) -> None:
    before = state(exchange)
    # A retry after a partial failure re-reads from the failed record on: it spans earlier batches.
    deliver(session[BATCH // 2 : BATCH * 2 + BATCH // 2], BATCH // 2 + 1)
    deliver(session[len(session) // 3 :], len(session) // 3 + 1)
    deliver(session, 1)
    assert state(exchange) == before
    assert_conserved(exchange.database_url)


def test_the_session_settled_every_order_it_matched(exchange: Exchange, session: list[EngineEvent]) -> None:
    trades = [e for e in session if isinstance(e, Trade)]
    traded = {t.taker_order_id for t in trades} | {t.maker_order_id for t in trades}
    with psycopg.connect(exchange.database_url) as conn:
        settled = {
            row[0]
            for row in conn.execute(
                "SELECT order_id FROM user_trades WHERE order_id = ANY(%s)", (sorted(traded),)
            ).fetchall()
        }
    assert settled == traded
    assert_conserved(exchange.database_url)
