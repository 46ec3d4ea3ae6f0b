"""Tells the database, every few seconds, how many live consoles this process holds per unit, so
the duty board can show which duty rooms' terminals are online (duty.board sweeps the reports)."""

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
    def __init__(self, db: Database, hub: LiveHub, interval_s: float = 10.0) -> None:
        self.db = db
        self.hub = hub
        self.interval_s = interval_s
        self.process = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._task: asyncio.Task[None] | None = None
        self._last: dict[str, int] | None = None

    def counts(self) -> dict[str, int]:
        return dict(Counter(c.principal.unit_code for c in self.hub.connections if not c.exercise))

    async def report(self) -> None:
        counts = self.counts()
        async with self.db.write() as uow:
            await board.record_presence(uow, process=self.process, counts=counts)
        self._last = counts

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
        while True:
            try:
                await self.report()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("presence report failed")
            await asyncio.sleep(self.interval_s)
