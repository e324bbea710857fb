import json
import time

from system.api import handler

from tests.support.events import load_event
from tests.support.lambda_context import FakeLambdaContext


def test_time_returns_server_time_in_milliseconds() -> None:
    before = time.time_ns() // 1_000_000
    response = handler(load_event("system/time.json"), FakeLambdaContext())
    assert response["statusCode"] == 200
    server_time = json.loads(response["body"])["serverTime"]
    assert before <= server_time <= time.time_ns() // 1_000_000


def test_health_reports_ok() -> None:
    response = handler(load_event("system/health.json"), FakeLambdaContext())
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"status": "ok"}


def test_unknown_path_is_a_binance_shaped_404() -> None:
    event = load_event("system/health.json") | {"path": "/nope", "resource": "/nope"}
    response = handler(event, FakeLambdaContext())
    assert response["statusCode"] == 404
    assert json.loads(response["body"])["code"] == -1000
