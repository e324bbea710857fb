"""CommandSource over an SQS FIFO queue: long-polled batches of 10, batched deletes, and a DLQ for
poison messages (with a `reason` message attribute)."""

from collections.abc import Sequence
from typing import TYPE_CHECKING

from engine_host.observability import logger
from engine_host.transport import ReceivedMessage

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

SQS_MAX_BATCH = 10


class SqsCommandSource:
    def __init__(self, client: "SQSClient", queue_url: str, dlq_url: str = "", max_batches: int = 1) -> None:
        self._client = client
        self._queue_url = queue_url
        self._dlq_url = dlq_url
        # More than one receive per call builds larger publish batches when the queue is busy.
        self._max_batches = max(1, max_batches)

    def receive(self, wait_seconds: int) -> list[ReceivedMessage]:
        received: list[ReceivedMessage] = []
        for attempt in range(self._max_batches):
            response = self._client.receive_message(
                QueueUrl=self._queue_url,
                MaxNumberOfMessages=SQS_MAX_BATCH,
                WaitTimeSeconds=wait_seconds if attempt == 0 else 0,
                MessageSystemAttributeNames=["SentTimestamp", "MessageGroupId"],
            )
            messages = response.get("Messages", [])
            for message in messages:
                attributes = message.get("Attributes", {})
                received.append(
                    ReceivedMessage(
                        body=message["Body"].encode(),
                        receipt=message["ReceiptHandle"],
                        message_id=message["MessageId"],
                        group_id=attributes.get("MessageGroupId", ""),
                        sent_ms=int(attributes.get("SentTimestamp", "0")),
                    )
                )
            if len(messages) < SQS_MAX_BATCH:
                break
        return received

    def acknowledge(self, messages: Sequence[ReceivedMessage]) -> None:
        for start in range(0, len(messages), SQS_MAX_BATCH):
            chunk = messages[start : start + SQS_MAX_BATCH]
            response = self._client.delete_message_batch(
                QueueUrl=self._queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m.receipt} for i, m in enumerate(chunk)],
            )
            # A stale receipt (the message was redelivered meanwhile) is harmless: the redelivery
            # will be recognised as already applied and acknowledged then.
            for failure in response.get("Failed", []):
                logger.warning("sqs delete failed", extra={"code": failure.get("Code"), "id": failure["Id"]})

    def dead_letter(self, message: ReceivedMessage, reason: str) -> None:
        if self._dlq_url:
            self._client.send_message(
                QueueUrl=self._dlq_url,
                MessageBody=message.body.decode(errors="replace") or "<empty>",
                MessageGroupId=message.group_id or "poison",
                MessageDeduplicationId=message.message_id or message.receipt[:128],
                MessageAttributes={
                    "reason": {"DataType": "String", "StringValue": reason[:1000]},
                    "source_message_id": {"DataType": "String", "StringValue": message.message_id or "-"},
                },
            )
        else:
            logger.error("poison command dropped: no DLQ configured", extra={"reason": reason})
        self._client.delete_message(QueueUrl=self._queue_url, ReceiptHandle=message.receipt)
