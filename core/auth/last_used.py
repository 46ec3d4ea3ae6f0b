"""API tokens' "last used": noted in memory per request, written in one statement every few seconds.

Writing it on every request (as `touch_token` did) put an UPDATE on every call of a busy
integration, reads included. Here a request only notes the time; the flusher writes what changed
since the last flush, and the row is only updated when it is older than `min_age_s`, so a token
used all day costs one UPDATE a minute. Losing the last few seconds on a crash is acceptable: this
is an observability field, not a state change (no journal event, as before).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, cast
from weakref import WeakKeyDictionary

from sqlalchemy import Table, bindparam, or_, update

from core.auth.models import ApiToken
from core.db import Database
from core.orm import utcnow

log = logging.getLogger("yingji.auth")


class LastUsed:
    def __init__(self, db: Database, *, interval_s: float = 5.0, min_age_s: float = 60.0,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.db = db
        self.interval_s = interval_s
        self.min_age = timedelta(seconds=min_age_s)
        self.clock = clock
        self._pending: dict[str, datetime] = {}
        self._task: asyncio.Task[None] | None = None

    def note(self, token_id: str) -> None:
        """This token was used now. No I/O; starts the flusher on first use."""
        self._pending[token_id] = self.clock()
        if self._task is None or self._task.done():
            with contextlib.suppress(RuntimeError):  # no running loop: flushed by the next caller
                self._task = asyncio.get_running_loop().create_task(self._run(), name="token-last-used")

    async def flush(self) -> int:
        """Write what was noted; the number of tokens written."""
        if not self._pending:
            return 0
        pending, self._pending = self._pending, {}
        rows: list[dict[str, Any]] = [{"tid": tid, "at": at, "cutoff": at - self.min_age}
                                      for tid, at in pending.items()]
        table = cast(Table, ApiToken.__table__)
        # Core, not the ORM's bulk update by primary key: one executemany with the age condition.
        stmt = (update(table)
                .where(table.c.id == bindparam("tid"),
                       or_(table.c.last_used_at.is_(None), table.c.last_used_at < bindparam("cutoff")))
                .values(last_used_at=bindparam("at")))
        try:
            async with self.db.write() as uow:
                conn = await uow.session.connection()
                await conn.execute(stmt, rows)
        except BaseException:
            for tid, at in pending.items():  # keep them for the next flush
                self._pending.setdefault(tid, at)
            raise
        return len(rows)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            try:
                await self.flush()
            except Exception:
                log.exception("could not record tokens' last use")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        with contextlib.suppress(Exception):
            await self.flush()


_trackers: WeakKeyDictionary[Database, LastUsed] = WeakKeyDictionary()


def tracker(db: Database) -> LastUsed:
    """The process's tracker for `db`."""
    found = _trackers.get(db)
    if found is None:
        found = _trackers[db] = LastUsed(db)
    return found
