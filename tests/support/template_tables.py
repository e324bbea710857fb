"""DynamoDB tables for moto, built from template.yaml's own resource properties.

Tests cannot drift from the deployed tables: key schemas, indexes and TTL attributes are read from
the template. Intrinsic functions (!Sub, !Ref, !If, ...) are loaded as plain {"Fn::...": value}
mappings; TableName's `!Sub castle-${Stage}-...` is resolved with the given stage.
"""

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
_CREATE_KEYS = ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "LocalSecondaryIndexes")


class _TemplateLoader(yaml.SafeLoader):
    """YAML loader that keeps CloudFormation short-form tags as {"Fn::Name": value}."""


def _intrinsic(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if tag_suffix == "Ref" else f"Fn::{tag_suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        assert isinstance(node, yaml.MappingNode)
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_TemplateLoader.add_multi_constructor("!", _intrinsic)


@cache
def template() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.load(TEMPLATE.read_text(), Loader=_TemplateLoader)
    return loaded


def table_properties(logical_id: str) -> dict[str, Any]:
    resource = template()["Resources"][logical_id]
    assert resource["Type"] == "AWS::DynamoDB::Table", f"{logical_id} is not a DynamoDB table"
    properties: dict[str, Any] = resource["Properties"]
    return properties


def table_name(logical_id: str, stage: str = "dev") -> str:
    name = table_properties(logical_id)["TableName"]
    if isinstance(name, dict):
        name = name.get("Fn::Sub", "")
    assert isinstance(name, str)
    return name.replace("${Stage}", stage).replace("${AWS::StackName}", f"castle-{stage}")


def create_table(client: "DynamoDBClient", logical_id: str, stage: str = "dev") -> str:
    """Create the table as the template declares it (pay per request); its name."""
    properties = table_properties(logical_id)
    name = table_name(logical_id, stage)
    kwargs: dict[str, Any] = {key: properties[key] for key in _CREATE_KEYS if key in properties}
    client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", **kwargs)
    ttl = properties.get("TimeToLiveSpecification")
    if ttl:
        client.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
        )
    return name
