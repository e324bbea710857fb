"""The host in-process over the moto server (SQS FIFO, Kinesis) and real Redis: commands in, events
out, poison commands to the DLQ with a reason, and the Kinesis sink's retry of failed records."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import orjson
import pytest

from engine_host.command_stream import bodies, generate_commands
from engine_host.host import EngineHost
from engine_host.kinesis_event_sink import chunk_records, records_to_retry
from engine_host.redis_keys import RedisKeys
from engine_host.service import build_host
from engine_host.settings import HostSettings
from engine_host.transport import OutboundRecord
from tests.functional.engine_host.support import (
    DedupConsumer,
    EngineAwsResources,
    StreamReader,
    send_commands,
)

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient
    from mypy_boto3_sqs import SQSClient


def host_settings(
    aws: EngineAwsResources, moto_endpoint: str, redis_keys: RedisKeys, tmp_path: Path
) -> HostSettings:
    return HostSettings(
        aws_endpoint_url=moto_endpoint,
        order_queue_url=aws.queue_url,
        order_dlq_url=aws.dlq_url,
        engine_events_stream=aws.stream_name,
        engine_redis_prefix=redis_keys.prefix,
        engine_journal_dir=tmp_path / "journal",
        engine_receive_wait_seconds=1,
        # The GC freezing is process-wide (a gc callback): not for a host inside the test process.
        engine_gc_freeze=False,
    )


@contextmanager
def running(host: EngineHost) -> Iterator[EngineHost]:
    """The host's life cycle on a thread of its own, stopped (and joined) on the way out."""
    thread = threading.Thread(target=host.run, daemon=True)
    thread.start()
    try:
        yield host
    finally:
        host.stop()
        thread.join(15)
    assert not thread.is_alive()


@pytest.fixture
def running_host(
    aws: EngineAwsResources, moto_endpoint: str, redis_keys: RedisKeys, tmp_path: Path
) -> Iterator[EngineHost]:
    with running(build_host(host_settings(aws, moto_endpoint, redis_keys, tmp_path))) as host:
        yield host


def wait_until(predicate: "object", timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def test_commands_on_the_queue_come_out_as_numbered_events_on_the_stream(
    sqs: "SQSClient", kinesis: "KinesisClient", aws: EngineAwsResources, running_host: EngineHost
) -> None:
    commands = generate_commands(40, seed=8)
    items = [(c.symbol, c.command_id, b) for c, b in zip(commands, bodies(commands), strict=True)]
    send_commands(sqs, aws.queue_url, items)
    wait_until(lambda: running_host.status.published_seq == 40)
    consumer = DedupConsumer()
    for key, data in StreamReader(kinesis, aws.stream_name).poll():
        consumer.consume(key, data)
    assert len(consumer.stream_of("BTCUSDT")) > 40
    attributes = sqs.get_queue_attributes(QueueUrl=aws.queue_url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_a_host_starting_on_an_empty_history_keeps_the_pipeline_it_was_built_with(
    aws: EngineAwsResources, moto_endpoint: str, redis_keys: RedisKeys, tmp_path: Path
) -> None:
    """No second set of reserved order tables at start-up (64 bytes per reserved order and symbol)."""
    host = build_host(host_settings(aws, moto_endpoint, redis_keys, tmp_path))
    built = host.pipeline
    with running(host):
        wait_until(lambda: host.status.role == "active")
        assert host.pipeline is built


def test_a_poison_command_goes_to_the_dlq_with_its_reason_and_does_not_block_its_group(
    sqs: "SQSClient", aws: EngineAwsResources, running_host: EngineHost
) -> None:
    [good_a, good_b] = bodies(generate_commands(2, seed=2))
    unknown = orjson.dumps({**orjson.loads(good_a), "command_id": "poison-1", "symbol": "NOPEUSDT"})
    send_commands(
        sqs,
        aws.queue_url,
        [
            ("BTCUSDT", "a", good_a),
            ("BTCUSDT", "poison-0", b"\x00garbage"),
            ("BTCUSDT", "poison-1", unknown),
            ("BTCUSDT", "b", good_b),
        ],
    )
    wait_until(lambda: running_host.status.published_seq == 2)
    dead: list[tuple[str, str]] = []
    while len(dead) < 2:
        response = sqs.receive_message(
            QueueUrl=aws.dlq_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], WaitTimeSeconds=1
        )
        for message in response.get("Messages", []):
            dead.append((message["Body"], message["MessageAttributes"]["reason"]["StringValue"]))
            sqs.delete_message(QueueUrl=aws.dlq_url, ReceiptHandle=message["ReceiptHandle"])
    assert sorted(reason for _, reason in dead) == ["undecodable: not JSON", "unknown symbol 'NOPEUSDT'"]


def test_only_failed_records_and_the_later_records_of_their_symbol_are_sent_again() -> None:
    sent = [OutboundRecord(key, bytes([i])) for i, key in enumerate(["A", "B", "A", "B", "C"])]
    failed = [False, True, False, False, False]
    assert [r.data for r in records_to_retry(sent, failed)] == [bytes([1]), bytes([3])]


def test_put_records_calls_respect_the_500_records_and_5_mib_limits() -> None:
    many = [OutboundRecord("A", b"x")] * 1001
    assert [len(c) for c in chunk_records(many)] == [500, 500, 1]
    big = [OutboundRecord("A", b"x" * (1024 * 1024 - 1))] * 6
    assert [len(c) for c in chunk_records(big)] == [5, 1]
