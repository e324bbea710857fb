"""Lambda, locally: the template's functions run in this process, found by name, ARN or logical id.

Every way a function is called locally goes through `LambdaRouter.invoke`: the API gateway, the
Kinesis/SQS pollers, schedules, Cognito triggers, and Step Functions Lambda tasks (moto's Step
Functions calls `lambda:Invoke` on the moto server; `route_moto_lambda_invokes` points moto's Lambda
backend at this router, so no Docker is needed).
"""

from __future__ import annotations

import importlib
import json
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from castle_local.template import Function, Template

Handler = Callable[[Any, Any], Any]


class UnknownFunctionError(LookupError):
    """No function of that name, ARN or logical id is declared in the template."""


@dataclass
class LocalLambdaContext:
    """The LambdaContext a handler receives (the attributes Powertools reads)."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    timeout_s: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "local"
    _deadline: float = 0.0

    def __post_init__(self) -> None:
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self._deadline = time.monotonic() + self.timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass
class InvocationStats:
    invocations: int = 0
    errors: int = 0


class LambdaRouter:
    """The registry of the template's functions and the one place that calls their handlers."""

    def __init__(self, template: Template) -> None:
        self.template = template
        self.functions: dict[str, Function] = {}
        self._by_key: dict[str, Function] = {}
        for fn in template.functions():
            self.functions[fn.logical_id] = fn
            for key in (fn.logical_id, fn.name, fn.arn):
                self._by_key[key] = fn
        self._handlers: dict[str, Handler] = {}
        self._import_lock = threading.Lock()
        self.stats: dict[str, InvocationStats] = {k: InvocationStats() for k in self.functions}
        # One execution environment per function, as a Lambda container: handlers keep per-request
        # state in module globals (Powertools' resolver holds current_event), so a function never
        # runs two invocations at once; different functions run in parallel.
        self._containers: dict[str, threading.Lock] = {k: threading.Lock() for k in self.functions}

    def find(self, name_or_arn: str) -> Function:
        key = name_or_arn
        if key.startswith("arn:aws:lambda:"):
            # arn:aws:lambda:region:account:function:name[:qualifier]
            parts = key.split(":")
            key = parts[6] if len(parts) > 6 else key
        fn = self._by_key.get(name_or_arn) or self._by_key.get(key)
        if fn is None:
            raise UnknownFunctionError(name_or_arn)
        return fn

    def environment(self) -> tuple[dict[str, str], list[str]]:
        """The union of the functions' variables (one process runs them all), and the conflicts."""
        merged: dict[str, str] = {}
        conflicts: list[str] = []
        for fn in self.functions.values():
            env, _ = self.template.function_environment(fn)
            for name, value in env.items():
                if name in merged and merged[name] != value and name != "POWERTOOLS_SERVICE_NAME":
                    conflicts.append(f"{name} ({fn.logical_id})")
                merged.setdefault(name, value)
        return merged, conflicts

    def handler(self, fn: Function) -> Handler:
        found = self._handlers.get(fn.logical_id)
        if found is not None:
            return found
        with self._import_lock:
            if str(fn.code_dir) not in sys.path:
                # The Lambda runtime puts CodeUri on the path; so do we.
                sys.path.insert(0, str(fn.code_dir))
            module_name, _, attribute = fn.handler.rpartition(".")
            module = importlib.import_module(module_name)
            handler: Handler = getattr(module, attribute)
            self._handlers[fn.logical_id] = handler
            return handler

    def importable(self, fn: Function) -> str | None:
        """None when the handler imports, else the reason it does not."""
        try:
            self.handler(fn)
        except Exception as exc:  # a broken handler must not stop the rest of the stack
            return f"{type(exc).__name__}: {exc}"
        return None

    def invoke(self, name_or_arn: str, event: Any) -> Any:
        """Call the handler with `event` and a fresh context; exceptions propagate (as on Lambda)."""
        fn = self.find(name_or_arn)
        stats = self.stats[fn.logical_id]
        stats.invocations += 1
        handler = self.handler(fn)
        with self._containers[fn.logical_id]:
            context = LocalLambdaContext(
                function_name=fn.name,
                invoked_function_arn=fn.arn,
                memory_limit_in_mb=fn.memory_mb,
                timeout_s=fn.timeout_s,
            )
            try:
                return handler(event, context)
            except Exception:
                stats.errors += 1
                raise


def error_payload(exc: BaseException) -> dict[str, Any]:
    """The payload Lambda returns for an unhandled exception."""
    return {
        "errorMessage": str(exc),
        "errorType": type(exc).__name__,
        "stackTrace": traceback.format_tb(exc.__traceback__),
    }


def route_moto_lambda_invokes(router: LambdaRouter) -> None:
    """Make moto's `lambda:Invoke` (used by its Step Functions) call our in-process handlers.

    Must run in the process that hosts the moto server. Functions the template does not declare
    keep moto's own behaviour.
    """
    from moto.awslambda.models import LambdaBackend
    from moto.awslambda_simple.models import LambdaSimpleBackend

    for backend_class in (LambdaBackend, LambdaSimpleBackend):
        original = backend_class.invoke
        if getattr(original, "_castle_routed", False):
            original = original._castle_original  # type: ignore[attr-defined]

        def invoke(
            self: Any,
            function_name: str,
            qualifier: str | None,
            body: Any,
            headers: Any,
            response_headers: Any,
            _original: Any = original,
        ) -> bytes | str | None:
            try:
                router.find(function_name)
            except UnknownFunctionError:
                return _original(self, function_name, qualifier, body, headers, response_headers)  # type: ignore[no-any-return]
            event = json.loads(body) if body else {}
            try:
                result = router.invoke(function_name, event)
            except Exception as exc:
                response_headers["x-amz-function-error"] = "Unhandled"
                return json.dumps(error_payload(exc)).encode()
            if headers.get("X-Amz-Invocation-Type") == "Event":
                return b""
            return json.dumps(result, default=str).encode()

        invoke._castle_routed = True  # type: ignore[attr-defined]
        invoke._castle_original = original  # type: ignore[attr-defined]
        backend_class.invoke = invoke  # type: ignore[method-assign]
