"""Engines, sessions and the unit of work: the only way code reaches the database.

Services receive a `UnitOfWork` first. It wraps one transaction; the events a service emits are
appended to the journal inside that transaction at commit, and handed to the bus after it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from core.journal import catalogue
from core.journal import service as journal
from core.journal.events import Actor, CommittedEvent, PendingEvent

log = logging.getLogger("yingji.db")

CommitListener = Callable[[list[CommittedEvent]], Awaitable[None]]


def _sqlite_engine(url: str, *, immediate: bool) -> AsyncEngine:
    engine = create_async_engine(url, connect_args={"timeout": 30}, pool_pre_ping=False)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control from the driver so BEGIN is ours (IMMEDIATE for writers).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Database:
    def __init__(self, url: str, *, pool_size: int = 10) -> None:
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
        # SQLite has one writer at a time; queue this process's writers here instead of busy-waiting.
        self._sqlite_write_lock = asyncio.Lock() if self.is_sqlite else None
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
        await self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            await self.read_engine.dispose()


class UnitOfWork:
    """One transaction, with the events it emits. Use as `async with db.write(actor) as uow:`."""

    def __init__(self, db: Database, actor: Actor | None) -> None:
        self.db = db
        self.actor = actor
        self._events: list[PendingEvent] = []
        self._after_commit: list[Callable[[], Awaitable[None]]] = []
        self.committed: list[CommittedEvent] = []
        self._session: AsyncSession | None = None
        self._locked = False

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
        if self.db._sqlite_write_lock is not None:
            await self.db._sqlite_write_lock.acquire()
            self._locked = True
        try:
            self._session = self.db._write_sessions()
            await self._session.begin()
        except BaseException:
            self._release()
            raise
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        session = self.session
        try:
            if exc_type is not None:
                await session.rollback()
                return
            await session.flush()
            self.committed = await journal.append(session, self._events, self.actor)
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
        finally:
            await session.close()
            self._release()
        if self.committed:
            await self.db.publish(self.committed)
        for fn in self._after_commit:
            try:
                await fn()
            except Exception:
                log.exception("after-commit hook failed")

    def _release(self) -> None:
        if self._locked and self.db._sqlite_write_lock is not None:
            self.db._sqlite_write_lock.release()
            self._locked = False


# NullPool is re-exported for tools (backup, migrations) that want a connection of their own.
__all__ = ["Database", "NullPool", "UnitOfWork"]
