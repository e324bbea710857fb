"""DynamoDB storage of market data (castle.marketdata.ports.MarketDataStore and ExecutionStore).

Tables (template.yaml, DATA):
- MarketStateTable  {symbol}: the symbol's cursor `last_seq`, status, full L2 book (price -> qty
  strings), last trade, open aggregate, current kline per interval. Written last for every event,
  conditionally on the cursor: the exactly-once guard of the consumer.
- MarketSeriesTable {series, id} + LSI by_time {series, time}: trades (`BTCUSDT#trade`, id = trade
  id), aggregate trades (`BTCUSDT#aggTrade`, id = first trade id), klines (`BTCUSDT#kline_1m`, id =
  open time). Whole-value puts, so a redelivered event rewrites identical items.
- OrderBookDepthTable {symbol, ts}: top-100 snapshots after every depth change, expiring after a day.
- TradeExecutionsTable {order_id, sk}: `ORDER` (OrderView) and `FILL#<trade id>` (Fill) items.
Decimals are stored as exact strings.
"""

from collections.abc import Iterator
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import boto3
from boto3.dynamodb.conditions import Attr, ConditionBase, Key
from botocore.exceptions import ClientError

from castle.marketdata.book import L2Book, Level
from castle.marketdata.codec import from_item, to_item
from castle.marketdata.intervals import DAY_MS, KLINE_INTERVALS
from castle.marketdata.klines import Kline
from castle.marketdata.orders import Fill, OrderView
from castle.marketdata.ports import StaleStateError
from castle.marketdata.projection import Projection, SymbolState
from castle.marketdata.trades import AggTrade, PublicTrade
from castle.settings import get_settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBServiceResource
    from mypy_boto3_dynamodb.service_resource import Table

DEPTH_SNAPSHOT_LEVELS = 100
SNAPSHOT_TTL_S = 24 * 3600
ONE_SECOND_KLINE_TTL_S = 2 * 24 * 3600
ORDER_SK = "ORDER"
FILL_PREFIX = "FILL#"


@lru_cache(maxsize=1)
def dynamodb() -> "DynamoDBServiceResource":
    settings = get_settings()
    return boto3.resource("dynamodb", region_name=settings.aws_region, endpoint_url=settings.aws_endpoint_url)


def _conditional_failed(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def _book_side(side: dict[Decimal, Decimal]) -> dict[str, str]:
    return {f"{price:f}": f"{quantity:f}" for price, quantity in side.items()}


def _levels(raw: Any) -> dict[Decimal, Decimal]:
    return {Decimal(price): Decimal(str(quantity)) for price, quantity in (raw or {}).items()}


def _level_list(levels: list[Level]) -> list[list[str]]:
    return [[f"{p:f}", f"{q:f}"] for p, q in levels]


def series_key(symbol: str, kind: str) -> str:
    return f"{symbol}#{kind}"


class DynamoMarketData:
    def __init__(self, state_table: "Table", series_table: "Table", depth_table: "Table") -> None:
        self._state = state_table
        self._series = series_table
        self._depth = depth_table

    @classmethod
    def from_settings(cls) -> "DynamoMarketData":
        settings = get_settings()
        resource = dynamodb()
        return cls(
            resource.Table(settings.market_state_table),
            resource.Table(settings.market_series_table),
            resource.Table(settings.depth_table),
        )

    # --- per-symbol state --------------------------------------------------------------------

    def load_state(self, symbol: str) -> SymbolState:
        item = self._state.get_item(Key={"symbol": symbol}, ConsistentRead=True).get("Item")
        return _state_from_item(symbol, item) if item else SymbolState(symbol=symbol)

    def load_states(self, symbols: list[str]) -> dict[str, SymbolState]:
        return {symbol: self.load_state(symbol) for symbol in symbols}

    def save_state(self, state: SymbolState, *, expected_seq: int) -> None:
        condition = Attr("symbol").not_exists() if expected_seq == 0 else Attr("last_seq").eq(expected_seq)
        try:
            self._state.put_item(Item=_state_to_item(state), ConditionExpression=condition)
        except ClientError as exc:
            if _conditional_failed(exc):
                raise StaleStateError(f"{state.symbol}: cursor moved past {expected_seq}") from exc
            raise

    # --- projections -------------------------------------------------------------------------

    def store_projection(self, projection: Projection, state: SymbolState) -> None:
        items: list[dict[str, Any]] = []
        if projection.trade is not None:
            trade = projection.trade
            items.append(to_item(trade) | {"series": series_key(trade.symbol, "trade"), "id": trade.trade_id})
        if projection.aggregate is not None:
            agg = projection.aggregate
            items.append(to_item(agg) | {"series": series_key(agg.symbol, "aggTrade"), "id": agg.agg_id})
        for kline in projection.klines:
            item = to_item(kline) | {
                "series": series_key(kline.symbol, f"kline_{kline.interval}"),
                "id": kline.open_time,
                "time": kline.open_time,
            }
            if kline.interval == "1s":
                item["expires_at"] = kline.close_time // 1000 + ONE_SECOND_KLINE_TTL_S
            items.append(item)
        if items:
            with self._series.batch_writer() as batch:
                for item in items:
                    batch.put_item(Item=item)
        if projection.depth is not None:
            self._depth.put_item(
                Item={
                    "symbol": state.symbol,
                    "ts": projection.depth.time,
                    "last_update_id": state.book.last_update_id,
                    "bids": _level_list(state.book.top_bids(DEPTH_SNAPSHOT_LEVELS)),
                    "asks": _level_list(state.book.top_asks(DEPTH_SNAPSHOT_LEVELS)),
                    "expires_at": projection.depth.time // 1000 + SNAPSHOT_TTL_S,
                }
            )

    # --- reads -------------------------------------------------------------------------------

    def recent_trades(self, symbol: str, limit: int, from_id: int | None = None) -> list[PublicTrade]:
        items = self._query(series_key(symbol, "trade"), limit, low=from_id, newest_first=from_id is None)
        trades = [from_item(PublicTrade, item) for item in items]
        return sorted(trades, key=lambda t: t.trade_id)

    def agg_trades(
        self,
        symbol: str,
        limit: int,
        *,
        from_id: int | None = None,
        start_ms: int | None = None,
        end_ms: int | None = None,
        at_or_before_id: int | None = None,
    ) -> list[AggTrade]:
        series = series_key(symbol, "aggTrade")
        if at_or_before_id is not None:
            items = self._query(series, limit, high=at_or_before_id, newest_first=True)
        elif from_id is not None:
            items = self._query(series, limit, low=from_id)
        elif start_ms is not None or end_ms is not None:
            latest = start_ms is None
            items = self._query(series, limit, low=start_ms, high=end_ms, by_time=True, newest_first=latest)
        else:
            items = self._query(series, limit, newest_first=True)
        return sorted((from_item(AggTrade, item) for item in items), key=lambda a: a.agg_id)

    def klines(
        self,
        symbol: str,
        interval: str,
        limit: int,
        *,
        start_ms: int | None = None,
        end_ms: int | None = None,
    ) -> list[Kline]:
        series = series_key(symbol, f"kline_{interval}")
        items = self._query(series, limit, low=start_ms, high=end_ms, newest_first=start_ms is None)
        return sorted((from_item(Kline, item) for item in items), key=lambda k: k.open_time)

    def _query(
        self,
        series: str,
        limit: int,
        *,
        low: int | None = None,
        high: int | None = None,
        newest_first: bool = False,
        by_time: bool = False,
    ) -> list[dict[str, Any]]:
        sort_key = "time" if by_time else "id"
        condition: ConditionBase = Key("series").eq(series)
        if low is not None and high is not None:
            condition = condition & Key(sort_key).between(low, high)
        elif low is not None:
            condition = condition & Key(sort_key).gte(low)
        elif high is not None:
            condition = condition & Key(sort_key).lte(high)
        params: dict[str, Any] = {"KeyConditionExpression": condition, "ScanIndexForward": not newest_first}
        if by_time:
            params["IndexName"] = "by_time"
        items: list[dict[str, Any]] = []
        for page in _pages(self._series, params):
            items.extend(page)
            if len(items) >= limit:
                break
        return items[:limit]


def _pages(table: "Table", params: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
    while True:
        response = table.query(**params)
        yield list(response.get("Items", []))
        last = response.get("LastEvaluatedKey")
        if not last:
            return
        params = params | {"ExclusiveStartKey": last}


def _state_to_item(state: SymbolState) -> dict[str, Any]:
    item: dict[str, Any] = {
        "symbol": state.symbol,
        "last_seq": state.last_seq,
        "status": state.status,
        "last_update_id": state.book.last_update_id,
        "bids": _book_side(state.book.bids),
        "asks": _book_side(state.book.asks),
        "klines": {interval: to_item(kline) for interval, kline in state.klines.items()},
        "updated_ms": state.updated_ms,
    }
    if state.last_trade is not None:
        item["last_trade"] = to_item(state.last_trade)
    if state.aggregate is not None:
        item["aggregate"] = to_item(state.aggregate)
    return item


def _state_from_item(symbol: str, item: dict[str, Any]) -> SymbolState:
    klines = item.get("klines") or {}
    return SymbolState(
        symbol=symbol,
        last_seq=int(item.get("last_seq", 0)),
        status=str(item.get("status", "TRADING")),
        book=L2Book(
            last_update_id=int(item.get("last_update_id", 0)),
            bids=_levels(item.get("bids")),
            asks=_levels(item.get("asks")),
        ),
        last_trade=from_item(PublicTrade, item["last_trade"]) if item.get("last_trade") else None,
        aggregate=from_item(AggTrade, item["aggregate"]) if item.get("aggregate") else None,
        klines={i: from_item(Kline, klines[i]) for i in KLINE_INTERVALS if i in klines},
        updated_ms=int(item.get("updated_ms", 0)),
    )


class DynamoExecutions:
    """Per-order state and fills in the seed's TradeExecutionsTable."""

    def __init__(self, table: "Table") -> None:
        self._table = table

    @classmethod
    def from_settings(cls) -> "DynamoExecutions":
        return cls(dynamodb().Table(get_settings().executions_table))

    def get_order(self, order_id: int) -> OrderView | None:
        key = {"order_id": str(order_id), "sk": ORDER_SK}
        item = self._table.get_item(Key=key, ConsistentRead=True).get("Item")
        return from_item(OrderView, _without_keys(item)) if item else None

    def put_order(self, order: OrderView) -> bool:
        keys = {"order_id": str(order.order_id), "sk": ORDER_SK, "order_id_n": order.order_id}
        item = to_item(order) | keys
        try:
            self._table.put_item(
                Item=item,
                ConditionExpression=Attr("order_id").not_exists() | Attr("last_seq").lt(order.last_seq),
            )
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    def put_fill(self, fill: Fill) -> None:
        item = to_item(fill) | {"order_id": str(fill.order_id), "sk": f"{FILL_PREFIX}{fill.trade_id:020d}"}
        self._table.put_item(Item=item)

    def get_fill(self, order_id: int, trade_id: int) -> Fill | None:
        key = {"order_id": str(order_id), "sk": f"{FILL_PREFIX}{trade_id:020d}"}
        item = self._table.get_item(Key=key, ConsistentRead=True).get("Item")
        return from_item(Fill, _without_keys(item)) if item else None

    def fills(self, order_id: int) -> list[Fill]:
        condition = Key("order_id").eq(str(order_id)) & Key("sk").begins_with(FILL_PREFIX)
        params: dict[str, Any] = {"KeyConditionExpression": condition, "ConsistentRead": True}
        return [from_item(Fill, _without_keys(item)) for page in _pages(self._table, params) for item in page]


def _without_keys(item: dict[str, Any]) -> dict[str, Any]:
    """The stored attributes with the table's string key swapped for the numeric order id."""
    return {k: v for k, v in item.items() if k not in ("order_id", "sk")} | {
        "order_id": int(item.get("order_id_n", item["order_id"]))
    }


__all__ = ["DAY_MS", "DynamoExecutions", "DynamoMarketData", "dynamodb", "series_key"]
