"""Request weight per one-minute window in Redis (Binance's REQUEST_WEIGHT 1M limiter)."""

from functools import lru_cache

import redis

from castle.ports.auth import WeightCounterError
from castle.settings import get_settings

_WINDOW_MS = 60_000


class RedisWeightCounter:
    def __init__(self, client: "redis.Redis") -> None:
        self._client = client

    def add(self, bucket: str, weight: int, now_ms: int) -> int:
        window = now_ms // _WINDOW_MS
        key = f"castle:weight:{bucket}:{window}"
        try:
            pipe = self._client.pipeline(transaction=True)
            pipe.incrby(key, weight)
            pipe.expire(key, 61)
            total, _ = pipe.execute()
        except redis.RedisError as exc:
            raise WeightCounterError(str(exc)) from exc
        return int(total)


@lru_cache(maxsize=1)
def get_weight_counter() -> RedisWeightCounter:
    client = redis.Redis.from_url(get_settings().redis_url, socket_timeout=0.2, socket_connect_timeout=0.2)
    return RedisWeightCounter(client)
