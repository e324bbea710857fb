"""The Redis lease and its epoch fence (real Redis, a unique key prefix per test)."""

import pytest
import redis

from engine_host.journal import JournalEntry
from engine_host.lease import FencedError, RedisLease
from engine_host.redis_keys import RedisKeys
from engine_host.replication import RedisReplicationLog


def test_only_one_node_holds_the_lease_and_each_acquisition_raises_the_epoch(
    redis_client: "redis.Redis", redis_keys: RedisKeys
) -> None:
    a = RedisLease(redis_client, redis_keys, "a", ttl_ms=10_000)
    b = RedisLease(redis_client, redis_keys, "b", ttl_ms=10_000)
    first = a.try_acquire()
    assert first == 1 and b.try_acquire() is None
    a.release(first)
    assert b.try_acquire() == 2
    assert b.holder() == "b|2"


def test_a_paused_old_active_cannot_write_or_publish_after_a_takeover(
    redis_client: "redis.Redis", redis_keys: RedisKeys
) -> None:
    # Given node a is active, then "pauses" past its lease's TTL and node b takes over
    log = RedisReplicationLog(redis_client, redis_keys)
    a = RedisLease(redis_client, redis_keys, "a", ttl_ms=10_000)
    b = RedisLease(redis_client, redis_keys, "b", ttl_ms=10_000)
    old = a.try_acquire()
    assert old is not None
    log.append(old, [JournalEntry(1, "c1", b"{}")])
    redis_client.delete(redis_keys.lease)  # the TTL ran out while a was paused
    new = b.try_acquire()
    assert new == old + 1
    # When a wakes up, every write and the pre-publish check fail; its lease cannot come back
    with pytest.raises(FencedError):
        log.append(old, [JournalEntry(2, "c2", b"{}")])
    with pytest.raises(FencedError):
        log.mark_published(old, 1)
    with pytest.raises(FencedError):
        a.check_fence(old)
    assert a.renew(old) is False
    # Then only b's history exists
    log.append(new, [JournalEntry(2, "c2b", b"{}")])
    assert [e.command_id for e in log.read_after(0)] == ["c1", "c2b"]


def test_an_expired_lease_comes_back_to_its_holder_when_nobody_took_over(
    redis_client: "redis.Redis", redis_keys: RedisKeys
) -> None:
    a = RedisLease(redis_client, redis_keys, "a", ttl_ms=10_000)
    epoch = a.try_acquire()
    assert epoch is not None
    redis_client.delete(redis_keys.lease)
    assert a.renew(epoch) is True
    assert a.holder() == f"a|{epoch}"
