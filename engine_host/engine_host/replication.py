"""The replicated half of the journal, in Redis: the journal tail, the latest snapshot and the
published mark. The active writes (fenced by its epoch); a standby follows; a node that becomes
active recovers from it.

Order of writes per batch: journal tail (fenced) -> publish -> published mark (fenced). So every
event that may have reached the event stream belongs to an entry in Redis: a node that recovers from
Redis re-creates exactly those events (and re-publishes the ones past the published mark).
Snapshots are only written between batches, when everything journaled is published, so a snapshot's
sequence number never exceeds the published mark.
"""

from collections.abc import Sequence
from typing import Any

import redis

from engine_host.journal import JournalEntry
from engine_host.lease import FencedError
from engine_host.pipeline import snapshot_seq
from engine_host.redis_keys import RedisKeys

_FENCE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return redis.error_reply('FENCED') end
"""

_APPEND = (
    _FENCE
    + """
for i = 2, #ARGV, 3 do
  redis.call('XADD', KEYS[2], ARGV[i], 'c', ARGV[i + 1], 'b', ARGV[i + 2])
end
return 1
"""
)

_SNAPSHOT = (
    _FENCE
    + """
redis.call('SET', KEYS[2], ARGV[2])
if tonumber(ARGV[3]) > 0 then redis.call('XTRIM', KEYS[3], 'MINID', ARGV[3]) end
return 1
"""
)

_PUBLISHED = (
    _FENCE
    + """
local current = tonumber(redis.call('GET', KEYS[2]) or '0')
if tonumber(ARGV[2]) > current then redis.call('SET', KEYS[2], ARGV[2]) end
return 1
"""
)


def _fenced(script: Any, keys: list[str], args: list[Any]) -> None:
    try:
        script(keys=keys, args=args)
    except redis.ResponseError as exc:
        if "FENCED" in str(exc):
            raise FencedError(f"epoch {args[0]} was fenced off by a takeover") from exc
        raise


def _entry(entry_id: bytes, fields: dict[bytes, bytes]) -> JournalEntry:
    return JournalEntry(int(entry_id.split(b"-")[0]), fields[b"c"].decode(), fields[b"b"])


class RedisReplicationLog:
    def __init__(self, client: "redis.Redis", keys: RedisKeys, tail_keep: int = 100_000) -> None:
        self._client = client
        self._keys = keys
        self._tail_keep = tail_keep
        self._append = client.register_script(_APPEND)
        self._snapshot = client.register_script(_SNAPSHOT)
        self._published = client.register_script(_PUBLISHED)

    # ---- writes by the active (fenced) -------------------------------------------------------------
    def append(self, epoch: int, entries: Sequence[JournalEntry]) -> None:
        if not entries:
            return
        args: list[Any] = [epoch]
        for entry in entries:
            args.extend((f"{entry.seq}-0", entry.command_id, entry.body))
        _fenced(self._append, [self._keys.epoch, self._keys.journal], args)

    def write_snapshot(self, epoch: int, snapshot: bytes) -> None:
        trim_below = max(0, snapshot_seq(snapshot) - self._tail_keep)
        _fenced(
            self._snapshot,
            [self._keys.epoch, self._keys.snapshot, self._keys.journal],
            [epoch, snapshot, trim_below],
        )

    def mark_published(self, epoch: int, seq: int) -> None:
        _fenced(self._published, [self._keys.epoch, self._keys.published], [epoch, seq])

    # ---- reads ------------------------------------------------------------------------------------
    def read_snapshot(self) -> bytes | None:
        value = self._client.get(self._keys.snapshot)
        return value if isinstance(value, bytes) else None

    def published_seq(self) -> int:
        value = self._client.get(self._keys.published)
        return int(value) if value is not None else 0

    def read_after(self, seq: int, count: int = 1000, block_ms: int | None = None) -> list[JournalEntry]:
        """Entries with a sequence number above `seq`, oldest first (waits up to block_ms for one)."""
        if block_ms is None:
            rows: Any = self._client.xrange(self._keys.journal, min=f"({seq}-0", max="+", count=count)
            return [_entry(entry_id, fields) for entry_id, fields in rows]
        streams: Any = self._client.xread({self._keys.journal: f"{seq}-0"}, count=count, block=block_ms)
        if not streams:
            return []
        return [_entry(entry_id, fields) for entry_id, fields in streams[0][1]]

    def command_ids_up_to(self, seq: int, count: int) -> list[str]:
        """Command ids of the (at most `count`) entries at or below `seq`, oldest first."""
        rows: Any = self._client.xrevrange(self._keys.journal, max=f"{seq}-0", min="-", count=count)
        return [fields[b"c"].decode() for _, fields in reversed(rows)]

    def last_seq(self) -> int:
        rows: Any = self._client.xrevrange(self._keys.journal, count=1)
        return int(rows[0][0].split(b"-")[0]) if rows else 0

    def is_empty(self) -> bool:
        return self.read_snapshot() is None and self.last_seq() == 0
