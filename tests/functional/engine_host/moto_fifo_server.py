"""`python -m tests.functional.engine_host.moto_fifo_server -p PORT`: the moto server, with one fix.

moto 5.2 redelivers a FIFO message group out of order once its in-flight messages' visibility
timeout lapses: it frees the group while scanning, so the *last* expired message is delivered first.
Real SQS redelivers a group in order, and the engine host's exactly-once guarantee relies on that,
so before each receive we release every expired in-flight message first.
"""

from typing import Any

from moto.server import main
from moto.sqs.models import SQSBackend

_original_receive = SQSBackend.receive_message


def _receive_in_group_order(self: SQSBackend, queue_name: str, *args: Any, **kwargs: Any) -> Any:
    queue = self.get_queue(queue_name)
    for message in list(queue.pending_messages):
        if message.visible:
            queue.pending_messages.discard(message)
    return _original_receive(self, queue_name, *args, **kwargs)


SQSBackend.receive_message = _receive_in_group_order  # type: ignore[method-assign]

if __name__ == "__main__":
    main()
