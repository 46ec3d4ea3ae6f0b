"""Fixtures of the command tests: a live server on a fresh copy of the demo database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from core.db import Database
from tests.command.helpers import Cmd
from tests.support import LiveServer, make_settings


async def _cmd(tmp_path: Path, url: str) -> AsyncIterator[Cmd]:
    server = LiveServer(make_settings(tmp_path, url))
    await server.start()
    db = Database(url)
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            yield Cmd(server=server, client=client, db_url=url, db=db)
    finally:
        await db.dispose()
        await server.stop()


@pytest.fixture
async def cmd(tmp_path: Path, sqlite_url: str) -> AsyncIterator[Cmd]:
    """On SQLite."""
    async for c in _cmd(tmp_path, sqlite_url):
        yield c


@pytest.fixture
async def cmd_any(tmp_path: Path, db_url: str) -> AsyncIterator[Cmd]:
    """Once on SQLite, once on PostgreSQL."""
    async for c in _cmd(tmp_path, db_url):
        yield c
