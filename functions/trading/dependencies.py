"""Lazily built, cached adapters of the trading function (never at import time)."""

import time
from functools import lru_cache
from typing import Any

from castle.adapters.postgres.api_key_store import PostgresApiKeyStore
from castle.adapters.postgres.ledger_store import get_ledger
from castle.adapters.postgres.order_list_ids import PostgresOrderListIds
from castle.adapters.postgres.pool import get_pool
from castle.adapters.secret_cipher import get_secret_cipher
from castle.adapters.sqs_commands import get_command_sender
from castle.auth.http_request import request_parts
from castle.auth.signed_request import SignedRequest, verify_signed_request
from castle.orders.ports import TradingPorts
from castle.settings import get_settings


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@lru_cache(maxsize=1)
def get_api_key_store() -> PostgresApiKeyStore:
    return PostgresApiKeyStore(get_pool())


@lru_cache(maxsize=1)
def get_trading_ports() -> TradingPorts:
    ledger = get_ledger()
    return TradingPorts(
        ledger=ledger,
        accounts=ledger,
        commands=get_command_sender(),
        order_list_ids=PostgresOrderListIds(get_pool()),
        result_wait_ms=get_settings().order_result_wait_ms,
    )


def signed_request(event: dict[str, Any], permission: str) -> SignedRequest:
    return verify_signed_request(
        request_parts(event),
        permission=permission,
        now_ms=now_ms(),
        store=get_api_key_store(),
        cipher=get_secret_cipher(),
    )


def clear_caches() -> None:
    """Tests: forget adapters built for another database/queue."""
    get_api_key_store.cache_clear()
    get_trading_ports.cache_clear()
