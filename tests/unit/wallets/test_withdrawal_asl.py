"""Structural checks of statemachines/withdrawal.asl.json against itself and template.yaml."""

import json
from typing import Any

from castle.workflows.definitions import load_template, placeholders
from tests.support.stepfunctions import ROOT, TEMPLATE

ASL_PATH = ROOT / "statemachines" / "withdrawal.asl.json"
TEXT = ASL_PATH.read_text()
ASL: dict[str, Any] = json.loads(TEXT)
STATES: dict[str, dict[str, Any]] = ASL["States"]
MACHINE = load_template(TEMPLATE)["Resources"]["WithdrawalStateMachine"]["Properties"]


def successors(state: dict[str, Any]) -> set[str]:
    found = {state[key] for key in ("Next", "Default") if key in state}
    found |= {choice["Next"] for choice in state.get("Choices", [])}
    found |= {catch["Next"] for catch in state.get("Catch", [])}
    return found


def test_every_next_names_an_existing_state() -> None:
    assert ASL["StartAt"] in STATES
    for name, state in STATES.items():
        assert successors(state) <= set(STATES), name


def test_every_state_is_reachable_from_the_start() -> None:
    seen, frontier = set(), [ASL["StartAt"]]
    while frontier:
        name = frontier.pop()
        if name not in seen:
            seen.add(name)
            frontier.extend(successors(STATES[name]))
    assert seen == set(STATES)


def test_every_non_terminal_state_leads_somewhere() -> None:
    for name, state in STATES.items():
        if state["Type"] in ("Succeed", "Fail"):
            continue
        assert state.get("End") or successors(state), name


def test_every_task_catches_everything() -> None:
    for name, state in STATES.items():
        if state["Type"] == "Task":
            assert any("States.ALL" in c["ErrorEquals"] for c in state.get("Catch", [])), name


def test_every_failure_after_the_hold_goes_through_compensation() -> None:
    money_states = ["PlaceHold", "AwaitApproval", "SignAndBroadcast", "CheckConfirmations", "Settle"]
    for name in money_states:
        assert {c["Next"] for c in STATES[name]["Catch"]} == {"Compensate"}, name


def test_transient_errors_are_retried_with_backoff() -> None:
    for name, state in STATES.items():
        if state["Type"] == "Task":
            retries = [
                r for r in state.get("Retry", []) if {"TransientError", "States.ALL"} & set(r["ErrorEquals"])
            ]
            assert retries and all(r["BackoffRate"] > 1 for r in retries), name


def test_the_approval_waits_for_a_task_token_with_a_timeout() -> None:
    approval = STATES["AwaitApproval"]
    assert approval["Resource"].endswith(".waitForTaskToken")
    assert approval["Parameters"]["Payload"]["task_token.$"] == "$$.Task.Token"
    assert "TimeoutSeconds" in approval or "TimeoutSecondsPath" in approval


def test_every_placeholder_has_a_definition_substitution_and_none_is_unused() -> None:
    assert placeholders(TEXT) == set(MACHINE["DefinitionSubstitutions"])


def test_the_template_points_at_this_file_and_may_invoke_exactly_the_task_functions() -> None:
    assert MACHINE["DefinitionUri"] == "statemachines/withdrawal.asl.json"
    invoked = {
        p["LambdaInvokePolicy"]["FunctionName"]["Ref"]
        for p in MACHINE["Policies"]
        if "LambdaInvokePolicy" in p
    }
    substituted = {v["Fn::GetAtt"].split(".")[0] for v in MACHINE["DefinitionSubstitutions"].values()}
    assert invoked == substituted
