"""The fraud consumer with moto DynamoDB (tables built from template.yaml): alerts, freezes, redelivery."""

from collections.abc import Iterator
from decimal import Decimal

import boto3
import pytest
from fraud import consume
from moto import mock_aws

from castle.adapters import dynamo_fraud, opensearch_alerts
from castle.contracts.activity import DepositCredited, UserLoggedIn, WithdrawalRequested, encode_activity
from castle.contracts.events import encode_event
from castle.fraud.freeze import is_withdrawal_frozen, unfreeze_withdrawals
from castle.settings import get_settings
from tests.functional.pipeline.kinesis_records import kinesis_event
from tests.support.contract_events import a_trade
from tests.support.lambda_context import FakeLambdaContext
from tests.support.template_tables import create_table

T = 1_800_000_000_000
ACTIVITY_ARN = "arn:aws:kinesis:us-east-1:123456789012:stream/castle-dev-activity"


@pytest.fixture(autouse=True)
def tables(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("CASTLE_OPENSEARCH_ENDPOINT", raising=False)
    with mock_aws():
        for cache in (
            get_settings,
            dynamo_fraud.dynamodb,
            dynamo_fraud.dynamodb_client,
            dynamo_fraud.get_fraud_store,
            opensearch_alerts.get_alert_index,
        ):
            cache.cache_clear()
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_table(client, "FraudAlertsTable")
        create_table(client, "FraudProfilesTable")
        yield
        dynamo_fraud.dynamodb.cache_clear()
        dynamo_fraud.dynamodb_client.cache_clear()


def consume_activity(*events: UserLoggedIn | DepositCredited | WithdrawalRequested) -> dict[str, object]:
    payloads = [encode_activity(e) for e in events]
    return dict(consume.handler(kinesis_event(payloads, "u", ACTIVITY_ARN), FakeLambdaContext()))


def withdrawal(user: str, ts_ms: int) -> WithdrawalRequested:
    return WithdrawalRequested(
        event_id=f"wd-{ts_ms}",
        user_id=user,
        ts_ms=ts_ms,
        withdrawal_id=f"w-{ts_ms}",
        asset="BTC",
        amount=Decimal("0.1"),
        address="bc1qdest",
    )


def test_login_from_a_new_country_then_a_withdrawal_raises_an_alert_and_freezes_withdrawals() -> None:
    response = consume_activity(
        UserLoggedIn(event_id="l1", user_id="u", ts_ms=T, country="DE"),
        UserLoggedIn(event_id="l2", user_id="u", ts_ms=T + 86_400_000, country="NG"),
        withdrawal("u", T + 86_400_000 + 60_000),
    )

    assert response == {"batchItemFailures": []}
    alerts = dynamo_fraud.get_fraud_store().alerts_for_user("u")
    assert [(a["rule"], a["severity"]) for a in alerts] == [("new_country_withdrawal", "high")]
    assert is_withdrawal_frozen("u")
    assert not is_withdrawal_frozen("someone-else")


def test_an_operator_can_clear_the_freeze_and_the_alert_stays() -> None:
    consume_activity(
        DepositCredited(event_id="d", user_id="u", ts_ms=T, deposit_id="d1", asset="BTC", amount=Decimal(1)),
        withdrawal("u", T + 1000),
    )
    assert is_withdrawal_frozen("u")

    unfreeze_withdrawals("u", "reviewed by ops", T + 5000)

    assert not is_withdrawal_frozen("u")
    assert len(dynamo_fraud.get_fraud_store().alerts_for_user("u")) == 1


def test_ordinary_activity_raises_nothing_and_freezes_nothing() -> None:
    consume_activity(
        UserLoggedIn(event_id="l1", user_id="u", ts_ms=T, country="DE"),
        UserLoggedIn(event_id="l2", user_id="u", ts_ms=T + 1, country="DE"),
        withdrawal("u", T + 2),
    )
    assert dynamo_fraud.get_fraud_store().alerts_for_user("u") == []
    assert not is_withdrawal_frozen("u")


def test_a_redelivered_batch_raises_each_alert_once_and_counts_nothing_twice() -> None:
    batch = [withdrawal("u", T + i) for i in range(6)]  # 6 > 5 withdrawals a day
    consume_activity(*batch)
    consume_activity(*batch)

    alerts = dynamo_fraud.get_fraud_store().alerts_for_user("u")
    assert [a["rule"] for a in alerts] == ["withdrawal_velocity"]
    profile = dynamo_fraud.get_fraud_store().load_profiles(["u"])["u"].profile
    assert len(profile.withdrawal_times_ms) == 6


def test_engine_self_trade_on_the_engine_stream_is_recorded_as_wash_trading() -> None:
    trade = a_trade(seq=3, ts_ms=T, maker="w", taker="w")

    response = consume.handler(kinesis_event([encode_event(trade)]), FakeLambdaContext())

    assert response == {"batchItemFailures": []}
    assert [a["alert_id"] for a in dynamo_fraud.get_fraud_store().alerts_for_user("w")] == [
        "wash_trading:BTCUSDT:3"
    ]
    assert not is_withdrawal_frozen("w")


def test_a_malformed_record_fails_alone() -> None:
    good = encode_activity(UserLoggedIn(event_id="l1", user_id="u", ts_ms=T, country="DE"))
    event = kinesis_event([good, '{"type": "login"}'], "u", ACTIVITY_ARN)

    response = consume.handler(event, FakeLambdaContext())

    failed = event["Records"][1]["kinesis"]["sequenceNumber"]
    assert response["batchItemFailures"] == [{"itemIdentifier": failed}]
    assert dynamo_fraud.get_fraud_store().load_profiles(["u"])["u"].profile.countries == ["DE"]


def test_the_sample_event_file_raises_the_new_country_withdrawal_alert() -> None:
    from tests.support.events import load_event

    consume.handler(load_event("fraud/new_country_withdrawal.json"), FakeLambdaContext())

    assert is_withdrawal_frozen("carol")
