"""Execution environments for the API's functions: worker processes, as Lambda scales out.

On AWS every concurrent invocation runs in its own container (its own process). Locally the handlers
share one process unless given their own: and Powertools keeps the current request of every
`APIGatewayRestResolver` on a class attribute (`BaseRouter.current_event`), so two API functions
running at once in one process read each other's requests. So the gateway runs REST invocations either

- in worker processes (`ProcessContainers`, default): each worker imports the template's handlers once
  (a warm container), runs one invocation at a time, and keeps its module state between invocations;
  N workers serve N requests at once and use more than one core; or
- in this process, one REST invocation at a time (`InProcessContainers`, `--api-workers 0`).

Pollers, schedules, WebSocket routes, Cognito triggers and Step Functions tasks stay in the main
process (`LambdaRouter.invoke`): none of them uses a resolver.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
import warnings
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, Protocol

from castle_local.lambda_router import LambdaRouter, error_payload
from castle_local.template import Template


class InvocationError(RuntimeError):
    """The handler raised (in a worker process): its Lambda error payload, as AWS would report it."""

    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__(payload.get("errorMessage", ""))
        self.payload = payload


class IntegrationTimeoutError(TimeoutError):
    """The request waited for a container past API Gateway's integration timeout: never invoked."""


# API Gateway answers 504 after 29 s; a request still queued by then is dropped, not run late.
INTEGRATION_TIMEOUT_S = 29.0


class Containers(Protocol):
    def submit(self, function_id: str, event: dict[str, Any], deadline: float) -> Future[Any]: ...

    def wait_ready(self, timeout_s: float = 180.0) -> None: ...

    def close(self) -> None: ...


class InProcessContainers:
    """All REST invocations in this process, one at a time (resolvers share class state)."""

    def __init__(self, router: LambdaRouter, pool: Any) -> None:
        self.router = router
        self.pool = pool
        self._one_at_a_time = threading.Lock()

    def _invoke(self, function_id: str, event: dict[str, Any], deadline: float) -> Any:
        with self._one_at_a_time:
            if time.time() > deadline:
                raise IntegrationTimeoutError(function_id)
            return self.router.invoke(function_id, event)

    def submit(self, function_id: str, event: dict[str, Any], deadline: float) -> Future[Any]:
        future: Future[Any] = self.pool.submit(self._invoke, function_id, event, deadline)
        return future

    def wait_ready(self, timeout_s: float = 180.0) -> None:
        """Ready at once: the handlers were imported when the stack started."""

    def close(self) -> None:
        """Nothing of its own to stop (the gateway's thread pool is the gateway's)."""


class ProcessContainers:
    """`workers` processes (spawned: the main process has threads), each hosting every function."""

    def __init__(
        self,
        router: LambdaRouter,
        *,
        workers: int,
        environment: dict[str, str],
        log_path: Path | None,
        warm: Sequence[str] = (),
    ) -> None:
        self.router = router
        self.workers = workers
        self._init_args = (
            str(router.template.path),
            router.template.stage,
            environment,
            str(log_path) if log_path else None,
            tuple(warm),
        )
        self._lock = threading.Lock()
        self._starting: list[Future[bool]] = []
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=self._init_args,
        )
        # Start (and warm) every container now, not on the first requests.
        self._starting = [pool.submit(_ready) for _ in range(self.workers)]
        return pool

    def wait_ready(self, timeout_s: float = 180.0) -> None:
        """Until the containers have imported their handlers (the stack is ready when they have)."""
        deadline = time.monotonic() + timeout_s
        for future in self._starting:
            future.result(timeout=max(0.0, deadline - time.monotonic()))

    def submit(self, function_id: str, event: dict[str, Any], deadline: float) -> Future[Any]:
        fn = self.router.find(function_id)
        self.router.stats[fn.logical_id].invocations += 1
        with self._lock:
            try:
                inner = self._pool.submit(_invoke, fn.logical_id, event, deadline)
            except BrokenProcessPool:
                # A container died (killed, out of memory): replace them all, as Lambda would.
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._new_pool()
                inner = self._pool.submit(_invoke, fn.logical_id, event, deadline)
        outer: Future[Any] = Future()

        def settle(done: Future[tuple[str, Any]]) -> None:
            try:
                outcome, value = done.result()
            except BaseException as exc:  # BrokenProcessPool, cancelled: the invocation failed
                self.router.stats[fn.logical_id].errors += 1
                outer.set_exception(exc)
                return
            if outcome == "ok":
                outer.set_result(value)
            elif outcome == "late":
                outer.set_exception(IntegrationTimeoutError(function_id))
            else:
                self.router.stats[fn.logical_id].errors += 1
                outer.set_exception(InvocationError(value))

        inner.add_done_callback(settle)
        return outer

    def close(self) -> None:
        with self._lock:
            self._pool.shutdown(wait=True, cancel_futures=True)


# ---- inside a worker process ------------------------------------------------------------------------
_router: LambdaRouter | None = None


def _start_worker(
    template_path: str,
    stage: str | None,
    environment: dict[str, str],
    log_path: str | None,
    warm: tuple[str, ...],
) -> None:
    global _router  # noqa: PLW0603  # one router per container process, as a Lambda module global
    # Ctrl-C reaches the whole process group; the parent stops the workers when it stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.update(environment)
    if log_path is not None:
        sys.stdout = open(log_path, "a", buffering=1)  # noqa: SIM115  # the process's stdout until exit
        warnings.filterwarnings("ignore", message="No application metrics to publish")
    router = LambdaRouter(Template(Path(template_path), stage=stage))
    for function_id in warm:
        router.importable(router.find(function_id))
    _router = router


def _ready() -> bool:
    return _router is not None


def _invoke(function_id: str, event: dict[str, Any], deadline: float) -> tuple[str, Any]:
    assert _router is not None
    if time.time() > deadline:
        return "late", None
    try:
        return "ok", _router.invoke(function_id, event)
    except Exception as exc:  # reported to the gateway as Lambda reports an unhandled error
        return "error", error_payload(exc)
