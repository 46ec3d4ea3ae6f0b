"""SQLite without a thread hop per statement: the aiosqlite interface SQLAlchemy's async dialect
uses, run inline on the event loop.

Why: aiosqlite runs every statement on a thread of its own and hands the result back through a
queue and the event loop. A write took ~14 statements, each a cross-thread round trip with a GIL
hand-over (a profile of the intake benchmark showed most of the process in `SimpleQueue.put_nowait`
and epoll waits, ~20-30 ms CPU per intake). SQLite on a local file in WAL mode answers in
microseconds and a WAL commit with synchronous=NORMAL does not fsync, so running it inline costs
the loop less than the hop did.

The one statement that may wait is a writer's on a lock another connection holds (another process,
or another Database in this one): the connection's busy timeout is 0 and a "database is locked"
answer is retried here after an asynchronous sleep (backoff up to `BUSY_WAIT_S`), so the loop keeps
serving, and the lock holder — possibly in this very loop — can finish. A statement refused as busy
had no effect, so repeating it is safe.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

BUSY_WAIT_S = 30.0


def _busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "database is locked" in text or "database is busy" in text


async def _retrying(fn: Callable[..., Any], *args: Any) -> Any:
    deadline = None
    pause = 0.0005
    while True:
        try:
            return fn(*args)
        except sqlite3.OperationalError as exc:
            if not _busy(exc):
                raise
            now = time.monotonic()
            deadline = deadline or now + BUSY_WAIT_S
            if now >= deadline:
                raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.05)


class _Now:
    """Stands in for aiosqlite's request queue (SQLAlchemy sets isolation_level through it)."""

    def put_nowait(self, item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as exc:
            future.set_exception(exc)


class Cursor:
    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> Cursor:
        await _retrying(self._cursor.execute, sql, () if parameters is None else parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> Cursor:
        await _retrying(self._cursor.executemany, sql, list(parameters))
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    async def nextset(self) -> None:
        return None

    async def setinputsizes(self, *sizes: Any) -> None:
        return None

    def __aiter__(self) -> Cursor:
        return self

    async def __anext__(self) -> Any:
        row = self._cursor.fetchone()
        if row is None:
            raise StopAsyncIteration
        return row

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class Connection:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn: sqlite3.Connection | None = conn
        self._tx = _Now()

    @property
    def _connection(self) -> sqlite3.Connection | None:  # what SQLAlchemy checks before commit/rollback
        return self._conn

    def _c(self) -> sqlite3.Connection:
        if self._conn is None:
            raise ValueError("no active connection")
        return self._conn

    def cursor(self) -> Cursor:
        return Cursor(self._c().cursor())

    @property
    def isolation_level(self) -> str | None:
        return self._c().isolation_level

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> Cursor:
        return await self.cursor().execute(sql, parameters)

    async def create_function(self, *args: Any, **kw: Any) -> None:
        self._c().create_function(*args, **kw)

    async def commit(self) -> None:
        await _retrying(self._c().commit)

    async def rollback(self) -> None:
        self._c().rollback()

    async def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def stop(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def creator(path: str) -> Callable[[], Any]:
    """SQLAlchemy's `async_creator` for a database file."""

    async def connect() -> Connection:
        # check_same_thread=False: the pool may close a connection from another thread at exit.
        return Connection(sqlite3.connect(path, timeout=0, check_same_thread=False, isolation_level=None))

    return connect
