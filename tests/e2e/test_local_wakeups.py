"""`castle up` wakes an idle poller as soon as moto records a write to what it polls (moto runs in
the stack's process), instead of at its next idle poll. No stack needed."""

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from castle_local.wakeups import DYNAMODB, KINESIS, SQS, Wakeups, notify_on_moto_writes

REGION = "us-east-1"


@pytest.fixture
def wakeups() -> Iterator[Wakeups]:
    with mock_aws():
        wakeups = Wakeups()
        notify_on_moto_writes(wakeups)
        yield wakeups
        notify_on_moto_writes(Wakeups())  # later moto users report to nobody who listens


def test_a_kinesis_put_wakes_the_pollers_of_that_stream_and_no_other(wakeups: Wakeups) -> None:
    kinesis = boto3.client("kinesis", region_name=REGION)
    for name in ("events", "other"):
        kinesis.create_stream(StreamName=name, ShardCount=1)
    events, other = wakeups.event_for(KINESIS, "events"), wakeups.event_for(KINESIS, "other")

    kinesis.put_records(StreamName="events", Records=[{"Data": b"x", "PartitionKey": "BTCUSDT"}])

    assert events.is_set()
    assert not other.is_set()


def test_an_sqs_send_wakes_the_pollers_of_that_queue(wakeups: Wakeups) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    jobs = wakeups.event_for(SQS, "jobs")

    sqs.send_message(QueueUrl=url, MessageBody="{}")

    assert jobs.is_set()


def test_a_dynamodb_write_wakes_the_stream_pollers_of_that_table(wakeups: Wakeups) -> None:
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    dynamodb.create_table(
        TableName="ledger",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ledger = wakeups.event_for(DYNAMODB, "ledger")

    dynamodb.put_item(TableName="ledger", Item={"pk": {"S": "a"}})

    assert ledger.is_set()
