"""The ledger on PostgreSQL: accounts, holds, orders of record, settlement, deposits, withdrawals.

Money only moves through `_post` / `_post_many`: one INSERT of postings per call, whose statement
trigger (migration 0001) refuses an unbalanced entry and moves the balances, so the balances' CHECK
(no user balance below zero) is the database's own guard. Entries are unique per cause, so every
operation is idempotent by its cause id.
"""

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import psycopg
from psycopg import errors as pg_errors
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from castle.adapters.postgres.order_store import ORDER_COLUMNS, OrderQueries, order_from_row
from castle.adapters.postgres.pool import get_pool
from castle.contracts.events import EngineEvent
from castle.domain.markets import ASSETS, UnknownSymbolError, market
from castle.errors import (
    BadParameterError,
    DuplicateRequestError,
    InsufficientBalanceError,
    InvalidSymbolError,
    NotFoundError,
)
from castle.ledger.models import (
    Balance,
    Deposit,
    OrderRecord,
    OrderRequest,
    Position,
    SettlementOutcome,
    WithdrawalHold,
)
from castle.ledger.rules import (
    LedgerRuleError,
    Posting,
    budget_cap,
    deposit_postings,
    hold_postings,
    max_fee_bps,
    order_hold,
    release_postings,
    required_confirmations,
    user_account,
    withdrawal_postings,
)
from castle.ledger.settlement import (
    OrderState,
    PlannedEntry,
    SettlementPlan,
    plan_settlement,
    referenced_order_ids,
)

SETTLEMENT_CONSUMER = "settlement"
_RETRYABLE = (pg_errors.DeadlockDetected, pg_errors.SerializationFailure)
_T = TypeVar("_T")

Cursor = psycopg.Cursor[Any]


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


@contextmanager
def _insufficient_balance_guard() -> Iterator[None]:
    """The balances CHECK constraint is the overdraft guard: turn it into the API's error."""
    try:
        yield
    except pg_errors.CheckViolation as exc:
        if exc.diag.constraint_name == "balances_not_negative":
            raise InsufficientBalanceError() from exc
        raise


def _post(cur: Cursor, cause_type: str, cause_id: str, leg: str, postings: Sequence[Posting]) -> bool:
    """Write one journal entry; False when an entry for this cause and leg already exists."""
    return _post_many(cur, [PlannedEntry(cause_type, cause_id, leg, tuple(postings))]) > 0


def _post_many(cur: Cursor, entries: Sequence[PlannedEntry]) -> int:
    """Write many entries in one statement; returns the number of postings written (new entries)."""
    if not entries:
        return 0
    e_type, e_id, e_leg = [], [], []
    p_type, p_id, p_leg, p_account, p_asset, p_bucket, p_amount = [], [], [], [], [], [], []
    for entry in entries:
        e_type.append(entry.cause_type)
        e_id.append(entry.cause_id)
        e_leg.append(entry.leg)
        for posting in entry.postings:
            p_type.append(entry.cause_type)
            p_id.append(entry.cause_id)
            p_leg.append(entry.leg)
            p_account.append(posting.account)
            p_asset.append(posting.asset)
            p_bucket.append(posting.bucket)
            p_amount.append(posting.amount)
    cur.execute(
        """
        WITH e AS (
            INSERT INTO journal_entries (cause_type, cause_id, leg)
            SELECT * FROM unnest(%s::text[], %s::text[], %s::text[])
            ON CONFLICT ON CONSTRAINT journal_entries_once_per_cause DO NOTHING
            RETURNING entry_id, cause_type, cause_id, leg)
        INSERT INTO postings (entry_id, account_id, asset, bucket, amount)
        SELECT e.entry_id, p.account_id, p.asset, p.bucket, p.amount
          FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[], %s::bigint[])
               AS p(cause_type, cause_id, leg, account_id, asset, bucket, amount)
          JOIN e USING (cause_type, cause_id, leg)
        """,
        (e_type, e_id, e_leg, p_type, p_id, p_leg, p_account, p_asset, p_bucket, p_amount),
    )
    return cur.rowcount


def _ensure_account(cur: Cursor, user_id: str, email: str | None = None) -> None:
    cur.execute(
        "INSERT INTO users (user_id, email) VALUES (%s, %s) ON CONFLICT (user_id) DO UPDATE"
        " SET email = coalesce(EXCLUDED.email, users.email)",
        (user_id, email),
    )
    cur.execute(
        "INSERT INTO accounts (account_id, kind, user_id) VALUES (%s, 'user', %s) ON CONFLICT DO NOTHING",
        (user_account(user_id), user_id),
    )


def _same_request(order: OrderRecord, request: OrderRequest) -> bool:
    return (
        order.symbol == request.symbol
        and order.side == request.side
        and order.order_type == request.order_type
        and order.price_minor == request.price_minor
        and order.quantity_minor == request.quantity_minor
        and order.quote_quantity_minor == request.quote_quantity_minor
        and order.stop_price_minor == request.stop_price_minor
    )


class PostgresLedger(OrderQueries):
    """castle.ports.ledger.Ledger on PostgreSQL."""

    def __init__(self, pool: ConnectionPool) -> None:
        super().__init__(pool)
        self._pool = pool

    def _transaction(self, work: Callable[[Cursor], _T], attempts: int = 5) -> _T:
        """Run `work` in one transaction, retrying deadlocks and serialization failures."""
        for attempt in range(attempts):
            try:
                with (
                    self._pool.connection() as conn,
                    conn.transaction(),
                    conn.cursor(row_factory=dict_row) as cur,
                ):
                    return work(cur)
            except _RETRYABLE:
                if attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")

    # ---- accounts -------------------------------------------------------------------------------

    def ensure_account(self, user_id: str, email: str | None = None) -> None:
        self._transaction(lambda cur: _ensure_account(cur, user_id, email))

    def balances(self, user_id: str) -> list[Balance]:
        with self._pool.connection() as conn:
            rows = conn.execute(
                "SELECT asset, available, held FROM balances WHERE account_id = %s", (user_account(user_id),)
            ).fetchall()
            conn.rollback()
        found = {asset: (available, held) for asset, available, held in rows}
        assets = sorted(set(ASSETS) | set(found))
        return [Balance(asset, *found.get(asset, (0, 0))) for asset in assets]

    def settled_seq(self, symbol: str) -> int:
        """The last engine seq of `symbol` that settlement has applied (-1 before the first)."""
        with self._pool.connection() as conn:
            row = conn.execute(
                "SELECT last_seq FROM consumer_progress WHERE consumer = %s AND symbol = %s",
                (SETTLEMENT_CONSUMER, symbol),
            ).fetchone()
            conn.rollback()
        return int(row[0]) if row else -1

    def positions(self, user_id: str) -> list[Position]:
        with self._pool.connection() as conn:
            rows = conn.execute(
                "SELECT user_id, symbol, quantity, cost_basis, realized_pnl, updated_seq FROM positions"
                " WHERE user_id = %s ORDER BY symbol",
                (user_id,),
            ).fetchall()
            conn.rollback()
        return [Position(*row) for row in rows]

    # ---- orders ---------------------------------------------------------------------------------

    def reserve_order(self, request: OrderRequest) -> OrderRecord:
        try:
            mkt = market(request.symbol)
        except UnknownSymbolError as exc:
            raise InvalidSymbolError() from exc
        try:
            plan = order_hold(
                mkt,
                request.side,
                request.order_type,
                request.price_minor,
                request.quantity_minor,
                request.quote_quantity_minor,
            )
        except LedgerRuleError as exc:
            raise BadParameterError(str(exc)) from exc

        def work(cur: Cursor) -> OrderRecord:
            existing = self._order_by_client_id(cur, request.user_id, request.client_order_id)
            if existing is not None:
                if not _same_request(existing, request):
                    raise DuplicateRequestError()
                return existing
            amount, engine_quote = plan.amount_minor, plan.engine_quote_minor
            if plan.whole_available:
                cur.execute(
                    "SELECT available FROM balances WHERE account_id = %s AND asset = %s FOR UPDATE",
                    (user_account(request.user_id), plan.asset),
                )
                row = cur.fetchone()
                amount = row["available"] if row else 0
                if request.side == "BUY":
                    engine_quote = budget_cap(amount, max_fee_bps(mkt))
            if amount <= 0:
                raise InsufficientBalanceError()
            cur.execute(
                f"""
                INSERT INTO orders (user_id, symbol, side, order_type, time_in_force, client_order_id,
                    order_list_id, price, quantity, quote_quantity, stop_price, status, hold_asset,
                    hold_amount, hold_remaining, engine_quote_quantity, created_at_ms, updated_at_ms)
                SELECT %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'PENDING_NEW', %s, %s, %s, %s, %s, %s
                 WHERE EXISTS (SELECT 1 FROM users WHERE user_id = %s)
                ON CONFLICT ON CONSTRAINT orders_client_order_id_once DO NOTHING
                RETURNING {ORDER_COLUMNS}
                """,
                (
                    request.user_id,
                    request.symbol,
                    request.side,
                    request.order_type,
                    request.time_in_force,
                    request.client_order_id,
                    request.order_list_id,
                    request.price_minor,
                    request.quantity_minor,
                    request.quote_quantity_minor,
                    request.stop_price_minor,
                    plan.asset,
                    amount,
                    amount,
                    engine_quote,
                    request.created_at_ms,
                    request.created_at_ms,
                    request.user_id,
                ),
            )
            row = cur.fetchone()
            if row is None:
                if self._order_by_client_id(cur, request.user_id, request.client_order_id) is None:
                    raise InsufficientBalanceError("Account has no balance.")  # unknown user
                raise pg_errors.SerializationFailure("concurrent placement with the same clientOrderId")
            order = order_from_row(row)
            with _insufficient_balance_guard():
                _post(
                    cur,
                    "order",
                    str(order.order_id),
                    "hold",
                    hold_postings(request.user_id, plan.asset, amount),
                )
            return order

        return self._transaction(work)

    def release_order(self, order_id: int, reason: str) -> OrderRecord | None:
        def work(cur: Cursor) -> OrderRecord | None:
            cur.execute(f"SELECT {ORDER_COLUMNS} FROM orders WHERE order_id = %s FOR UPDATE", (order_id,))
            row = cur.fetchone()
            if row is None:
                return None
            order = order_from_row(row)
            if order.status != "PENDING_NEW":
                return order
            if row["hold_open"] and row["hold_remaining"]:
                _post(
                    cur,
                    "order",
                    str(order_id),
                    "release",
                    release_postings(order.user_id, order.hold_asset, row["hold_remaining"]),
                )
            cur.execute(
                f"""UPDATE orders SET status = 'REJECTED', reject_reason = %s, hold_remaining = 0,
                        hold_open = false, updated_at_ms = %s
                     WHERE order_id = %s RETURNING {ORDER_COLUMNS}""",
                (reason, _now_ms(), order_id),
            )
            updated = cur.fetchone()
            assert updated is not None
            return order_from_row(updated)

        return self._transaction(work)

    # ---- settlement -----------------------------------------------------------------------------

    def apply_events(self, events: Sequence[EngineEvent]) -> SettlementOutcome:
        """One transaction for the whole batch; if it fails, one transaction per event, so that a
        poison event fails only itself (and the later events of its symbol)."""
        if not events:
            return SettlementOutcome(0, 0, frozenset())
        try:
            plan = self._transaction(lambda cur: self._settle(cur, events))
        except psycopg.DatabaseError:
            return self._apply_one_by_one(events)
        return SettlementOutcome(plan.applied, plan.skipped, frozenset(plan.failed), dict(plan.errors))

    def _apply_one_by_one(self, events: Sequence[EngineEvent]) -> SettlementOutcome:
        applied = skipped = 0
        failed: set[tuple[str, int]] = set()
        errors: dict[tuple[str, int], str] = {}
        blocked: set[str] = set()
        for event in events:
            key = (event.symbol, event.seq)
            if event.symbol in blocked:
                failed.add(key)
                continue
            single = [event]
            try:
                plan = self._transaction(lambda cur: self._settle(cur, single))  # noqa: B023 (called now)
            except psycopg.DatabaseError as exc:
                failed.add(key)
                errors[key] = f"{type(exc).__name__}: {exc}"
                blocked.add(event.symbol)
                continue
            applied += plan.applied
            skipped += plan.skipped
            if plan.failed:
                failed |= plan.failed
                errors.update(plan.errors)
                blocked.add(event.symbol)
        return SettlementOutcome(applied, skipped, frozenset(failed), errors)

    def _settle(self, cur: Cursor, events: Sequence[EngineEvent]) -> SettlementPlan:
        symbols = sorted({event.symbol for event in events})
        cur.execute(
            "INSERT INTO consumer_progress (consumer, symbol, last_seq)"
            " SELECT %s, s, -1 FROM unnest(%s::text[]) AS s ORDER BY s ON CONFLICT DO NOTHING",
            (SETTLEMENT_CONSUMER, symbols),
        )
        cur.execute(
            "SELECT symbol, last_seq FROM consumer_progress WHERE consumer = %s AND symbol = ANY(%s)"
            " ORDER BY symbol FOR UPDATE",
            (SETTLEMENT_CONSUMER, symbols),
        )
        last_seq = {row["symbol"]: row["last_seq"] for row in cur.fetchall()}
        fresh = [event for event in events if event.seq > last_seq[event.symbol]]
        if not fresh:
            return SettlementPlan(last_seq=last_seq, skipped=len(events))
        cur.execute(
            """SELECT order_id, user_id, symbol, side, order_type, order_list_id, status, executed_quantity,
                      cumulative_quote, hold_asset, hold_remaining, hold_open, working_time_ms, updated_at_ms,
                      reject_reason
                 FROM orders WHERE order_id = ANY(%s) ORDER BY order_id FOR UPDATE""",
            (sorted(referenced_order_ids(fresh)),),
        )
        orders = {
            row["order_id"]: OrderState(
                order_id=row["order_id"],
                user_id=row["user_id"],
                symbol=row["symbol"],
                side=row["side"],
                order_type=row["order_type"],
                order_list_id=row["order_list_id"],
                status=row["status"],
                executed_quantity=row["executed_quantity"],
                cumulative_quote=row["cumulative_quote"],
                hold_asset=row["hold_asset"],
                hold_remaining=row["hold_remaining"],
                hold_open=row["hold_open"],
                working_time_ms=row["working_time_ms"],
                updated_at_ms=row["updated_at_ms"],
                reject_reason=row["reject_reason"],
            )
            for row in cur.fetchall()
        }
        plan = plan_settlement(fresh, orders, last_seq)
        plan.skipped += len(events) - len(fresh)
        expected = sum(len(entry.postings) for entry in plan.entries)
        if _post_many(cur, plan.entries) != expected:
            # New events whose entries already exist: the journal and the events disagree. Never
            # move orders without their money: fail, and let the one-by-one pass find the event.
            raise pg_errors.UniqueViolation("a settlement entry for these events already exists")
        self._write_orders(cur, [order for order in orders.values() if order.dirty])
        self._write_trades(cur, plan)
        cur.execute(
            """UPDATE consumer_progress c SET last_seq = p.last_seq, updated_at = now()
                 FROM unnest(%s::text[], %s::bigint[]) AS p(symbol, last_seq)
                WHERE c.consumer = %s AND c.symbol = p.symbol AND c.last_seq < p.last_seq""",
            (list(plan.last_seq), list(plan.last_seq.values()), SETTLEMENT_CONSUMER),
        )
        return plan

    @staticmethod
    def _write_orders(cur: Cursor, orders: Sequence[OrderState]) -> None:
        if not orders:
            return
        columns = list(
            zip(
                *(
                    (
                        o.order_id,
                        o.status,
                        o.executed_quantity,
                        o.cumulative_quote,
                        o.hold_remaining,
                        o.hold_open,
                        o.working_time_ms,
                        o.updated_at_ms,
                        o.reject_reason,
                    )
                    for o in orders
                ),
                strict=True,
            )
        )
        cur.execute(
            """UPDATE orders o SET status = u.status, executed_quantity = u.executed_quantity,
                      cumulative_quote = u.cumulative_quote, hold_remaining = u.hold_remaining,
                      hold_open = u.hold_open, working_time_ms = u.working_time_ms,
                      updated_at_ms = u.updated_at_ms, reject_reason = u.reject_reason
                 FROM unnest(%s::bigint[], %s::text[], %s::bigint[], %s::bigint[], %s::bigint[],
                             %s::boolean[], %s::bigint[], %s::bigint[], %s::text[])
                      AS u(order_id, status, executed_quantity, cumulative_quote, hold_remaining, hold_open,
                           working_time_ms, updated_at_ms, reject_reason)
                WHERE o.order_id = u.order_id""",
            [list(column) for column in columns],
        )

    @staticmethod
    def _write_trades(cur: Cursor, plan: SettlementPlan) -> None:
        if not plan.trades:
            return
        columns = list(
            zip(
                *(
                    (
                        t.symbol,
                        t.trade_id,
                        t.is_buyer,
                        t.user_id,
                        t.order_id,
                        t.order_list_id,
                        t.price,
                        t.quantity,
                        t.quote,
                        t.commission,
                        t.commission_asset,
                        t.time_ms,
                        t.is_maker,
                    )
                    for t in plan.trades
                ),
                strict=True,
            )
        )
        cur.execute(
            """INSERT INTO user_trades (symbol, trade_id, is_buyer, user_id, order_id, order_list_id, price,
                      quantity, quote_quantity, commission, commission_asset, time_ms, is_maker)
               SELECT * FROM unnest(%s::text[], %s::bigint[], %s::boolean[], %s::text[], %s::bigint[],
                      %s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::text[],
                      %s::bigint[], %s::boolean[])
               ON CONFLICT DO NOTHING""",
            [list(column) for column in columns],
        )

    # ---- deposits -------------------------------------------------------------------------------

    def record_deposit(
        self, tx_id: str, user_id: str, asset: str, amount_minor: int, confirmations: int
    ) -> Deposit:
        if amount_minor <= 0:
            raise BadParameterError("deposit amount must be positive")

        def work(cur: Cursor) -> Deposit:
            _ensure_account(cur, user_id)
            cur.execute(
                """INSERT INTO deposits (tx_id, user_id, asset, amount, confirmations, required_confirmations,
                          status)
                   VALUES (%s, %s, %s, %s, %s, %s, 'PENDING')
                   ON CONFLICT (tx_id) DO UPDATE
                      SET confirmations = greatest(deposits.confirmations, EXCLUDED.confirmations)
                   RETURNING *""",
                (tx_id, user_id, asset, amount_minor, confirmations, required_confirmations(asset)),
            )
            row = cur.fetchone()
            assert row is not None
            if row["status"] == "PENDING" and row["confirmations"] >= row["required_confirmations"]:
                _post(
                    cur,
                    "deposit",
                    tx_id,
                    "credit",
                    deposit_postings(row["user_id"], row["asset"], row["amount"]),
                )
                cur.execute(
                    "UPDATE deposits SET status = 'CREDITED', credited_at = now()"
                    " WHERE tx_id = %s RETURNING *",
                    (tx_id,),
                )
                row = cur.fetchone()
                assert row is not None
            return Deposit(
                row["tx_id"],
                row["user_id"],
                row["asset"],
                row["amount"],
                row["confirmations"],
                row["required_confirmations"],
                row["status"],
            )

        return self._transaction(work)

    def credit_deposit(self, tx_id: str, user_id: str, asset: str, amount_minor: int) -> Deposit:
        return self.record_deposit(tx_id, user_id, asset, amount_minor, required_confirmations(asset))

    # ---- withdrawals ----------------------------------------------------------------------------

    @staticmethod
    def _withdrawal(cur: Cursor, withdrawal_id: str, lock: bool = True) -> WithdrawalHold:
        cur.execute(
            "SELECT withdrawal_id, user_id, asset, amount, status, fee FROM withdrawal_holds"
            " WHERE withdrawal_id = %s" + (" FOR UPDATE" if lock else ""),
            (withdrawal_id,),
        )
        row = cur.fetchone()
        if row is None:
            raise NotFoundError(f"unknown withdrawal {withdrawal_id}")
        return WithdrawalHold(
            row["withdrawal_id"], row["user_id"], row["asset"], row["amount"], row["status"], row["fee"]
        )

    def hold_withdrawal(
        self, withdrawal_id: str, user_id: str, asset: str, amount_minor: int
    ) -> WithdrawalHold:
        if amount_minor <= 0:
            raise BadParameterError("withdrawal amount must be positive")

        def work(cur: Cursor) -> WithdrawalHold:
            cur.execute(
                """INSERT INTO withdrawal_holds (withdrawal_id, user_id, asset, amount, status)
                   SELECT %s, %s, %s, %s, 'HELD' WHERE EXISTS (SELECT 1 FROM users WHERE user_id = %s)
                   ON CONFLICT (withdrawal_id) DO NOTHING""",
                (withdrawal_id, user_id, asset, amount_minor, user_id),
            )
            if cur.rowcount == 0:
                try:
                    return self._withdrawal(cur, withdrawal_id)
                except NotFoundError as exc:
                    raise InsufficientBalanceError() from exc  # the user has no account
            with _insufficient_balance_guard():
                _post(cur, "withdrawal", withdrawal_id, "hold", hold_postings(user_id, asset, amount_minor))
            return self._withdrawal(cur, withdrawal_id)

        return self._transaction(work)

    def release_withdrawal(self, withdrawal_id: str) -> WithdrawalHold:
        def work(cur: Cursor) -> WithdrawalHold:
            hold = self._withdrawal(cur, withdrawal_id)
            if hold.status != "HELD":
                return hold
            _post(
                cur,
                "withdrawal",
                withdrawal_id,
                "release",
                release_postings(hold.user_id, hold.asset, hold.amount_minor),
            )
            cur.execute(
                "UPDATE withdrawal_holds SET status = 'RELEASED', updated_at = now()"
                " WHERE withdrawal_id = %s",
                (withdrawal_id,),
            )
            return self._withdrawal(cur, withdrawal_id)

        return self._transaction(work)

    def settle_withdrawal(self, withdrawal_id: str, fee_minor: int) -> WithdrawalHold:
        def work(cur: Cursor) -> WithdrawalHold:
            hold = self._withdrawal(cur, withdrawal_id)
            if hold.status != "HELD":
                return hold
            try:
                postings = withdrawal_postings(hold.user_id, hold.asset, hold.amount_minor, fee_minor)
            except LedgerRuleError as exc:
                raise BadParameterError(str(exc)) from exc
            _post(cur, "withdrawal", withdrawal_id, "settle", postings)
            cur.execute(
                "UPDATE withdrawal_holds SET status = 'SETTLED', fee = %s, updated_at = now()"
                " WHERE withdrawal_id = %s",
                (fee_minor, withdrawal_id),
            )
            return self._withdrawal(cur, withdrawal_id)

        return self._transaction(work)


def get_ledger() -> PostgresLedger:
    """The ledger over the process's pool (cheap: the pool is the cached part)."""
    return PostgresLedger(get_pool())
