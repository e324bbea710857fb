-- Wallets and withdrawals: per-user wallet security (KYC tier, TOTP, risk flag), the withdrawal
-- allow-list, deterministic deposit addresses, withdrawals and their history of transitions.
-- Money itself (holds, settlement, deposits) is the ledger's: withdrawal_holds and deposits.

CREATE TABLE wallet_profiles (
    user_id             text PRIMARY KEY,
    kyc_tier            smallint NOT NULL DEFAULT 1 CHECK (kyc_tier >= 0),
    totp_secret         text,
    -- The last TOTP time step accepted: a code at or before it is never accepted again.
    totp_last_counter   bigint NOT NULL DEFAULT 0,
    -- Set by risk/fraud review: every withdrawal then waits for an administrator.
    risk_flagged        boolean NOT NULL DEFAULT false,
    updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE address_book (
    user_id     text NOT NULL,
    asset       text NOT NULL,
    network     text NOT NULL,
    address     text NOT NULL,
    label       text,
    added_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, asset, network, address)
);

CREATE TABLE deposit_addresses (
    user_id           text NOT NULL,
    asset             text NOT NULL,
    network           text NOT NULL,
    address           text NOT NULL,
    derivation_index  integer NOT NULL DEFAULT 0,
    created_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, asset, network),
    -- Never reused across users (nor assets): one owner per address on a network.
    CONSTRAINT deposit_addresses_unique_on_network UNIQUE (network, address)
);

CREATE TABLE withdrawals (
    withdrawal_id       text PRIMARY KEY,
    user_id             text NOT NULL,
    idempotency_key     text NOT NULL,
    asset               text NOT NULL,
    network             text NOT NULL,
    address             text NOT NULL,
    amount_minor        bigint NOT NULL CHECK (amount_minor > 0),
    fee_minor           bigint NOT NULL CHECK (fee_minor >= 0),
    status              text NOT NULL CHECK (status IN ('REQUESTED', 'VALIDATED', 'LIMITS_CHECKED', 'HELD',
                            'AWAITING_APPROVAL', 'APPROVED', 'BROADCAST', 'CONFIRMING', 'COMPLETED', 'FAILED')),
    failure_reason      text,
    two_factor_verified boolean NOT NULL DEFAULT false,
    requires_approval   boolean NOT NULL DEFAULT false,
    hold_placed         boolean NOT NULL DEFAULT false,
    approval_task_token text,
    reviewed_by         text,
    tx_id               text,
    confirmations       integer NOT NULL DEFAULT 0,
    execution_name      text NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT withdrawals_idempotency_key_once UNIQUE (user_id, idempotency_key),
    CONSTRAINT withdrawals_failed_has_reason CHECK ((status = 'FAILED') = (failure_reason IS NOT NULL))
);
CREATE INDEX withdrawals_by_user_time ON withdrawals (user_id, created_at DESC);
CREATE INDEX withdrawals_awaiting_approval ON withdrawals (created_at) WHERE status = 'AWAITING_APPROVAL';

CREATE TABLE withdrawal_events (
    event_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    withdrawal_id  text NOT NULL REFERENCES withdrawals (withdrawal_id),
    step           text NOT NULL,
    status         text NOT NULL,
    detail         jsonb NOT NULL DEFAULT '{}'::jsonb,
    at             timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX withdrawal_events_by_withdrawal ON withdrawal_events (withdrawal_id, event_id);
