"""Positions on PostgreSQL, applied exactly once per (symbol, seq) like settlement, in one transaction
per batch (its own progress rows: consumer 'positions')."""

from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from castle.adapters.postgres.pool import get_pool
from castle.contracts.events import EngineEvent, Trade
from castle.ledger.models import SettlementOutcome
from castle.ledger.positions import PositionState, apply_trade

POSITIONS_CONSUMER = "positions"


class PostgresPositions:
    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool

    def apply_events(self, events: Sequence[EngineEvent]) -> SettlementOutcome:
        if not events:
            return SettlementOutcome(0, 0, frozenset())
        with self._pool.connection() as conn, conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
            return self._apply(cur, events)

    @staticmethod
    def _apply(cur: psycopg.Cursor[Any], events: Sequence[EngineEvent]) -> SettlementOutcome:
        symbols = sorted({event.symbol for event in events})
        cur.execute(
            "INSERT INTO consumer_progress (consumer, symbol, last_seq)"
            " SELECT %s, s, -1 FROM unnest(%s::text[]) AS s ORDER BY s ON CONFLICT DO NOTHING",
            (POSITIONS_CONSUMER, symbols),
        )
        cur.execute(
            "SELECT symbol, last_seq FROM consumer_progress WHERE consumer = %s AND symbol = ANY(%s)"
            " ORDER BY symbol FOR UPDATE",
            (POSITIONS_CONSUMER, symbols),
        )
        last_seq: dict[str, int] = {row["symbol"]: row["last_seq"] for row in cur.fetchall()}
        fresh = [event for event in events if event.seq > last_seq[event.symbol]]
        trades = [event for event in fresh if isinstance(event, Trade)]
        users = sorted({u for t in trades for u in (t.maker_user_id, t.taker_user_id)})
        cur.execute(
            "SELECT user_id, symbol, quantity, cost_basis, realized_pnl FROM positions"
            " WHERE user_id = ANY(%s) AND symbol = ANY(%s) ORDER BY user_id, symbol FOR UPDATE",
            (users, symbols),
        )
        positions = {
            (row["user_id"], row["symbol"]): PositionState(
                row["quantity"], row["cost_basis"], row["realized_pnl"]
            )
            for row in cur.fetchall()
        }
        changed: dict[tuple[str, str], int] = {}
        failed: set[tuple[str, int]] = set()
        blocked: set[str] = set()
        for event in fresh:
            if event.symbol in blocked:
                failed.add((event.symbol, event.seq))
                continue
            if isinstance(event, Trade):
                try:
                    keys = apply_trade(positions, event)
                except (LookupError, ValueError):
                    failed.add((event.symbol, event.seq))
                    blocked.add(event.symbol)
                    continue
                for key in keys:
                    changed[key] = event.seq
            last_seq[event.symbol] = max(last_seq[event.symbol], event.seq)
        if changed:
            ordered = sorted(changed)
            cur.execute(
                """INSERT INTO positions (user_id, symbol, quantity, cost_basis, realized_pnl, updated_seq)
                   SELECT * FROM unnest(%s::text[], %s::text[], %s::bigint[], %s::bigint[], %s::bigint[],
                                        %s::bigint[])
                   ON CONFLICT (user_id, symbol) DO UPDATE
                      SET quantity = EXCLUDED.quantity, cost_basis = EXCLUDED.cost_basis,
                          realized_pnl = EXCLUDED.realized_pnl, updated_seq = EXCLUDED.updated_seq,
                          updated_at = now()""",
                (
                    [k[0] for k in ordered],
                    [k[1] for k in ordered],
                    [positions[k].quantity for k in ordered],
                    [positions[k].cost_basis for k in ordered],
                    [positions[k].realized_pnl for k in ordered],
                    [changed[k] for k in ordered],
                ),
            )
        cur.execute(
            """UPDATE consumer_progress c SET last_seq = p.last_seq, updated_at = now()
                 FROM unnest(%s::text[], %s::bigint[]) AS p(symbol, last_seq)
                WHERE c.consumer = %s AND c.symbol = p.symbol""",
            (list(last_seq), list(last_seq.values()), POSITIONS_CONSUMER),
        )
        return SettlementOutcome(len(fresh) - len(failed), len(events) - len(fresh), frozenset(failed))


def get_positions_store() -> PostgresPositions:
    return PostgresPositions(get_pool())
