"""`python -m tests.functional.engine_host.moto_fifo_server -p PORT`: the moto server, with one fix.

moto 5.2 can deliver a FIFO message group out of order once in-flight messages' visibility timeout
lapses: it releases expired in-flight messages one at a time while scanning (freeing the group on the
*last* of them), and within one receive it may hand out a later message of a group whose earlier
message is still in flight. Real SQS redelivers a group strictly in order, and the engine host's
exactly-once guarantee relies on that. Fixed here: expired in-flight messages are released all at
once, and a message is only receivable when no earlier message of its group is in flight.
"""

from moto.server import main
from moto.sqs.models import Message, Queue


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


Queue.messages = property(_receivable_in_group_order)  # type: ignore[assignment,method-assign]
Queue.pending_message_groups = property(_pending_groups_after_releasing_expired)  # type: ignore[assignment,method-assign]

if __name__ == "__main__":
    main()
