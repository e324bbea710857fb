"""The host's configuration, read from environment variables only (systemd unit, `castle up`, tests)."""

import socket
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

Role = Literal["active", "standby"]


class HostSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CASTLE_", extra="ignore")

    # Set locally to the moto server; unset on AWS so boto3 uses the real (VPC endpoint) addresses.
    aws_endpoint_url: str | None = Field(default=None, validation_alias="AWS_ENDPOINT_URL")
    aws_region: str = Field(default="us-east-1", validation_alias="AWS_DEFAULT_REGION")

    order_queue_url: str = ""
    order_dlq_url: str = ""
    engine_events_stream: str = "castle-dev-engine-events"
    redis_url: str = "redis://127.0.0.1:6379/0"

    # Which node this is, and the role it prefers. Both roles contend for the same lease: "active"
    # tries at once, "standby" first follows the active and only takes over when the lease expires.
    engine_node_id: str = Field(default_factory=socket.gethostname)
    engine_role: Role = "active"
    # The placement this node stands for (its AZ's failover record); defaults to the role.
    engine_node_group: str = ""
    # Namespace of this engine cluster's Redis keys (lease, epoch, snapshot, journal tail).
    engine_redis_prefix: str = "castle:engine"
    engine_journal_dir: Path = Path("/var/lib/castle-engine/journal")
    engine_health_host: str = "0.0.0.0"
    engine_health_port: int = 8081

    engine_lease_ttl_ms: int = 2000
    engine_lease_renew_ms: int = 500
    engine_snapshot_interval_ms: int = 50
    # Local (disk) snapshots bound the journal replay when Redis has lost its copy.
    engine_local_snapshot_interval_ms: int = 5000
    engine_standby_poll_ms: int = 20
    engine_receive_wait_seconds: int = 1
    engine_receive_batches: int = 1
    engine_metrics_flush_ms: int = 10000
    # How many recent command ids are remembered to drop SQS redeliveries of applied commands.
    engine_dedup_window: int = 200_000
    # Journal entries kept in Redis behind the latest snapshot (standby catch-up, audit).
    engine_journal_tail_keep: int = 100_000
    # MiB of small-object heap mapped and touched at start-up, then backed by huge pages
    # (castle_engine.heap_pretouch), so that page faults and most TLB misses stay out of engine
    # calls. Off by default (local runs); the EC2 hosts set it.
    engine_pretouch_mb: int = 0
    # Freeze the long-lived heap out of the cyclic GC's full collections (castle.gc_tuning). The
    # book's orders and levels are untracked (acyclic), so this guards the rest of the heap; a full
    # collection over a ~70k-order book was a ~230 ms pause (bench/host_gc_bench.py).
    engine_gc_freeze: bool = True
    # Resting orders each book takes before its order table first grows (and as many 32-id buckets
    # of used ids): a growth rehashes a table inside one engine call (~5 ms at 65,536 orders).
    # 64 bytes per reserved order and symbol. 0 (local runs) starts small; the EC2 hosts set it.
    engine_reserve_orders: int = 0


@lru_cache(maxsize=1)
def get_settings() -> HostSettings:
    return HostSettings()
