"""How `castle up` reads template.yaml: intrinsics resolved against local names, events enumerated,
and API paths matched the way API Gateway matches them. No stack needed."""

from pathlib import Path

import pytest

from castle_local.gateway import compile_route
from castle_local.pollers import schedule_interval_s
from castle_local.template import NO_AUTH, ApiRoute, Template, UnresolvedError, referenced_ids

ROOT = Path(__file__).resolve().parents[2]
MINI = """
Parameters:
  Stage: {Type: String, Default: dev}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Globals:
  Function:
    CodeUri: functions/
    Environment:
      Variables:
        QUEUE_URL: !Ref Orders
        TABLE: !Ref Table
Resources:
  Orders:
    Type: AWS::SQS::Queue
    Properties: {QueueName: !Sub "castle-${Stage}-orders.fifo", FifoQueue: true}
  Table:
    Type: AWS::DynamoDB::Table
    Properties: {TableName: !Sub "castle-${Stage}-${AWS::Region}-t"}
  ProdOnly:
    Type: AWS::SNS::Topic
    Condition: IsProd
  Pool:
    Type: AWS::Cognito::UserPool
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: !Ref Stage
      Auth:
        Authorizers:
          Cognito: {UserPoolArn: !GetAtt Pool.Arn}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: thing.api.handler
      Environment: {Variables: {OWN: !If [IsProd, big, small]}}
      Events:
        Get: {Type: Api, Properties: {RestApiId: !Ref Api, Path: "/v1/items/{item_id}", Method: GET}}
        Put:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /v1/items, Method: POST, Auth: {Authorizer: Cognito}}
        Stream:
          Type: SQS
          Properties:
            Queue: !GetAtt Orders.Arn
            BatchSize: 5
            FunctionResponseTypes: [ReportBatchItemFailures]
"""


@pytest.fixture
def mini(tmp_path: Path) -> Template:
    path = tmp_path / "template.yaml"
    path.write_text(MINI)
    return Template(path)


def test_sub_resolves_the_stage_parameter_and_the_region(mini: Template) -> None:
    assert mini.resolve(mini.resources["Table"].properties["TableName"]) == "castle-dev-us-east-1-t"


def test_a_resource_whose_condition_is_false_is_not_part_of_the_local_stack(mini: Template) -> None:
    assert "ProdOnly" not in mini.resources


def test_a_ref_to_a_resource_not_created_yet_is_unresolved_until_it_is(mini: Template) -> None:
    with pytest.raises(UnresolvedError):
        mini.resolve({"Ref": "Orders"})
    mini.physical["Orders"] = {"Ref": "http://127.0.0.1:4566/123456789012/castle-dev-orders.fifo"}
    assert mini.resolve({"Ref": "Orders"}).endswith("castle-dev-orders.fifo")


def test_function_environment_merges_globals_and_reports_what_has_no_local_value(mini: Template) -> None:
    mini.physical["Table"] = {"Ref": "castle-dev-t"}
    env, missing = mini.function_environment(mini.functions()[0])
    assert env == {"TABLE": "castle-dev-t", "OWN": "small"}
    assert missing == ["QUEUE_URL"]


def test_api_events_carry_their_path_method_and_cognito_authorizer(mini: Template) -> None:
    routes = {r.event_name: r for r in mini.api_routes()}
    assert routes["Get"].authorizer == NO_AUTH
    assert (routes["Put"].authorizer.kind, routes["Put"].authorizer.user_pool_id) == ("cognito", "Pool")
    assert (routes["Get"].path, routes["Get"].method) == ("/v1/items/{item_id}", "GET")


def test_sqs_event_sources_keep_batch_size_and_partial_batch_responses(mini: Template) -> None:
    (source,) = mini.stream_sources()
    assert (source.kind, source.source_id, source.batch_size) == ("SQS", "Orders", 5)
    assert source.report_batch_item_failures


def test_path_parameters_are_extracted_like_api_gateway_does() -> None:
    compiled = compile_route(ApiRoute("Fn", "Get", "/v1/items/{item_id}", "GET", "Api", NO_AUTH))
    found = compiled.pattern.match("/v1/items/abc-1")
    assert found is not None and found.group("item_id") == "abc-1"
    assert compiled.pattern.match("/v1/items/abc/def") is None


def test_a_greedy_proxy_parameter_takes_the_rest_of_the_path() -> None:
    compiled = compile_route(ApiRoute("Fn", "Any", "/files/{proxy+}", "ANY", "Api", NO_AUTH))
    found = compiled.pattern.match("/files/a/b/c.txt")
    assert found is not None and found.group("proxy") == "a/b/c.txt"


def test_references_are_found_through_sub_getatt_and_join() -> None:
    uri = {"Fn::Sub": "arn:aws:apigateway:${AWS::Region}:lambda:path/functions/${WsConnect.Arn}/invocations"}
    target = {"Fn::Join": ["/", ["integrations", {"Ref": "ConnectIntegration"}]]}
    assert referenced_ids(uri) == {"WsConnect"}
    assert referenced_ids(target) == {"ConnectIntegration"}


def test_rate_schedules_are_emulated_and_cron_schedules_are_not() -> None:
    assert schedule_interval_s("rate(5 minutes)") == 300
    assert schedule_interval_s("rate(1 hour)") == 3600
    assert schedule_interval_s("cron(0 * * * ? *)") is None


def test_the_repository_template_routes_every_api_event_and_websocket_route_to_a_function() -> None:
    t = Template(ROOT / "template.yaml")
    function_ids = {f.logical_id for f in t.functions()}
    assert {r.function_id for r in t.api_routes()} <= function_ids
    assert {r.function_id for r in t.websocket_routes()} <= function_ids
    declared = sum(1 for f in t.functions() for e in f.events.values() if e.get("Type") == "Api")
    assert len(t.api_routes()) == declared
