"""AWS on loopback: a moto server, and every resource template.yaml declares created in it.

moto's CloudFormation cannot deploy a SAM template with functions, so each supported resource type is
created through its own API, with the template's own properties (key schemas, FIFO attributes,
redrive policies, state machine definitions). Resources are created in dependency order: a resource
whose properties refer to one not created yet is retried after the others.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
import httpx

from castle_local.template import ACCOUNT_ID, NO_VALUE, Resource, Template, UnresolvedError

LOCAL_ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/castle-local"
AWS_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "castle-local", "AWS_SECRET_ACCESS_KEY": "castle-local"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


class MotoServer:
    """moto's threaded server on 127.0.0.1, in this process (so Lambda invokes can be routed here)."""

    def __init__(self, port: int) -> None:
        from moto.server import ThreadedMotoServer

        # moto's Step Functions calls other services (lambda:Invoke) on localhost:MOTO_PORT.
        os.environ["MOTO_PORT"] = str(port)
        self.port = port
        self.endpoint = f"http://127.0.0.1:{port}"
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)

    def start(self) -> None:
        self._server.start()
        # Step Functions executes its definitions (Lambda tasks, SQS, DynamoDB integrations).
        response = httpx.post(
            f"{self.endpoint}/moto-api/config",
            json={"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": True}},
        )
        response.raise_for_status()

    def stop(self) -> None:
        self._server.stop()


@dataclass
class CreatedResources:
    created: dict[str, str] = field(default_factory=dict)  # logical id -> type
    skipped: dict[str, str] = field(default_factory=dict)  # logical id -> why
    unresolved: dict[str, str] = field(default_factory=dict)  # logical id -> missing reference


Creator = Callable[["ResourceFactory", Resource], dict[str, str]]
CREATORS: dict[str, Creator] = {}

# Types with no local counterpart (networking, IAM, logs, layers, alarms): nothing to create.
NOT_NEEDED_LOCALLY = (
    "AWS::EC2::",
    "AWS::IAM::",
    "AWS::Logs::",
    "AWS::CloudWatch::",
    "AWS::Serverless::LayerVersion",
    "AWS::Lambda::",
    "AWS::RDS::",
    "AWS::ElastiCache::",
    "AWS::WAFv2::",
    "AWS::CloudFront::",
    "AWS::AutoScaling::",
    "AWS::SSM::",
    "AWS::KMS::",
    "AWS::ApiGateway::",
    "AWS::Serverless::Function",
    "AWS::Cognito::UserPoolDomain",
    "AWS::ApiGatewayV2::Integration",
    "AWS::ApiGatewayV2::Route",
    "AWS::ApiGatewayV2::Deployment",
    "AWS::Serverless::Connector",
    "AWS::SecretsManager::SecretTargetAttachment",
)


def creates(*types: str) -> Callable[[Creator], Creator]:
    def register(creator: Creator) -> Creator:
        for kind in types:
            CREATORS[kind] = creator
        return creator

    return register


class ResourceFactory:
    """Creates the template's resources in a moto server and records their local names in it."""

    def __init__(
        self, template: Template, endpoint: str, *, gateway_url: str = "http://127.0.0.1:8080"
    ) -> None:
        self.template = template
        self.endpoint = endpoint
        self.gateway_url = gateway_url
        self.session = boto3.session.Session(
            aws_access_key_id=AWS_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=AWS_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            region_name=template.region,
        )

    def client(self, service: str) -> Any:
        return self.session.client(service, endpoint_url=self.endpoint)  # type: ignore[call-overload]

    def prop(self, resource: Resource, name: str, default: Any = None) -> Any:
        if name not in resource.properties:
            return default
        value = self.template.resolve(resource.properties[name])
        return default if value is NO_VALUE else value

    def create_all(self) -> CreatedResources:
        result = CreatedResources()
        pending: list[Resource] = []
        for resource in self.template.resources.values():
            if resource.type in CREATORS:
                pending.append(resource)
            elif not resource.type.startswith(NOT_NEEDED_LOCALLY):
                result.skipped[resource.logical_id] = f"{resource.type} has no local counterpart"
        while pending:
            deferred: list[Resource] = []
            for resource in pending:
                try:
                    attrs = CREATORS[resource.type](self, resource)
                except UnresolvedError as exc:
                    result.unresolved[resource.logical_id] = str(exc)
                    deferred.append(resource)
                    continue
                result.unresolved.pop(resource.logical_id, None)
                self.template.physical[resource.logical_id] = attrs
                result.created[resource.logical_id] = resource.type
            if len(deferred) == len(pending):
                break
            pending = deferred
        return result


def _attributes(props: dict[str, Any], *names: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in names:
        if name in props and props[name] is not NO_VALUE:
            value = props[name]
            out[name] = str(value).lower() if isinstance(value, bool) else str(value)
    return out


@creates("AWS::SQS::Queue")
def _queue(factory: ResourceFactory, res: Resource) -> dict[str, str]:
    props = factory.template.resolve(res.properties)
    fifo = bool(props.get("FifoQueue"))
    name = str(props.get("QueueName") or f"castle-{factory.template.stage}-{res.logical_id}")
    if fifo and not name.endswith(".fifo"):
        name += ".fifo"
    attributes = _attributes(
        props,
        "FifoQueue",
        "ContentBasedDeduplication",
        "DeduplicationScope",
        "FifoThroughputLimit",
        "VisibilityTimeout",
        "MessageRetentionPeriod",
        "DelaySeconds",
        "ReceiveMessageWaitTimeSeconds",
        "MaximumMessageSize",
    )
    if "RedrivePolicy" in props:
        attributes["RedrivePolicy"] = json.dumps(props["RedrivePolicy"])
    sqs = factory.client("sqs")
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = f"arn:aws:sqs:{factory.template.region}:{ACCOUNT_ID}:{name}"
    return {"Ref": url, "QueueUrl": url, "Arn": arn, "QueueName": name}


@creates("AWS::Kinesis::Stream")
def _stream(factory: ResourceFactory, res: Resource) -> dict[str, str]:
    name = factory.template.local_name(res, "Name")
    kinesis = factory.client("kinesis")
    mode = (factory.prop(res, "StreamModeDetails") or {}).get("StreamMode", "PROVISIONED")
    if mode == "ON_DEMAND":
        # On-demand scales shards by itself on AWS; locally one shard (CASTLE_LOCAL_KINESIS_SHARDS) keeps
        # idle polling cheap, and per-partition-key order is the same either way.
        shards = int(os.environ.get("CASTLE_LOCAL_KINESIS_SHARDS", "1"))
    else:
        shards = int(factory.prop(res, "ShardCount", 1))
    kinesis.create_stream(StreamName=name, ShardCount=shards)
    arn = f"arn:aws:kinesis:{factory.template.region}:{ACCOUNT_ID}:stream/{name}"
    return {"Ref": name, "Arn": arn}


def _index(index: dict[str, Any], on_demand: bool) -> dict[str, Any]:
    out = {
        k: v
        for k, v in index.items()
        if k in ("IndexName", "KeySchema", "Projection", "ProvisionedThroughput")
    }
    if on_demand:
        out.pop("ProvisionedThroughput", None)
    return out


@creates("AWS::DynamoDB::Table")
def _table(factory: ResourceFactory, res: Resource) -> dict[str, str]:
    name = factory.template.local_name(res, "TableName")
    billing = factory.prop(res, "BillingMode", "PROVISIONED")
    on_demand = billing == "PAY_PER_REQUEST"
    kwargs: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": factory.prop(res, "AttributeDefinitions"),
        "KeySchema": factory.prop(res, "KeySchema"),
        "BillingMode": billing,
    }
    if not on_demand:
        kwargs["ProvisionedThroughput"] = factory.prop(
            res, "ProvisionedThroughput", {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
        )
    gsis = factory.prop(res, "GlobalSecondaryIndexes")
    if gsis:
        kwargs["GlobalSecondaryIndexes"] = [_index(i, on_demand) for i in gsis]
    lsis = factory.prop(res, "LocalSecondaryIndexes")
    if lsis:
        kwargs["LocalSecondaryIndexes"] = [_index(i, True) for i in lsis]
    stream = factory.prop(res, "StreamSpecification")
    if stream:
        kwargs["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
    dynamodb = factory.client("dynamodb")
    description = dynamodb.create_table(**kwargs)["TableDescription"]
    ttl = factory.prop(res, "TimeToLiveSpecification")
    if ttl and ttl.get("Enabled"):
        dynamodb.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
        )
    attrs = {"Ref": name, "Arn": description["TableArn"]}
    if description.get("LatestStreamArn"):
        attrs["StreamArn"] = description["LatestStreamArn"]
    return attrs


@creates("AWS::Serverless::SimpleTable")
def _simple_table(factory: ResourceFactory, res: Resource) -> dict[str, str]:
    key = factory.prop(res, "PrimaryKey", {"Name": "id", "Type": "String"})
    kind = {"String": "S", "Number": "N", "Binary": "B"}[key["Type"]]
    name = factory.template.local_name(res, "TableName")
    description = factory.client("dynamodb").create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": key["Name"], "AttributeType": kind}],
        KeySchema=[{"AttributeName": key["Name"], "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )["TableDescription"]
    return {"Ref": name, "Arn": description["TableArn"]}


_USER_POOL_PROPERTIES = (
    "Policies",
    "UsernameAttributes",
    "AliasAttributes",
    "AutoVerifiedAttributes",
    "Schema",
    "AdminCreateUserConfig",
    "UsernameConfiguration",
    "AccountRecoverySetting",
    "MfaConfiguration",
)


@creates("AWS::Cognito::UserPool")
def _user_pool(factory: ResourceFactory, res: Resource) -> dict[str, str]:
    name = factory.template.local_name(res, "UserPoolName")
    kwargs: dict[str, Any] = {"PoolName": name}
    for prop in _USER_POOL_PROPERTIES:
        value = factory.prop(res, prop)
        if value is not None:
            kwargs[prop] = value
    pool = factory.client("cognito-idp").create_user_pool(**kwargs)["UserPool"]
    pool_id = pool["Id"]
    return {
        "Ref": pool_id,
        "Arn": pool["Arn"],
        "ProviderName": f"cognito-idp.{factory.template.region}.amazonaws.com/{pool_id}",
        "ProviderURL": f"https://cognito-idp.{factory.template.region}.amazonaws.com/{pool_id}",
        # Where moto publishes the keys it signs tokens with.
        "JwksUrl": f"{factory.endpoint}/{pool_id}/.well-known/jwks.json",
    }


@creates("AWS::Cognito::UserPoolClient")
def _user_pool_client(factory: ResourceFactory, res: Resource) -> dict[str, str]:
    kwargs: dict[str, Any] = {
        "UserPoolId": factory.prop(res, "UserPoolId"),
        "ClientName": factory.prop(res, "ClientName") or res.logical_id,
        "GenerateSecret": bool(factory.prop(res, "GenerateSecret", False)),
    }
    flows = list(factory.prop(res, "ExplicitAuthFlows") or ["ALLOW_REFRESH_TOKEN_AUTH"])
    # The local UI logs in with USER_PASSWORD_AUTH through the gateway (no SRP in the browser locally).
    kwargs["ExplicitAuthFlows"] = sorted({*flows, "ALLOW_USER_PASSWORD_AUTH"})
    client = factory.client("cognito-idp").create_user_pool_client(**kwargs)["UserPoolClient"]
    return {"Ref": client["ClientId"], "ClientId": client["ClientId"]}


def _state_machine_definition(factory: ResourceFactory, res: Resource) -> str:
    substitutions = {k: str(v) for k, v in (factory.prop(res, "DefinitionSubstitutions") or {}).items()}
    if "DefinitionUri" in res.properties:
        text = (factory.template.root / str(factory.prop(res, "DefinitionUri"))).read_text()
    elif "Definition" in res.properties:
        text = json.dumps(factory.prop(res, "Definition"))
    elif "DefinitionString" in res.properties:
        text = str(factory.prop(res, "DefinitionString"))
    else:
        text = json.dumps(res.properties.get("DefinitionBody") or {})
    for key, value in substitutions.items():
        text = text.replace("${" + key + "}", value)
    return text


@creates("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine")
def _state_machine(factory: ResourceFactory, res: Resource) -> dict[str, str]:
    name = factory.template.local_name(
        res, "StateMachineName" if "StateMachineName" in res.properties else "Name"
    )
    definition = _state_machine_definition(factory, res)
    kind = factory.prop(res, "Type") or factory.prop(res, "StateMachineType") or "STANDARD"
    arn = factory.client("stepfunctions").create_state_machine(
        name=name, definition=definition, roleArn=LOCAL_ROLE_ARN, type=kind
    )["stateMachineArn"]
    return {"Ref": arn, "Arn": arn, "Name": name}


@creates("AWS::S3::Bucket")
def _bucket(factory: ResourceFactory, res: Resource) -> dict[str, str]:
    name = factory.template.local_name(res, "BucketName").lower()
    factory.client("s3").create_bucket(Bucket=name)
    return {
        "Ref": name,
        "Arn": f"arn:aws:s3:::{name}",
        "DomainName": f"{name}.s3.amazonaws.com",
        "RegionalDomainName": f"{name}.s3.{factory.template.region}.amazonaws.com",
    }


@creates("AWS::SecretsManager::Secret")
def _secret(factory: ResourceFactory, res: Resource) -> dict[str, str]:
    name = factory.template.local_name(res, "Name")
    value = factory.prop(res, "SecretString")
    if value is None:
        generate = factory.prop(res, "GenerateSecretString") or {}
        generated = secrets.token_urlsafe(int(generate.get("PasswordLength", 32)))[:32]
        template_text = generate.get("SecretStringTemplate")
        key = generate.get("GenerateStringKey")
        if template_text and key:
            data = json.loads(template_text)
            data[key] = generated
            value = json.dumps(data)
        else:
            value = generated
    arn = factory.client("secretsmanager").create_secret(Name=name, SecretString=str(value))["ARN"]
    return {"Ref": arn, "Id": arn, "Arn": arn}


@creates("AWS::SNS::Topic")
def _topic(factory: ResourceFactory, res: Resource) -> dict[str, str]:
    name = factory.template.local_name(res, "TopicName")
    arn = factory.client("sns").create_topic(Name=name)["TopicArn"]
    return {"Ref": arn, "TopicArn": arn, "TopicName": name}


@creates("AWS::Serverless::Api", "AWS::ApiGatewayV2::Api", "AWS::Serverless::HttpApi")
def _api(factory: ResourceFactory, res: Resource) -> dict[str, str]:
    # Served by the local gateway; the id only needs to be stable.
    ws = str(res.properties.get("ProtocolType", "")) == "WEBSOCKET"
    url = factory.gateway_url.replace("http", "ws", 1) if ws else factory.gateway_url
    return {"Ref": "local", "ApiId": "local", "RootResourceId": "root", "ApiEndpoint": url}


@creates("AWS::ApiGatewayV2::Stage")
def _api_stage(factory: ResourceFactory, res: Resource) -> dict[str, str]:
    return {"Ref": str(factory.prop(res, "StageName", factory.template.stage))}
