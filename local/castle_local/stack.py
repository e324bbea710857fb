"""The whole exchange in one process tree: moto, resources from the template, databases, handlers,
pollers, the engine host pair and the local API gateway. `castle up` and the e2e tests both use it."""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import secrets
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from castle.gc_tuning import freeze_long_lived
from castle_local.aws import (
    AWS_CREDENTIALS,
    CreatedResources,
    MotoServer,
    ResourceFactory,
    free_port,
    port_is_free,
)
from castle_local.cognito import CognitoProxy, user_pool
from castle_local.containers import ProcessContainers
from castle_local.gateway import Gateway
from castle_local.lambda_router import LambdaRouter, route_moto_lambda_invokes
from castle_local.pollers import EventSources
from castle_local.services import Database, EngineHosts, Redis, provide_database, provide_redis
from castle_local.template import Template, find_template
from castle_local.wakeups import Wakeups, notify_on_moto_writes

Say = Callable[[str], None]


class PortTakenError(RuntimeError):
    """The gateway (or an explicitly requested AWS) port is already in use."""


@dataclass
class StackConfig:
    port: int = 8080
    aws_port: int | None = None  # None: 4566 when free, else any free port
    stage: str | None = None
    engine: bool = True
    verbose: bool = False
    template_path: Path | None = None
    state_dir: Path | None = None
    # Worker processes running the API's functions (0: in this process, one request at a time). A
    # request mostly waits on moto and PostgreSQL, so the workers, not the cores, bound the request
    # rate: 4 saturated at ~55 req/s on 2 cores, 8 reached ~75 (each worker ~110 MB).
    api_workers: int = min(8, 4 * (os.cpu_count() or 1))


@dataclass
class StackState:
    resources: CreatedResources = field(default_factory=CreatedResources)
    broken_functions: dict[str, str] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    database: Database | None = None
    redis: Redis | None = None
    started_at: float = field(default_factory=time.time)


class LocalStack:
    def __init__(self, config: StackConfig, say: Say = print) -> None:
        self.config = config
        self.say = say
        self.template_path = config.template_path or find_template()
        self.root = self.template_path.parent
        self.state_dir = config.state_dir or self.root / ".castle" / "local"
        self.state = StackState()
        self.moto: MotoServer | None = None
        self.sources: EventSources | None = None
        self.engines: EngineHosts | None = None
        self.runner: web.AppRunner | None = None
        self.template: Template | None = None
        self.router: LambdaRouter | None = None
        self.factory: ResourceFactory | None = None
        self.gateway: Gateway | None = None
        self.functions_log: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.config.port}"

    # ---- start ---------------------------------------------------------------------------------
    def check_ports(self) -> int:
        if not port_is_free(self.config.port):
            raise PortTakenError(
                f"port {self.config.port} is already in use (another `castle up`?); choose one with --port"
            )
        if self.config.aws_port is not None:
            if not port_is_free(self.config.aws_port):
                raise PortTakenError(f"port {self.config.aws_port} for the AWS endpoint is already in use")
            return self.config.aws_port
        return 4566 if port_is_free(4566) else free_port()

    def start_services(self) -> None:
        """Everything but the HTTP listener (which needs the event loop): synchronous, with progress."""
        aws_port = self.check_ports()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        template = Template(self.template_path, stage=self.config.stage)
        self.template = template
        self.say(f"template: {len(template.resources)} resources, {len(template.functions())} functions")

        self.say("databases: PostgreSQL and Redis")
        self.state.database = provide_database(self.state_dir, self.say)
        applied = (
            f", {len(self.state.database.applied)} migrations applied" if self.state.database.applied else ""
        )
        self.say(f"  PostgreSQL ({self.state.database.origin}){applied}")
        self.state.redis = provide_redis(self.state_dir)
        self.say(f"  Redis ({self.state.redis.origin})")

        self.say(f"AWS: moto on 127.0.0.1:{aws_port}")
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.moto = MotoServer(aws_port)
        self.moto.start()
        self.wakeups = Wakeups()
        notify_on_moto_writes(self.wakeups)
        router = LambdaRouter(template)
        self.router = router
        route_moto_lambda_invokes(router)
        self.factory = ResourceFactory(template, self.moto.endpoint, gateway_url=self.url)
        self.state.resources = self.factory.create_all()
        created = self.state.resources.created
        kinds = sorted({t.rsplit("::", 1)[-1] for t in created.values()})
        self.say(f"  created {len(created)} resources from template.yaml ({', '.join(kinds)})")
        for logical_id, missing in self.state.resources.unresolved.items():
            self.state.notices.append(f"{logical_id} not created: no local value for {missing}")

        self.apply_environment()
        if not self.config.verbose:
            # Handlers log (JSON) and emit metrics on stdout, as on Lambda: that is CloudWatch Logs
            # there and this file here, so the terminal keeps castle's own progress and status.
            logs = self.state_dir / "logs"
            logs.mkdir(parents=True, exist_ok=True)
            self.functions_log = logs / "functions.log"
            sys.stdout = self.functions_log.open("a", buffering=1)
            # Powertools warns on every empty metrics flush; on Lambda that is a log line too.
            warnings.filterwarnings("ignore", message="No application metrics to publish")
            self.say(f"functions: handler logs in {self.functions_log}")
        self.say("functions: importing handlers")
        for fn in router.functions.values():
            problem = router.importable(fn)
            if problem:
                self.state.broken_functions[fn.logical_id] = problem
                self.state.notices.append(f"{fn.logical_id} ({fn.handler}) does not import: {problem}")
        ok = len(router.functions) - len(self.state.broken_functions)
        self.say(f"  {ok}/{len(router.functions)} handlers ready")

        self.sources = EventSources(template, router, self.factory.client, self.wakeups)
        self.sources.build(unavailable=set(self.state.broken_functions))
        self.state.notices.extend(self.sources.notices)
        self.sources.start()
        self.say(f"  {len(self.sources.pollers)} event source pollers (Kinesis/SQS/DynamoDB/schedules)")

        if self.config.engine:
            self.start_engines()
        freeze_long_lived()

    def local_environment(self) -> dict[str, str]:
        """Variables for our handlers and the engine host: the template's, plus the local endpoints."""
        assert self.template is not None and self.router is not None and self.moto is not None
        assert self.state.database is not None and self.state.redis is not None
        env, conflicts = self.router.environment()
        for conflict in conflicts:
            self.state.notices.append(f"environment variable {conflict} differs between functions")
        env.update(AWS_CREDENTIALS)
        env.update(
            {
                "AWS_DEFAULT_REGION": self.template.region,
                "AWS_REGION": self.template.region,
                "AWS_ENDPOINT_URL": self.moto.endpoint,
                "CASTLE_STAGE": self.template.stage,
                "CASTLE_DATABASE_URL": self.state.database.url,
                "CASTLE_WEBSOCKET_ENDPOINT": self.url,
                "CASTLE_API_KEY_LOCAL_CIPHER_KEY": self._cipher_key(),
                "CASTLE_ENGINE_REDIS_PREFIX": f"castle:local:{self.template.stage}:{self.config.port}",
                "POWERTOOLS_TRACE_DISABLED": "true",
                "POWERTOOLS_METRICS_DISABLED": "true",
                "POWERTOOLS_LOG_LEVEL": "INFO" if self.config.verbose else "WARNING",
                "POWERTOOLS_DEV": "false",
                # The withdrawal workflow waits this long between confirmation polls: 30 s suits a
                # real chain; the simulated one adds a block per poll (set it to override).
                "CASTLE_CONFIRMATION_WAIT_S": os.environ.get("CASTLE_CONFIRMATION_WAIT_S", "1"),
            }
        )
        if self.state.redis.url:
            env["CASTLE_REDIS_URL"] = self.state.redis.url
        elif self.state.redis.snapshot_dir is not None:
            env["CASTLE_ENGINE_SNAPSHOT_STORE"] = "file"
            env["CASTLE_ENGINE_SNAPSHOT_DIR"] = str(self.state.redis.snapshot_dir)
        pool = user_pool(self.template)
        if pool is not None:
            env.update(
                {
                    "CASTLE_USER_POOL_ID": pool.pool_id,
                    "CASTLE_USER_POOL_CLIENT_ID": pool.client_id,
                    "CASTLE_JWKS_URL": pool.jwks_url,
                }
            )
        dlq = self._order_dead_letter_queue(env.get("CASTLE_ORDER_QUEUE_URL", ""))
        if dlq:
            env["CASTLE_ORDER_DLQ_URL"] = dlq
        return env

    def _order_dead_letter_queue(self, queue_url: str) -> str | None:
        assert self.template is not None
        for queue in self.template.of_type("AWS::SQS::Queue"):
            if self.template.physical.get(queue.logical_id, {}).get("QueueUrl") == queue_url:
                redrive = queue.properties.get("RedrivePolicy") or {}
                arn = self.template.resolve(redrive.get("deadLetterTargetArn")) if redrive else None
                for attrs in self.template.physical.values():
                    if arn and attrs.get("Arn") == arn:
                        return attrs.get("QueueUrl")
        return None

    def _cipher_key(self) -> str:
        """A stable key per checkout, so API keys stored in PostgreSQL survive restarts."""
        path = self.state_dir / "api-key-cipher.key"
        if not path.exists():
            path.write_text(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
            path.chmod(0o600)
        return path.read_text().strip()

    def apply_environment(self) -> None:
        self.environment = self.local_environment()
        os.environ.update(self.environment)
        # Settings and clients are cached per process: build them from this environment.
        from castle.settings import get_settings

        get_settings.cache_clear()

    def start_engines(self) -> None:
        if not EngineHosts.available():
            self.state.notices.append("engine host: engine_host/__main__.py not present yet, not started")
            self.say("engine host: not present yet (skipped)")
            return
        self.engines = EngineHosts(self.state_dir, dict(os.environ))
        self.engines.start([free_port(), free_port()])
        self.say("engine host: active + standby started (logs in .castle/local/logs/)")

    async def start_gateway(self) -> Gateway:
        assert self.template is not None and self.router is not None and self.factory is not None
        gateway = Gateway(
            self.template,
            self.router,
            web_root=self.root / "web",
            stage=self.template.stage,
            status=self.status,
        )
        gateway.host = f"127.0.0.1:{self.config.port}"
        if self.config.api_workers > 0:
            gateway.containers = ProcessContainers(
                self.router,
                workers=self.config.api_workers,
                environment=self.environment,
                log_path=self.functions_log,
                warm=sorted({r.function_id for r in self.template.api_routes()}),
            )
        pool = user_pool(self.template)
        if pool is not None:
            proxy = CognitoProxy(self.template, self.router, pool, self.factory.client("cognito-idp"))

            async def auth(action: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
                loop = asyncio.get_running_loop()
                return await loop.run_in_executor(gateway.pool, proxy.handle, action, body)

            gateway.auth_proxy = auth

        def seed() -> None:
            from castle_local.demo import DemoMarket

            DemoMarket(self.url, say=self.say).seed()

        gateway.seed = seed
        self.gateway = gateway
        await asyncio.get_running_loop().run_in_executor(None, gateway.containers.wait_ready)
        self.runner = web.AppRunner(gateway.app(), access_log=None, handle_signals=False)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", self.config.port, reuse_address=True)
        await site.start()
        return gateway

    # ---- status and stop ------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        assert self.moto is not None
        return {
            "url": self.url,
            "aws_endpoint": self.moto.endpoint,
            "uptime_s": round(time.time() - self.state.started_at, 1),
            "database": self.state.database.origin if self.state.database else None,
            "redis": self.state.redis.origin if self.state.redis else None,
            "resources": self.state.resources.created,
            "unresolved": self.state.resources.unresolved,
            "skipped": self.state.resources.skipped,
            "broken_functions": self.state.broken_functions,
            "pollers": self.sources.summary() if self.sources else {},
            "engine_hosts": self.engines.health() if self.engines else [],
            "notices": self.state.notices,
        }

    async def stop_gateway(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None

    def stop_services(self) -> None:
        if self.engines is not None:
            self.engines.stop()
        if self.sources is not None:
            self.sources.stop()
        if self.gateway is not None:
            self.gateway.containers.close()
            self.gateway.pool.shutdown(wait=False, cancel_futures=True)
        if self.moto is not None:
            self.moto.stop()
            self.moto = None
        if self.state.database is not None and self.state.database.embedded is not None:
            self.state.database.embedded.cleanup()
        if self.functions_log is not None and sys.stdout is not sys.__stdout__:
            log, sys.stdout = sys.stdout, sys.__stdout__
            log.close()
