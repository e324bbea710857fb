-- Analytics aggregates of engine trades (the local/PostgreSQL counterpart of S3 Parquet + Redshift).
-- Amounts are integer minor units (1e-8); prices exact NUMERIC. Hours are UTC hour starts.

-- Which engine events have been counted: redelivered Kinesis records are skipped by (symbol, seq).
CREATE TABLE analytics_applied_events (
    symbol     text   NOT NULL,
    seq        bigint NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (symbol, seq)
);

CREATE TABLE analytics_ohlcv_hourly (
    symbol             text        NOT NULL,
    hour_start         timestamptz NOT NULL,
    open               numeric(38, 8) NOT NULL,
    high               numeric(38, 8) NOT NULL,
    low                numeric(38, 8) NOT NULL,
    close              numeric(38, 8) NOT NULL,
    first_seq          bigint NOT NULL,
    last_seq           bigint NOT NULL,
    base_volume_minor  bigint NOT NULL CHECK (base_volume_minor >= 0),
    quote_volume_minor bigint NOT NULL CHECK (quote_volume_minor >= 0),
    trade_count        bigint NOT NULL CHECK (trade_count >= 0),
    PRIMARY KEY (symbol, hour_start)
);

CREATE TABLE analytics_user_volume_hourly (
    user_id            text        NOT NULL,
    symbol             text        NOT NULL,
    hour_start         timestamptz NOT NULL,
    base_volume_minor  bigint NOT NULL CHECK (base_volume_minor >= 0),
    quote_volume_minor bigint NOT NULL CHECK (quote_volume_minor >= 0),
    fee_minor          bigint NOT NULL CHECK (fee_minor >= 0),
    maker_trades       bigint NOT NULL CHECK (maker_trades >= 0),
    taker_trades       bigint NOT NULL CHECK (taker_trades >= 0),
    PRIMARY KEY (user_id, symbol, hour_start)
);
CREATE INDEX analytics_user_volume_by_symbol ON analytics_user_volume_hourly (symbol, hour_start);

CREATE TABLE analytics_fee_revenue_hourly (
    symbol      text        NOT NULL,
    hour_start  timestamptz NOT NULL,
    asset       text        NOT NULL,
    fee_minor   bigint NOT NULL CHECK (fee_minor >= 0),
    trade_count bigint NOT NULL CHECK (trade_count >= 0),
    PRIMARY KEY (symbol, hour_start)
);
