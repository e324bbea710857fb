"""Drive the trading and account Lambdas in-process, the way API Gateway invokes them."""

import json
import secrets
from dataclasses import dataclass
from typing import Any

from tests.support.binance_client import BinanceSigner
from tests.support.cognito import cognito_event
from tests.support.lambda_context import FakeLambdaContext


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]


def invoke(handler: Any, event: dict[str, Any]) -> Answer:
    raw = handler(event, FakeLambdaContext())
    body = json.loads(raw["body"]) if raw.get("body") else None
    headers = {
        **(raw.get("headers") or {}),
        **{k: v[-1] for k, v in (raw.get("multiValueHeaders") or {}).items()},
    }
    return Answer(raw["statusCode"], body, headers)


def account_call(method: str, path: str, user_id: str, body: Any = None) -> Answer:
    from account.api import handler

    return invoke(handler, cognito_event(method, path, user_id, body))


def new_user() -> str:
    return f"user-{secrets.token_hex(6)}"


def api_key_for(
    user_id: str, permissions: tuple[str, ...] = ("read", "trade"), **extra: Any
) -> BinanceSigner:
    created = account_call("POST", "/v1/api-keys", user_id, {"permissions": list(permissions), **extra})
    assert created.status == 201, created.body
    return BinanceSigner(api_key=created.body["apiKey"], secret=created.body["secretKey"])


def trade(signer: BinanceSigner, method: str, path: str, params: Any = (), **kwargs: Any) -> Answer:
    from trading.api import handler

    return invoke(handler, signer.event(method, path, params, **kwargs))
