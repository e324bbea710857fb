"""Helpers of the engine host tests: AWS resources on moto, reading the event stream back, a
consumer that de-duplicates by (symbol, seq), and a fingerprint of an engine's state."""

import hashlib
import socket
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from castle_engine import Engine

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient
    from mypy_boto3_sqs import SQSClient


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class EngineAwsResources:
    queue_url: str
    dlq_url: str
    stream_name: str


def create_resources(
    sqs: "SQSClient", kinesis: "KinesisClient", visibility_timeout: int = 1
) -> EngineAwsResources:
    """An orders FIFO queue, its FIFO DLQ and an event stream, as in template.yaml (shorter timeouts)."""
    name = uuid.uuid4().hex[:12]
    dlq = sqs.create_queue(QueueName=f"orders-dlq-{name}.fifo", Attributes={"FifoQueue": "true"})
    dlq_url = dlq["QueueUrl"]
    queue_url = sqs.create_queue(
        QueueName=f"orders-{name}.fifo",
        Attributes={
            "FifoQueue": "true",
            "ContentBasedDeduplication": "false",
            "DeduplicationScope": "messageGroup",
            "FifoThroughputLimit": "perMessageGroupId",
            "VisibilityTimeout": str(visibility_timeout),
        },
    )["QueueUrl"]
    stream = f"engine-events-{name}"
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    return EngineAwsResources(queue_url, dlq_url, stream)


def send_commands(sqs: "SQSClient", queue_url: str, commands: list[tuple[str, str, bytes]]) -> None:
    """(symbol, command_id, body) triples, 10 per SendMessageBatch."""
    for start in range(0, len(commands), 10):
        chunk = commands[start : start + 10]
        response = sqs.send_message_batch(
            QueueUrl=queue_url,
            Entries=[
                {
                    "Id": str(i),
                    "MessageBody": body.decode(),
                    "MessageGroupId": symbol,
                    "MessageDeduplicationId": command_id,
                }
                for i, (symbol, command_id, body) in enumerate(chunk)
            ],
        )
        assert not response.get("Failed"), response.get("Failed")


@dataclass
class StreamReader:
    """Reads a one-shard stream from the start, remembering where it stopped."""

    kinesis: "KinesisClient"
    stream_name: str
    records: list[tuple[str, bytes]] = field(default_factory=list)
    _iterator: str | None = None

    def poll(self) -> list[tuple[str, bytes]]:
        if self._iterator is None:
            description = self.kinesis.describe_stream(StreamName=self.stream_name)["StreamDescription"]
            shard = description["Shards"][0]
            self._iterator = self.kinesis.get_shard_iterator(
                StreamName=self.stream_name, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
        new: list[tuple[str, bytes]] = []
        while True:
            response = self.kinesis.get_records(ShardIterator=self._iterator, Limit=10000)
            self._iterator = response["NextShardIterator"]
            batch = [(r["PartitionKey"], r["Data"]) for r in response["Records"]]
            new.extend(batch)
            if not batch:
                break
        self.records.extend(new)
        return new


@dataclass
class DedupConsumer:
    """A downstream consumer: keeps the first copy of each (symbol, seq), checks copies are identical."""

    events: dict[str, dict[int, bytes]] = field(default_factory=lambda: defaultdict(dict))
    duplicates: int = 0
    out_of_order: int = 0
    _last: dict[str, int] = field(default_factory=dict)

    def consume(self, partition_key: str, data: bytes) -> None:
        event: dict[str, Any] = orjson.loads(data)
        symbol, seq = event["symbol"], event["seq"]
        assert partition_key == symbol
        seen = self.events[symbol]
        if seq in seen:
            assert seen[seq] == data, f"{symbol} seq {seq} was published with two different contents"
            self.duplicates += 1
            return
        if seq != self._last.get(symbol, 0) + 1:
            self.out_of_order += 1
        self._last[symbol] = max(seq, self._last.get(symbol, 0))
        seen[seq] = data

    def stream_of(self, symbol: str) -> list[bytes]:
        seen = self.events[symbol]
        assert sorted(seen) == list(range(1, len(seen) + 1)), f"{symbol}: gap in the sequence"
        return [seen[seq] for seq in range(1, len(seen) + 1)]

    def digest(self) -> dict[str, str]:
        return {s: hashlib.sha256(b"\n".join(self.stream_of(s))).hexdigest() for s in self.events}


def engine_fingerprint(engine: Engine) -> str:
    """Everything observable about the books: status, L2 depth, open orders with their fill state."""
    parts: list[str] = []
    for symbol in sorted(engine.symbols()):
        last_update_id, bids, asks = engine.depth_snapshot(symbol, 100_000)
        parts.append(f"{symbol} {engine.status(symbol)} {last_update_id} {bids} {asks}")
        for order in engine.open_orders(symbol):
            parts.append(
                f"{order.order_id} {order.user_id} {order.side} {order.order_type} {order.price} "
                f"{order.remaining} {order.executed} {order.cumulative_quote} {order.stop_price}"
            )
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()
