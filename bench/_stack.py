"""What the HTTP benchmarks share: a local stack to measure (started here, or one already running),
demo users with API keys, Binance request signing, latency statistics and a description of the machine.

Not a benchmark itself (the leading underscore keeps it out of `castle bench`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import os
import platform
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "Castle-demo-1"
START_TIMEOUT_S = 120.0


@dataclass
class Trader:
    username: str
    api_key: str
    secret: str

    def query(self, params: Sequence[tuple[str, str]]) -> str:
        """The Binance-signed query: parameters in order, timestamp, then the HMAC-SHA256 signature."""
        items = [*params, ("recvWindow", "10000"), ("timestamp", str(time.time_ns() // 1_000_000))]
        payload = urlencode(items)
        signature = hmac.new(self.secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
        return f"{payload}&signature={signature}"


@dataclass
class Stack:
    url: str
    process: psutil.Process | None = None
    log_path: Path | None = None
    children: list[psutil.Process] = field(default_factory=list)

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://", 1)

    def rss_mb(self) -> float:
        """Resident memory of the stack's process tree (gateway + handlers + moto + engine hosts)."""
        if self.process is None:
            return float("nan")
        total = 0
        for proc in [self.process, *self.process.children(recursive=True)]:
            try:
                total += proc.memory_info().rss
            except psutil.Error:
                continue
        return total / 1e6

    def cpu_seconds(self) -> float:
        if self.process is None:
            return float("nan")
        total = 0.0
        for proc in [self.process, *self.process.children(recursive=True)]:
            try:
                times = proc.cpu_times()
            except psutil.Error:
                continue
            total += times.user + times.system
        return total


@contextmanager
def local_stack(url: str | None = None, *, engine: bool = True) -> Iterator[Stack]:
    """`url` (a running `castle up`), or a fresh `castle up` on free ports with its own database,
    stopped (SIGINT, as Ctrl-C, then SIGKILL) and dropped when the block ends, whatever happens."""
    if url:
        yield Stack(url.rstrip("/"))
        return
    sys.path.insert(0, str(ROOT))
    from tests.support.castle_up import castle_up

    state = ROOT / ".build" / "bench" / f"stack-{os.getpid()}"
    state.mkdir(parents=True, exist_ok=True)
    with castle_up(state, "castle_bench", start_timeout_s=START_TIMEOUT_S, engine=engine) as up:
        yield Stack(up.url, psutil.Process(up.process.pid), up.log_path)


def emit(result: dict[str, Any], json_path: str | None) -> None:
    """Print a benchmark's result as one JSON line, and also write it to `json_path` if given."""
    print(json.dumps(result))
    if json_path:
        Path(json_path).parent.mkdir(parents=True, exist_ok=True)
        Path(json_path).write_text(json.dumps(result, indent=2) + "\n")


def running_stack_url() -> str | None:
    """CASTLE_URL (set by `castle bench`) when a stack answers there, else None."""
    url = os.environ.get("CASTLE_URL")
    if not url:
        return None
    try:
        httpx.get(f"{url}/_castle/status", timeout=2).raise_for_status()
    except httpx.HTTPError:
        return None
    return url


def wait_for_engine(stack: Stack, timeout_s: float = 60.0) -> None:
    """Until the active engine host reports healthy (orders sent before would only queue)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        status = httpx.get(f"{stack.url}/_castle/status", timeout=5).json()
        for host in status.get("engine_hosts", []):
            if host.get("alive") and (host.get("health") or {}).get("role") == "active":
                return
        time.sleep(0.5)
    raise TimeoutError("no active engine host")


def traders(stack: Stack, roles: Sequence[str] = ("maker", "dealer", "taker", "trader")) -> dict[str, Trader]:
    """The demo users (`POST /_castle/seed`: signed up, funded through the deposit path), each with a
    fresh trading API key created through `/v1/api-keys` like a user would."""
    with httpx.Client(base_url=stack.url, timeout=60) as http:
        seeded = http.post("/_castle/seed")
        seeded.raise_for_status()
        found: dict[str, Trader] = {}
        for role in roles:
            username = f"{role}@castle.local"
            login = http.post("/v1/auth/login", json={"username": username, "password": PASSWORD})
            login.raise_for_status()
            key = http.post(
                "/v1/api-keys",
                json={"label": "bench", "permissions": ["read", "trade"]},
                headers={"Authorization": login.json()["idToken"]},
            )
            key.raise_for_status()
            found[role] = Trader(username, key.json()["apiKey"], key.json()["secretKey"])
        return found


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values (nan when empty)."""
    if not sorted_values:
        return float("nan")
    rank = max(0, min(len(sorted_values) - 1, math.ceil(fraction * len(sorted_values)) - 1))
    return sorted_values[rank]


def summary_ms(latencies_s: Sequence[float]) -> dict[str, float]:
    values = sorted(latencies_s)
    return {
        "count": len(values),
        "p50_ms": round(percentile(values, 0.50) * 1000, 1),
        "p95_ms": round(percentile(values, 0.95) * 1000, 1),
        "p99_ms": round(percentile(values, 0.99) * 1000, 1),
        "max_ms": round((values[-1] if values else float("nan")) * 1000, 1),
    }


def machine() -> dict[str, Any]:
    """The machine a figure was measured on, and how busy it was (other work shares the cores)."""
    model = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "loadavg_1_5_15": [round(x, 2) for x in load],
        "python": platform.python_version(),
        "utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
