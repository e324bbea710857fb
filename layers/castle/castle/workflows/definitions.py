"""State machine definitions from statemachines/*.asl.json with the template's DefinitionSubstitutions.

The same file is deployed by SAM and executed locally; only the `${Placeholders}` differ.
"""

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


# The C loader when PyYAML has it: the template is large and parsed on every local start.
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _CfnLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """Reads CloudFormation short-form tags (!Ref, !GetAtt, ...) as their long forms ({"Fn::GetAtt": ...})."""


def _cfn_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {"Ref" if suffix == "Ref" else f"Fn::{suffix}": value}


_CfnLoader.add_multi_constructor("!", _cfn_tag)


def load_template(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.load(path.read_text(), Loader=_CfnLoader)
    return data


def placeholders(definition_text: str) -> set[str]:
    return set(PLACEHOLDER.findall(definition_text))


def substitute(definition_text: str, values: Mapping[str, str]) -> str:
    """Replace every ${Name}; a missing value is an error, never a silent leftover."""
    missing = placeholders(definition_text) - set(values)
    if missing:
        raise KeyError(f"no value for placeholders: {sorted(missing)}")
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], definition_text)


def lambda_arn(function_name: str, region: str = "us-east-1", account: str = "123456789012") -> str:
    return f"arn:aws:lambda:{region}:{account}:function:{function_name}"


def local_substitutions(
    template: Mapping[str, Any],
    state_machine_logical_id: str,
    region: str = "us-east-1",
    account: str = "123456789012",
) -> dict[str, str]:
    """DefinitionSubstitutions resolved for a local run: `!GetAtt Fn.Arn` -> a Lambda ARN named Fn.

    Functions are named by their logical id locally, so an invocation's function name finds the
    handler (see castle.workflows.local_lambda). Plain string values pass through unchanged.
    """
    machine = template["Resources"][state_machine_logical_id]["Properties"]
    values: dict[str, str] = {}
    for key, value in machine.get("DefinitionSubstitutions", {}).items():
        if isinstance(value, dict) and "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            logical_id = target.split(".")[0] if isinstance(target, str) else target[0]
            values[key] = lambda_arn(logical_id, region, account)
        elif isinstance(value, dict) and "Ref" in value:
            values[key] = str(value["Ref"])
        else:
            values[key] = str(value)
    return values


def function_handlers(template: Mapping[str, Any]) -> dict[str, str]:
    """Logical id -> Handler ("withdrawals.validate.handler") of every AWS::Serverless::Function."""
    return {
        logical_id: resource["Properties"]["Handler"]
        for logical_id, resource in template["Resources"].items()
        if resource.get("Type") == "AWS::Serverless::Function" and "Handler" in resource.get("Properties", {})
    }
