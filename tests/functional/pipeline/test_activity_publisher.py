"""The activity publisher against moto Kinesis: records land on the stream, keyed by user."""

from collections.abc import Iterator
from decimal import Decimal

import boto3
import pytest
from moto import mock_aws

from castle.adapters import kinesis_activity
from castle.adapters.kinesis_activity import KinesisActivityPublisher, publish_activity
from castle.contracts.activity import ActivityEvent, OrderPlaced, UserLoggedIn, decode_activity
from castle.settings import get_settings

STREAM = "castle-dev-activity"


@pytest.fixture(autouse=True)
def stream(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("CASTLE_ACTIVITY_STREAM", STREAM)
    with mock_aws():
        for cache in (
            get_settings,
            kinesis_activity.get_kinesis_client,
            kinesis_activity.get_activity_publisher,
        ):
            cache.cache_clear()
        boto3.client("kinesis", region_name="us-east-1").create_stream(StreamName=STREAM, ShardCount=1)
        yield
        kinesis_activity.get_kinesis_client.cache_clear()
        kinesis_activity.get_activity_publisher.cache_clear()
    get_settings.cache_clear()


def stream_contents() -> list[tuple[str, ActivityEvent]]:
    client = boto3.client("kinesis", region_name="us-east-1")
    shard = client.list_shards(StreamName=STREAM)["Shards"][0]["ShardId"]
    iterator = client.get_shard_iterator(StreamName=STREAM, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = client.get_records(ShardIterator=iterator["ShardIterator"], Limit=10_000)["Records"]
    return [(r["PartitionKey"], decode_activity(r["Data"])) for r in records]


def test_a_published_event_is_on_the_stream_keyed_by_its_user() -> None:
    login = UserLoggedIn(event_id="e1", user_id="u-1", ts_ms=1, ip="203.0.113.9", country="DE")

    assert publish_activity(login) is True

    assert stream_contents() == [("u-1", login)]


def test_more_events_than_one_put_records_call_takes_are_sent_in_batches() -> None:
    orders = [
        OrderPlaced(
            event_id=f"o{i}",
            user_id=f"u{i % 7}",
            ts_ms=i,
            order_id=i,
            symbol="BTCUSDT",
            side="BUY",
            order_type="LIMIT",
            price=Decimal(100),
            quantity=Decimal("0.1"),
        )
        for i in range(520)
    ]
    KinesisActivityPublisher(STREAM).publish(orders)

    assert [event for _, event in stream_contents()] == orders


def test_publishing_to_a_missing_stream_is_reported_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASTLE_ACTIVITY_STREAM", "no-such-stream")
    get_settings.cache_clear()
    kinesis_activity.get_activity_publisher.cache_clear()

    assert publish_activity(UserLoggedIn(event_id="e", user_id="u", ts_ms=1)) is False
