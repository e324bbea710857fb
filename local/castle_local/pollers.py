"""Event source mappings, emulated: Kinesis, DynamoDB Streams and SQS pollers, and schedules.

Each poller invokes its function through the LambdaRouter with the batch event Lambda would build
(real record shapes, the template's BatchSize) and honours ReportBatchItemFailures: a stream resumes
from the first failed record, an SQS batch deletes only the messages that succeeded.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from castle_local.lambda_router import LambdaRouter
from castle_local.template import ACCOUNT_ID, ScheduleSource, StreamSource, Template
from castle_local.wakeups import DYNAMODB, KINESIS, SQS, Wakeups

IDLE_POLL_S = 0.2
MAX_BACKOFF_S = 2.0


@dataclass
class PollerStats:
    batches: int = 0
    records: int = 0
    failures: int = 0


class Poller(threading.Thread):
    """A daemon thread that runs `poll_once` until stopped; errors back off instead of killing it.
    When idle it sleeps until `wake` is set (a write to what it polls: castle_local.wakeups) or
    IDLE_POLL_S passes."""

    def __init__(self, name: str, stop: threading.Event) -> None:
        super().__init__(name=name, daemon=True)
        self.stop_event = stop
        self.wake = threading.Event()
        self.stats = PollerStats()

    def poll_once(self) -> bool:
        """Handle one batch; False when there was nothing to do."""
        raise NotImplementedError

    def run(self) -> None:
        backoff = 0.1
        while not self.stop_event.is_set():
            # Cleared before polling: a write during the poll sets it and the next wait returns at once.
            self.wake.clear()
            try:
                busy = self.poll_once()
                backoff = 0.1
            except Exception as exc:  # keep polling: the next batch may succeed (as Lambda retries)
                if self.stop_event.is_set():
                    return
                self.stats.failures += 1
                print(f"castle: {self.name}: {type(exc).__name__}: {exc}", file=sys.__stderr__, flush=True)
                self.stop_event.wait(backoff)
                backoff = min(MAX_BACKOFF_S, backoff * 2)
                continue
            if not busy:
                self.wake.wait(IDLE_POLL_S)


def failed_identifiers(result: Any) -> list[str]:
    if not isinstance(result, dict):
        return []
    failures = result.get("batchItemFailures") or []
    return [str(f.get("itemIdentifier")) for f in failures if isinstance(f, dict)]


class KinesisShardPoller(Poller):
    def __init__(
        self,
        router: LambdaRouter,
        source: StreamSource,
        stream_name: str,
        stream_arn: str,
        shard_id: str,
        client: Any,
        stop: threading.Event,
        region: str,
    ) -> None:
        super().__init__(f"kinesis:{stream_name}:{shard_id}->{source.function_id}", stop)
        self.router = router
        self.source = source
        self.stream_name = stream_name
        self.stream_arn = stream_arn
        self.shard_id = shard_id
        self.client = client
        self.region = region
        self.retries = 0
        self.on_failure: Callable[[dict[str, Any]], None] | None = None
        # The stream is created with the stack, so its horizon is where the mapping starts.
        self.iterator: str | None = client.get_shard_iterator(
            StreamName=stream_name, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]

    def event(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "Records": [
                {
                    "kinesis": {
                        "kinesisSchemaVersion": "1.0",
                        "partitionKey": r["PartitionKey"],
                        "sequenceNumber": r["SequenceNumber"],
                        "data": base64.b64encode(r["Data"]).decode(),
                        "approximateArrivalTimestamp": r["ApproximateArrivalTimestamp"].timestamp(),
                    },
                    "eventSource": "aws:kinesis",
                    "eventVersion": "1.0",
                    "eventID": f"{self.shard_id}:{r['SequenceNumber']}",
                    "eventName": "aws:kinesis:record",
                    "invokeIdentityArn": f"arn:aws:iam::{ACCOUNT_ID}:role/castle-local",
                    "awsRegion": self.region,
                    "eventSourceARN": self.stream_arn,
                }
                for r in records
            ]
        }

    def _rewind(self, sequence_number: str) -> None:
        self.iterator = self.client.get_shard_iterator(
            StreamName=self.stream_name,
            ShardId=self.shard_id,
            ShardIteratorType="AT_SEQUENCE_NUMBER",
            StartingSequenceNumber=sequence_number,
        )["ShardIterator"]

    def poll_once(self) -> bool:
        if self.iterator is None:
            return False
        answer = self.client.get_records(ShardIterator=self.iterator, Limit=self.source.batch_size)
        records: list[dict[str, Any]] = answer["Records"]
        if not records:
            self.iterator = answer.get("NextShardIterator")
            return False
        try:
            result = self.router.invoke(self.source.function_id, self.event(records))
        except Exception:
            if not self._give_up(records, "FunctionError"):
                self._rewind(records[0]["SequenceNumber"])  # the whole batch is retried
            raise
        self.stats.batches += 1
        failed = failed_identifiers(result) if self.source.report_batch_item_failures else []
        if failed:
            # Lambda resumes from the lowest failed sequence number (checkpoint before it).
            first = min(failed, key=int)
            self.stats.records += sum(1 for r in records if int(r["SequenceNumber"]) < int(first))
            self.stats.failures += 1
            if not self._give_up(records, "RetryAttemptsExhausted"):
                self._rewind(first)
                self.stop_event.wait(0.1)
            return True
        self.retries = 0
        self.stats.records += len(records)
        self.iterator = answer.get("NextShardIterator")
        return True

    def _give_up(self, records: list[dict[str, Any]], condition: str) -> bool:
        """After MaximumRetryAttempts, report the batch to the OnFailure destination and skip it."""
        self.retries += 1
        limit = self.source.maximum_retry_attempts
        if limit < 0 or self.retries <= limit:
            return False
        self.retries = 0
        if self.on_failure is not None:
            self.on_failure(
                {
                    "requestContext": {
                        "functionArn": self.router.find(self.source.function_id).arn,
                        "condition": condition,
                        "approximateInvokeCount": limit + 1,
                    },
                    "version": "1.0",
                    "timestamp": datetime.now(UTC).isoformat(),
                    "KinesisBatchInfo": {
                        "shardId": self.shard_id,
                        "startSequenceNumber": records[0]["SequenceNumber"],
                        "endSequenceNumber": records[-1]["SequenceNumber"],
                        "batchSize": len(records),
                        "streamArn": self.stream_arn,
                    },
                }
            )
        self.iterator = self.client.get_shard_iterator(
            StreamName=self.stream_name,
            ShardId=self.shard_id,
            ShardIteratorType="AFTER_SEQUENCE_NUMBER",
            StartingSequenceNumber=records[-1]["SequenceNumber"],
        )["ShardIterator"]
        return True


class DynamoDbStreamPoller(Poller):
    def __init__(
        self,
        router: LambdaRouter,
        source: StreamSource,
        stream_arn: str,
        shard_id: str,
        client: Any,
        stop: threading.Event,
        region: str,
    ) -> None:
        super().__init__(f"dynamodb-stream:{shard_id}->{source.function_id}", stop)
        self.router = router
        self.source = source
        self.stream_arn = stream_arn
        self.shard_id = shard_id
        self.client = client
        self.region = region
        self.iterator: str | None = client.get_shard_iterator(
            StreamArn=stream_arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]

    def poll_once(self) -> bool:
        if self.iterator is None:
            return False
        answer = self.client.get_records(ShardIterator=self.iterator, Limit=self.source.batch_size)
        records: list[dict[str, Any]] = answer["Records"]
        if not records:
            self.iterator = answer.get("NextShardIterator")
            return False
        event = {
            "Records": [{**r, "eventSourceARN": self.stream_arn, "awsRegion": self.region} for r in records]
        }
        result = self.router.invoke(
            self.source.function_id, json.loads(json.dumps(event, default=_json_default))
        )
        self.stats.batches += 1
        failed = failed_identifiers(result) if self.source.report_batch_item_failures else []
        if failed:
            first = min(failed, key=int)
            self.iterator = self.client.get_shard_iterator(
                StreamArn=self.stream_arn,
                ShardId=self.shard_id,
                ShardIteratorType="AT_SEQUENCE_NUMBER",
                SequenceNumber=first,
            )["ShardIterator"]
            self.stats.failures += 1
            return True
        self.stats.records += len(records)
        self.iterator = answer.get("NextShardIterator")
        return True


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return str(value)


class SqsPoller(Poller):
    def __init__(
        self,
        router: LambdaRouter,
        source: StreamSource,
        queue_url: str,
        queue_arn: str,
        client: Any,
        stop: threading.Event,
        region: str,
    ) -> None:
        super().__init__(f"sqs:{queue_arn.rsplit(':', 1)[-1]}->{source.function_id}", stop)
        self.router = router
        self.source = source
        self.queue_url = queue_url
        self.queue_arn = queue_arn
        self.client = client
        self.region = region

    def event(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "Records": [
                {
                    "messageId": m["MessageId"],
                    "receiptHandle": m["ReceiptHandle"],
                    "body": m["Body"],
                    "attributes": m.get("Attributes", {}),
                    "messageAttributes": {
                        name: {
                            "stringValue": a.get("StringValue"),
                            "binaryValue": a.get("BinaryValue"),
                            "stringListValues": [],
                            "binaryListValues": [],
                            "dataType": a["DataType"],
                        }
                        for name, a in (m.get("MessageAttributes") or {}).items()
                    },
                    "md5OfBody": m["MD5OfBody"],
                    "eventSource": "aws:sqs",
                    "eventSourceARN": self.queue_arn,
                    "awsRegion": self.region,
                }
                for m in messages
            ]
        }

    def poll_once(self) -> bool:
        answer = self.client.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=min(10, self.source.batch_size),
            WaitTimeSeconds=1,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages: list[dict[str, Any]] = answer.get("Messages") or []
        if not messages:
            return False
        # On an exception nothing is deleted: the batch reappears after the visibility timeout.
        result = self.router.invoke(self.source.function_id, self.event(messages))
        self.stats.batches += 1
        failed = set(failed_identifiers(result)) if self.source.report_batch_item_failures else set()
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self.client.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        self.stats.records += len(done)
        self.stats.failures += len(failed)
        return True


_RATE = re.compile(r"rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)")
_UNIT_S = {"minute": 60, "hour": 3600, "day": 86400}


def schedule_interval_s(expression: str) -> float | None:
    """Seconds between runs of a rate() expression; None for cron() (not emulated)."""
    found = _RATE.fullmatch(expression.strip())
    if found is None:
        return None
    return int(found.group(1)) * _UNIT_S[found.group(2).rstrip("s")]


class SchedulePoller(Poller):
    def __init__(
        self,
        router: LambdaRouter,
        source: ScheduleSource,
        interval_s: float,
        stop: threading.Event,
        region: str,
    ) -> None:
        super().__init__(f"schedule:{source.event_name}->{source.function_id}", stop)
        self.router = router
        self.source = source
        self.interval_s = interval_s
        self.region = region
        self.next_run = time.monotonic() + interval_s

    def poll_once(self) -> bool:
        if time.monotonic() < self.next_run:
            return False
        self.next_run = time.monotonic() + self.interval_s
        event: Any = (
            json.loads(self.source.payload)
            if self.source.payload
            else {
                "version": "0",
                "id": str(uuid.uuid4()),
                "detail-type": "Scheduled Event",
                "source": "aws.events",
                "account": ACCOUNT_ID,
                "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "region": self.region,
                "resources": [f"arn:aws:events:{self.region}:{ACCOUNT_ID}:rule/{self.source.event_name}"],
                "detail": {},
            }
        )
        self.router.invoke(self.source.function_id, event)
        self.stats.batches += 1
        return True


class EventSources:
    """All the template's event source mappings, as poller threads sharing one stop event."""

    def __init__(
        self,
        template: Template,
        router: LambdaRouter,
        client: Callable[[str], Any],
        wakeups: Wakeups | None = None,
    ) -> None:
        self.template = template
        self.router = router
        self.client = client
        self.wakeups = wakeups
        self.stop_event = threading.Event()
        self.pollers: list[Poller] = []
        self.notices: list[str] = []

    def build(self, *, unavailable: set[str] | frozenset[str] = frozenset()) -> None:
        """Create a poller per mapping; functions in `unavailable` (not importable) are skipped."""
        region = self.template.region
        for source in self.template.stream_sources():
            if not source.enabled or source.function_id in unavailable:
                continue
            attrs = self.template.physical.get(source.source_id)
            if attrs is None:
                self.notices.append(
                    f"{source.function_id}.{source.event_name}: {source.source_id} not created"
                )
                continue
            if source.kind == "Kinesis":
                kinesis = self.client("kinesis")
                shards = kinesis.list_shards(StreamName=attrs["Ref"])["Shards"]
                for shard in shards:
                    poller = KinesisShardPoller(
                        self.router,
                        source,
                        attrs["Ref"],
                        attrs["Arn"],
                        shard["ShardId"],
                        kinesis,
                        self.stop_event,
                        region,
                    )
                    poller.on_failure = self._destination(source)
                    self._wake_on_writes(poller, KINESIS, attrs["Ref"])
                    self.pollers.append(poller)
            elif source.kind == "SQS":
                sqs_poller = SqsPoller(
                    self.router,
                    source,
                    attrs["QueueUrl"],
                    attrs["Arn"],
                    self.client("sqs"),
                    self.stop_event,
                    region,
                )
                self._wake_on_writes(sqs_poller, SQS, attrs["Arn"].rsplit(":", 1)[-1])
                self.pollers.append(sqs_poller)
            elif source.kind == "DynamoDB" and "StreamArn" in attrs:
                streams = self.client("dynamodbstreams")
                description = streams.describe_stream(StreamArn=attrs["StreamArn"])["StreamDescription"]
                table = attrs["StreamArn"].split(":table/", 1)[-1].split("/", 1)[0]
                for shard in description["Shards"]:
                    stream_poller = DynamoDbStreamPoller(
                        self.router,
                        source,
                        attrs["StreamArn"],
                        shard["ShardId"],
                        streams,
                        self.stop_event,
                        region,
                    )
                    self._wake_on_writes(stream_poller, DYNAMODB, table)
                    self.pollers.append(stream_poller)
        for schedule in self.template.schedules():
            if schedule.function_id in unavailable:
                continue
            interval = schedule_interval_s(schedule.expression)
            if interval is None:
                self.notices.append(
                    f"{schedule.function_id}.{schedule.event_name}: {schedule.expression} not emulated"
                )
                continue
            self.pollers.append(SchedulePoller(self.router, schedule, interval, self.stop_event, region))

    def _wake_on_writes(self, poller: Poller, service: str, name: str) -> None:
        if self.wakeups is not None:
            poller.wake = self.wakeups.event_for(service, name)

    def _destination(self, source: StreamSource) -> Callable[[dict[str, Any]], None] | None:
        attrs = self.template.physical.get(source.on_failure_id) if source.on_failure_id else None
        if attrs is None:
            return None
        if "QueueUrl" in attrs:
            sqs, url = self.client("sqs"), attrs["QueueUrl"]
            fifo = url.endswith(".fifo")

            def to_queue(record: dict[str, Any]) -> None:
                extra = (
                    {"MessageGroupId": "failures", "MessageDeduplicationId": str(uuid.uuid4())}
                    if fifo
                    else {}
                )
                sqs.send_message(QueueUrl=url, MessageBody=json.dumps(record), **extra)

            return to_queue
        if "TopicArn" in attrs:
            sns, arn = self.client("sns"), attrs["TopicArn"]
            return lambda record: sns.publish(TopicArn=arn, Message=json.dumps(record))
        return None

    def start(self) -> None:
        for poller in self.pollers:
            poller.start()

    def stop(self, timeout_s: float = 3.0) -> None:
        self.stop_event.set()
        for poller in self.pollers:
            poller.wake.set()
        deadline = time.monotonic() + timeout_s
        for poller in self.pollers:
            with contextlib.suppress(RuntimeError):
                poller.join(max(0.0, deadline - time.monotonic()))

    def summary(self) -> dict[str, dict[str, int]]:
        return {
            p.name: {"batches": p.stats.batches, "records": p.stats.records, "failures": p.stats.failures}
            for p in self.pollers
        }
