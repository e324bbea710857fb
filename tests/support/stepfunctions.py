"""Run template.yaml's state machines under moto, their Lambda tasks served by our real handlers.

`local_state_machine` creates the machine from its ASL file with the template's
DefinitionSubstitutions (functions named by logical id), routes moto's Lambda invocations to the
handlers the template names (castle.workflows.local_lambda) and yields the machine's ARN.
"""

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3

from castle.workflows.definitions import function_handlers, load_template, local_substitutions, substitute
from castle.workflows.local_lambda import route_to

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
MOTO_CONFIG: Any = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}
REGION = "us-east-1"


@cache
def _template() -> dict[str, Any]:
    return load_template(TEMPLATE)


def state_machine_definition(logical_id: str) -> tuple[str, dict[str, str]]:
    """(definition with placeholders substituted, the substitutions) as a local run sees them."""
    template = _template()
    properties = template["Resources"][logical_id]["Properties"]
    text = (ROOT / properties["DefinitionUri"]).read_text()
    values = local_substitutions(template, logical_id, REGION)
    return substitute(text, values), values


@contextmanager
def local_state_machine(logical_id: str, name: str) -> Iterator[str]:
    """Inside an active mock_aws(config=MOTO_CONFIG): create the machine, route its Lambda tasks."""
    definition, values = state_machine_definition(logical_id)
    handlers = function_handlers(_template())
    referenced = {arn.rsplit(":", 1)[-1] for arn in values.values() if ":function:" in arn}
    client = boto3.client("stepfunctions", region_name=REGION)
    arn = client.create_state_machine(
        name=name, definition=definition, roleArn="arn:aws:iam::123456789012:role/castle-local-states"
    )["stateMachineArn"]
    with route_to({logical: handlers[logical] for logical in referenced}):
        yield arn


def wait_for_execution(client: "SFNClient", execution_arn: str, timeout_s: float = 20.0) -> dict[str, Any]:
    """Poll until the execution leaves RUNNING (or the deadline passes); returns describe_execution."""
    deadline = time.monotonic() + timeout_s
    while True:
        described: dict[str, Any] = dict(client.describe_execution(executionArn=execution_arn))
        if described["status"] != "RUNNING" or time.monotonic() > deadline:
            return described
        time.sleep(0.02)


def execution_output(described: dict[str, Any]) -> dict[str, Any]:
    output: dict[str, Any] = json.loads(described.get("output") or "{}")
    return output
