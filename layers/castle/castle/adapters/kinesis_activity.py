"""Publishes user activity events to the activity Kinesis stream (partition key = user id).

Usage from an API handler, after the use case succeeded:

    from castle.adapters.kinesis_activity import publish_activity
    publish_activity(UserLoggedIn(event_id=request_id, user_id=sub, ts_ms=now_ms, ip=ip, country=cc))

`publish_activity` is best effort (activity feeds analytics and fraud detection, it must never fail
a user's request): it returns False and logs when records could not be written. Code that must know,
calls `get_activity_publisher().publish(events)`, which raises ActivityPublishError.
"""

from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from castle.contracts.activity import ActivityEvent, encode_activity
from castle.observability import logger
from castle.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_kinesis.client import KinesisClient
    from mypy_boto3_kinesis.type_defs import PutRecordsRequestEntryTypeDef

# PutRecords takes at most 500 records and 5 MiB per call.
MAX_RECORDS_PER_CALL = 500
MAX_BYTES_PER_CALL = 5 * 1024 * 1024
MAX_ATTEMPTS = 3


class ActivityPublishError(RuntimeError):
    """Some activity records were not accepted by Kinesis after retries."""


@lru_cache(maxsize=1)
def get_kinesis_client() -> "KinesisClient":
    settings = get_settings()
    return boto3.client("kinesis", region_name=settings.aws_region, endpoint_url=settings.aws_endpoint_url)


def _batches(entries: list["PutRecordsRequestEntryTypeDef"]) -> list[list["PutRecordsRequestEntryTypeDef"]]:
    batches: list[list[PutRecordsRequestEntryTypeDef]] = []
    current: list[PutRecordsRequestEntryTypeDef] = []
    size = 0
    for entry in entries:
        data = entry["Data"]
        entry_size = (len(data) if isinstance(data, bytes | str) else 0) + len(entry["PartitionKey"])
        if current and (len(current) == MAX_RECORDS_PER_CALL or size + entry_size > MAX_BYTES_PER_CALL):
            batches.append(current)
            current, size = [], 0
        current.append(entry)
        size += entry_size
    if current:
        batches.append(current)
    return batches


class KinesisActivityPublisher:
    def __init__(self, stream_name: str, client: "KinesisClient | None" = None) -> None:
        self._stream_name = stream_name
        self._client = client

    @property
    def client(self) -> "KinesisClient":
        return self._client or get_kinesis_client()

    def publish(self, events: Sequence[ActivityEvent]) -> None:
        entries: list[PutRecordsRequestEntryTypeDef] = [
            {"Data": encode_activity(event).encode(), "PartitionKey": event.user_id} for event in events
        ]
        for batch in _batches(entries):
            self._put_with_retries(batch)

    def _put_with_retries(self, batch: list["PutRecordsRequestEntryTypeDef"]) -> None:
        pending = batch
        for _ in range(MAX_ATTEMPTS):
            try:
                response = self.client.put_records(StreamName=self._stream_name, Records=pending)
            except (ClientError, BotoCoreError) as exc:
                raise ActivityPublishError(str(exc)) from exc
            if not response.get("FailedRecordCount"):
                return
            # Only throttled/failed entries are retried; results are positional.
            pending = [
                entry
                for entry, result in zip(pending, response["Records"], strict=True)
                if "ErrorCode" in result
            ]
        raise ActivityPublishError(f"{len(pending)} activity records not accepted by {self._stream_name}")


@lru_cache(maxsize=1)
def get_activity_publisher() -> KinesisActivityPublisher:
    return KinesisActivityPublisher(get_settings().activity_stream)


def publish_activity(*events: ActivityEvent) -> bool:
    """Best-effort publish: True when every event was accepted, False (logged) otherwise."""
    try:
        get_activity_publisher().publish(events)
    except ActivityPublishError as exc:
        extra: dict[str, Any] = {"reason": str(exc), "count": len(events)}
        logger.warning("activity not published", extra=extra)
        return False
    return True
