"""Wake-ups for the local event-source pollers.

moto runs in this process, so a write to a stream, queue or table can wake the pollers of that
resource at once. Without it an idle poller finds a new record only at its next poll (up to
IDLE_POLL_S later), once per hop: an order crosses SQS and Kinesis before its trade is broadcast.
On AWS the event source mapping long-polls; this is the local stand-in for that.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

# Services whose writes wake pollers, as the pollers name them.
KINESIS = "kinesis"
SQS = "sqs"
DYNAMODB = "dynamodb"


class Wakeups:
    """One threading.Event per poller, set when its resource (service, name) is written to."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: dict[tuple[str, str], list[threading.Event]] = {}

    def event_for(self, service: str, name: str) -> threading.Event:
        event = threading.Event()
        with self._lock:
            self._events.setdefault((service, name), []).append(event)
        return event

    def notify(self, service: str, name: str | None) -> None:
        """Wake the pollers of one resource, or of every resource of the service when `name` is None."""
        with self._lock:
            if name is None:
                events = [e for (s, _), es in self._events.items() if s == service for e in es]
            else:
                events = list(self._events.get((service, name), ()))
        for event in events:
            event.set()


# Which resource a moto backend call writes to, from its arguments (None: every one of the service).
Resource = Callable[[tuple[Any, ...], dict[str, Any]], str | None]


class _MotoHooks:
    """Whether moto's backends are wrapped (once per process), and the Wakeups they report to."""

    installed = False
    current: Wakeups | None = None


_HOOKS = _MotoHooks()


def notify_on_moto_writes(wakeups: Wakeups) -> None:
    """Report writes to moto's Kinesis streams, SQS queues and DynamoDB tables to `wakeups`."""
    _HOOKS.current = wakeups
    if _HOOKS.installed:
        return
    from moto.dynamodb.models import DynamoDBBackend
    from moto.kinesis.models import KinesisBackend
    from moto.sqs.models import SQSBackend

    def argument(args: tuple[Any, ...], kwargs: dict[str, Any], index: int, key: str) -> Any:
        return kwargs[key] if key in kwargs else (args[index] if len(args) > index else None)

    def stream_name(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str | None:
        name = argument(args, kwargs, 1, "stream_name")
        arn = argument(args, kwargs, 0, "stream_arn")
        return name or (arn.rsplit("/", 1)[-1] if arn else None)

    def first(key: str) -> Resource:
        return lambda args, kwargs: argument(args, kwargs, 0, key)

    hooks: list[tuple[type, str, str, Resource]] = [
        (KinesisBackend, "put_record", KINESIS, stream_name),
        (KinesisBackend, "put_records", KINESIS, stream_name),
        (SQSBackend, "send_message", SQS, first("queue_name")),
        (SQSBackend, "send_message_batch", SQS, first("queue_name")),
        (DynamoDBBackend, "put_item", DYNAMODB, first("table_name")),
        (DynamoDBBackend, "update_item", DYNAMODB, first("table_name")),
        (DynamoDBBackend, "delete_item", DYNAMODB, first("table_name")),
        (DynamoDBBackend, "transact_write_items", DYNAMODB, lambda args, kwargs: None),
        (DynamoDBBackend, "batch_write_item", DYNAMODB, lambda args, kwargs: None),
    ]
    for cls, method, service, resource in hooks:
        setattr(cls, method, _reporting(getattr(cls, method), service, resource))
    _HOOKS.installed = True


def _reporting(original: Callable[..., Any], service: str, resource: Resource) -> Callable[..., Any]:
    @functools.wraps(original)
    def write(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        if _HOOKS.current is not None:
            _HOOKS.current.notify(service, resource(args, kwargs))
        return result

    return write
