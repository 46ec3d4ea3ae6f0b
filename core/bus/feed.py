"""The feed: this process's gap-free, in-order stream of committed events.

Sources, any of which may lose, repeat or reorder: the local commit (fast path), the bus (other
processes) and the journal itself (the truth). The feed delivers seq head+1 and nothing else; a
hole is filled from the journal before anything after it is delivered; a repeat is dropped. A
watchdog compares the head with the journal's: every `head_check_interval_s` while the bus is
healthy (catches silent loss), every `tail_interval_s` while it is not (tailing).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from core import metrics
from core.bus.base import Bus
from core.db import Database
from core.journal import service as journal
from core.journal.events import CommittedEvent

log = logging.getLogger("yingji.feed")

Listener = Callable[[CommittedEvent], None]


class EventFeed:
    def __init__(self, db: Database, bus: Bus, *, head_check_interval_s: float = 1.0,
                 tail_interval_s: float = 0.1) -> None:
        self.db = db
        self.bus = bus
        self.head = 0
        self.head_check_interval_s = head_check_interval_s
        self.tail_interval_s = tail_interval_s
        self._listeners: list[Listener] = []
        self._lock = asyncio.Lock()
        self._watchdog: asyncio.Task[None] | None = None
        self._suspect: int = 0  # a journal head seen at the last check that we had not delivered
        self.filled = 0  # events that came from the journal rather than a message (observability)
        self.last_progress = time.monotonic()

    def subscribe(self, listener: Listener) -> None:
        """`listener` is called synchronously, once per event, in seq order. It must not block."""
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    async def start(self) -> None:
        async with self.db.read() as session:
            self.head = await journal.head(session)
        self.db.on_commit(self._on_local_commit)
        await self.bus.start(self._on_bus_doc, self._on_bus_state)
        self._watchdog = asyncio.create_task(self._watch(), name="feed-watchdog")

    async def stop(self) -> None:
        self.db.remove_listener(self._on_local_commit)
        if self._watchdog:
            self._watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watchdog
        await self.bus.stop()

    async def _on_local_commit(self, events: list[CommittedEvent]) -> None:
        # To the bus before this process's own fan-out: the other processes' screens need not wait
        # for ours (a fan-out to hundreds of sockets holds the loop for milliseconds). `publish` only
        # queues them for the bus's publisher task; two turns of the loop let that task wake and
        # write them to Redis. Should it need more, the fan-out simply goes first, as it always did.
        await self.bus.publish([ev.doc for ev in events])
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        await self.offer(events)

    async def _on_bus_doc(self, doc: str) -> None:
        await self.offer([CommittedEvent.from_doc(doc)])

    async def _on_bus_state(self, healthy: bool) -> None:
        log.info("bus %s: %s", self.bus.name, "healthy" if healthy else "down, tailing the journal")
        if healthy:
            await self.catch_up()  # whatever was published while we were not subscribed

    async def offer(self, events: list[CommittedEvent]) -> None:
        async with self._lock:
            for ev in sorted(events, key=lambda e: e.seq):
                if ev.seq <= self.head:
                    continue
                if ev.seq > self.head + 1:
                    await self._fill_locked(upto=ev.seq - 1)
                self._deliver(ev)

    async def catch_up(self) -> None:
        async with self._lock:
            await self._fill_locked(upto=None)

    async def _fill_locked(self, upto: int | None) -> None:
        while True:
            async with self.db.read() as session:
                rows = await journal.read_after(session, since=self.head, upto=upto, limit=1000)
            for _seq, doc in rows:
                self.filled += 1
                metrics.FEED_FILLED.inc()
                self._deliver(CommittedEvent.from_doc(doc))
            if len(rows) < 1000:
                return

    def _deliver(self, ev: CommittedEvent) -> None:
        self.head = ev.seq
        self.last_progress = time.monotonic()
        for listener in self._listeners:
            try:
                listener(ev)
            except Exception:
                log.exception("feed listener failed on seq %s", ev.seq)

    async def _watch(self) -> None:
        while True:
            healthy = self.bus.healthy
            await asyncio.sleep(self.head_check_interval_s if healthy else self.tail_interval_s)
            try:
                async with self.db.read() as session:
                    db_head = await journal.head(session)
                if db_head <= self.head:
                    self._suspect = 0
                elif not self.bus.healthy or (self._suspect and self._suspect <= db_head
                                              and self.head < self._suspect):
                    # Tailing, or an event committed a whole check ago never arrived: read it.
                    await self.catch_up()
                    self._suspect = 0
                else:
                    self._suspect = db_head
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("feed watchdog failed; retrying")
