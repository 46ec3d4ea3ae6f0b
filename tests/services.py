"""Reaching the real services the suite uses: PostgreSQL, Redis, Chromium.

Missing service: the test is skipped, unless YINGJI_REQUIRE_SERVICES=1 (CI), where it fails.
"""

from __future__ import annotations

import os
import shutil
import socket
import uuid

import pytest

PG_HOST = os.environ.get("YINGJI_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("YINGJI_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("YINGJI_TEST_PG_USER", "postgres")
PG_ADMIN_DB = os.environ.get("YINGJI_TEST_PG_DB", "test")
REDIS_URL = os.environ.get("YINGJI_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
CHROMIUM = os.environ.get("YINGJI_TEST_CHROMIUM", "/usr/bin/chromium")


def required() -> bool:
    return os.environ.get("YINGJI_REQUIRE_SERVICES") == "1"


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def need(name: str, ok: bool) -> None:
    if ok:
        return
    if required():
        pytest.fail(f"{name} is required (YINGJI_REQUIRE_SERVICES=1) but not reachable")
    pytest.skip(f"{name} not reachable")


def need_postgres() -> None:
    need("PostgreSQL", _reachable(PG_HOST, PG_PORT))


def need_redis() -> None:
    need("Redis", _reachable("127.0.0.1", int(REDIS_URL.rsplit(":", 1)[1].split("/")[0])))


def need_chromium() -> None:
    need("Chromium", os.path.exists(CHROMIUM) or shutil.which("chromium") is not None)


def pg_url(dbname: str) -> str:
    return f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{dbname}"


async def pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database=PG_ADMIN_DB)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def new_pg_name(prefix: str = "yj_t") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"
