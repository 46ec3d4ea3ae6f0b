"""Tells the database how many live consoles this process holds per unit, so the duty board can show
which duty rooms' terminals are online (duty.board sweeps the reports).

It reports at once when a console connects (coalesced over a moment) and every few seconds besides, as
the heartbeat that keeps its rows fresh. A unit coming online is swept (journaled) at once, so a
superior's board turns "online" within a second; a unit whose consoles went is let go only by the
heartbeat and then the timer's sweep, so a console reloading its page does not flap the board."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections import Counter

from core.db import Database
from duty.board import service as board
from web.live import LiveHub

log = logging.getLogger("yingji.presence")


class PresenceReporter:
    def __init__(self, db: Database, hub: LiveHub, interval_s: float = 10.0, settle_s: float = 0.2) -> None:
        self.db = db
        self.hub = hub
        self.interval_s = interval_s
        self.settle_s = settle_s
        self.process = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._task: asyncio.Task[None] | None = None
        self._last: dict[str, int] | None = None
        self._wake = asyncio.Event()
        hub.on_change.append(self._wake.set)

    def counts(self) -> dict[str, int]:
        return dict(Counter(c.principal.unit_code for c in self.hub.connections if not c.exercise))

    async def report(self, *, heartbeat: bool = True) -> None:
        """The counts as they are; between heartbeats a unit whose consoles all went is still reported as
        before (a page reload is a disconnect and a connect), so only the heartbeat lets it go."""
        counts = self.counts()
        if not heartbeat and self._last:
            counts = {**{u: n for u, n in self._last.items() if u not in counts}, **counts}
        before = set(self._last or {})
        async with self.db.write() as uow:
            await board.record_presence(uow, process=self.process, counts=counts)
        self._last = counts
        if set(counts) - before:  # a unit came online here: say so now, not at the next sweep
            async with self.db.write() as uow:
                await board.sweep(uow, only_online=True)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="presence")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(Exception):
            async with self.db.write() as uow:
                await board.record_presence(uow, process=self.process, counts={})

    async def _loop(self) -> None:
        woken = False
        while True:
            try:
                await self.report(heartbeat=not woken)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("presence report failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval_s)
            woken = self._wake.is_set()
            if woken:
                await asyncio.sleep(self.settle_s)  # a burst of connects (a page load) is one report
            self._wake.clear()
