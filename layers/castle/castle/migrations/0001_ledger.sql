-- Accounts and the double-entry ledger: users, accounts, journal entries + postings (immutable),
-- balances derived from postings in the same statement, holds, orders of record, user trades,
-- deposits, withdrawal holds, positions and the consumers' per-symbol progress.
-- All amounts are BIGINT minor units (1e-8 of an asset).

CREATE TABLE users (
    user_id     text PRIMARY KEY,
    email       text,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- account_id: 'user:<user_id>', 'fee', 'external:deposits', 'external:withdrawals'.
CREATE TABLE accounts (
    account_id  text PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('user', 'fee', 'external')),
    user_id     text UNIQUE REFERENCES users (user_id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT accounts_user_has_user_id CHECK ((kind = 'user') = (user_id IS NOT NULL)),
    CONSTRAINT accounts_naming CHECK (
        (kind = 'user' AND account_id = 'user:' || user_id)
        OR (kind = 'fee' AND account_id = 'fee')
        OR (kind = 'external' AND account_id LIKE 'external:%'))
);
INSERT INTO accounts (account_id, kind) VALUES
    ('fee', 'fee'), ('external:deposits', 'external'), ('external:withdrawals', 'external');

CREATE TABLE journal_entries (
    entry_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cause_type  text NOT NULL CHECK (cause_type IN ('order', 'trade', 'fee', 'deposit', 'withdrawal')),
    cause_id    text NOT NULL,
    leg         text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT journal_entries_once_per_cause UNIQUE (cause_type, cause_id, leg)
);

CREATE TABLE postings (
    entry_id    bigint NOT NULL REFERENCES journal_entries (entry_id),
    account_id  text NOT NULL REFERENCES accounts (account_id),
    asset       text NOT NULL,
    bucket      text NOT NULL CHECK (bucket IN ('available', 'held')),
    amount      bigint NOT NULL CHECK (amount <> 0)
);
CREATE INDEX postings_by_entry ON postings (entry_id);

-- Only external contra accounts may go negative.
CREATE TABLE balances (
    account_id  text NOT NULL REFERENCES accounts (account_id),
    asset       text NOT NULL,
    available   bigint NOT NULL DEFAULT 0,
    held        bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, asset),
    CONSTRAINT balances_not_negative CHECK (
        (available >= 0 AND held >= 0) OR account_id LIKE 'external:%')
);

-- Every statement that inserts postings must leave each entry it touched balanced per asset, and it
-- moves the balances by the same amounts (locking balance rows in key order, so no deadlocks).
CREATE FUNCTION postings_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad record;
BEGIN
    SELECT p.entry_id, p.asset, sum(p.amount) AS total INTO bad
      FROM postings p
     WHERE p.entry_id IN (SELECT DISTINCT n.entry_id FROM new_postings n)
     GROUP BY p.entry_id, p.asset
    HAVING sum(p.amount) <> 0
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'journal entry % does not balance in %: off by %', bad.entry_id, bad.asset, bad.total
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;

    INSERT INTO balances (account_id, asset)
    SELECT DISTINCT n.account_id, n.asset FROM new_postings n ORDER BY 1, 2
    ON CONFLICT DO NOTHING;

    PERFORM 1 FROM balances b
     WHERE (b.account_id, b.asset) IN (SELECT n.account_id, n.asset FROM new_postings n)
     ORDER BY b.account_id, b.asset
       FOR UPDATE;

    UPDATE balances b
       SET available = b.available + d.available, held = b.held + d.held
      FROM (SELECT n.account_id, n.asset,
                   coalesce(sum(n.amount) FILTER (WHERE n.bucket = 'available'), 0) AS available,
                   coalesce(sum(n.amount) FILTER (WHERE n.bucket = 'held'), 0) AS held
              FROM new_postings n GROUP BY n.account_id, n.asset) d
     WHERE b.account_id = d.account_id AND b.asset = d.asset;
    RETURN NULL;
END
$$;

CREATE TRIGGER postings_apply AFTER INSERT ON postings
    REFERENCING NEW TABLE AS new_postings FOR EACH STATEMENT EXECUTE FUNCTION postings_apply();

-- The journal is an audit trail: entries and postings are never changed or removed.
CREATE FUNCTION journal_is_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the journal is immutable: % on % is not allowed', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER journal_entries_immutable BEFORE UPDATE OR DELETE ON journal_entries
    FOR EACH ROW EXECUTE FUNCTION journal_is_immutable();
CREATE TRIGGER journal_entries_no_truncate BEFORE TRUNCATE ON journal_entries
    FOR EACH STATEMENT EXECUTE FUNCTION journal_is_immutable();
CREATE TRIGGER postings_immutable BEFORE UPDATE OR DELETE ON postings
    FOR EACH ROW EXECUTE FUNCTION journal_is_immutable();
CREATE TRIGGER postings_no_truncate BEFORE TRUNCATE ON postings
    FOR EACH STATEMENT EXECUTE FUNCTION journal_is_immutable();

-- Orders of record. The id comes from the sequence in the transaction that places the hold.
CREATE TABLE orders (
    order_id                bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    user_id                 text NOT NULL REFERENCES users (user_id),
    symbol                  text NOT NULL,
    side                    text NOT NULL CHECK (side IN ('BUY', 'SELL')),
    order_type              text NOT NULL,
    time_in_force           text,
    client_order_id         text NOT NULL,
    order_list_id           bigint,
    price                   bigint CHECK (price > 0),
    quantity                bigint CHECK (quantity > 0),
    quote_quantity          bigint CHECK (quote_quantity > 0),
    stop_price              bigint CHECK (stop_price > 0),
    status                  text NOT NULL CHECK (status IN ('PENDING_NEW', 'NEW', 'PARTIALLY_FILLED',
                                'FILLED', 'CANCELED', 'EXPIRED', 'EXPIRED_IN_MATCH', 'REJECTED')),
    executed_quantity       bigint NOT NULL DEFAULT 0 CHECK (executed_quantity >= 0),
    cumulative_quote        bigint NOT NULL DEFAULT 0 CHECK (cumulative_quote >= 0),
    hold_asset              text NOT NULL,
    hold_amount             bigint NOT NULL CHECK (hold_amount > 0),
    hold_remaining          bigint NOT NULL,
    hold_open               boolean NOT NULL DEFAULT true,
    engine_quote_quantity   bigint,
    created_at_ms           bigint NOT NULL,
    updated_at_ms           bigint NOT NULL,
    working_time_ms         bigint,
    reject_reason           text,
    CONSTRAINT orders_hold_within_amount CHECK (hold_remaining >= 0 AND hold_remaining <= hold_amount),
    CONSTRAINT orders_closed_hold_is_empty CHECK (hold_open OR hold_remaining = 0),
    CONSTRAINT orders_client_order_id_once UNIQUE (user_id, client_order_id)
);
CREATE INDEX orders_by_user_symbol ON orders (user_id, symbol, order_id);
CREATE INDEX orders_by_user_symbol_time ON orders (user_id, symbol, created_at_ms);
CREATE INDEX orders_open ON orders (user_id, symbol) WHERE status IN ('PENDING_NEW', 'NEW', 'PARTIALLY_FILLED');

-- One row per user side of a fill (Binance myTrades); a self-trade has a buyer and a seller row.
CREATE TABLE user_trades (
    symbol            text NOT NULL,
    trade_id          bigint NOT NULL,
    is_buyer          boolean NOT NULL,
    user_id           text NOT NULL,
    order_id          bigint NOT NULL REFERENCES orders (order_id),
    order_list_id     bigint,
    price             bigint NOT NULL,
    quantity          bigint NOT NULL,
    quote_quantity    bigint NOT NULL,
    commission        bigint NOT NULL,
    commission_asset  text NOT NULL,
    time_ms           bigint NOT NULL,
    is_maker          boolean NOT NULL,
    PRIMARY KEY (symbol, trade_id, is_buyer)
);
CREATE INDEX user_trades_by_user ON user_trades (user_id, symbol, trade_id);
CREATE INDEX user_trades_by_order ON user_trades (order_id);

CREATE TABLE withdrawal_holds (
    withdrawal_id  text PRIMARY KEY,
    user_id        text NOT NULL REFERENCES users (user_id),
    asset          text NOT NULL,
    amount         bigint NOT NULL CHECK (amount > 0),
    fee            bigint NOT NULL DEFAULT 0 CHECK (fee >= 0 AND fee <= amount),
    status         text NOT NULL CHECK (status IN ('HELD', 'RELEASED', 'SETTLED')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- What is held, hold by hold: the held balances must always equal these sums.
CREATE VIEW open_holds AS
    SELECT 'user:' || user_id AS account_id, hold_asset AS asset, hold_remaining AS amount,
           'order' AS hold_type, order_id::text AS hold_ref
      FROM orders WHERE hold_open
    UNION ALL
    SELECT 'user:' || user_id, asset, amount, 'withdrawal', withdrawal_id
      FROM withdrawal_holds WHERE status = 'HELD';

CREATE TABLE deposits (
    tx_id                   text PRIMARY KEY,
    user_id                 text NOT NULL REFERENCES users (user_id),
    asset                   text NOT NULL,
    amount                  bigint NOT NULL CHECK (amount > 0),
    confirmations           integer NOT NULL CHECK (confirmations >= 0),
    required_confirmations  integer NOT NULL CHECK (required_confirmations >= 0),
    status                  text NOT NULL CHECK (status IN ('PENDING', 'CREDITED')),
    created_at              timestamptz NOT NULL DEFAULT now(),
    credited_at             timestamptz
);
CREATE INDEX deposits_by_user ON deposits (user_id, created_at);

-- Per-user, per-symbol position from trades (average cost), kept by the positions consumer.
CREATE TABLE positions (
    user_id       text NOT NULL,
    symbol        text NOT NULL,
    quantity      bigint NOT NULL DEFAULT 0 CHECK (quantity >= 0),
    cost_basis    bigint NOT NULL DEFAULT 0 CHECK (cost_basis >= 0),
    realized_pnl  bigint NOT NULL DEFAULT 0,
    updated_seq   bigint NOT NULL DEFAULT 0,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, symbol)
);

-- Exactly once per (symbol, seq): each Kinesis consumer stores the last engine seq it applied.
CREATE TABLE consumer_progress (
    consumer    text NOT NULL,
    symbol      text NOT NULL,
    last_seq    bigint NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, symbol)
);
