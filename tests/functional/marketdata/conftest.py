"""moto DynamoDB with the market data tables exactly as template.yaml declares them."""

from collections.abc import Iterator

import boto3
import pytest
from market import api as market_api
from moto import mock_aws

from castle.adapters import dynamo_connections, dynamo_marketdata, ws_poster
from castle.settings import get_settings
from tests.support.template_tables import create_table

TABLES = (
    "MarketStateTable",
    "MarketSeriesTable",
    "OrderBookDepthTable",
    "TradeExecutionsTable",
    "ConnectionsTable",
)


def _clear_caches() -> None:
    get_settings.cache_clear()
    dynamo_marketdata.dynamodb.cache_clear()
    dynamo_connections.connections.cache_clear()
    ws_poster.management_client.cache_clear()
    market_api.store.cache_clear()


@pytest.fixture
def market_tables() -> Iterator[None]:
    with mock_aws():
        _clear_caches()
        client = boto3.client("dynamodb", region_name="us-east-1")
        for logical_id in TABLES:
            create_table(client, logical_id)
        yield
        _clear_caches()
