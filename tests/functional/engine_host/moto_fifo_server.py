"""`python -m tests.functional.engine_host.moto_fifo_server -p PORT`: the moto server, with two fixes.

1. FIFO redelivery order. moto 5.2 can deliver a FIFO message group out of order once in-flight
   messages' visibility timeout lapses: it releases expired in-flight messages one at a time while
   scanning (freeing the group on the *last* of them), and within one receive it may hand out a later
   message of a group whose earlier message is still in flight. Real SQS redelivers a group strictly
   in order, and the engine host's exactly-once guarantee relies on that. Fixed here: expired
   in-flight messages are released all at once, and a message is only receivable when no earlier
   message of its group is in flight. And one receive reads moto's clock once: moto reads it again
   for every check of every message, and marks a batch's messages received at slightly different
   milliseconds, so when a dead consumer's batch became visible again in the middle of a receive,
   the receive first found the group still in flight (skipping its oldest messages) and then found
   the rest visible (handing them out): m4..m13 delivered, m0..m3 left behind
   (test_moto_fifo_server.py). That was the crash-recovery test's rare "applied after a later
   command".

2. Thread safety. The moto server answers each request on its own thread, but its SQS queue and
   Kinesis shards are not thread-safe: `DeleteMessage` rebuilds the queue's message list without the
   lock `SendMessage` appends under (a message sent meanwhile is silently dropped, or comes back
   after later messages of its group when two deletes overlap), concurrent receives hand out the
   same messages, and two concurrent `PutRecords` give records the same sequence number (one
   overwrites the other). The tests always have a sender (the test) and a receiver/deleter (the
   host) at once, plus the requests a host killed with SIGKILL left running in the server: under a
   loaded machine these races lost or reordered commands and events. Fixed here: every SQS queue
   operation and every Kinesis put runs under one lock; a long-polling receive waits outside it.
"""

import functools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from moto.kinesis.models import KinesisBackend
from moto.server import main
from moto.sqs import models as sqs_models
from moto.sqs.models import Message, Queue, SQSBackend

F = TypeVar("F", bound=Callable[..., Any])
_SQS_LOCK = threading.RLock()
_KINESIS_LOCK = threading.RLock()
# How often a waiting long poll looks again when nothing was sent meanwhile.
_LONG_POLL_RECHECK_S = 0.02


def _pending_groups_after_releasing_expired(self: Queue) -> set[str]:
    for message in list(self._pending_messages):
        if message.visible:
            self._pending_messages.discard(message)
    return {m.group_id for m in self._pending_messages if m.group_id is not None}


def _receivable_in_group_order(self: Queue) -> list[Message]:
    in_flight_groups: set[str] = set()
    receivable: list[Message] = []
    for message in self._messages:
        if message.delayed:
            continue
        if not message.visible:
            if message.group_id is not None:
                in_flight_groups.add(message.group_id)
            continue
        if message.group_id is None or message.group_id not in in_flight_groups:
            receivable.append(message)
    return receivable


def _under(lock: threading.RLock, method: F) -> F:
    @functools.wraps(method)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with lock:
            return method(*args, **kwargs)

    return locked  # type: ignore[return-value]


_receive_once = SQSBackend.receive_message


@contextmanager
def _one_instant() -> Iterator[None]:
    """moto's SQS clock stopped at its current reading (callers hold _SQS_LOCK, as every SQS write does)."""
    namespace = vars(sqs_models)
    clock = namespace["unix_time_millis"]
    now = clock()
    namespace["unix_time_millis"] = lambda *_: now
    try:
        yield
    finally:
        namespace["unix_time_millis"] = clock


@functools.wraps(_receive_once)
def _receive_atomically(
    self: SQSBackend,
    queue_name: str,
    count: int,
    wait_seconds_timeout: int,
    visibility_timeout: int,
    message_attribute_names: list[str] | None = None,
) -> list[Message]:
    """One scan at a time under the lock; a long poll waits for a send outside it."""
    queue = self.get_queue(queue_name)
    deadline = time.monotonic() + wait_seconds_timeout
    while True:
        with _SQS_LOCK, _one_instant():
            received = _receive_once(self, queue_name, count, 0, visibility_timeout, message_attribute_names)
        remaining = deadline - time.monotonic()
        if received or remaining <= 0:
            return received
        with queue._messages_lock:
            queue._messages_lock.wait(min(remaining, _LONG_POLL_RECHECK_S))


def install(set_attribute: Callable[[Any, str, Any], None] = setattr) -> None:
    """Patch moto's classes (a test passes monkeypatch.setattr, to undo it afterwards)."""
    set_attribute(Queue, "messages", property(_receivable_in_group_order))
    set_attribute(Queue, "pending_message_groups", property(_pending_groups_after_releasing_expired))
    set_attribute(SQSBackend, "receive_message", _receive_atomically)
    for name in ("send_message", "delete_message", "change_message_visibility", "purge_queue"):
        set_attribute(SQSBackend, name, _under(_SQS_LOCK, getattr(SQSBackend, name)))
    for name in ("put_record", "put_records", "get_records"):
        set_attribute(KinesisBackend, name, _under(_KINESIS_LOCK, getattr(KinesisBackend, name)))


if __name__ == "__main__":
    install()
    main()
