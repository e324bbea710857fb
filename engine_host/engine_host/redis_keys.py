"""The Redis keys of one engine cluster, all under one prefix."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RedisKeys:
    prefix: str

    @property
    def epoch(self) -> str:
        """Fencing token: INCR'ed by every lease acquisition, never decreases."""
        return f"{self.prefix}:epoch"

    @property
    def lease(self) -> str:
        """The active node's "<node id>|<epoch>", with a TTL the active keeps renewing."""
        return f"{self.prefix}:lease"

    @property
    def journal(self) -> str:
        """Stream of journal entries, entry id "<seq>-0", fields c (command id) and b (body)."""
        return f"{self.prefix}:journal"

    @property
    def snapshot(self) -> str:
        return f"{self.prefix}:snapshot"

    @property
    def published(self) -> str:
        """Highest sequence number whose events are all stored in the event stream."""
        return f"{self.prefix}:published"

    def all(self) -> list[str]:
        return [self.epoch, self.lease, self.journal, self.snapshot, self.published]
