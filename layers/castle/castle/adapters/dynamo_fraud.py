"""DynamoDB storage for fraud detection (castle.fraud.ports.AlertStore and ProfileStore).

Tables (template.yaml, DATA):
- FraudAlertsTable {alert_id} + GSI by_user {user_id, ts_ms}: one item per alert, whole-item puts
  (alert ids are deterministic, so a re-evaluated event rewrites the same item).
- FraudProfilesTable {user_id}: `profile` (JSON of castle.fraud.profile.UserProfile), `version`
  (optimistic concurrency), and the withdrawal freeze: `withdrawals_frozen`, `frozen_reason`,
  `frozen_alert_id`, `frozen_at_ms`.
"""

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import boto3
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from castle.fraud.ports import ConcurrentProfileUpdateError, StoredProfile
from castle.fraud.profile import UserProfile
from castle.fraud.rules import Alert
from castle.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient, DynamoDBServiceResource
    from mypy_boto3_dynamodb.service_resource import Table
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

USER_INDEX = "by_user"


@lru_cache(maxsize=1)
def dynamodb() -> "DynamoDBServiceResource":
    settings = get_settings()
    return boto3.resource("dynamodb", region_name=settings.aws_region, endpoint_url=settings.aws_endpoint_url)


@lru_cache(maxsize=1)
def dynamodb_client() -> "DynamoDBClient":
    """The low-level client (typed attribute values) for transactions; the resource's own client
    serialises plain Python values instead."""
    settings = get_settings()
    return boto3.client("dynamodb", region_name=settings.aws_region, endpoint_url=settings.aws_endpoint_url)


def alerts_table() -> "Table":
    return dynamodb().Table(get_settings().fraud_alerts_table)


def profiles_table() -> "Table":
    return dynamodb().Table(get_settings().fraud_profiles_table)


def alert_item(alert: Alert) -> dict[str, Any]:
    return {
        "alert_id": alert.alert_id,
        "user_id": alert.user_id,
        "ts_ms": alert.ts_ms,
        "rule": alert.rule,
        "severity": alert.severity,
        "freeze_withdrawals": alert.freeze_withdrawals,
        "related_user_ids": list(alert.related_user_ids),
        "details": dict(alert.details),
    }


class DynamoFraudStore:
    def put_alerts(self, alerts: Sequence[Alert]) -> None:
        if not alerts:
            return
        with alerts_table().batch_writer(overwrite_by_pkeys=["alert_id"]) as batch:
            for alert in alerts:
                batch.put_item(Item=alert_item(alert))

    def alerts_for_user(self, user_id: str, limit: int = 100) -> list[dict[str, Any]]:
        response = alerts_table().query(
            IndexName=USER_INDEX,
            KeyConditionExpression=Key("user_id").eq(user_id),
            ScanIndexForward=False,
            Limit=limit,
        )
        return list(response.get("Items", []))

    def load_profiles(self, user_ids: Sequence[str]) -> dict[str, StoredProfile]:
        loaded: dict[str, StoredProfile] = {}
        for user_id in user_ids:
            item = profiles_table().get_item(Key={"user_id": user_id}, ConsistentRead=True).get("Item")
            if item is None or "profile" not in item:
                loaded[user_id] = StoredProfile(UserProfile(user_id=user_id), 0)
            else:
                profile = UserProfile.model_validate_json(str(item["profile"]))
                loaded[user_id] = StoredProfile(profile, int(str(item.get("version", 0))))
        return loaded

    def save_profiles(
        self, profiles: Mapping[str, UserProfile], versions: Mapping[str, int], freezes: Sequence[Alert]
    ) -> None:
        freeze_by_user = {alert.user_id: alert for alert in freezes}
        items: list[TransactWriteItemTypeDef] = []
        for user_id, profile in profiles.items():
            expected = versions.get(user_id, 0)
            sets = ["#p = :p", "#v = :v"]
            values: dict[str, Any] = {":p": {"S": profile.model_dump_json()}, ":v": {"N": str(expected + 1)}}
            freeze = freeze_by_user.get(user_id)
            if freeze is not None:
                sets += [
                    "withdrawals_frozen = :t",
                    "frozen_reason = :r",
                    "frozen_alert_id = :a",
                    "frozen_at_ms = :at",
                ]
                values |= {
                    ":t": {"BOOL": True},
                    ":r": {"S": freeze.rule},
                    ":a": {"S": freeze.alert_id},
                    ":at": {"N": str(freeze.ts_ms)},
                }
            if expected:
                condition = "#v = :expected"
                values[":expected"] = {"N": str(expected)}
            else:
                condition = "attribute_not_exists(#v)"
            items.append(
                {
                    "Update": {
                        "TableName": get_settings().fraud_profiles_table,
                        "Key": {"user_id": {"S": user_id}},
                        "UpdateExpression": "SET " + ", ".join(sets),
                        "ConditionExpression": condition,
                        "ExpressionAttributeNames": {"#p": "profile", "#v": "version"},
                        "ExpressionAttributeValues": values,
                    }
                }
            )
        if not items:
            return
        try:
            dynamodb_client().transact_write_items(TransactItems=items)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {
                "TransactionCanceledException",
                "ConditionalCheckFailedException",
            }:
                raise ConcurrentProfileUpdateError(", ".join(profiles)) from exc
            raise

    def is_withdrawal_frozen(self, user_id: str) -> bool:
        item = (
            profiles_table()
            .get_item(
                Key={"user_id": user_id}, ConsistentRead=True, ProjectionExpression="withdrawals_frozen"
            )
            .get("Item")
        )
        return bool(item and item.get("withdrawals_frozen"))

    def set_withdrawal_freeze(self, user_id: str, frozen: bool, reason: str, at_ms: int) -> None:
        profiles_table().update_item(
            Key={"user_id": user_id},
            UpdateExpression="SET withdrawals_frozen = :f, frozen_reason = :r, frozen_at_ms = :at",
            ExpressionAttributeValues={":f": frozen, ":r": reason, ":at": at_ms},
        )


@lru_cache(maxsize=1)
def get_fraud_store() -> DynamoFraudStore:
    return DynamoFraudStore()
