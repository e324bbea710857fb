"""The engine host's life cycle: follow as a standby, take the lease, run as the active, hand over.

Active, per batch of received messages:
  poison -> DLQ;  process (decode, de-dup, number, match, encode)
  -> local journal append + fsync -> Redis journal tail (fenced) -> fence check -> publish events
  -> published mark (fenced) -> acknowledge (delete) the messages.
Between batches: a snapshot to Redis every `snapshot_interval_ms` (only when something changed; and
never more than ~10% of the time), a local snapshot now and then, EMF metrics.

Standby: restore the Redis snapshot, then apply the journal tail as it grows, keeping the events of
entries past the published mark. When the lease is free it takes it (a new epoch fences the old
active off), applies the rest of the tail, re-publishes the unconfirmed events (consumers de-dup by
seq) and becomes the active. A restarted node is a standby first, so a crash restart and a failover
share one recovery path. If Redis holds nothing at all, the new active recovers from its local
journal instead.
"""

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from castle.gc_tuning import FreezeEvery, freeze_long_lived
from engine_host.engine_adapter import EngineAdapter
from engine_host.health import HostStatus
from engine_host.journal import LocalJournal
from engine_host.lease import FencedError, RedisLease
from engine_host.observability import HostMetrics, logger
from engine_host.pipeline import CommandPipeline, JournalGapError, snapshot_seq
from engine_host.replication import RedisReplicationLog
from engine_host.transport import CommandSource, EventSink, OutboundRecord, ReceivedMessage


@dataclass(frozen=True)
class HostTimings:
    lease_renew_ms: int = 500
    snapshot_interval_ms: int = 50
    local_snapshot_interval_ms: int = 5000
    standby_poll_ms: int = 20
    receive_wait_seconds: int = 1
    metrics_flush_ms: int = 10000
    # A "standby" node lets a starting "active" take the lease first.
    initial_standby_grace_ms: int = 0


Unconfirmed = deque[tuple[int, list[OutboundRecord]]]


class EngineHost:
    def __init__(
        self,
        node_id: str,
        source: CommandSource,
        sink: EventSink,
        replication: RedisReplicationLog,
        lease: RedisLease,
        journal: LocalJournal,
        timings: HostTimings,
        dedup_window: int = 200_000,
        pipeline_factory: Callable[[], CommandPipeline] | None = None,
        node_group: str = "active",
        freeze_gc: bool = False,
        reserve_orders: int = 0,
    ) -> None:
        self.node_group = node_group
        # Keep the cyclic collector's full collections off the long-lived book (castle.gc_tuning);
        # it changes the whole process, so only the service's own process turns it on.
        self._freezer = FreezeEvery() if freeze_gc else None
        self.source = source
        self.sink = sink
        self.replication = replication
        self.lease = lease
        self.journal = journal
        self.timings = timings
        self._new_pipeline = pipeline_factory or (
            lambda: CommandPipeline(EngineAdapter(reserve_orders=reserve_orders), dedup_window=dedup_window)
        )
        self._dedup_window = dedup_window
        self.pipeline = self._new_pipeline()
        self.status = HostStatus(node_id=node_id)
        self.metrics = HostMetrics()
        self._stopping = threading.Event()
        self._lease_lost = threading.Event()

    def stop(self) -> None:
        """Graceful stop (SIGTERM): finish the batch in hand, flush, release the lease."""
        self._stopping.set()

    # ---- the life cycle -----------------------------------------------------------------------------
    def run(self) -> None:
        grace_ms = self.timings.initial_standby_grace_ms
        try:
            while not self._stopping.is_set():
                taken = self._follow(grace_ms)
                grace_ms = 0
                if taken is None:
                    break
                epoch, unconfirmed = taken
                try:
                    self._take_over(epoch, unconfirmed)
                    self._serve(epoch)
                except FencedError:
                    logger.warning("fenced off by a takeover: back to standby", extra={"epoch": epoch})
                    self.journal.close()
                    continue
                self._shut_down(epoch)
        finally:
            self.status.role = "stopping"
            self.journal.close()
            self.metrics.flush(self.status.role, self.node_group)

    # ---- standby ------------------------------------------------------------------------------------
    def _follow(self, grace_ms: int) -> tuple[int, Unconfirmed] | None:
        status = self.status
        status.role = "standby"
        status.epoch = 0
        unconfirmed: Unconfirmed = deque()
        self._resync(unconfirmed)  # resets the whole pipeline: a fresh one, or a snapshot's state
        may_take_over_at = time.monotonic() + grace_ms / 1000
        next_flush = time.monotonic() + self.timings.metrics_flush_ms / 1000
        while not self._stopping.is_set():
            self._catch_up(unconfirmed, block_ms=self.timings.standby_poll_ms)
            status.beat()
            now = time.monotonic()
            if self._freezer is not None:
                self._freezer.tick(now)
            if now >= next_flush:
                self.metrics.flush("standby", self.node_group)
                next_flush = now + self.timings.metrics_flush_ms / 1000
            if now >= may_take_over_at and self.lease.holder() is None:
                epoch = self.lease.try_acquire()
                if epoch is not None:
                    return epoch, unconfirmed
        return None

    def _replace_pipeline(self) -> None:
        """A fresh pipeline (an empty book). The old one's books are released: their orders are
        invisible to the cyclic garbage collector and would otherwise never be freed."""
        self.pipeline.release()
        self.pipeline = self._new_pipeline()

    def _resync(self, unconfirmed: Unconfirmed) -> None:
        """Start over from the Redis snapshot (at start, or after the journal tail was trimmed past us)."""
        snapshot = self.replication.read_snapshot()
        unconfirmed.clear()
        if snapshot is None:
            if not self.pipeline.untouched:  # at start-up it is the one __init__ built: keep it
                self._replace_pipeline()
        else:
            seq = snapshot_seq(snapshot)
            self.pipeline.restore(snapshot, self.replication.command_ids_up_to(seq, self._dedup_window))
            logger.info("restored snapshot", extra={"seq": seq})
        if self._freezer is not None:
            # A full collection now (off the active path), then the restored book is never scanned again.
            freeze_long_lived(full_sweep_every=0)

    def _catch_up(self, unconfirmed: Unconfirmed, block_ms: int | None) -> None:
        """Apply the journal entries Redis has beyond our state; keep the events not yet published."""
        pipeline = self.pipeline
        while True:
            entries = self.replication.read_after(pipeline.last_seq, count=1000, block_ms=block_ms)
            if not entries:
                break
            try:
                unconfirmed.extend(pipeline.replay(entries))
            except JournalGapError:
                logger.warning("journal tail trimmed past us: resync", extra={"seq": pipeline.last_seq})
                self._resync(unconfirmed)
                pipeline = self.pipeline
                continue
            block_ms = None
            if len(entries) < 1000:
                break
        published = self.replication.published_seq()
        while unconfirmed and unconfirmed[0][0] <= published:
            unconfirmed.popleft()
        self.status.last_seq = pipeline.last_seq
        self.status.published_seq = published
        self.status.lag_entries = max(0, self.replication.last_seq() - pipeline.last_seq)

    # ---- takeover -----------------------------------------------------------------------------------
    def _take_over(self, epoch: int, unconfirmed: Unconfirmed) -> None:
        started = time.monotonic()
        self.status.epoch = epoch
        self._lease_lost.clear()
        # The old active can no longer append (fenced): what Redis has now is the whole history.
        self._catch_up(unconfirmed, block_ms=None)
        if self.pipeline.last_seq == 0 and self.replication.is_empty():
            self._recover_from_local_journal(unconfirmed)
        records = [record for _, batch in unconfirmed for record in batch]
        if records:
            self.lease.check_fence(epoch)
            self.sink.publish(records)
        self.replication.mark_published(epoch, self.pipeline.last_seq)
        snapshot = self.pipeline.snapshot()
        self.replication.write_snapshot(epoch, snapshot)
        self.journal.reset(snapshot)
        self.status.role = "active"
        self.status.became_active_at = time.time()
        self.status.published_seq = self.pipeline.last_seq
        self.status.lag_entries = 0
        logger.info(
            "active",
            extra={
                "epoch": epoch,
                "seq": self.pipeline.last_seq,
                "republished": len(records),
                "takeover_ms": round((time.monotonic() - started) * 1000, 1),
            },
        )

    def _recover_from_local_journal(self, unconfirmed: Unconfirmed) -> None:
        contents = self.journal.load()
        if contents.snapshot is None and not contents.entries:
            return
        if contents.snapshot is not None:
            seq = snapshot_seq(contents.snapshot)
            recent = [e.command_id for e in (*contents.previous, *contents.entries) if e.seq <= seq]
            self.pipeline.restore(contents.snapshot, recent[-self._dedup_window :])
        unconfirmed.clear()
        unconfirmed.extend(self.pipeline.replay(contents.entries))
        seq = self.pipeline.last_seq
        logger.warning("Redis was empty: recovered from the local journal", extra={"seq": seq})

    # ---- active -------------------------------------------------------------------------------------
    def _serve(self, epoch: int) -> None:
        renewer = threading.Thread(target=self._renew_lease, args=(epoch,), name="lease", daemon=True)
        renewer.start()
        timings = self.timings
        pipeline = self.pipeline
        status = self.status
        snapshot_every = timings.snapshot_interval_ms / 1000
        next_snapshot = next_local_snapshot = next_flush = time.monotonic()
        next_local_snapshot += timings.local_snapshot_interval_ms / 1000
        next_flush += timings.metrics_flush_ms / 1000
        dirty = False
        while not self._stopping.is_set():
            if self._lease_lost.is_set():
                raise FencedError(f"lease of epoch {epoch} lost")
            messages = self.source.receive(timings.receive_wait_seconds)
            status.beat()
            if messages:
                self._handle(epoch, messages)
                dirty = dirty or status.last_seq != pipeline.last_seq
                status.last_seq = status.published_seq = pipeline.last_seq
            now = time.monotonic()
            if dirty and now >= next_snapshot:
                started = time.monotonic()
                snapshot = pipeline.snapshot()
                self.replication.write_snapshot(epoch, snapshot)
                spent = time.monotonic() - started
                # Snapshots of a big book are not free: keep them under ~10% of the loop's time.
                next_snapshot = now + max(snapshot_every, 10 * spent)
                dirty = False
                if now >= next_local_snapshot:
                    self.journal.write_snapshot(snapshot)
                    next_local_snapshot = now + timings.local_snapshot_interval_ms / 1000
            if now >= next_flush:
                self.metrics.flush("active", self.node_group)
                next_flush = now + timings.metrics_flush_ms / 1000
            if self._freezer is not None:
                self._freezer.tick(now)

    def _handle(self, epoch: int, messages: list[ReceivedMessage]) -> None:
        result = self.pipeline.process(messages)
        for message, reason in result.poison:
            logger.warning("poison command to the DLQ", extra={"reason": reason, "id": message.message_id})
            self.source.dead_letter(message, reason)
        if result.entries:
            self.journal.append(result.entries)
            self.journal.sync()
            self.replication.append(epoch, result.entries)
            self.lease.check_fence(epoch)
            started = time.perf_counter()
            if result.records:
                self.sink.publish(result.records)
            self.metrics.published((time.perf_counter() - started) * 1000)
            self.replication.mark_published(epoch, result.entries[-1].seq)
        if result.acknowledge:
            self.source.acknowledge(result.acknowledge)
        sent = [m.sent_ms for m in messages if m.sent_ms]
        lag_ms = int(time.time() * 1000) - min(sent) if sent else 0
        self.status.queue_lag_ms = lag_ms
        self.metrics.batch(
            commands=len(result.entries),
            events=len(result.records),
            poison=len(result.poison),
            duplicates=result.duplicates,
            match_ns=result.match_ns,
            queue_lag_ms=lag_ms,
        )

    def _renew_lease(self, epoch: int) -> None:
        interval = self.timings.lease_renew_ms / 1000
        while not self._stopping.is_set() and not self._lease_lost.is_set():
            try:
                if not self.lease.renew(epoch):
                    self._lease_lost.set()
                    return
            except Exception:  # a Redis blip: try again until the TTL runs out
                logger.exception("lease renewal failed")
            self._stopping.wait(interval)

    def _shut_down(self, epoch: int) -> None:
        self.status.role = "stopping"
        try:
            snapshot = self.pipeline.snapshot()
            self.replication.write_snapshot(epoch, snapshot)
            self.journal.write_snapshot(snapshot)
        except FencedError:
            logger.warning("fenced off while stopping", extra={"epoch": epoch})
        self.lease.release(epoch)
        logger.info("stopped and released the lease", extra={"epoch": epoch, "seq": self.pipeline.last_seq})
