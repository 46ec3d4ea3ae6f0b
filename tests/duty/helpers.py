"""What the duty tests share: the demo's zone and rotation, principals, events, timers."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select, update

from core.auth import service as auth
from core.auth.principal import Principal
from core.db import Database
from core.orm import utcnow
from core.timers.models import Timer
from duty.demo import ROTATION_PREFIX
from tests.support import bearer, events_after

TZ = ZoneInfo("Asia/Shanghai")
US = timedelta(microseconds=1)


def local_today() -> date:
    return utcnow().astimezone(TZ).date()


def this_month() -> str:
    return local_today().strftime("%Y-%m")


def next_month() -> str:
    today = local_today()
    return date(today.year + (today.month == 12), today.month % 12 + 1, 1).strftime("%Y-%m")


def shift_start(month: str, day: int) -> datetime:
    """The demo's 24 h shift of `day` starts at 08:30 Asia/Shanghai, which is 00:30Z the same day."""
    return datetime(int(month[:4]), int(month[5:]), day, 0, 30, tzinfo=UTC)


def z(dt: datetime) -> str:
    """RFC 3339 in UTC with every microsecond kept (the API's `at` and windows take these)."""
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z")


def demo_holder(unit: str, post: str, day: int) -> str:
    """Who the demo roster puts on `post` of `unit` for the shift of `day` (rotations start on the 1st)."""
    people = ROTATION_PREFIX[post]
    return f"{people[(day - 1) % len(people)]}.{unit}"


async def principal(db: Database, username: str) -> Principal:
    async with db.read() as session:
        user = await auth.find_user(session, username)
        assert user is not None, username
        return await auth.principal_for(session, user, via="token")


async def user_id(db: Database, username: str) -> str:
    async with db.read() as session:
        user = await auth.find_user(session, username)
        assert user is not None, username
        return user.id


async def head(client: httpx.AsyncClient, token: str) -> int:
    res = await client.get("/api/v1/events", params={"latest": "true", "limit": 1}, headers=bearer(token))
    assert res.status_code == 200, res.text
    return int(res.json()["head"])


async def events(client: httpx.AsyncClient, token: str, since: int, prefix: str = "duty.") -> list[dict[str, Any]]:
    """The events after `since` that the token's user sees, of types starting with `prefix`."""
    return [e for e in await events_after(client, token, since) if e["type"].startswith(prefix)]


async def timer_row(db: Database, kind: str, ref: str) -> Timer | None:
    async with db.read() as session:
        return (await session.execute(select(Timer).where(Timer.kind == kind, Timer.ref == ref))).scalar_one_or_none()


async def expire_timer(db: Database, kind: str, ref: str) -> None:
    """Time moves on: the timer is due now (only a scheduled one; a cancelled one stays cancelled)."""
    async with db.write() as uow:
        await uow.session.execute(update(Timer).where(Timer.kind == kind, Timer.ref == ref)
                                  .values(due_at=utcnow() - timedelta(seconds=1)))


async def wait_for(check: Any, within: float = 10, every: float = 0.05) -> Any:
    """Poll the coroutine function `check` until it returns something truthy; return that."""
    deadline = time.monotonic() + within
    while True:
        got = await check()
        if got:
            return got
        if time.monotonic() > deadline:
            raise TimeoutError(f"still {got!r} after {within}s")
        await asyncio.sleep(every)
