"""Frames to WebSocket clients through API Gateway's management API (post_to_connection)."""

from functools import lru_cache
from typing import TYPE_CHECKING

import boto3

from castle.marketdata.ports import ConnectionGoneError
from castle.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_apigatewaymanagementapi import ApiGatewayManagementApiClient


@lru_cache(maxsize=1)
def management_client() -> "ApiGatewayManagementApiClient":
    settings = get_settings()
    return boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=settings.websocket_endpoint or settings.aws_endpoint_url,
        region_name=settings.aws_region,
    )


class ApiGatewayPoster:
    def __init__(self, client: "ApiGatewayManagementApiClient") -> None:
        self._client = client

    def post(self, connection_id: str, data: bytes) -> None:
        try:
            self._client.post_to_connection(ConnectionId=connection_id, Data=data)
        except self._client.exceptions.GoneException as exc:
            raise ConnectionGoneError(connection_id) from exc


def poster() -> ApiGatewayPoster:
    return ApiGatewayPoster(management_client())
