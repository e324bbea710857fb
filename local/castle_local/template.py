"""template.yaml, read the way `castle up` needs it: resources to create, functions and their events.

The template is the only list of what exists: queues, streams, tables, user pools, state machines and
functions are enumerated from it, and intrinsic functions are resolved against local names, so that the
local stack and the deployed one cannot drift. Nothing here talks to AWS; `aws.py` creates resources.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ACCOUNT_ID = "123456789012"
NO_VALUE = object()  # AWS::NoValue: the property is dropped

_SHORT_TAGS = {
    "Ref": "Ref",
    "Condition": "Condition",
    "GetAtt": "Fn::GetAtt",
}
_FN_TAGS = [
    "Sub",
    "If",
    "Equals",
    "Not",
    "And",
    "Or",
    "Select",
    "GetAZs",
    "Join",
    "Split",
    "FindInMap",
    "ImportValue",
    "Base64",
    "Cidr",
    "Length",
    "ToJsonString",
]


class UnresolvedError(LookupError):
    """An intrinsic refers to something that has no local value (yet, or at all)."""


class _CfnLoader(yaml.SafeLoader):
    """SafeLoader that turns CloudFormation short tags (!Ref, !Sub, ...) into their long JSON form."""


def _tag_constructor(long_name: str) -> Callable[[yaml.SafeLoader, yaml.Node], dict[str, Any]]:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        value: Any
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
            if long_name == "Fn::GetAtt":
                value = str(value).split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
        return {long_name: value}

    return construct


for _short, _long in _SHORT_TAGS.items():
    _CfnLoader.add_constructor(f"!{_short}", _tag_constructor(_long))
for _name in _FN_TAGS:
    _CfnLoader.add_constructor(f"!{_name}", _tag_constructor(f"Fn::{_name}"))


def load_yaml(path: Path) -> dict[str, Any]:
    data = yaml.load(path.read_text(), Loader=_CfnLoader)
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not a template")
    return data


def referenced_ids(value: Any) -> set[str]:
    """Logical ids a raw (unresolved) value refers to through Ref, GetAtt or ${...} in Sub."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str):
                found.add(inner)
            elif key == "Fn::GetAtt":
                parts = inner if isinstance(inner, list) else str(inner).split(".", 1)
                found.add(str(parts[0]))
            elif key == "Fn::Sub":
                text = inner[0] if isinstance(inner, list) else inner
                found.update(m.split(".")[0] for m in re.findall(r"\$\{([^}!]+)\}", str(text)))
                if isinstance(inner, list) and len(inner) > 1:
                    found.update(referenced_ids(inner[1]))
            else:
                found.update(referenced_ids(inner))
    elif isinstance(value, list):
        for inner in value:
            found.update(referenced_ids(inner))
    return {ref for ref in found if not ref.startswith("AWS::")}


@dataclass
class Resource:
    logical_id: str
    type: str
    properties: dict[str, Any]
    raw: dict[str, Any]


@dataclass(frozen=True)
class Authorizer:
    """How a route is protected: 'cognito' (a user pool) or 'none'."""

    name: str
    kind: str
    user_pool_id: str = ""  # logical id of the user pool


NO_AUTH = Authorizer(name="NONE", kind="none")


@dataclass(frozen=True)
class ApiRoute:
    function_id: str
    event_name: str
    path: str
    method: str
    rest_api_id: str
    authorizer: Authorizer


@dataclass(frozen=True)
class StreamSource:
    """A Kinesis, SQS or DynamoDB event source mapping of a function."""

    function_id: str
    event_name: str
    kind: str  # Kinesis | SQS | DynamoDB
    source_id: str  # logical id of the stream, queue or table
    batch_size: int
    starting_position: str
    report_batch_item_failures: bool
    batching_window_s: float
    enabled: bool
    maximum_retry_attempts: int = -1  # -1: until the records expire (Lambda's default for streams)
    on_failure_id: str = ""  # logical id of the OnFailure destination (SQS queue or SNS topic)


@dataclass(frozen=True)
class ScheduleSource:
    function_id: str
    event_name: str
    expression: str
    payload: str | None


@dataclass(frozen=True)
class CognitoTrigger:
    function_id: str
    user_pool_id: str
    trigger: str


@dataclass(frozen=True)
class WebSocketRoute:
    api_id: str
    route_key: str
    function_id: str


@dataclass
class Function:
    logical_id: str
    name: str
    handler: str
    code_dir: Path
    timeout_s: int
    memory_mb: int
    environment: dict[str, Any]  # raw values, resolved by Template.function_environment
    events: dict[str, Any] = field(default_factory=dict)

    @property
    def arn(self) -> str:
        return function_arn(self.name)


def function_arn(name: str, region: str = "us-east-1") -> str:
    return f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{name}"


class Template:
    """A parsed template plus the local values of the resources created so far.

    `physical` maps a logical id to its attributes: "Ref" and e.g. "Arn", "StreamArn", "QueueUrl".
    aws.py fills it as it creates resources; functions are registered up front.
    """

    def __init__(self, path: Path, *, stage: str | None = None, region: str = "us-east-1") -> None:
        self.path = path
        self.root = path.parent
        self.doc = load_yaml(path)
        self.region = region
        self.parameters: dict[str, Any] = {
            name: spec.get("Default") for name, spec in (self.doc.get("Parameters") or {}).items()
        }
        if stage is not None:
            self.parameters["Stage"] = stage
        self.stage = str(self.parameters.get("Stage") or "dev")
        self.physical: dict[str, dict[str, str]] = {}
        self._conditions: dict[str, bool] = {}
        self.resources: dict[str, Resource] = {}
        for logical_id, raw in (self.doc.get("Resources") or {}).items():
            condition = raw.get("Condition")
            if condition and not self.condition(condition):
                continue
            self.resources[logical_id] = Resource(logical_id, raw["Type"], raw.get("Properties") or {}, raw)
        for fn in self.functions():
            self.physical[fn.logical_id] = {"Ref": fn.name, "Arn": fn.arn}

    # ---- resources ----------------------------------------------------------------------------
    def of_type(self, *types: str) -> list[Resource]:
        return [r for r in self.resources.values() if r.type in types]

    def local_name(self, resource: Resource, name_property: str | None) -> str:
        """The resource's own name property, else a stable `castle-<stage>-<logical id>`."""
        if name_property and name_property in resource.properties:
            return str(self.resolve(resource.properties[name_property]))
        return f"castle-{self.stage}-{resource.logical_id}"

    def functions(self) -> list[Function]:
        globals_fn: dict[str, Any] = (self.doc.get("Globals") or {}).get("Function") or {}
        out: list[Function] = []
        for res in self.of_type("AWS::Serverless::Function"):
            props = {**globals_fn, **res.properties}
            env = dict(((globals_fn.get("Environment") or {}).get("Variables")) or {})
            env.update(((res.properties.get("Environment") or {}).get("Variables")) or {})
            name = props.get("FunctionName")
            out.append(
                Function(
                    logical_id=res.logical_id,
                    name=str(self.resolve(name)) if name else f"castle-{self.stage}-{res.logical_id}",
                    handler=str(props.get("Handler", "")),
                    code_dir=(self.root / str(props.get("CodeUri", "."))).resolve(),
                    timeout_s=int(props.get("Timeout", 3)),
                    memory_mb=int(props.get("MemorySize", 128)),
                    environment=env,
                    events=dict(res.properties.get("Events") or {}),
                )
            )
        return out

    def function_environment(self, fn: Function) -> tuple[dict[str, str], list[str]]:
        """The function's resolved variables, and the names that have no local value."""
        resolved: dict[str, str] = {}
        missing: list[str] = []
        for name, raw in fn.environment.items():
            try:
                value = self.resolve(raw)
            except UnresolvedError:
                missing.append(name)
                continue
            if value is not NO_VALUE:
                resolved[name] = str(value).lower() if isinstance(value, bool) else str(value)
        return resolved, missing

    # ---- events ---------------------------------------------------------------------------------
    def _events(self, *types: str) -> Iterator[tuple[Function, str, dict[str, Any]]]:
        for fn in self.functions():
            for event_name, event in fn.events.items():
                if event.get("Type") in types:
                    yield fn, event_name, event.get("Properties") or {}

    def api_routes(self) -> list[ApiRoute]:
        routes: list[ApiRoute] = []
        for fn, event_name, props in self._events("Api"):
            api_ids = referenced_ids(props.get("RestApiId")) if props.get("RestApiId") else set()
            api_id = next(iter(api_ids), "ServerlessRestApi")
            routes.append(
                ApiRoute(
                    function_id=fn.logical_id,
                    event_name=event_name,
                    path=str(props["Path"]),
                    method=str(props.get("Method", "ANY")).upper(),
                    rest_api_id=api_id,
                    authorizer=self._authorizer(api_id, props.get("Auth") or {}),
                )
            )
        return routes

    def _authorizer(self, api_id: str, event_auth: Mapping[str, Any]) -> Authorizer:
        api = self.resources.get(api_id)
        api_auth: dict[str, Any] = (api.properties.get("Auth") or {}) if api else {}
        globals_api = (self.doc.get("Globals") or {}).get("Api") or {}
        api_auth = {**(globals_api.get("Auth") or {}), **api_auth}
        name = event_auth.get("Authorizer") or api_auth.get("DefaultAuthorizer")
        if not name or name in ("NONE", "AWS_IAM"):
            return NO_AUTH
        spec = (api_auth.get("Authorizers") or {}).get(name) or {}
        if "UserPoolArn" in spec:
            pools = referenced_ids(spec["UserPoolArn"])
            return Authorizer(name=str(name), kind="cognito", user_pool_id=next(iter(pools), ""))
        return Authorizer(name=str(name), kind="unsupported")

    def stream_sources(self) -> list[StreamSource]:
        sources: list[StreamSource] = []
        for fn, event_name, props in self._events("Kinesis", "SQS", "DynamoDB"):
            kind = str(fn.events[event_name]["Type"])
            source_raw = props.get("Queue") if kind == "SQS" else props.get("Stream")
            source = next(iter(referenced_ids(source_raw)), "")
            default_batch = 10 if kind == "SQS" else 100
            sources.append(
                StreamSource(
                    function_id=fn.logical_id,
                    event_name=event_name,
                    kind=kind,
                    source_id=source,
                    batch_size=int(props.get("BatchSize", default_batch)),
                    starting_position=str(props.get("StartingPosition", "LATEST")),
                    report_batch_item_failures="ReportBatchItemFailures"
                    in (props.get("FunctionResponseTypes") or []),
                    batching_window_s=float(props.get("MaximumBatchingWindowInSeconds", 0)),
                    enabled=bool(props.get("Enabled", True)),
                    maximum_retry_attempts=int(props.get("MaximumRetryAttempts", -1)),
                    on_failure_id=next(
                        iter(referenced_ids((props.get("DestinationConfig") or {}).get("OnFailure"))), ""
                    ),
                )
            )
        return sources

    def schedules(self) -> list[ScheduleSource]:
        out: list[ScheduleSource] = []
        for fn, event_name, props in self._events("Schedule", "ScheduleV2"):
            enabled = props.get("Enabled", True) and props.get("State", "ENABLED") == "ENABLED"
            if enabled:
                expression = str(props.get("Schedule") or props.get("ScheduleExpression") or "")
                out.append(ScheduleSource(fn.logical_id, event_name, expression, props.get("Input")))
        return out

    def cognito_triggers(self) -> list[CognitoTrigger]:
        triggers: list[CognitoTrigger] = []
        for fn, _, props in self._events("Cognito"):
            pool = next(iter(referenced_ids(props.get("UserPool"))), "")
            kinds = props.get("Trigger")
            for kind in kinds if isinstance(kinds, list) else [kinds]:
                triggers.append(CognitoTrigger(fn.logical_id, pool, str(kind)))
        function_ids = {fn.logical_id for fn in self.functions()}
        for pool_resource in self.of_type("AWS::Cognito::UserPool"):
            for kind, target in (pool_resource.properties.get("LambdaConfig") or {}).items():
                for ref in referenced_ids(target) & function_ids:
                    triggers.append(CognitoTrigger(ref, pool_resource.logical_id, str(kind)))
        return triggers

    def websocket_routes(self) -> list[WebSocketRoute]:
        """Routes of AWS::ApiGatewayV2 WebSocket APIs, each traced to the function it integrates."""
        function_ids = {fn.logical_id for fn in self.functions()}
        integrations = {
            r.logical_id: referenced_ids(r.properties.get("IntegrationUri")) & function_ids
            for r in self.of_type("AWS::ApiGatewayV2::Integration")
        }
        routes: list[WebSocketRoute] = []
        for route in self.of_type("AWS::ApiGatewayV2::Route"):
            api_id = next(iter(referenced_ids(route.properties.get("ApiId"))), "")
            targets = referenced_ids(route.properties.get("Target"))
            for integration in targets & integrations.keys():
                for fn_id in integrations[integration]:
                    routes.append(WebSocketRoute(api_id, str(route.properties["RouteKey"]), fn_id))
        return routes

    # ---- intrinsics -----------------------------------------------------------------------------
    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            spec = (self.doc.get("Conditions") or {})[name]
            self._conditions[name] = bool(self.resolve(spec))
        return self._conditions[name]

    def pseudo(self, name: str) -> Any:
        stack = f"castle-{self.stage}"
        values: dict[str, Any] = {
            "AWS::Region": self.region,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": f"castle-{self.stage}",
            "AWS::StackId": f"arn:aws:cloudformation:{self.region}:{ACCOUNT_ID}:stack/{stack}/local",
            "AWS::NoValue": NO_VALUE,
        }
        if name in values:
            return values[name]
        raise UnresolvedError(name)

    def ref(self, name: str) -> Any:
        if name.startswith("AWS::"):
            return self.pseudo(name)
        if name in self.parameters:
            return self.parameters[name]
        if name in self.physical:
            return self.physical[name]["Ref"]
        raise UnresolvedError(name)

    def get_att(self, logical_id: str, attribute: str) -> str:
        attrs = self.physical.get(logical_id)
        if attrs is None or attribute not in attrs:
            raise UnresolvedError(f"{logical_id}.{attribute}")
        return attrs[attribute]

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            items = [self.resolve(v) for v in value]
            return [v for v in items if v is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) != 1:
            resolved = {k: self.resolve(v) for k, v in value.items()}
            return {k: v for k, v in resolved.items() if v is not NO_VALUE}
        ((key, arg),) = value.items()
        match key:
            case "Ref":
                return self.ref(str(arg))
            case "Fn::GetAtt":
                parts = arg if isinstance(arg, list) else str(arg).split(".", 1)
                return self.get_att(str(parts[0]), str(self.resolve(parts[1])))
            case "Fn::Sub":
                return self._sub(arg)
            case "Fn::If":
                cond, then, otherwise = arg
                return self.resolve(then if self.condition(cond) else otherwise)
            case "Fn::Equals":
                left, right = (self.resolve(v) for v in arg)
                return str(left) == str(right)
            case "Fn::Not":
                return not self.resolve(arg[0])
            case "Fn::And":
                return all(self.resolve(v) for v in arg)
            case "Fn::Or":
                return any(self.resolve(v) for v in arg)
            case "Condition":
                return self.condition(str(arg))
            case "Fn::Join":
                sep, items = arg
                return str(sep).join(str(v) for v in self.resolve(items))
            case "Fn::Select":
                index, items = arg
                return self.resolve(items)[int(self.resolve(index))]
            case "Fn::Split":
                sep, text = arg
                return str(self.resolve(text)).split(str(sep))
            case "Fn::GetAZs":
                return [f"{self.region}{zone}" for zone in "abc"]
            case "Fn::FindInMap":
                map_name, top, second = (self.resolve(v) for v in arg)
                return self.doc["Mappings"][map_name][top][second]
            case "Fn::ToJsonString":
                import json

                return json.dumps(self.resolve(arg))
            case _ if key.startswith("Fn::"):
                raise UnresolvedError(key)
        return {key: self.resolve(arg)}

    def _sub(self, arg: Any) -> str:
        text, variables = (arg[0], self.resolve(arg[1])) if isinstance(arg, list) else (arg, {})

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                return str(self.get_att(logical_id, attribute))
            return str(self.ref(name))

        return re.sub(r"\$\{([^}]+)\}", replace, str(text))


def find_template(start: Path | None = None) -> Path:
    """template.yaml of the repository that contains `start` (default: the working directory)."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "template.yaml").is_file():
            return folder / "template.yaml"
    package_root = Path(__file__).resolve().parents[2]
    if (package_root / "template.yaml").is_file():
        return package_root / "template.yaml"
    raise FileNotFoundError("template.yaml not found; run castle from the repository")
