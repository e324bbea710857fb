"""The ledger's invariants, checked straight in the database. Every money test ends with them.

- every journal entry balances per asset, so the sum over all accounts per asset is zero: what user
  and fee accounts hold equals deposits minus withdrawals;
- balances are exactly the sum of their postings;
- no user or fee balance is negative;
- held balances equal the sum of open holds (orders and withdrawals).
"""

import psycopg


class ConservationError(AssertionError):
    """A ledger invariant does not hold."""


def _fail_if_any(conn: psycopg.Connection[tuple[object, ...]], what: str, query: str) -> None:
    rows = conn.execute(query.encode()).fetchall()
    if rows:
        raise ConservationError(f"{what}: {rows[:10]}")


def assert_conserved(database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        _fail_if_any(
            conn,
            "unbalanced journal entries (entry, asset, sum)",
            "SELECT entry_id, asset, sum(amount) FROM postings GROUP BY 1, 2 HAVING sum(amount) <> 0",
        )
        _fail_if_any(
            conn,
            "assets whose balances do not sum to zero over all accounts (asset, available + held)",
            "SELECT asset, sum(available + held) FROM balances GROUP BY 1 HAVING sum(available + held) <> 0",
        )
        _fail_if_any(
            conn,
            "assets where user + fee accounts differ from deposits - withdrawals (asset, inside, outside)",
            """SELECT asset,
                      sum(available + held) FILTER (WHERE account_id NOT LIKE 'external:%'),
                      -sum(available + held) FILTER (WHERE account_id LIKE 'external:%')
                 FROM balances GROUP BY asset
               HAVING coalesce(sum(available + held) FILTER (WHERE account_id NOT LIKE 'external:%'), 0)
                   <> -coalesce(sum(available + held) FILTER (WHERE account_id LIKE 'external:%'), 0)""",
        )
        _fail_if_any(
            conn,
            "balances that differ from their postings (account, asset, bucket, balance, postings)",
            """WITH p AS (
                   SELECT account_id, asset,
                          coalesce(sum(amount) FILTER (WHERE bucket = 'available'), 0) AS available,
                          coalesce(sum(amount) FILTER (WHERE bucket = 'held'), 0) AS held
                     FROM postings GROUP BY 1, 2)
               SELECT coalesce(b.account_id, p.account_id), coalesce(b.asset, p.asset),
                      b.available, b.held, p.available, p.held
                 FROM balances b FULL JOIN p USING (account_id, asset)
                WHERE coalesce(b.available, 0) <> coalesce(p.available, 0)
                   OR coalesce(b.held, 0) <> coalesce(p.held, 0)""",
        )
        _fail_if_any(
            conn,
            "negative user or fee balances (account, asset, available, held)",
            """SELECT account_id, asset, available, held FROM balances
                WHERE account_id NOT LIKE 'external:%' AND (available < 0 OR held < 0)""",
        )
        _fail_if_any(
            conn,
            "held balances that differ from the open holds (account, asset, held, holds)",
            """WITH h AS (SELECT account_id, asset, sum(amount) AS amount FROM open_holds GROUP BY 1, 2)
               SELECT coalesce(b.account_id, h.account_id), coalesce(b.asset, h.asset), b.held, h.amount
                 FROM (SELECT * FROM balances WHERE account_id LIKE 'user:%') b
                 FULL JOIN h USING (account_id, asset)
                WHERE coalesce(b.held, 0) <> coalesce(h.amount, 0)""",
        )
