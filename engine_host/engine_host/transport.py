"""The host's two transport ports and their in-memory implementations (tests, benchmark).

CommandSource: where commands come from (SQS FIFO on AWS). A received message is acknowledged
(deleted) only after the outcome of its command is durably published; a poison message is moved to
the dead-letter queue with a reason so it never blocks its message group.

EventSink: where engine events go (Kinesis on AWS), partition key = symbol, in order.
"""

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol


class ReceivedMessage(NamedTuple):
    body: bytes
    # Opaque handle to acknowledge the message (an SQS receipt handle).
    receipt: str
    message_id: str = ""
    group_id: str = ""
    # When the message was sent (ms since epoch), for the queue-lag metric; 0 if unknown.
    sent_ms: int = 0


class OutboundRecord(NamedTuple):
    partition_key: str
    data: bytes


class CommandSource(Protocol):
    def receive(self, wait_seconds: int) -> list[ReceivedMessage]:
        """Up to one batch of messages; waits at most `wait_seconds` when there are none."""
        ...

    def acknowledge(self, messages: Sequence[ReceivedMessage]) -> None:
        """The messages' outcomes are durable: they must not be delivered again."""
        ...

    def dead_letter(self, message: ReceivedMessage, reason: str) -> None:
        """Move a message that can never be applied to the dead-letter queue, with the reason."""
        ...


class EventSink(Protocol):
    def publish(self, records: Sequence[OutboundRecord]) -> None:
        """Publish all records, in order per partition key; returns only when all are stored."""
        ...


class PublishError(RuntimeError):
    """The sink could not store every record, even after retries."""


@dataclass
class InMemoryCommandSource:
    """A FIFO of message bodies; acknowledged messages are counted, dead letters kept with reasons."""

    batch_size: int = 10
    pending: deque[ReceivedMessage] = field(default_factory=deque)
    acknowledged: int = 0
    dead_letters: list[tuple[ReceivedMessage, str]] = field(default_factory=list)
    _next_id: int = 0

    def put(self, body: bytes, group_id: str = "") -> None:
        self._next_id += 1
        handle = str(self._next_id)
        self.pending.append(ReceivedMessage(body=body, receipt=handle, message_id=handle, group_id=group_id))

    def receive(self, wait_seconds: int) -> list[ReceivedMessage]:
        count = min(self.batch_size, len(self.pending))
        return [self.pending.popleft() for _ in range(count)]

    def acknowledge(self, messages: Sequence[ReceivedMessage]) -> None:
        self.acknowledged += len(messages)

    def dead_letter(self, message: ReceivedMessage, reason: str) -> None:
        self.dead_letters.append((message, reason))


@dataclass
class InMemoryEventSink:
    records: list[OutboundRecord] = field(default_factory=list)
    calls: int = 0

    def publish(self, records: Sequence[OutboundRecord]) -> None:
        self.calls += 1
        self.records.extend(records)
