"""`castle up` end to end, without a browser: resources from the template, REST and WebSocket through
the local gateway, Cognito, the Kinesis pollers and Lambda invocations routed to our handlers."""

import asyncio
import json
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from castle_local.template import Template
from tests.e2e.conftest import RunningStack

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


def template() -> Template:
    return Template(TEMPLATE)


def sign_up(stack: RunningStack) -> dict[str, Any]:
    email = f"e2e-{uuid.uuid4().hex[:10]}@castle.local"
    answer = httpx.post(
        f"{stack.url}/v1/auth/signup", json={"username": email, "password": "Castle-e2e-pass-1"}
    )
    assert answer.status_code == 200, answer.text
    tokens: dict[str, Any] = answer.json()
    return tokens


def test_every_queue_of_the_template_exists_in_moto_with_its_fifo_and_redrive_settings(
    local_stack: RunningStack,
) -> None:
    t = template()
    sqs = local_stack.client("sqs")
    for queue in t.of_type("AWS::SQS::Queue"):
        name = t.resolve(queue.properties["QueueName"])
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert (attributes.get("FifoQueue") == "true") == bool(queue.properties.get("FifoQueue"))
        if "RedrivePolicy" in queue.properties:
            policy = json.loads(attributes["RedrivePolicy"])
            assert int(policy["maxReceiveCount"]) == queue.properties["RedrivePolicy"]["maxReceiveCount"]


def test_every_table_of_the_template_exists_in_moto_with_its_exact_key_schema(
    local_stack: RunningStack,
) -> None:
    t = template()
    dynamodb = local_stack.client("dynamodb")
    for table in t.of_type("AWS::DynamoDB::Table"):
        name = t.resolve(table.properties["TableName"])
        described = dynamodb.describe_table(TableName=name)["Table"]
        assert described["KeySchema"] == table.properties["KeySchema"]
        wanted_indexes = {i["IndexName"] for i in table.properties.get("GlobalSecondaryIndexes", [])}
        assert {i["IndexName"] for i in described.get("GlobalSecondaryIndexes", [])} == wanted_indexes


def test_streams_user_pools_and_state_machines_of_the_template_exist_in_moto(
    local_stack: RunningStack,
) -> None:
    t = template()
    kinesis = local_stack.client("kinesis")
    for stream in t.of_type("AWS::Kinesis::Stream"):
        name = t.resolve(stream.properties["Name"])
        assert (
            kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamName"] == name
        )
    pools = {p["Name"] for p in local_stack.client("cognito-idp").list_user_pools(MaxResults=60)["UserPools"]}
    assert {t.resolve(p.properties["UserPoolName"]) for p in t.of_type("AWS::Cognito::UserPool")} <= pools
    machines = {m["name"] for m in local_stack.client("stepfunctions").list_state_machines()["stateMachines"]}
    wanted = t.of_type("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine")
    assert len(machines) >= len(wanted)
    assert local_stack.status()["unresolved"] == {}


def test_a_public_request_through_the_gateway_reaches_its_handler(local_stack: RunningStack) -> None:
    before = int(time.time() * 1000)
    answer = httpx.get(f"{local_stack.url}/api/v3/time")
    assert answer.status_code == 200
    assert before - 1000 <= answer.json()["serverTime"] <= int(time.time() * 1000) + 1000


def test_an_unknown_path_is_a_binance_style_404(local_stack: RunningStack) -> None:
    answer = httpx.get(f"{local_stack.url}/api/v3/no-such-endpoint")
    assert answer.status_code == 404
    assert answer.json()["code"] == -1000


def test_a_cognito_route_refuses_a_missing_or_forged_token(local_stack: RunningStack) -> None:
    own_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = {"sub": "someone", "token_use": "id", "exp": int(time.time()) + 60}
    forged = jwt.encode(claims, own_key, algorithm="RS256", headers={"kid": "not-a-pool-key"})
    assert httpx.get(f"{local_stack.url}/v1/balances").status_code == 401
    assert httpx.get(f"{local_stack.url}/v1/balances", headers={"Authorization": forged}).status_code == 401


def test_a_signed_up_user_reaches_cognito_routes_as_its_own_sub(local_stack: RunningStack) -> None:
    tokens = sign_up(local_stack)
    answer = httpx.get(f"{local_stack.url}/v1/balances", headers={"Authorization": tokens["idToken"]})
    assert answer.status_code == 200, answer.text
    assert "balances" in answer.json()


def test_moto_lambda_invocations_run_the_template_handlers_in_process(local_stack: RunningStack) -> None:
    """What Step Functions Lambda tasks do: lambda:Invoke on moto reaches our handler."""
    fn = next(f for f in template().functions() if f.logical_id == "SystemFunction")
    event = {
        "resource": "/api/v3/ping",
        "path": "/api/v3/ping",
        "httpMethod": "GET",
        "headers": {},
        "requestContext": {"requestId": "e2e", "stage": "dev"},
        "body": None,
        "isBase64Encoded": False,
    }
    answer = local_stack.client("lambda").invoke(FunctionName=fn.arn, Payload=json.dumps(event).encode())
    payload = json.loads(answer["Payload"].read())
    assert payload["statusCode"] == 200
    assert json.loads(payload["body"]) == {}


def test_a_websocket_subscription_is_answered_by_the_websocket_handlers(local_stack: RunningStack) -> None:
    async def subscribe() -> dict[str, Any]:
        ws_url = local_stack.url.replace("http", "ws") + "/ws"
        async with aiohttp.ClientSession() as session, session.ws_connect(ws_url) as ws:
            await ws.send_str(json.dumps({"method": "SUBSCRIBE", "params": ["btcusdt@trade"], "id": 7}))
            message = await ws.receive(timeout=15)
            reply: dict[str, Any] = json.loads(message.data)
            return reply

    if not any("$default" in r for r in local_stack.status()["websocket_routes"]):
        pytest.skip("the template declares no WebSocket $default route yet")
    assert asyncio.run(subscribe()) == {"result": None, "id": 7}


def test_an_engine_event_on_kinesis_is_delivered_to_every_template_consumer(
    local_stack: RunningStack,
) -> None:
    from castle.contracts.events import SymbolStatusChanged

    t = template()
    stream = next(iter(t.of_type("AWS::Kinesis::Stream")))
    consumers = {s.function_id for s in t.stream_sources() if s.source_id == stream.logical_id}
    if not consumers:
        pytest.skip("no Kinesis consumer is declared yet")
    before = local_stack.status()["invocations"]
    event = SymbolStatusChanged(symbol="E2EUSDT", seq=1, status="HALT")
    local_stack.client("kinesis").put_record(
        StreamName=t.resolve(stream.properties["Name"]),
        Data=event.model_dump_json().encode(),
        PartitionKey="E2EUSDT",
    )
    deadline = time.monotonic() + 20
    delivered: set[str] = set()
    while time.monotonic() < deadline and delivered != consumers:
        now = local_stack.status()["invocations"]
        delivered = {fn for fn in consumers if now[fn] > before[fn]}
        time.sleep(0.1)
    assert delivered == consumers
