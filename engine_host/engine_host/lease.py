"""The active node's lease: a Redis key with a TTL, fenced by a monotonically increasing epoch.

Acquiring the lease INCRs the epoch; every write the active makes afterwards (journal tail, snapshot,
published mark) runs in a Lua script that first checks the epoch is still its own, and the host
checks it again before each publish. So an old active that was paused (GC, SIGSTOP, a slow disk)
while another node took over fails its next write instead of publishing.
"""

import redis

from engine_host.redis_keys import RedisKeys


class FencedError(RuntimeError):
    """Another node took over (the epoch moved on): this node must stop acting as the active."""


_ACQUIRE = """
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local epoch = redis.call('INCR', KEYS[1])
redis.call('SET', KEYS[2], ARGV[1] .. '|' .. epoch, 'PX', ARGV[2])
return epoch
"""

# Renew our own lease; if it merely expired and nobody took over (epoch unchanged), take it back.
_RENEW = """
local mine = ARGV[1] .. '|' .. ARGV[2]
local holder = redis.call('GET', KEYS[2])
if holder == mine then
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
  return 1
end
if not holder and redis.call('GET', KEYS[1]) == ARGV[2] then
  redis.call('SET', KEYS[2], mine, 'PX', ARGV[3])
  return 1
end
return 0
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisLease:
    def __init__(self, client: "redis.Redis", keys: RedisKeys, node_id: str, ttl_ms: int) -> None:
        self._client = client
        self._keys = keys
        self.node_id = node_id
        self.ttl_ms = ttl_ms
        self._acquire = client.register_script(_ACQUIRE)
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)

    def try_acquire(self) -> int | None:
        """The new epoch if the lease was free and is now ours, else None."""
        keys = [self._keys.epoch, self._keys.lease]
        epoch = int(self._acquire(keys=keys, args=[self.node_id, self.ttl_ms]))
        return epoch or None

    def renew(self, epoch: int) -> bool:
        renewed = self._renew(
            keys=[self._keys.epoch, self._keys.lease], args=[self.node_id, epoch, self.ttl_ms]
        )
        return bool(renewed)

    def release(self, epoch: int) -> None:
        self._release(keys=[self._keys.lease], args=[f"{self.node_id}|{epoch}"])

    def holder(self) -> str | None:
        value = self._client.get(self._keys.lease)
        return value.decode() if isinstance(value, bytes) else None

    def current_epoch(self) -> int:
        value = self._client.get(self._keys.epoch)
        return int(value) if value is not None else 0

    def check_fence(self, epoch: int) -> None:
        if self.current_epoch() != epoch:
            raise FencedError(f"epoch {epoch} was fenced off by a takeover")
