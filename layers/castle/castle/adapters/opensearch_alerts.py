"""Indexes fraud alerts into Amazon OpenSearch Service (castle.fraud.ports.AlertIndex), SigV4-signed.

The client is built lazily once per process from the Lambda's own credentials.
"""

from collections.abc import Sequence
from functools import lru_cache
from typing import Any
from urllib.parse import urlparse

import boto3
from opensearchpy import OpenSearch, Urllib3AWSV4SignerAuth, Urllib3HttpConnection
from opensearchpy.helpers import bulk

from castle.adapters.dynamo_fraud import alert_item
from castle.fraud.ports import AlertIndex, NoAlertIndex
from castle.fraud.rules import Alert
from castle.settings import get_settings

INDEX = "fraud-alerts"


@lru_cache(maxsize=1)
def opensearch_client() -> OpenSearch:
    settings = get_settings()
    endpoint = urlparse(settings.opensearch_endpoint)
    credentials = boto3.Session().get_credentials()
    return OpenSearch(
        hosts=[{"host": endpoint.hostname, "port": endpoint.port or 443}],
        http_auth=Urllib3AWSV4SignerAuth(credentials, settings.aws_region, "es"),
        use_ssl=True,
        verify_certs=True,
        connection_class=Urllib3HttpConnection,
        timeout=5,
    )


class OpenSearchAlertIndex:
    def __init__(self, client: OpenSearch | None = None) -> None:
        self._client = client

    def index_alerts(self, alerts: Sequence[Alert]) -> None:
        if not alerts:
            return
        actions: list[dict[str, Any]] = [
            {"_index": INDEX, "_id": alert.alert_id, "_source": alert_item(alert)} for alert in alerts
        ]
        bulk(self._client or opensearch_client(), actions)


@lru_cache(maxsize=1)
def get_alert_index() -> AlertIndex:
    """OpenSearch where an endpoint is configured (AWS), otherwise none: DynamoDB alone."""
    if get_settings().opensearch_endpoint:
        return OpenSearchAlertIndex()
    return NoAlertIndex()
