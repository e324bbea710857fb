"""EventSink over Kinesis PutRecords: at most 500 records / 5 MiB per call, partition key = symbol,
only failed records retried (with exponential backoff).

Order per partition key: when a record fails, it and every later record of the same key in the batch
are sent again, so the last copy of each event still arrives in order; consumers de-duplicate by
(symbol, seq).
"""

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from engine_host.observability import logger
from engine_host.transport import OutboundRecord, PublishError

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient

MAX_RECORDS_PER_CALL = 500
MAX_BYTES_PER_CALL = 5 * 1024 * 1024
_RETRYABLE_CALL_ERRORS = frozenset(
    {"ProvisionedThroughputExceededException", "LimitExceededException", "KMSThrottlingException"}
)


def chunk_records(records: Sequence[OutboundRecord]) -> list[list[OutboundRecord]]:
    """Split records into PutRecords-sized calls, keeping their order."""
    chunks: list[list[OutboundRecord]] = []
    current: list[OutboundRecord] = []
    size = 0
    for record in records:
        record_size = len(record.data) + len(record.partition_key.encode())
        if current and (len(current) >= MAX_RECORDS_PER_CALL or size + record_size > MAX_BYTES_PER_CALL):
            chunks.append(current)
            current, size = [], 0
        current.append(record)
        size += record_size
    if current:
        chunks.append(current)
    return chunks


def records_to_retry(sent: Sequence[OutboundRecord], failed: Sequence[bool]) -> list[OutboundRecord]:
    """The failed records plus every later record of a key that had a failure, in the original order."""
    failed_keys: set[str] = set()
    retry: list[OutboundRecord] = []
    for record, did_fail in zip(sent, failed, strict=True):
        if did_fail:
            failed_keys.add(record.partition_key)
        if record.partition_key in failed_keys:
            retry.append(record)
    return retry


class KinesisEventSink:
    def __init__(
        self, client: "KinesisClient", stream_name: str, max_attempts: int = 8, base_backoff_s: float = 0.05
    ) -> None:
        self._client = client
        self._stream = stream_name
        self._max_attempts = max_attempts
        self._base_backoff_s = base_backoff_s

    def publish(self, records: Sequence[OutboundRecord]) -> None:
        for chunk in chunk_records(records):
            self._publish_chunk(chunk)

    def _publish_chunk(self, chunk: list[OutboundRecord]) -> None:
        pending = chunk
        for attempt in range(self._max_attempts):
            if attempt:
                time.sleep(min(2.0, self._base_backoff_s * 2 ** (attempt - 1)))
            try:
                response = self._client.put_records(
                    StreamName=self._stream,
                    Records=[{"Data": r.data, "PartitionKey": r.partition_key} for r in pending],
                )
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code", "")
                if code not in _RETRYABLE_CALL_ERRORS:
                    raise PublishError(f"kinesis put_records failed: {code}") from exc
                logger.warning("kinesis throttled", extra={"code": code, "attempt": attempt})
                continue
            if not response.get("FailedRecordCount"):
                return
            failed = ["ErrorCode" in entry for entry in response["Records"]]
            pending = records_to_retry(pending, failed)
            logger.warning("kinesis partial failure", extra={"failed": sum(failed), "attempt": attempt})
        raise PublishError(f"kinesis: {len(pending)} records failing after {self._max_attempts} attempts")
