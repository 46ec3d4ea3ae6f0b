"""Engines, sessions and the unit of work: the only way code reaches the database.

Services receive a `UnitOfWork` first. It wraps one transaction; the events a service emits are
appended to the journal inside that transaction at commit, and handed to the bus after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from contextvars import ContextVar, Token
from types import TracebackType
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    AsyncSessionTransaction,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool

from core import metrics, sqlite_inline
from core.journal import catalogue
from core.journal import service as journal
from core.journal.events import Actor, CommittedEvent, PendingEvent

log = logging.getLogger("yingji.db")

CommitListener = Callable[[list[CommittedEvent]], Awaitable[None]]


def _sqlite_engine(url: str, *, immediate: bool) -> AsyncEngine:
    path = make_url(url).database or ""
    # YINGJI_SQLITE_INLINE=0 goes back to aiosqlite's thread (A/B comparisons, a suspected driver bug).
    inline = (path not in ("", ":memory:") and not path.startswith("file:")
              and os.environ.get("YINGJI_SQLITE_INLINE", "1") != "0")
    if inline:  # statements run on the loop (core.sqlite_inline says why); busy waits are async
        engine = create_async_engine(url, async_creator=sqlite_inline.creator(str(path)), pool_pre_ping=False)
    else:
        engine = create_async_engine(url, connect_args={"timeout": 30}, pool_pre_ping=False)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control from the driver so BEGIN is ours (IMMEDIATE for writers).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={0 if inline else 30000}")
        cur.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Database:
    def __init__(self, url: str, *, pool_size: int = 10, max_batch: int = 200,
                 max_batch_s: float = 0.025) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            self.write_engine = _sqlite_engine(url, immediate=True)
            self.read_engine = _sqlite_engine(url, immediate=False)
        else:
            self.write_engine = create_async_engine(url, pool_size=pool_size, max_overflow=pool_size * 2,
                                                    pool_pre_ping=True)
            self.read_engine = self.write_engine
        self._write_sessions = async_sessionmaker(self.write_engine, expire_on_commit=False)
        self._read_sessions = async_sessionmaker(self.read_engine, expire_on_commit=False)
        self.writer = GroupWriter(self, max_batch=max_batch, max_batch_s=max_batch_s)
        self._listeners: list[CommitListener] = []

    @property
    def dialect(self) -> str:
        return self.write_engine.dialect.name

    def on_commit(self, listener: CommitListener) -> None:
        """Called with the committed events after every commit that appended any."""
        self._listeners.append(listener)

    def remove_listener(self, listener: CommitListener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._read_sessions() as session, session.begin():
            yield session

    def write(self, actor: Actor | None = None) -> UnitOfWork:
        return UnitOfWork(self, actor)

    async def publish(self, events: list[CommittedEvent]) -> None:
        for listener in list(self._listeners):
            try:
                await listener(events)
            except Exception:  # a listener failing must never undo a commit; the feed catches up
                log.exception("commit listener failed")

    async def dispose(self) -> None:
        await self.writer.stop()
        await self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            await self.read_engine.dispose()


# The unit of work whose body is running in this task (a nested `db.write()` would wait for itself).
_current: ContextVar[UnitOfWork | None] = ContextVar("yingji_current_uow", default=None)


class UnitOfWork:
    """One unit of work, with the events it emits. Use as `async with db.write(actor) as uow:`.

    Its body runs inside a savepoint of the transaction the process's `GroupWriter` holds for the
    units ready together; `async with` returns once that transaction has committed (and its events
    were handed to the bus), so a finished block is a durable, published change. An exception in the
    body (or at its flush) rolls back only this unit's savepoint and is re-raised after the batch
    committed, so a retry that lost a race on a unique key finds the winner's row.
    """

    def __init__(self, db: Database, actor: Actor | None) -> None:
        self.db = db
        self.actor = actor
        self._events: list[PendingEvent] = []
        self._after_commit: list[Callable[[], Awaitable[None]]] = []
        self.committed: list[CommittedEvent] = []
        self._session: AsyncSession | None = None
        self._nested: AsyncSessionTransaction | None = None
        self._token: Token[UnitOfWork | None] | None = None
        # Made on entry, in the loop that runs the unit (a unit of work may be built outside one).
        self._turn: asyncio.Future[None]  # writer → unit: your savepoint is open
        self._turn_done: asyncio.Future[bool]  # unit → writer: released (True) or rolled back
        self._result: asyncio.Future[None]  # writer → unit: the batch committed (or why not)

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("unit of work used outside its `async with`")
        return self._session

    def emit(self, type: str, *, subject: tuple[str, str], scope: Iterable[str],
             data: dict[str, Any] | None = None, exercise: bool = False) -> None:
        """Record that something changed. Appended to the journal in this transaction."""
        scope_t = tuple(scope)
        if not scope_t:
            raise ValueError(f"event {type} has no scope: nobody could see it")
        catalogue.check(type, data or {})
        self._events.append(PendingEvent(type=type, subject_kind=subject[0], subject_id=subject[1],
                                         scope=scope_t, data=data or {}, exercise=exercise))

    def after_commit(self, fn: Callable[[], Awaitable[None]]) -> None:
        self._after_commit.append(fn)

    async def __aenter__(self) -> UnitOfWork:
        outer = _current.get()
        if outer is not None and outer.db is self.db and outer._session is not None:
            raise RuntimeError("db.write() inside another unit of work of the same database would wait "
                               "for itself; pass the outer unit of work down instead")
        loop = asyncio.get_running_loop()
        self._turn, self._turn_done, self._result = loop.create_future(), loop.create_future(), loop.create_future()
        self.db.writer.enqueue(self)
        try:
            await self._turn
        except BaseException:
            if self._turn.done() and not self._turn.cancelled() and self._turn.exception() is None:
                # The writer opened our savepoint just as we were cancelled: give it back.
                await self._finish(ok=False)
            raise
        self._token = _current.set(self)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        failure: BaseException | None = None
        if exc_type is None:
            try:
                await self.session.flush()
            except BaseException as flush_exc:
                failure = flush_exc
        failure = await self._finish(ok=exc_type is None and failure is None) or failure
        # Shielded: a cancelled request must not forget whether its change committed.
        await asyncio.shield(self._result)
        if failure is not None:
            raise failure
        if exc_type is not None:
            return
        for fn in self._after_commit:
            try:
                await fn()
            except Exception:
                log.exception("after-commit hook failed")

    async def _finish(self, *, ok: bool) -> BaseException | None:
        """Release or roll back this unit's savepoint and hand the transaction back to the writer;
        the error of a release that failed (the unit is then rolled back)."""
        if self._token is not None:
            _current.reset(self._token)
            self._token = None
        nested, session = self._nested, self._session
        failure: BaseException | None = None
        try:
            if nested is not None and ok:
                try:
                    await nested.commit()
                except BaseException as exc:
                    ok, failure = False, exc
            if nested is not None and not ok:
                # Also when the flush already deactivated it: the savepoint itself must go.
                await nested.rollback()
        except BaseException as exc:
            ok, failure = False, failure or exc
        finally:
            if session is not None:
                # Like a closed session: this unit's objects stay readable (loaded attributes) but
                # are not shared with the next unit of the batch.
                session.expunge_all()
            self._session = self._nested = None
            if not self._turn_done.done():
                self._turn_done.set_result(ok)
        return failure


class GroupWriter:
    """The one writer of a Database in this process: group commit.

    Units of work queue here. The writer opens one transaction, gives each queued unit in turn a
    savepoint to run its body in (a failing unit rolls back alone), appends every unit's events to
    the journal in one statement, commits once and wakes them all. A batch ends when the queue is
    empty, after `max_batch` units or after `max_batch_s` of work, so one burst cannot delay the
    first unit's answer without bound. One transaction per batch instead of one per request is what
    makes a burst of concurrent writes cheap; running the bodies one after another costs nothing on
    SQLite (one writer anyway) and keeps the PostgreSQL journal lock held only for append + commit.
    """

    def __init__(self, db: Database, *, max_batch: int, max_batch_s: float) -> None:
        self.db = db
        self.max_batch = max_batch
        self.max_batch_s = max_batch_s
        self._queue: deque[UnitOfWork] = deque()
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self.batches = 0  # observability: transactions committed, and units in them
        self.units = 0

    def enqueue(self, uow: UnitOfWork) -> None:
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._task.get_loop() is not loop:
            self._wake = asyncio.Event()
            self._task = loop.create_task(self._run(), name="db-group-writer")
        self._queue.append(uow)
        assert self._wake is not None
        self._wake.set()

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None or task.done():
            return
        try:
            same_loop = task.get_loop() is asyncio.get_running_loop()
        except RuntimeError:
            same_loop = False
        if same_loop:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        while self._queue:  # nobody will give these a turn any more
            uow = self._queue.popleft()
            if not uow._turn.done():
                uow._turn.set_exception(RuntimeError("the database was closed"))

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                try:
                    await self._batch()
                except asyncio.CancelledError:
                    raise
                except Exception:  # the batch's units already have their error; keep serving
                    log.exception("group commit failed")

    def _next(self) -> UnitOfWork | None:
        while self._queue:
            uow = self._queue.popleft()
            if not uow._turn.cancelled():
                return uow
        return None

    async def _batch(self) -> None:
        first = self._next()
        if first is None:
            return
        ran: list[UnitOfWork] = []  # every unit given a turn: all are woken after the commit
        done: list[UnitOfWork] = []  # those whose savepoint was released
        session = self.db._write_sessions()
        try:
            try:
                await session.begin()
            except BaseException as exc:
                first._turn.set_exception(exc)
                raise
            started = time.monotonic()
            uow: UnitOfWork | None = first
            while uow is not None:
                try:
                    nested = await session.begin_nested()
                except BaseException as exc:
                    uow._turn.set_exception(exc)
                    raise
                uow._session, uow._nested = session, nested
                ran.append(uow)
                uow._turn.set_result(None)
                if await uow._turn_done:
                    done.append(uow)
                if len(ran) >= self.max_batch or time.monotonic() - started >= self.max_batch_s:
                    break
                uow = self._next()
            results = await journal.append_batch(session, [(u._events, u.actor) for u in done])
            await session.commit()
        except BaseException as exc:
            with contextlib.suppress(Exception):
                await session.rollback()
            for u in ran:
                if not u._result.done():
                    u._result.set_exception(exc if isinstance(exc, Exception) else RuntimeError("writer stopped"))
            raise
        finally:
            await session.close()
        self.batches += 1
        self.units += len(done)
        metrics.GROUP_COMMIT_BATCHES.inc()
        metrics.GROUP_COMMIT_UNITS.inc(len(done))
        events: list[CommittedEvent] = []
        for u, committed in zip(done, results, strict=True):
            u.committed = committed
            events.extend(committed)
        if events:
            await self.db.publish(events)
        for u in ran:
            if not u._result.done():
                u._result.set_result(None)


# NullPool is re-exported for tools (backup, migrations) that want a connection of their own.
__all__ = ["Database", "GroupWriter", "NullPool", "UnitOfWork"]
