"""Engine commands onto the SQS FIFO order queue: group = symbol, de-duplication id = command_id."""

from functools import lru_cache
from typing import TYPE_CHECKING

import boto3
from botocore.exceptions import BotoCoreError, ClientError, ConnectTimeoutError, EndpointConnectionError

from castle.contracts.commands import EngineCommand, encode_command
from castle.ports.commands import CommandSendError
from castle.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


@lru_cache(maxsize=1)
def get_sqs_client() -> "SQSClient":
    settings = get_settings()
    return boto3.client("sqs", region_name=settings.aws_region, endpoint_url=settings.aws_endpoint_url)


class SqsCommandSender:
    def __init__(self, queue_url: str, client: "SQSClient") -> None:
        self._queue_url = queue_url
        self._client = client

    def send(self, command: EngineCommand) -> None:
        try:
            self._client.send_message(
                QueueUrl=self._queue_url,
                MessageBody=encode_command(command),
                MessageGroupId=command.symbol,
                MessageDeduplicationId=command.command_id,
            )
        except (ClientError, EndpointConnectionError, ConnectTimeoutError) as exc:
            # Refused by SQS, or never connected: the message is certainly not on the queue.
            raise CommandSendError(f"order queue refused {command.command_id}", not_sent=True) from exc
        except BotoCoreError as exc:
            unknown = f"order queue outcome unknown for {command.command_id}"
            raise CommandSendError(unknown, not_sent=False) from exc


@lru_cache(maxsize=1)
def get_command_sender() -> SqsCommandSender:
    return SqsCommandSender(get_settings().order_queue_url, get_sqs_client())
