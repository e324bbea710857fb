"""Trading/account API fixtures: real PostgreSQL (migrated), real Redis, SQS FIFO in moto built
from template.yaml's OrderQueue, API-key secrets under a test AES-GCM key."""

import base64
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from moto import mock_aws

from castle.adapters import secret_cipher, sqs_commands
from castle.adapters.postgres.ledger_store import PostgresLedger, get_ledger
from castle.adapters.redis_weights import get_weight_counter
from castle.settings import get_settings
from tests.support.template_tables import template

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.literals import QueueAttributeNameType


def clear_caches() -> None:
    from account import api as account_api
    from trading import dependencies

    get_settings.cache_clear()
    secret_cipher.get_secret_cipher.cache_clear()
    sqs_commands.get_sqs_client.cache_clear()
    sqs_commands.get_command_sender.cache_clear()
    get_weight_counter.cache_clear()
    dependencies.clear_caches()
    account_api.get_api_key_store.cache_clear()


def order_queue_attributes() -> "dict[QueueAttributeNameType, str]":
    properties: dict[str, Any] = template()["Resources"]["OrderQueue"]["Properties"]
    names: tuple[QueueAttributeNameType, ...] = (
        "FifoQueue",
        "ContentBasedDeduplication",
        "DeduplicationScope",
        "FifoThroughputLimit",
    )
    return {
        name: str(properties[name]).lower() if isinstance(properties[name], bool) else str(properties[name])
        for name in names
        if name in properties
    }


@dataclass
class Stack:
    sqs: "SQSClient"
    queue_url: str
    ledger: PostgresLedger
    database_url: str

    def commands(self) -> list[dict[str, Any]]:
        """Take every message off the order queue, bodies decoded, message group attached."""
        import json

        found: list[dict[str, Any]] = []
        while True:
            answer = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, AttributeNames=["MessageGroupId"]
            )
            messages = answer.get("Messages", [])
            if not messages:
                return found
            for message in messages:
                # Deleted once read, as the engine host does: FIFO holds a group while one is in flight.
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
                body = json.loads(message["Body"])
                body["_group"] = message["Attributes"]["MessageGroupId"]
                found.append(body)


@pytest.fixture
def stack(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    monkeypatch.setenv("CASTLE_API_KEY_LOCAL_CIPHER_KEY", base64.urlsafe_b64encode(os.urandom(32)).decode())
    monkeypatch.delenv("CASTLE_API_KEY_KMS_KEY_ID", raising=False)
    monkeypatch.setenv("CASTLE_ORDER_RESULT_WAIT_MS", "0")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(
            QueueName=f"castle-test-{secrets.token_hex(4)}.fifo", Attributes=order_queue_attributes()
        )["QueueUrl"]
        monkeypatch.setenv("CASTLE_ORDER_QUEUE_URL", url)
        clear_caches()
        try:
            yield Stack(sqs=sqs, queue_url=url, ledger=get_ledger(), database_url=database_url)
        finally:
            clear_caches()
