"""`python -m engine_host`: wire the adapters from the environment and run until SIGTERM/SIGINT."""

import signal
import sys
from types import FrameType
from typing import TYPE_CHECKING

import boto3
import redis
from botocore.config import Config

from castle_engine.heap_pretouch import huge_page_bytes, pretouch_heap
from engine_host.health import HealthServer
from engine_host.host import EngineHost, HostTimings
from engine_host.journal import LocalJournal
from engine_host.kinesis_event_sink import KinesisEventSink
from engine_host.lease import RedisLease
from engine_host.observability import logger
from engine_host.redis_keys import RedisKeys
from engine_host.replication import RedisReplicationLog
from engine_host.settings import HostSettings, get_settings
from engine_host.sqs_command_source import SqsCommandSource

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient
    from mypy_boto3_sqs import SQSClient


def build_host(settings: HostSettings) -> EngineHost:
    if not settings.order_queue_url:
        raise SystemExit("CASTLE_ORDER_QUEUE_URL is not set")
    config = Config(retries={"mode": "standard", "max_attempts": 5}, max_pool_connections=4)
    session = boto3.session.Session(region_name=settings.aws_region)
    sqs: SQSClient = session.client("sqs", endpoint_url=settings.aws_endpoint_url, config=config)
    kinesis: KinesisClient = session.client("kinesis", endpoint_url=settings.aws_endpoint_url, config=config)
    client = redis.Redis.from_url(settings.redis_url, socket_timeout=5, health_check_interval=10)
    keys = RedisKeys(settings.engine_redis_prefix)
    timings = HostTimings(
        lease_renew_ms=settings.engine_lease_renew_ms,
        snapshot_interval_ms=settings.engine_snapshot_interval_ms,
        local_snapshot_interval_ms=settings.engine_local_snapshot_interval_ms,
        standby_poll_ms=settings.engine_standby_poll_ms,
        receive_wait_seconds=settings.engine_receive_wait_seconds,
        metrics_flush_ms=settings.engine_metrics_flush_ms,
        initial_standby_grace_ms=settings.engine_lease_ttl_ms if settings.engine_role == "standby" else 0,
    )
    return EngineHost(
        node_id=settings.engine_node_id,
        source=SqsCommandSource(
            sqs, settings.order_queue_url, settings.order_dlq_url, settings.engine_receive_batches
        ),
        sink=KinesisEventSink(kinesis, settings.engine_events_stream),
        replication=RedisReplicationLog(client, keys, settings.engine_journal_tail_keep),
        lease=RedisLease(client, keys, settings.engine_node_id, settings.engine_lease_ttl_ms),
        journal=LocalJournal(settings.engine_journal_dir),
        timings=timings,
        dedup_window=settings.engine_dedup_window,
        node_group=settings.engine_node_group or settings.engine_role,
        freeze_gc=settings.engine_gc_freeze,
        reserve_orders=settings.engine_reserve_orders,
    )


def main() -> int:
    settings = get_settings()
    pretouch_heap(settings.engine_pretouch_mb)
    host = build_host(settings)
    health = HealthServer(host.status, settings.engine_health_host, settings.engine_health_port)
    health.start()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        logger.info("stopping", extra={"signal": signum})
        host.stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    logger.info(
        "engine host starting",
        extra={
            "node_id": settings.engine_node_id,
            "role": settings.engine_role,
            "health": health.port,
            "pretouched_mb": settings.engine_pretouch_mb,
            "huge_page_mb": huge_page_bytes() >> 20,
        },
    )
    try:
        host.run()
    except Exception:
        # Crash-only: systemd (or `castle up`) restarts us and recovery republishes what is pending.
        logger.exception("engine host failed")
        return 1
    finally:
        health.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
