"""Fixtures of the command tests: a live server on a fresh copy of the demo database — one per test
(`cmd`, `cmd_any`), or one per module (`shared`, for tests that each make their own intakes and
incidents and look only at those; such modules run in one event loop: `loop_scope="module"`)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import func, select

from core.db import Database
from core.orm import utcnow
from core.timers.models import Timer
from tests.command.helpers import Cmd
from tests.support import LiveServer, make_settings, sqlite_copy


async def settle(db: Database, within: float = 10) -> None:
    """Until no timer is due and unfired (the server's runner polls every 0.1 s): what the demo left
    due fires before a test starts, never in the middle of its own work."""
    deadline = time.monotonic() + within
    while True:
        async with db.read() as session:
            due = (await session.execute(select(func.count()).select_from(Timer).where(
                Timer.due_at <= utcnow(), Timer.state.in_(("scheduled", "claimed"))))).scalar_one()
        if not due:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"{due} timers still due")
        await asyncio.sleep(0.05)


async def _cmd(tmp_path: Path, url: str) -> AsyncIterator[Cmd]:
    server = LiveServer(make_settings(tmp_path, url))
    await server.start()
    db = Database(url)
    try:
        await settle(db)
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            yield Cmd(server=server, client=client, db_url=url, db=db)
    finally:
        await db.dispose()
        await server.stop()


@pytest.fixture
async def cmd(tmp_path: Path, sqlite_url: str) -> AsyncIterator[Cmd]:
    """On SQLite, for this test alone."""
    async for c in _cmd(tmp_path, sqlite_url):
        yield c


@pytest.fixture
async def cmd_any(tmp_path: Path, db_url: str) -> AsyncIterator[Cmd]:
    """For this test alone, once on SQLite and once on PostgreSQL."""
    async for c in _cmd(tmp_path, db_url):
        yield c


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> AsyncIterator[Cmd]:
    """On SQLite, shared by the tests of a module."""
    data_dir = tmp_path_factory.mktemp("command")
    async for c in _cmd(data_dir, sqlite_copy(sqlite_template, data_dir / "yingji.db")):
        yield c
