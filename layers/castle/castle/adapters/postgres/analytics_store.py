"""Analytics aggregates in PostgreSQL: idempotent application of trades, and the admin queries."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from psycopg import Connection
from psycopg.rows import dict_row

from castle.adapters.postgres.pool import get_pool
from castle.analytics.aggregates import aggregate
from castle.contracts.events import Trade


def _hour(hour_ms: int) -> datetime:
    return datetime.fromtimestamp(hour_ms / 1000, tz=UTC)


_UPSERT_CANDLE = """
INSERT INTO analytics_ohlcv_hourly AS c
  (symbol, hour_start, open, high, low, close, first_seq, last_seq,
   base_volume_minor, quote_volume_minor, trade_count)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (symbol, hour_start) DO UPDATE SET
  open = CASE WHEN EXCLUDED.first_seq < c.first_seq THEN EXCLUDED.open ELSE c.open END,
  first_seq = LEAST(c.first_seq, EXCLUDED.first_seq),
  close = CASE WHEN EXCLUDED.last_seq > c.last_seq THEN EXCLUDED.close ELSE c.close END,
  last_seq = GREATEST(c.last_seq, EXCLUDED.last_seq),
  high = GREATEST(c.high, EXCLUDED.high),
  low = LEAST(c.low, EXCLUDED.low),
  base_volume_minor = c.base_volume_minor + EXCLUDED.base_volume_minor,
  quote_volume_minor = c.quote_volume_minor + EXCLUDED.quote_volume_minor,
  trade_count = c.trade_count + EXCLUDED.trade_count
"""

_UPSERT_USER_VOLUME = """
INSERT INTO analytics_user_volume_hourly AS v
  (user_id, symbol, hour_start, base_volume_minor, quote_volume_minor, fee_minor, maker_trades, taker_trades)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (user_id, symbol, hour_start) DO UPDATE SET
  base_volume_minor = v.base_volume_minor + EXCLUDED.base_volume_minor,
  quote_volume_minor = v.quote_volume_minor + EXCLUDED.quote_volume_minor,
  fee_minor = v.fee_minor + EXCLUDED.fee_minor,
  maker_trades = v.maker_trades + EXCLUDED.maker_trades,
  taker_trades = v.taker_trades + EXCLUDED.taker_trades
"""

_UPSERT_FEES = """
INSERT INTO analytics_fee_revenue_hourly AS f (symbol, hour_start, asset, fee_minor, trade_count)
VALUES (%s, %s, %s, %s, %s)
ON CONFLICT (symbol, hour_start) DO UPDATE SET
  fee_minor = f.fee_minor + EXCLUDED.fee_minor,
  trade_count = f.trade_count + EXCLUDED.trade_count
"""


def apply_trades(trades: Sequence[Trade]) -> int:
    """Count the trades not counted before, in one transaction; returns how many were new."""
    if not trades:
        return 0
    with get_pool().connection() as conn, conn.transaction():
        return _apply(conn, trades)


def _apply(conn: Connection[Any], trades: Sequence[Trade]) -> int:
    new: list[Trade] = []
    with conn.cursor() as cur:
        for trade in trades:
            cur.execute(
                "INSERT INTO analytics_applied_events (symbol, seq) VALUES (%s, %s)"
                " ON CONFLICT DO NOTHING RETURNING seq",
                (trade.symbol, trade.seq),
            )
            if cur.fetchone() is not None:
                new.append(trade)
        result = aggregate(new)
        cur.executemany(
            _UPSERT_CANDLE,
            [
                (
                    c.symbol,
                    _hour(c.hour_ms),
                    c.open,
                    c.high,
                    c.low,
                    c.close,
                    c.first_seq,
                    c.last_seq,
                    c.base_volume_minor,
                    c.quote_volume_minor,
                    c.trade_count,
                )
                for c in result.candles.values()
            ],
        )
        cur.executemany(
            _UPSERT_USER_VOLUME,
            [
                (
                    u.user_id,
                    u.symbol,
                    _hour(u.hour_ms),
                    u.base_volume_minor,
                    u.quote_volume_minor,
                    u.fee_minor,
                    u.maker_trades,
                    u.taker_trades,
                )
                for u in result.user_volumes.values()
            ],
        )
        cur.executemany(
            _UPSERT_FEES,
            [(f.symbol, _hour(f.hour_ms), f.asset, f.fee_minor, f.trade_count) for f in result.fees.values()],
        )
    return len(new)


@dataclass(frozen=True)
class TimeRange:
    start: datetime
    end: datetime


def _rows(query: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    with get_pool().connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        cur.execute(query, params)
        return list(cur.fetchall())


def candles(symbol: str, period: TimeRange) -> list[dict[str, Any]]:
    return _rows(
        "SELECT symbol, hour_start, open, high, low, close, base_volume_minor, quote_volume_minor,"
        " trade_count FROM analytics_ohlcv_hourly"
        " WHERE symbol = %s AND hour_start >= %s AND hour_start < %s ORDER BY hour_start",
        (symbol, period.start, period.end),
    )


def user_volumes(period: TimeRange, user_id: str | None, symbol: str | None) -> list[dict[str, Any]]:
    return _rows(
        "SELECT user_id, symbol, sum(base_volume_minor)::bigint AS base_volume_minor,"
        " sum(quote_volume_minor)::bigint AS quote_volume_minor, sum(fee_minor)::bigint AS fee_minor,"
        " sum(maker_trades)::bigint AS maker_trades, sum(taker_trades)::bigint AS taker_trades"
        " FROM analytics_user_volume_hourly"
        " WHERE hour_start >= %s AND hour_start < %s"
        " AND (%s::text IS NULL OR user_id = %s) AND (%s::text IS NULL OR symbol = %s)"
        " GROUP BY user_id, symbol ORDER BY quote_volume_minor DESC, user_id, symbol LIMIT 1000",
        (period.start, period.end, user_id, user_id, symbol, symbol),
    )


def fee_revenue(period: TimeRange, symbol: str | None) -> list[dict[str, Any]]:
    return _rows(
        "SELECT symbol, asset, sum(fee_minor)::bigint AS fee_minor, sum(trade_count)::bigint AS trade_count"
        " FROM analytics_fee_revenue_hourly"
        " WHERE hour_start >= %s AND hour_start < %s AND (%s::text IS NULL OR symbol = %s)"
        " GROUP BY symbol, asset ORDER BY symbol",
        (period.start, period.end, symbol, symbol),
    )
