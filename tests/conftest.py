"""Fixtures: databases (SQLite file, PostgreSQL per test from a migrated demo template), Redis,
live servers (in-process uvicorn, or `yingji serve` subprocesses), tokens and websocket clients."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from core import migrate
from core.db import Database
from core.journal import catalogue
from tests import services
from tests.support import LiveServer, ServerProcess, make_settings
from web.demo import load_demo

# In the suite (and the servers it starts) every event's payload is checked against its schema.
os.environ.setdefault("YINGJI_CHECK_EVENTS", "1")
# The events tests emit of their own, outside any domain's catalogue.
catalogue.register("tests", {t: (t, t, catalogue.OBJECT) for t in (
    "test.drill_step", "test.bulky", "test.written", "test.timer_fired")})


async def _demo(url: str) -> None:
    db = Database(url)
    try:
        async with db.write() as uow:
            await migrate.installation_id(uow.session)
        await load_demo(db)
    finally:
        await db.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "yingji.db"
    url = f"sqlite+aiosqlite:///{path}"
    migrate.upgrade(url)
    asyncio.run(_demo(url))
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """A fresh copy of the migrated demo database."""
    dest = tmp_path / "yingji.db"
    shutil.copy(sqlite_template, dest)
    # A new installation id per copy, so tests sharing Redis never hear each other.
    import sqlite3

    con = sqlite3.connect(dest)
    con.execute("DELETE FROM meta WHERE key = 'installation_id'")
    con.commit()
    con.close()
    return f"sqlite+aiosqlite:///{dest}"


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    services.need_postgres()
    name = services.new_pg_name("yj_tmpl")
    asyncio.run(services.pg_admin(f'CREATE DATABASE "{name}"'))
    url = services.pg_url(name)
    try:
        migrate.upgrade(url)
        asyncio.run(_demo(url))
        yield name
    finally:
        asyncio.run(services.pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def pg_url(pg_template: str) -> Iterator[str]:
    """A fresh PostgreSQL database, copied from the migrated demo template."""
    name = services.new_pg_name()
    asyncio.run(services.pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"'))
    asyncio.run(_reset_installation(services.pg_url(name)))
    try:
        yield services.pg_url(name)
    finally:
        asyncio.run(services.pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _reset_installation(url: str) -> None:
    from sqlalchemy import text

    db = Database(url)
    try:
        async with db.write() as uow:
            await uow.session.execute(text("DELETE FROM meta WHERE key = 'installation_id'"))
    finally:
        await db.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest) -> str:
    """Runs the test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def redis_url() -> str:
    services.need_redis()
    return services.REDIS_URL


@pytest.fixture
async def db(sqlite_url: str) -> AsyncIterator[Database]:
    database = Database(sqlite_url)
    yield database
    await database.dispose()


@pytest.fixture
async def live_server(tmp_path: Path, sqlite_url: str) -> AsyncIterator[LiveServer]:
    """The app on SQLite with the in-process bus, served by uvicorn in this event loop."""
    server = LiveServer(make_settings(tmp_path, sqlite_url))
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def server_process_factory(tmp_path: Path) -> Iterator[type[ServerProcess]]:
    started: list[ServerProcess] = []

    class Factory(ServerProcess):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            started.append(self)

    yield Factory
    for proc in started:
        proc.stop()


def pytest_report_header(config: pytest.Config) -> str:
    return f"YINGJI_REQUIRE_SERVICES={os.environ.get('YINGJI_REQUIRE_SERVICES', '0')}"
