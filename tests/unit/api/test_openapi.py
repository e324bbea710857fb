"""The OpenAPI document and template.yaml's API routes describe the same surface."""

from typing import Any

from castle.openapi import openapi_document
from tests.support.template_tables import template


def template_routes() -> set[tuple[str, str]]:
    routes: set[tuple[str, str]] = set()
    for resource in template()["Resources"].values():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        for event in (resource["Properties"].get("Events") or {}).values():
            properties: dict[str, Any] = event["Properties"]
            if event["Type"] == "Api" and properties.get("RestApiId") == {"Ref": "RestApi"}:
                routes.add((properties["Method"].upper(), properties["Path"]))
    return routes


def documented_routes() -> set[tuple[str, str]]:
    paths: dict[str, dict[str, Any]] = openapi_document()["paths"]
    return {(method.upper(), path) for path, operations in paths.items() for method in operations}


def test_every_routed_endpoint_is_documented() -> None:
    assert template_routes() - documented_routes() == set()


def test_every_documented_endpoint_is_routed() -> None:
    assert documented_routes() - template_routes() == set()


def test_signed_endpoints_document_timestamp_and_signature() -> None:
    order = openapi_document()["paths"]["/api/v3/order"]["post"]
    names = {p["name"] for p in order["parameters"]}
    assert {"symbol", "side", "type", "newClientOrderId", "timestamp", "signature"} <= names
    assert order["security"] == [{"BinanceApiKey": []}]


def test_openapi_json_is_served_by_the_trading_function() -> None:
    import json

    from trading.api import handler

    from tests.support.binance_client import gateway_event
    from tests.support.lambda_context import FakeLambdaContext

    answer = handler(gateway_event("GET", "/openapi.json"), FakeLambdaContext())
    assert answer["statusCode"] == 200 and json.loads(answer["body"])["openapi"].startswith("3.")
