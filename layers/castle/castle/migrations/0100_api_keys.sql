-- API keys for Binance-style signed requests. The secret is stored encrypted (KMS on AWS, AES-GCM
-- locally): HMAC verification needs the secret itself, so it cannot be hashed.
CREATE TABLE api_keys (
    api_key           text PRIMARY KEY CHECK (api_key ~ '^[A-Za-z0-9]{64}$'),
    user_id           text NOT NULL CHECK (length(user_id) BETWEEN 1 AND 128),
    label             text NOT NULL DEFAULT '' CHECK (length(label) <= 64),
    secret_ciphertext bytea NOT NULL,
    permissions       text[] NOT NULL
        CHECK (cardinality(permissions) > 0 AND permissions <@ ARRAY['read', 'trade', 'withdraw']::text[]),
    ip_allowlist      cidr[] NOT NULL DEFAULT '{}',
    created_at        timestamptz NOT NULL DEFAULT now(),
    revoked_at        timestamptz
);

CREATE INDEX api_keys_active_by_user ON api_keys (user_id, created_at) WHERE revoked_at IS NULL;
