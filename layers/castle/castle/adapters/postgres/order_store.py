"""Reading orders of record and user trades (Binance order / openOrders / allOrders / myTrades)."""

from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from castle.ledger.models import OrderRecord, UserTrade

ORDER_COLUMNS = (
    "order_id, user_id, symbol, side, order_type, time_in_force, client_order_id, order_list_id, price,"
    " quantity, quote_quantity, stop_price, status, executed_quantity, cumulative_quote, hold_asset,"
    " hold_amount, hold_remaining, hold_open, engine_quote_quantity, created_at_ms, updated_at_ms,"
    " working_time_ms, reject_reason"
)
_TRADE_COLUMNS = (
    "symbol, trade_id, order_id, order_list_id, user_id, price, quantity, quote_quantity, commission,"
    " commission_asset, time_ms, is_buyer, is_maker"
)
MAX_LIMIT = 1000


def order_from_row(row: dict[str, Any], replayed: bool = False) -> OrderRecord:
    return OrderRecord(
        order_id=row["order_id"],
        user_id=row["user_id"],
        symbol=row["symbol"],
        side=row["side"],
        order_type=row["order_type"],
        time_in_force=row["time_in_force"],
        client_order_id=row["client_order_id"],
        order_list_id=row["order_list_id"],
        price_minor=row["price"],
        quantity_minor=row["quantity"],
        quote_quantity_minor=row["quote_quantity"],
        stop_price_minor=row["stop_price"],
        status=row["status"],
        executed_quantity_minor=row["executed_quantity"],
        cumulative_quote_minor=row["cumulative_quote"],
        hold_asset=row["hold_asset"],
        hold_minor=row["hold_amount"],
        engine_quote_quantity_minor=row["engine_quote_quantity"],
        created_at_ms=row["created_at_ms"],
        updated_at_ms=row["updated_at_ms"],
        working_time_ms=row["working_time_ms"],
        reject_reason=row["reject_reason"],
        replayed=replayed,
    )


def _trade_from_row(row: dict[str, Any]) -> UserTrade:
    return UserTrade(
        symbol=row["symbol"],
        trade_id=row["trade_id"],
        order_id=row["order_id"],
        order_list_id=row["order_list_id"],
        user_id=row["user_id"],
        price_minor=row["price"],
        quantity_minor=row["quantity"],
        quote_quantity_minor=row["quote_quantity"],
        commission_minor=row["commission"],
        commission_asset=row["commission_asset"],
        time_ms=row["time_ms"],
        is_buyer=row["is_buyer"],
        is_maker=row["is_maker"],
    )


def _limit(limit: int) -> int:
    return max(1, min(limit, MAX_LIMIT))


class OrderQueries:
    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool

    def _rows(self, query: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
        with self._pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute(query.encode(), params)
            return cur.fetchall()

    @staticmethod
    def _order_by_client_id(
        cur: psycopg.Cursor[Any], user_id: str, client_order_id: str
    ) -> OrderRecord | None:
        cur.execute(
            f"SELECT {ORDER_COLUMNS} FROM orders WHERE user_id = %s AND client_order_id = %s",
            (user_id, client_order_id),
        )
        row = cur.fetchone()
        return None if row is None else order_from_row(row, replayed=True)

    def get_order(
        self, user_id: str, symbol: str, order_id: int | None = None, client_order_id: str | None = None
    ) -> OrderRecord | None:
        if order_id is not None:
            rows = self._rows(
                f"SELECT {ORDER_COLUMNS} FROM orders WHERE order_id = %s AND user_id = %s AND symbol = %s",
                (order_id, user_id, symbol),
            )
        elif client_order_id is not None:
            rows = self._rows(
                f"SELECT {ORDER_COLUMNS} FROM orders"
                " WHERE user_id = %s AND client_order_id = %s AND symbol = %s",
                (user_id, client_order_id, symbol),
            )
        else:
            raise ValueError("order_id or client_order_id is required")
        return order_from_row(rows[0]) if rows else None

    def open_orders(self, user_id: str, symbol: str | None = None) -> list[OrderRecord]:
        rows = self._rows(
            f"""SELECT {ORDER_COLUMNS} FROM orders
                 WHERE user_id = %s AND (%s::text IS NULL OR symbol = %s)
                   AND status IN ('PENDING_NEW', 'NEW', 'PARTIALLY_FILLED')
                 ORDER BY order_id""",
            (user_id, symbol, symbol),
        )
        return [order_from_row(row) for row in rows]

    def all_orders(
        self,
        user_id: str,
        symbol: str,
        order_id: int | None = None,
        start_time_ms: int | None = None,
        end_time_ms: int | None = None,
        limit: int = 500,
    ) -> list[OrderRecord]:
        # Binance: with orderId, the orders from it upwards; otherwise the most recent ones.
        newest_first = order_id is None
        rows = self._rows(
            f"""SELECT {ORDER_COLUMNS} FROM orders
                 WHERE user_id = %s AND symbol = %s
                   AND (%s::bigint IS NULL OR order_id >= %s)
                   AND (%s::bigint IS NULL OR created_at_ms >= %s)
                   AND (%s::bigint IS NULL OR created_at_ms <= %s)
                 ORDER BY order_id {"DESC" if newest_first else "ASC"} LIMIT %s""",
            (
                user_id,
                symbol,
                order_id,
                order_id,
                start_time_ms,
                start_time_ms,
                end_time_ms,
                end_time_ms,
                _limit(limit),
            ),
        )
        orders = [order_from_row(row) for row in rows]
        return sorted(orders, key=lambda o: o.order_id)

    def user_trades(
        self,
        user_id: str,
        symbol: str,
        order_id: int | None = None,
        start_time_ms: int | None = None,
        end_time_ms: int | None = None,
        from_id: int | None = None,
        limit: int = 500,
    ) -> list[UserTrade]:
        newest_first = from_id is None
        rows = self._rows(
            f"""SELECT {_TRADE_COLUMNS} FROM user_trades
                 WHERE user_id = %s AND symbol = %s
                   AND (%s::bigint IS NULL OR order_id = %s)
                   AND (%s::bigint IS NULL OR trade_id >= %s)
                   AND (%s::bigint IS NULL OR time_ms >= %s)
                   AND (%s::bigint IS NULL OR time_ms <= %s)
                 ORDER BY trade_id {"DESC" if newest_first else "ASC"}, is_buyer DESC LIMIT %s""",
            (
                user_id,
                symbol,
                order_id,
                order_id,
                from_id,
                from_id,
                start_time_ms,
                start_time_ms,
                end_time_ms,
                end_time_ms,
                _limit(limit),
            ),
        )
        trades = [_trade_from_row(row) for row in rows]
        return sorted(trades, key=lambda t: (t.trade_id, not t.is_buyer))
