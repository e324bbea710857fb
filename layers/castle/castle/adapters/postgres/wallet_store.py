"""Withdrawals, their history, wallet profiles, the allow-list and deposit addresses (migration 0200)."""

from collections.abc import Callable
from typing import Any

from psycopg import errors as pg_errors
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from castle.wallets.records import LimitFacts, NewWithdrawal, WalletProfile, Withdrawal, WithdrawalEvent
from castle.wallets.withdrawal import TERMINAL, WithdrawalStatus

_COLUMNS = (
    "withdrawal_id, user_id, idempotency_key, asset, network, address, amount_minor, fee_minor, status,"
    " failure_reason, two_factor_verified, requires_approval, hold_placed, tx_id, confirmations,"
    " reviewed_by, created_at, updated_at"
)
# Columns a transition may set besides the status.
_SETTABLE = frozenset(
    {
        "failure_reason",
        "requires_approval",
        "hold_placed",
        "approval_task_token",
        "reviewed_by",
        "tx_id",
        "confirmations",
    }
)


def _withdrawal(row: tuple[Any, ...], history: tuple[WithdrawalEvent, ...] = ()) -> Withdrawal:
    return Withdrawal(
        withdrawal_id=row[0],
        user_id=row[1],
        idempotency_key=row[2],
        asset=row[3],
        network=row[4],
        address=row[5],
        amount_minor=row[6],
        fee_minor=row[7],
        status=WithdrawalStatus(row[8]),
        failure_reason=row[9],
        two_factor_verified=row[10],
        requires_approval=row[11],
        hold_placed=row[12],
        tx_id=row[13],
        confirmations=row[14],
        reviewed_by=row[15],
        created_at=row[16],
        updated_at=row[17],
        history=history,
    )


class PostgresWalletStore:
    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool

    # -- withdrawals -------------------------------------------------------------------------------
    def create(self, request: NewWithdrawal) -> tuple[Withdrawal, bool]:
        with self._pool.connection() as conn:
            row = conn.execute(
                "INSERT INTO withdrawals (withdrawal_id, user_id, idempotency_key, asset, network, address,"
                " amount_minor, fee_minor, status, two_factor_verified, execution_name)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 'REQUESTED', %s, %s)"
                f" ON CONFLICT DO NOTHING RETURNING {_COLUMNS}",
                (
                    request.withdrawal_id,
                    request.user_id,
                    request.idempotency_key,
                    request.asset,
                    request.network,
                    request.address,
                    request.amount_minor,
                    request.fee_minor,
                    request.two_factor_verified,
                    request.withdrawal_id,
                ),
            ).fetchone()
            if row is not None:
                conn.execute(
                    "INSERT INTO withdrawal_events (withdrawal_id, step, status)"
                    " VALUES (%s, 'request', 'REQUESTED')",
                    (request.withdrawal_id,),
                )
                return _withdrawal(row), True
            existing = conn.execute(
                f"SELECT {_COLUMNS} FROM withdrawals WHERE user_id = %s AND idempotency_key = %s",
                (request.user_id, request.idempotency_key),
            ).fetchone()
        if existing is None:  # the id collided with another user's key: impossible with uuid5 ids
            raise RuntimeError(f"withdrawal id {request.withdrawal_id} is taken")
        return _withdrawal(existing), False

    def get(self, withdrawal_id: str, with_history: bool = False) -> Withdrawal | None:
        with self._pool.connection() as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM withdrawals WHERE withdrawal_id = %s", (withdrawal_id,)
            ).fetchone()
            if row is None:
                return None
            history: tuple[WithdrawalEvent, ...] = ()
            if with_history:
                events = conn.execute(
                    "SELECT step, status, detail, at FROM withdrawal_events"
                    " WHERE withdrawal_id = %s ORDER BY event_id",
                    (withdrawal_id,),
                ).fetchall()
                history = tuple(WithdrawalEvent(e[0], e[1], e[2], e[3]) for e in events)
        return _withdrawal(row, history)

    def list_for_user(self, user_id: str, limit: int = 50) -> list[Withdrawal]:
        with self._pool.connection() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM withdrawals WHERE user_id = %s"
                " ORDER BY created_at DESC, withdrawal_id LIMIT %s",
                (user_id, limit),
            ).fetchall()
        return [_withdrawal(row) for row in rows]

    def approval_task_token(self, withdrawal_id: str) -> str | None:
        with self._pool.connection() as conn:
            row = conn.execute(
                "SELECT approval_task_token FROM withdrawals"
                " WHERE withdrawal_id = %s AND status = 'AWAITING_APPROVAL'",
                (withdrawal_id,),
            ).fetchone()
        return row[0] if row else None

    def transition(
        self,
        withdrawal_id: str,
        status: WithdrawalStatus,
        step: str,
        detail: dict[str, Any] | None = None,
        **fields: Any,
    ) -> Withdrawal:
        unknown = set(fields) - _SETTABLE
        if unknown:
            raise ValueError(f"cannot set {sorted(unknown)} on a withdrawal")
        assignments = "".join(f", {name} = %({name})s" for name in sorted(fields))
        params = {
            **fields,
            "status": status.value,
            "id": withdrawal_id,
            "terminal": [s.value for s in TERMINAL],
        }
        with self._pool.connection() as conn:
            row = conn.execute(
                f"UPDATE withdrawals SET status = %(status)s, updated_at = now(){assignments}"
                " WHERE withdrawal_id = %(id)s AND status <> ALL(%(terminal)s)"
                f" RETURNING {_COLUMNS}",
                params,
            ).fetchone()
            if row is None:
                current = conn.execute(
                    f"SELECT {_COLUMNS} FROM withdrawals WHERE withdrawal_id = %s", (withdrawal_id,)
                ).fetchone()
                if current is None:
                    raise LookupError(f"withdrawal {withdrawal_id} does not exist")
                return _withdrawal(current)
            conn.execute(
                "INSERT INTO withdrawal_events (withdrawal_id, step, status, detail) VALUES (%s, %s, %s, %s)",
                (withdrawal_id, step, status.value, Jsonb(detail or {})),
            )
        return _withdrawal(row)

    def record_event(self, withdrawal_id: str, step: str, detail: dict[str, Any]) -> None:
        with self._pool.connection() as conn:
            conn.execute(
                "INSERT INTO withdrawal_events (withdrawal_id, step, status, detail)"
                " SELECT withdrawal_id, %s, status, %s FROM withdrawals WHERE withdrawal_id = %s",
                (step, Jsonb(detail), withdrawal_id),
            )

    def decide_limits(self, withdrawal_id: str, decide: Callable[[Withdrawal, LimitFacts], bool]) -> bool:
        with self._pool.connection() as conn, conn.transaction():
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM withdrawals WHERE withdrawal_id = %s", (withdrawal_id,)
            ).fetchone()
            if row is None:
                raise LookupError(f"withdrawal {withdrawal_id} does not exist")
            w = _withdrawal(row)
            # One limit check per user at a time, so two withdrawals cannot both fit the same headroom.
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('withdrawal-limits:' || %s))", (w.user_id,))
            used = conn.execute(
                "SELECT coalesce(sum(amount_minor), 0) FROM withdrawals WHERE user_id = %s AND asset = %s"
                " AND withdrawal_id <> %s AND status <> 'FAILED'"
                " AND created_at > now() - interval '24 hours'",
                (w.user_id, w.asset, withdrawal_id),
            ).fetchone()
            known = conn.execute(
                "SELECT 1 FROM address_book"
                " WHERE user_id = %s AND asset = %s AND network = %s AND address = %s",
                (w.user_id, w.asset, w.network, w.address),
            ).fetchone()
            facts = LimitFacts(self._profile(conn, w.user_id), int(used[0]) if used else 0, known is not None)
            needs_approval = decide(w, facts)
            if not facts.address_known:
                conn.execute(
                    "INSERT INTO address_book (user_id, asset, network, address) VALUES (%s, %s, %s, %s)"
                    " ON CONFLICT DO NOTHING",
                    (w.user_id, w.asset, w.network, w.address),
                )
            conn.execute(
                "UPDATE withdrawals SET status = 'LIMITS_CHECKED', requires_approval = %s, updated_at = now()"
                " WHERE withdrawal_id = %s AND status NOT IN ('COMPLETED', 'FAILED')",
                (needs_approval, withdrawal_id),
            )
            conn.execute(
                "INSERT INTO withdrawal_events (withdrawal_id, step, status, detail)"
                " VALUES (%s, 'check_limits', 'LIMITS_CHECKED', %s)",
                (
                    withdrawal_id,
                    Jsonb(
                        {
                            "used_24h": str(facts.used_24h_minor),
                            "requires_approval": needs_approval,
                            "new_address": not facts.address_known,
                        }
                    ),
                ),
            )
        return needs_approval

    # -- wallet profiles and the allow-list --------------------------------------------------------
    @staticmethod
    def _profile(conn: Any, user_id: str) -> WalletProfile:
        row = conn.execute(
            "SELECT kyc_tier, totp_secret, totp_last_counter, risk_flagged"
            " FROM wallet_profiles WHERE user_id = %s",
            (user_id,),
        ).fetchone()
        if row is None:
            return WalletProfile(user_id)
        return WalletProfile(user_id, row[0], row[1], row[2], row[3])

    def profile(self, user_id: str) -> WalletProfile:
        with self._pool.connection() as conn:
            return self._profile(conn, user_id)

    def save_profile(self, profile: WalletProfile) -> None:
        with self._pool.connection() as conn:
            conn.execute(
                "INSERT INTO wallet_profiles"
                " (user_id, kyc_tier, totp_secret, totp_last_counter, risk_flagged)"
                " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (user_id) DO UPDATE"
                " SET kyc_tier = EXCLUDED.kyc_tier,"
                " totp_secret = EXCLUDED.totp_secret, totp_last_counter = EXCLUDED.totp_last_counter,"
                " risk_flagged = EXCLUDED.risk_flagged, updated_at = now()",
                (
                    profile.user_id,
                    profile.kyc_tier,
                    profile.totp_secret,
                    profile.totp_last_counter,
                    profile.risk_flagged,
                ),
            )

    def accept_totp_counter(self, user_id: str, counter: int) -> bool:
        with self._pool.connection() as conn:
            cursor = conn.execute(
                "UPDATE wallet_profiles SET totp_last_counter = %s, updated_at = now()"
                " WHERE user_id = %s AND totp_last_counter < %s",
                (counter, user_id, counter),
            )
            return cursor.rowcount == 1

    def allowed_addresses(self, user_id: str) -> list[tuple[str, str, str]]:
        with self._pool.connection() as conn:
            rows = conn.execute(
                "SELECT asset, network, address FROM address_book"
                " WHERE user_id = %s ORDER BY added_at, address",
                (user_id,),
            ).fetchall()
        return [(r[0], r[1], r[2]) for r in rows]

    def add_allowed_address(self, user_id: str, asset: str, network: str, address: str) -> None:
        with self._pool.connection() as conn:
            conn.execute(
                "INSERT INTO address_book (user_id, asset, network, address) VALUES (%s, %s, %s, %s)"
                " ON CONFLICT DO NOTHING",
                (user_id, asset, network, address),
            )

    # -- deposit addresses -------------------------------------------------------------------------
    def deposit_address(self, user_id: str, asset: str, network: str) -> str | None:
        with self._pool.connection() as conn:
            row = conn.execute(
                "SELECT address FROM deposit_addresses WHERE user_id = %s AND asset = %s AND network = %s",
                (user_id, asset, network),
            ).fetchone()
        return row[0] if row else None

    def claim_deposit_address(self, user_id: str, asset: str, network: str, address: str, index: int) -> bool:
        try:
            with self._pool.connection() as conn:
                conn.execute(
                    "INSERT INTO deposit_addresses (user_id, asset, network, address, derivation_index)"
                    " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (user_id, asset, network) DO NOTHING",
                    (user_id, asset, network, address, index),
                )
        except pg_errors.UniqueViolation:
            return False
        return True

    def owner_of(self, network: str, address: str) -> tuple[str, str] | None:
        with self._pool.connection() as conn:
            row = conn.execute(
                "SELECT user_id, asset FROM deposit_addresses WHERE network = %s AND address = %s",
                (network, address),
            ).fetchone()
        return (row[0], row[1]) if row else None

    def deposit_history(self, user_id: str, limit: int = 100) -> list[dict[str, Any]]:
        """The ledger's deposits (table `deposits`) of the user, newest first."""
        with self._pool.connection() as conn:
            rows = conn.execute(
                "SELECT tx_id, asset, amount, confirmations, required_confirmations, status, created_at,"
                " credited_at FROM deposits WHERE user_id = %s ORDER BY created_at DESC, tx_id LIMIT %s",
                (user_id, limit),
            ).fetchall()
        return [
            {
                "txId": r[0],
                "asset": r[1],
                "amount_minor": r[2],
                "confirmations": r[3],
                "requiredConfirmations": r[4],
                "status": r[5],
                "createdAt": r[6].isoformat(),
                "creditedAt": r[7].isoformat() if r[7] else None,
            }
            for r in rows
        ]
