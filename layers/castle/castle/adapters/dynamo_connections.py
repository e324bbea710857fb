"""WebSocket connections in DynamoDB (ConnectionsTable: pk CONN#<id>, sk META | STREAM#<name> |
USER#<user id>; GSIs by_stream on `stream` and by_topic on `topic`, the stream's symbol). Items
expire with the connection (24h, as Binance)."""

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.conditions import Key

from castle.adapters.dynamo_marketdata import dynamodb
from castle.marketdata.ports import Subscriber
from castle.marketdata.streams import topic_of, user_stream
from castle.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

CONNECTION_TTL_S = 24 * 3600
META = "META"
STREAM_PREFIX = "STREAM#"
USER_PREFIX = "USER#"


def _pk(connection_id: str) -> str:
    return f"CONN#{connection_id}"


class DynamoConnections:
    def __init__(self, table: "Table") -> None:
        self._table = table

    @classmethod
    def from_settings(cls) -> "DynamoConnections":
        return cls(dynamodb().Table(get_settings().connections_table))

    def open(self, connection_id: str, *, now_ms: int, combined: bool) -> None:
        self._table.put_item(
            Item={
                "pk": _pk(connection_id),
                "sk": META,
                "connection_id": connection_id,
                "combined": combined,
                "connected_at": now_ms,
                "next_subscription_id": 0,
                "expires_at": now_ms // 1000 + CONNECTION_TTL_S,
            }
        )

    def _items(self, connection_id: str) -> list[dict[str, Any]]:
        condition = Key("pk").eq(_pk(connection_id))
        response = self._table.query(KeyConditionExpression=condition, ConsistentRead=True)
        return list(response.get("Items", []))

    def _meta(self, connection_id: str) -> dict[str, Any] | None:
        key = {"pk": _pk(connection_id), "sk": META}
        item = self._table.get_item(Key=key, ConsistentRead=True).get("Item")
        return dict(item) if item else None

    def close(self, connection_id: str) -> None:
        with self._table.batch_writer() as batch:
            for item in self._items(connection_id):
                batch.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})

    def exists(self, connection_id: str) -> bool:
        return self._meta(connection_id) is not None

    def subscribe(self, connection_id: str, streams: list[str]) -> None:
        meta = self._meta(connection_id) or {}
        combined = bool(meta.get("combined", False))
        expires_at = int(meta.get("expires_at", 0))
        with self._table.batch_writer() as batch:
            for stream in streams:
                batch.put_item(
                    Item={
                        "pk": _pk(connection_id),
                        "sk": f"{STREAM_PREFIX}{stream}",
                        "stream": stream,
                        "topic": topic_of(stream),
                        "connection_id": connection_id,
                        "combined": combined,
                        "expires_at": expires_at,
                    }
                )

    def unsubscribe(self, connection_id: str, streams: list[str]) -> None:
        with self._table.batch_writer() as batch:
            for stream in streams:
                batch.delete_item(Key={"pk": _pk(connection_id), "sk": f"{STREAM_PREFIX}{stream}"})

    def streams_of(self, connection_id: str) -> list[str]:
        items = self._items(connection_id)
        return [str(item["stream"]) for item in items if str(item["sk"]).startswith(STREAM_PREFIX)]

    def combined(self, connection_id: str) -> bool:
        return bool((self._meta(connection_id) or {}).get("combined", False))

    def set_combined(self, connection_id: str, combined: bool) -> None:
        with self._table.batch_writer() as batch:
            for item in self._items(connection_id):
                if item["sk"] == META or str(item["sk"]).startswith(STREAM_PREFIX):
                    batch.put_item(Item=item | {"combined": combined})

    def subscribe_user(self, connection_id: str, user_id: str) -> int:
        key = {"pk": _pk(connection_id), "sk": f"{USER_PREFIX}{user_id}"}
        existing = self._table.get_item(Key=key, ConsistentRead=True).get("Item")
        if existing:
            return int(str(existing["subscription_id"]))
        counter = self._table.update_item(
            Key={"pk": _pk(connection_id), "sk": META},
            UpdateExpression="ADD next_subscription_id :one",
            ExpressionAttributeValues={":one": 1},
            ReturnValues="UPDATED_OLD",
        )
        subscription_id = int(str(counter.get("Attributes", {}).get("next_subscription_id", 0)))
        meta = self._meta(connection_id) or {}
        self._table.put_item(
            Item=key
            | {
                "stream": user_stream(user_id),
                "topic": topic_of(user_stream(user_id)),
                "connection_id": connection_id,
                "user_id": user_id,
                "subscription_id": subscription_id,
                "expires_at": int(meta.get("expires_at", 0)),
            }
        )
        return subscription_id

    def unsubscribe_user(self, connection_id: str, subscription_id: int | None) -> None:
        with self._table.batch_writer() as batch:
            for item in self._items(connection_id):
                if not str(item["sk"]).startswith(USER_PREFIX):
                    continue
                if subscription_id is None or int(item["subscription_id"]) == subscription_id:
                    batch.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})

    def user_subscriptions(self, connection_id: str) -> list[int]:
        return sorted(
            int(item["subscription_id"])
            for item in self._items(connection_id)
            if str(item["sk"]).startswith(USER_PREFIX)
        )

    def subscribers(self, stream: str) -> list[Subscriber]:
        return [_subscriber(item) for item in self._query("by_stream", Key("stream").eq(stream))]

    def subscribers_by_stream(self, topic: str) -> dict[str, list[Subscriber]]:
        result: dict[str, list[Subscriber]] = {}
        for item in self._query("by_topic", Key("topic").eq(topic)):
            result.setdefault(str(item["stream"]), []).append(_subscriber(item))
        return result

    def _query(self, index: str, condition: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        params: dict[str, Any] = {"IndexName": index, "KeyConditionExpression": condition}
        while True:
            response = self._table.query(**params)
            items.extend(response.get("Items", []))
            if not response.get("LastEvaluatedKey"):
                return items
            params["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def _subscriber(item: dict[str, Any]) -> Subscriber:
    raw_id = item.get("subscription_id")
    return Subscriber(
        connection_id=str(item["connection_id"]),
        combined=bool(item.get("combined", False)),
        subscription_id=int(str(raw_id)) if raw_id is not None else None,
    )


@lru_cache(maxsize=1)
def connections() -> DynamoConnections:
    return DynamoConnections.from_settings()
