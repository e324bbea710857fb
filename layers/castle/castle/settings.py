"""One validated settings model, read from the environment the template (or `castle up`) sets."""

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CASTLE_", extra="ignore")

    stage: str = "dev"
    # Set locally to the moto server; unset on AWS so boto3 uses the real endpoints.
    aws_endpoint_url: str | None = Field(default=None, validation_alias="AWS_ENDPOINT_URL")
    aws_region: str = Field(default="us-east-1", validation_alias="AWS_DEFAULT_REGION")

    database_url: str = "postgresql://postgres@127.0.0.1:5432/castle"
    # On AWS: connect through RDS Proxy with an IAM auth token as the password.
    database_iam_auth: bool = False
    redis_url: str = "redis://127.0.0.1:6379/0"

    order_queue_url: str = ""
    engine_events_stream: str = "castle-dev-engine-events"
    activity_stream: str = "castle-dev-activity"
    depth_table: str = "castle-dev-order-book-depth"
    executions_table: str = "castle-dev-trade-executions"
    idempotency_table: str = "castle-dev-idempotency"
    connections_table: str = "castle-dev-ws-connections"
    # Market data (castle.marketdata): per-symbol state (cursor, book, last trade) and time series.
    market_state_table: str = "castle-dev-market-state"
    market_series_table: str = "castle-dev-market-series"
    # The WebSocket API's management endpoint (https://{api}.execute-api.{region}.amazonaws.com/{stage}).
    websocket_endpoint: str = ""
    # Fraud detection (castle.fraud): alerts (+ GSI by user), per-user profiles and withdrawal freezes.
    fraud_alerts_table: str = "castle-dev-fraud-alerts"
    fraud_profiles_table: str = "castle-dev-fraud-profiles"
    # OpenSearch domain endpoint (https://...); empty: alerts live in DynamoDB alone (local, dev).
    opensearch_endpoint: str = ""
    # Analytics: the Firehose S3 bucket and, in prod, the Redshift Serverless loader's configuration.
    analytics_bucket: str = ""
    redshift_workgroup: str = ""
    redshift_database: str = "castle"
    redshift_copy_role_arn: str = ""

    user_pool_id: str = ""
    user_pool_client_id: str = ""
    # Where Cognito's signing keys are published; configuration, never derived from a token's `iss`.
    jwks_url: str = ""

    # Bounded wait of RESULT/FULL order responses for the engine's outcome.
    order_result_wait_ms: int = 2000
    recv_window_max_ms: int = 60000

    # API key secrets at rest: encrypted under this KMS key on AWS; where it is empty (tests, the
    # local stack) with AES-GCM under api_key_local_cipher_key (urlsafe base64 of 32 bytes).
    api_key_kms_key_id: str = ""
    api_key_local_cipher_key: str = ""
    # Binance's REQUEST_WEIGHT limiter: weight allowed per API key (or IP) per minute.
    request_weight_per_minute: int = 6000


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
