"""`castle` — the exchange on one machine.

castle up [--demo] [--port 8080]   start everything; Ctrl-C stops it all
castle status [--port 8080]        what a running `castle up` is doing
castle seed [--port 8080]          demo users and balances in a running stack
castle bench [args...]             the benchmark scripts (scripts/bench*.py|sh), when present
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from castle_local.demo import DEMO_PASSWORD
from castle_local.services import DependencyError
from castle_local.stack import LocalStack, PortTakenError, StackConfig

BLUE = "\033[1;34m" if sys.stdout.isatty() else ""
RESET = "\033[0m" if sys.stdout.isatty() else ""


def say(message: str) -> None:
    # The real terminal even when handler output (sys.stdout) goes to the functions log.
    print(f"{BLUE}castle:{RESET} {message}", file=sys.__stdout__, flush=True)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="castle",
        description="Castle, a Binance-style spot exchange, run locally: no AWS account, no Docker.",
    )
    commands = root.add_subparsers(dest="command", metavar="COMMAND")

    up = commands.add_parser("up", help="start the whole exchange on this machine (Ctrl-C stops it)")
    up.add_argument("--demo", action="store_true", help="seed demo users and run market makers and takers")
    up.add_argument("--port", type=int, default=8080, help="HTTP + WebSocket port of the API and UI (8080)")
    up.add_argument("--aws-port", type=int, default=None, help="moto's port (default 4566, or any free port)")
    up.add_argument(
        "--stage", default=None, help="template Stage parameter (default: the template's default)"
    )
    up.add_argument("--state-dir", type=Path, default=None, help="local state (default .castle/local)")
    up.add_argument("--no-engine", action="store_true", help="do not start the engine host processes")
    up.add_argument("--verbose", "-v", action="store_true", help="handlers log at INFO")
    up.add_argument("--demo-rate", type=float, default=4.0, help="demo orders per second (4)")
    up.add_argument(
        "--api-workers",
        type=int,
        default=StackConfig.api_workers,
        help="worker processes running the API's functions, like Lambda containers "
        f"(default {StackConfig.api_workers}; 0: in this process, one request at a time)",
    )

    status = commands.add_parser("status", help="show what a running `castle up` is doing")
    status.add_argument("--port", type=int, default=8080)
    status.add_argument("--json", action="store_true", help="the raw status document")

    seed = commands.add_parser("seed", help="create demo users with balances in a running stack")
    seed.add_argument("--port", type=int, default=8080)

    bench = commands.add_parser("bench", help="run the benchmarks (bench/*_bench.py): all, or one by name")
    bench.add_argument("--port", type=int, default=8080, help="stack for HTTP benchmarks (CASTLE_URL)")
    bench.add_argument("args", nargs=argparse.REMAINDER, help="[NAME] [arguments for the benchmark]")
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "up":
        return command_up(args)
    if args.command == "status":
        return command_status(args.port, as_json=args.json)
    if args.command == "seed":
        return command_seed(args.port)
    if args.command == "bench":
        return command_bench(args.port, args.args)
    parser().print_help()
    return 0


# ---- up -----------------------------------------------------------------------------------------
def command_up(args: argparse.Namespace) -> int:
    config = StackConfig(
        port=args.port,
        aws_port=args.aws_port,
        stage=args.stage,
        engine=not args.no_engine,
        verbose=args.verbose,
        state_dir=args.state_dir,
        api_workers=args.api_workers,
    )
    stack = LocalStack(config, say=say)
    try:
        return asyncio.run(run_stack(stack, demo=args.demo, demo_rate=args.demo_rate))
    except (PortTakenError, DependencyError) as exc:
        say(f"error: {exc}")
        return 2
    except KeyboardInterrupt:
        return 130


async def run_stack(stack: LocalStack, *, demo: bool, demo_rate: float) -> int:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    demo_runner: Any = None
    try:
        await loop.run_in_executor(None, stack.start_services)
        await stack.start_gateway()
        for notice in stack.state.notices:
            say(f"notice: {notice}")
        say(f"ready: {stack.url}  (API {stack.url}/api/v3, WebSocket ws://127.0.0.1:{stack.config.port}/ws)")
        if demo:
            from castle_local.demo import DemoMarket

            demo_runner = DemoMarket(stack.url, rate_per_s=demo_rate, say=say)
            await loop.run_in_executor(None, demo_runner.seed)
            demo_runner.start()
            say(f"demo: log in at {stack.url} as {demo_runner.trader_login}")
        say("press Ctrl-C to stop")
        while not stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), timeout=1.0)
            if demo_runner is not None and sys.__stdout__ is not None and sys.__stdout__.isatty():
                print("\r" + demo_runner.status_line(stack), end="", file=sys.__stdout__, flush=True)
            elif demo_runner is not None and int(time.time()) % 10 == 0:
                say(demo_runner.status_line(stack))
    finally:
        started = stack.moto is not None
        if started:
            print(file=sys.__stdout__, flush=True)
            say("stopping")
        if demo_runner is not None:
            demo_runner.stop()
        await stack.stop_gateway()
        await loop.run_in_executor(None, stack.stop_services)
        if started:
            say("stopped")
    return 0


# ---- status, seed, bench ------------------------------------------------------------------------
def fetch_status(port: int) -> dict[str, Any] | None:
    try:
        answer = httpx.get(f"http://127.0.0.1:{port}/_castle/status", timeout=3)
    except httpx.HTTPError:
        return None
    result: dict[str, Any] = answer.json()
    return result


def command_status(port: int, *, as_json: bool) -> int:
    status = fetch_status(port)
    if status is None:
        say(f"nothing is running on 127.0.0.1:{port} (start it with `castle up`)")
        return 1
    if as_json:
        print(json.dumps(status, indent=2))
        return 0
    say(f"up {status['uptime_s']}s at {status['url']}, AWS endpoint {status['aws_endpoint']}")
    say(f"database: {status['database']}, redis: {status['redis']}")
    say(f"resources: {len(status['resources'])} created, {len(status['unresolved'])} unresolved")
    say(f"requests: {status['requests']}, WebSocket connections: {status['connections']}")
    busy = {k: v for k, v in status["invocations"].items() if v}
    say(f"invocations: {busy or 'none yet'}")
    for host in status["engine_hosts"]:
        say(
            f"engine {host['node']} ({host['role']}): "
            f"{'alive' if host['alive'] else 'stopped'} {host['health']}"
        )
    for name, problem in status["broken_functions"].items():
        say(f"broken: {name}: {problem}")
    return 0


def command_seed(port: int) -> int:
    if fetch_status(port) is None:
        say(f"nothing is running on 127.0.0.1:{port} (start it with `castle up`)")
        return 1
    answer = httpx.post(f"http://127.0.0.1:{port}/_castle/seed", timeout=60)
    if answer.status_code != 200:
        say(f"seeding failed: {answer.json().get('msg', answer.text)}")
        return 1
    say(f"seeded: demo users (password {DEMO_PASSWORD}) with balances")
    return 0


def bench_scripts(root: Path) -> dict[str, Path]:
    """bench/<name>_bench.py (or bench/<name>.py) and scripts/bench*.{py,sh}, by short name."""
    found: dict[str, Path] = {}
    for path in sorted([*(root / "bench").glob("*.py"), *(root / "scripts").glob("bench*")]):
        if path.suffix in (".py", ".sh") and not path.name.startswith("_"):
            found[path.stem.removesuffix("_bench").removeprefix("bench_")] = path
    return found


def command_bench(port: int, extra: list[str]) -> int:
    root = Path(__file__).resolve().parents[2]
    scripts = bench_scripts(root)
    if not scripts:
        say("no benchmarks yet (bench/<name>_bench.py)")
        return 1
    if extra and extra[0] in scripts:
        chosen, extra = {extra[0]: scripts[extra[0]]}, extra[1:]
    elif extra and not extra[0].startswith("-"):
        say(f"unknown benchmark {extra[0]!r}; available: {', '.join(scripts)}")
        return 2
    else:
        chosen = scripts
    pythonpath = os.pathsep.join([str(root), str(root / "functions"), os.environ.get("PYTHONPATH", "")])
    env = {
        **os.environ,
        "CASTLE_URL": f"http://127.0.0.1:{port}",
        "PYTHONPATH": pythonpath.rstrip(os.pathsep),
    }
    for name, script in chosen.items():
        say(f"bench {name}: {script.relative_to(root)} {' '.join(extra)}")
        command = [sys.executable, str(script)] if script.suffix == ".py" else ["bash", str(script)]
        result = subprocess.run([*command, *extra], env=env, cwd=root, check=False)
        if result.returncode != 0:
            return result.returncode
    return 0
