"""Fixtures of the engine host tests: a moto server (SQS FIFO + Kinesis) and the real local Redis
under a unique key prefix per test."""

import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
import httpx
import pytest
import redis

from engine_host.redis_keys import RedisKeys
from tests.functional.engine_host.support import EngineAwsResources, create_resources, free_port

MOTO_SERVER_MODULE = "tests.functional.engine_host.moto_fifo_server"
REPO_ROOT = Path(__file__).resolve().parents[3]

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient
    from mypy_boto3_sqs import SQSClient


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """moto in its own process: its FIFO bookkeeping is CPU-heavy and must not share our GIL."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", MOTO_SERVER_MODULE, "-H", "127.0.0.1", "-p", f"{port}"],
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{endpoint}/moto-api/", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.05)
        yield endpoint
    finally:
        server.terminate()
        server.wait(10)


@pytest.fixture
def sqs(moto_endpoint: str) -> "SQSClient":
    return boto3.client("sqs", endpoint_url=moto_endpoint, region_name="us-east-1")


@pytest.fixture
def kinesis(moto_endpoint: str) -> "KinesisClient":
    return boto3.client("kinesis", endpoint_url=moto_endpoint, region_name="us-east-1")


@pytest.fixture
def aws(sqs: "SQSClient", kinesis: "KinesisClient") -> EngineAwsResources:
    return create_resources(sqs, kinesis)


@pytest.fixture
def redis_client() -> "redis.Redis":
    return redis.Redis.from_url("redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_keys(redis_client: "redis.Redis") -> Iterator[RedisKeys]:
    keys = RedisKeys(f"castle-test:engine:{uuid.uuid4().hex[:12]}")
    yield keys
    redis_client.delete(*keys.all())
