"""Run Lambda invocations made inside moto (Step Functions Lambda tasks) with our real handlers.

moto executes state machines for real, but its Docker-less Lambda backend only echoes. `route_to`
replaces that backend's `invoke` so a function whose name is in the registry runs in-process, with
Lambda's error contract: an uncaught exception becomes a FunctionError payload
{"errorType": <class name>, "errorMessage": ...}, which Step Functions matches in Retry/Catch.
Works for `mock_aws` and for an in-process `ThreadedMotoServer` alike. moto is a development
dependency, so it is imported only when routing is switched on.
"""

import importlib
import json
import threading
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

Handler = Callable[[Any, Any], Any]


@dataclass
class InProcessLambdaContext:
    function_name: str
    invoked_function_arn: str
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"
    memory_limit_in_mb: int = 512
    log_group_name: str = "local"
    log_stream_name: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def import_handler(handler_path: str) -> Handler:
    """ "withdrawals.validate.handler" -> the function (its module must be importable)."""
    module_name, _, attribute = handler_path.rpartition(".")
    handler: Handler = getattr(importlib.import_module(module_name), attribute)
    return handler


def function_name_of(name_or_arn: str) -> str:
    # arn:aws:lambda:region:account:function:name[:qualifier]
    parts = name_or_arn.split(":")
    return parts[6] if len(parts) >= 7 and parts[5] == "function" else name_or_arn


def invoke_in_process(handler: Handler, function_name: str, body: bytes | str | None) -> tuple[bytes, bool]:
    """Call the handler like Lambda does; returns (payload, failed)."""
    event = json.loads(body) if body else {}
    context = InProcessLambdaContext(
        function_name, f"arn:aws:lambda:local:000000000000:function:{function_name}"
    )
    try:
        result = handler(event, context)
    except Exception as exc:
        payload = {
            "errorType": type(exc).__name__,
            "errorMessage": str(exc),
            "stackTrace": traceback.format_exception(exc)[-3:],
        }
        return json.dumps(payload).encode(), True
    return json.dumps(result).encode(), False


_lock = threading.Lock()
_registry: dict[str, Handler] = {}


def _routed_invoke(original: Callable[..., Any]) -> Callable[..., Any]:
    def invoke(
        self: Any, function_name: str, qualifier: str | None, body: Any, headers: Any, response_headers: Any
    ) -> bytes | str | None:
        handler = _registry.get(function_name_of(function_name))
        if handler is None:
            return original(self, function_name, qualifier, body, headers, response_headers)  # type: ignore[no-any-return]
        payload, failed = invoke_in_process(handler, function_name_of(function_name), body)
        if failed:
            response_headers["x-amz-function-error"] = "Unhandled"
        return payload

    invoke.castle_routed = True  # type: ignore[attr-defined]
    return invoke


@contextmanager
def route_to(handlers: Mapping[str, Handler | str]) -> Iterator[None]:
    """Within the block, moto's Docker-less Lambda runs these handlers (name -> handler or "mod.fn").

    Use with moto config {"lambda": {"use_docker": False}}.
    """
    from moto.awslambda_simple.models import LambdaSimpleBackend

    resolved = {name: import_handler(h) if isinstance(h, str) else h for name, h in handlers.items()}
    with _lock:
        original = LambdaSimpleBackend.invoke
        if not getattr(original, "castle_routed", False):
            LambdaSimpleBackend.invoke = _routed_invoke(original)  # type: ignore[method-assign]
        previous = dict(_registry)
        _registry.update(resolved)
    try:
        yield
    finally:
        with _lock:
            _registry.clear()
            _registry.update(previous)
            if not previous:
                LambdaSimpleBackend.invoke = original  # type: ignore[method-assign]
