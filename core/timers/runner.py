"""Claims due timers and fires them, in every process; the fence makes each fire happen once.

Claim: a short transaction moves due rows to `claimed` with a lease and fence+1 (on PostgreSQL
`FOR UPDATE SKIP LOCKED`, so workers do not queue on each other). Fire: the handler runs in a unit
of work that, before commit, marks the timer `fired` only if the fence is still the one claimed;
if it is not (lease expired and another process took over, or the timer was moved or cancelled),
the whole unit of work rolls back and the handler's effects vanish with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update

from core import metrics
from core.db import Database, UnitOfWork
from core.orm import utcnow
from core.timers.models import Timer

log = logging.getLogger("yingji.timers")


@dataclass(frozen=True)
class DueTimer:
    id: str
    kind: str
    ref: str
    fence: int
    payload: dict[str, Any]


# A handler may return a time: the timer is then scheduled again for it (a repeating timer),
# under the same fence rule, instead of being marked fired.
Handler = Callable[[UnitOfWork, DueTimer], Awaitable[datetime | None]]

_handlers: dict[str, Handler] = {}


def handles(kind: str) -> Callable[[Handler], Handler]:
    """Register the handler for a timer kind (domains call this from their flows.py)."""
    def deco(fn: Handler) -> Handler:
        _handlers[kind] = fn
        return fn
    return deco


class FenceLost(Exception):
    pass


class TimerRunner:
    def __init__(self, db: Database, *, poll_interval_s: float = 0.5, lease_s: float = 30.0,
                 batch: int = 50, name: str | None = None,
                 handlers: dict[str, Handler] | None = None) -> None:
        self.db = db
        self.poll_interval_s = poll_interval_s
        self.lease_s = lease_s
        self.batch = batch
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.handlers = handlers if handlers is not None else _handlers
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="timer-runner")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def poke(self) -> None:
        """Look for due timers now rather than at the next poll."""
        self._wake.set()

    async def _loop(self) -> None:
        while True:
            try:
                fired = await self.run_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("timer pass failed")
                fired = 0
            if fired < self.batch:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_interval_s)
                self._wake.clear()

    async def claim(self) -> list[DueTimer]:
        now = utcnow()
        kinds = list(self.handlers)
        if not kinds:
            return []
        due_filter = (Timer.kind.in_(kinds), Timer.due_at <= now,
                      or_(Timer.state == "scheduled", (Timer.state == "claimed") & (Timer.lease_until < now)))
        # A read first: most polls find nothing due and need no write transaction (SQLite has one writer).
        async with self.db.read() as session:
            if (await session.execute(select(Timer.id).where(*due_filter).limit(1))).first() is None:
                return []
        async with self.db.write() as uow:
            stmt = select(Timer.id).where(*due_filter).order_by(Timer.due_at).limit(self.batch)
            if self.db.dialect == "postgresql":
                stmt = stmt.with_for_update(skip_locked=True)
            ids = list((await uow.session.execute(stmt)).scalars())
            if not ids:
                return []
            await uow.session.execute(
                update(Timer).where(Timer.id.in_(ids))
                .values(state="claimed", fence=Timer.fence + 1, claimed_by=self.name,
                        lease_until=now + timedelta(seconds=self.lease_s), attempts=Timer.attempts + 1))
            rows = (await uow.session.execute(select(Timer).where(Timer.id.in_(ids)))).scalars()
            return [DueTimer(id=t.id, kind=t.kind, ref=t.ref, fence=t.fence, payload=dict(t.payload))
                    for t in rows]

    async def fire(self, due: DueTimer) -> bool:
        handler = self.handlers[due.kind]
        try:
            async with self.db.write() as uow:
                again = await handler(uow, due)
                done: dict[str, Any] = ({"state": "scheduled", "due_at": again, "claimed_by": None} if again
                                        else {"state": "fired", "fired_at": utcnow()})
                result = await uow.session.execute(
                    update(Timer).where(Timer.id == due.id, Timer.fence == due.fence, Timer.state == "claimed")
                    .values(lease_until=None, **done))
                if getattr(result, "rowcount", 0) != 1:
                    raise FenceLost(due.id)
        except FenceLost:
            metrics.TIMERS_FIRED.labels(due.kind, "fence_lost").inc()
            log.info("timer %s (%s) was taken over or moved; not firing", due.id, due.kind)
            return False
        except Exception as exc:
            metrics.TIMERS_FIRED.labels(due.kind, "error").inc()
            log.exception("timer %s (%s) failed; will retry", due.id, due.kind)
            async with self.db.write() as uow:
                # Back off: retry after a delay that grows with the attempts, under the same fence rule.
                await uow.session.execute(
                    update(Timer).where(Timer.id == due.id, Timer.fence == due.fence)
                    .values(state="scheduled", last_error=str(exc)[:2000], lease_until=None,
                            due_at=utcnow() + timedelta(seconds=min(300, 5 * (2 ** min(due.fence, 6))))))
            return False
        metrics.TIMERS_FIRED.labels(due.kind, "fired").inc()
        return True

    async def run_due(self) -> int:
        """Claim and fire what is due now; the number fired."""
        fired = 0
        for due in await self.claim():
            if await self.fire(due):
                fired += 1
        return fired
