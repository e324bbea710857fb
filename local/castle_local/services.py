"""The stack's stateful neighbours: PostgreSQL, Redis, and the engine host processes.

PostgreSQL and Redis come from the environment (CASTLE_DATABASE_URL / DATABASE_URL, CASTLE_REDIS_URL /
REDIS_URL) or their default local ports; when no PostgreSQL is reachable an embedded one (pgserver, from
PyPI) is installed and started, and without Redis the engine host is pointed at a file-backed snapshot
store. The engine host runs as two subprocesses, active and standby, as in production.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from castle.adapters.postgres.migrations import migrate

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/castle_local"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


class DependencyError(RuntimeError):
    """Something `castle up` needs is missing and could not be provided automatically."""


def tcp_open(host: str, port: int, timeout_s: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


@dataclass
class Database:
    url: str
    origin: str  # "environment", "local server" or "embedded (pgserver)"
    applied: list[str] = field(default_factory=list)
    embedded: Any = None


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def ensure_database(url: str) -> None:
    """Create the URL's database on its server when it does not exist yet."""
    name = urlsplit(url).path.lstrip("/") or "postgres"
    admin = _with_database(url, "postgres")
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def provide_database(state_dir: Path, say: Any) -> Database:
    explicit = os.environ.get("CASTLE_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if explicit:
        try:
            ensure_database(explicit)
        except psycopg.OperationalError as exc:
            where = urlsplit(explicit)
            raise DependencyError(
                f"cannot reach PostgreSQL at {where.hostname}:{where.port or 5432} "
                f"(CASTLE_DATABASE_URL/DATABASE_URL): {str(exc).strip().splitlines()[0]}"
            ) from exc
        db = Database(explicit, "environment")
    else:
        parts = urlsplit(DEFAULT_DATABASE_URL)
        if tcp_open(parts.hostname or "127.0.0.1", parts.port or 5432):
            ensure_database(DEFAULT_DATABASE_URL)
            db = Database(DEFAULT_DATABASE_URL, "local server")
        else:
            db = _embedded_database(state_dir, say)
    db.applied = migrate(db.url)
    return db


def _embedded_database(state_dir: Path, say: Any) -> Database:
    if importlib.util.find_spec("pgserver") is None:
        say("no PostgreSQL reachable: installing an embedded one (pip install pgserver)")
        done = subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", "pgserver"],
            check=False,
        )
        if done.returncode != 0:
            raise DependencyError(
                "no PostgreSQL at 127.0.0.1:5432 and pgserver could not be installed; "
                "set CASTLE_DATABASE_URL or install PostgreSQL (apt-get install postgresql)"
            )
    pgserver = importlib.import_module("pgserver")
    data = state_dir / "pgdata"
    data.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(str(data), cleanup_mode="stop")
    server.psql("SELECT 1")
    with contextlib.suppress(Exception):
        server.psql("CREATE DATABASE castle_local;")
    url = str(server.get_uri("castle_local"))
    return Database(url, "embedded (pgserver)", embedded=server)


@dataclass
class Redis:
    url: str | None
    origin: str
    snapshot_dir: Path | None = None


def provide_redis(state_dir: Path) -> Redis:
    import redis

    url = os.environ.get("CASTLE_REDIS_URL") or os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1)
        client.ping()
        client.close()
        origin = "environment" if url != DEFAULT_REDIS_URL else "local server"
        return Redis(url, origin)
    except redis.RedisError:
        snapshots = state_dir / "snapshots"
        snapshots.mkdir(parents=True, exist_ok=True)
        return Redis(None, "file-backed snapshot store", snapshot_dir=snapshots)


def _die_with_parent() -> None:
    """Children get SIGTERM when `castle up` dies, even by SIGKILL (Linux prctl PR_SET_PDEATHSIG)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)


@dataclass
class HostProcess:
    role: str
    node_id: str
    health_port: int
    log_path: Path
    process: subprocess.Popen[bytes]
    log: IO[bytes]


class EngineHosts:
    """`python -m engine_host` twice (active + standby) with the same settings as on EC2."""

    def __init__(self, state_dir: Path, env: dict[str, str]) -> None:
        self.state_dir = state_dir
        self.env = env
        self.processes: list[HostProcess] = []

    @staticmethod
    def available() -> bool:
        return importlib.util.find_spec("engine_host.__main__") is not None

    def start(self, health_ports: list[int]) -> None:
        logs = self.state_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        for role, node, port in zip(("active", "standby"), ("local-a", "local-b"), health_ports, strict=True):
            journal = self.state_dir / f"journal-{node}"
            journal.mkdir(parents=True, exist_ok=True)
            env = {
                **self.env,
                "CASTLE_ENGINE_ROLE": role,
                "CASTLE_ENGINE_NODE_ID": node,
                "CASTLE_ENGINE_JOURNAL_DIR": str(journal),
                "CASTLE_ENGINE_HEALTH_HOST": "127.0.0.1",
                "CASTLE_ENGINE_HEALTH_PORT": str(port),
            }
            log_path = logs / f"engine-{node}.log"
            log = log_path.open("ab")
            process = subprocess.Popen(
                [sys.executable, "-m", "engine_host"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent,  # noqa: PLW1509 - only a prctl call
            )
            self.processes.append(HostProcess(role, node, port, log_path, process, log))

    def health(self) -> list[dict[str, Any]]:
        import httpx

        out: list[dict[str, Any]] = []
        for host in self.processes:
            entry: dict[str, Any] = {
                "node": host.node_id,
                "role": host.role,
                "alive": host.process.poll() is None,
            }
            try:
                answer = httpx.get(f"http://127.0.0.1:{host.health_port}/health", timeout=0.5)
                body = (
                    answer.json()
                    if answer.headers.get("content-type", "").startswith("application/json")
                    else {}
                )
                entry["health"] = body
            except (httpx.HTTPError, ValueError):
                entry["health"] = None
            out.append(entry)
        return out

    def stop(self, timeout_s: float = 5.0) -> None:
        for host in self.processes:
            if host.process.poll() is None:
                host.process.terminate()
        deadline = time.monotonic() + timeout_s
        for host in self.processes:
            try:
                host.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                host.process.kill()
                host.process.wait(2)
            host.log.close()
        self.processes.clear()
