"""No write on the read path: principals cached per process and invalidated by events (also those
committed by another process), tokens' last use noted in memory and written in batches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from core.auth import last_used
from core.auth.cache import PrincipalCache
from core.auth.models import ApiToken
from core.auth.principal import Principal
from core.db import Database
from core.journal.events import CommittedEvent
from tests.support import LiveServer, assert_problem, bearer, eventually, make_settings, token_for

P = Principal(user_id="u1", username="duty.x", name="值班员", unit_code="360702", unit_path="/360700/360702/",
              roles=frozenset({"duty"}), csrf="secret-csrf")


def _event(type: str) -> CommittedEvent:
    return CommittedEvent(seq=1, type=type, units=frozenset({"360700"}), exercise=False, doc="{}")


def test_cache_entries_expire_and_invalidate() -> None:
    now = [0.0]
    cache = PrincipalCache(ttl_s=60, clock=lambda: now[0])
    key = cache.session_key("u1", 0)
    cache.put(key, P, generation=cache.generation)
    hit = cache.get(key)
    assert hit is not None and hit.user_id == "u1" and hit.csrf is None, "stored without the cookie's CSRF"
    now[0] = 61
    assert cache.get(key) is None, "expired"

    cache.put(key, P, generation=cache.generation)
    cache.on_event(_event("intake.created"))
    assert cache.get(key) is not None, "unrelated events keep it"
    for kind in ("user.updated", "token.revoked", "user.password_changed", "unit.updated"):
        cache.put(key, P, generation=cache.generation)
        cache.on_event(_event(kind))
        assert cache.get(key) is None, kind


def test_a_read_overtaken_by_an_invalidation_is_not_stored() -> None:
    cache = PrincipalCache()
    key = cache.token_key("yj_abc_def")
    generation = cache.generation  # a look-up starts...
    cache.on_event(_event("token.revoked"))  # ...the token is revoked meanwhile...
    cache.put(key, P, generation=generation)  # ...and what it read must not be kept
    assert cache.get(key) is None


@pytest.mark.skip(reason="the API does not use the principal cache since server-side sessions landed: it must be "
                         "rekeyed on session and token ids before it is switched back on (issue 13)")
async def test_revocation_in_another_process_reaches_the_cache(tmp_path: Path, sqlite_url: str) -> None:
    # Two servers on one database with no bus between them: B learns of A's commits from its feed
    # watchdog (journal head check), like a worker whose Redis is down.
    owner = await token_for(sqlite_url, "duty.360704")
    a = LiveServer(make_settings(tmp_path / "a", sqlite_url))
    b = LiveServer(make_settings(tmp_path / "b", sqlite_url))
    await a.start()
    await b.start()
    try:
        async with httpx.AsyncClient(timeout=20) as client:
            made = (await client.post(f"{a.url}/api/v1/tokens", json={"label": "t"}, headers=bearer(owner))).json()
            for _ in range(3):  # cached on B after the first
                assert (await client.get(f"{b.url}/api/v1/me", headers=bearer(made["token"]))).status_code == 200
            cache = b.app.state.runtime.extras["principal_cache"]
            assert cache.hits >= 2
            res = await client.post(f"{a.url}/api/v1/tokens/{made['id']}/revoke", headers=bearer(owner))
            assert res.status_code == 200
            assert_problem(await client.get(f"{a.url}/api/v1/me", headers=bearer(made["token"])), 401)

            async def refused_on_b() -> bool:
                return (await client.get(f"{b.url}/api/v1/me", headers=bearer(made["token"]))).status_code == 401

            await eventually(refused_on_b, within=15)
    finally:
        await b.stop()
        await a.stop()


async def _last_used(db: Database, token_id: str) -> datetime | None:
    async with db.read() as session:
        return (await session.execute(select(ApiToken.last_used_at).where(ApiToken.id == token_id))).scalar_one()


async def test_last_use_is_batched(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    try:
        token = await token_for(sqlite_url, "duty.360702")
        tid = token.split("_")[1]
        now = [datetime(2026, 12, 6, 8, 0, tzinfo=UTC)]
        tracker = last_used.LastUsed(db, interval_s=3600, min_age_s=60, clock=lambda: now[0])
        tracker.note(tid)
        assert await _last_used(db, tid) is None, "noting writes nothing"
        assert await tracker.flush() == 1
        first = await _last_used(db, tid)
        assert first is not None and abs((first - now[0]).total_seconds()) < 1
        now[0] += timedelta(seconds=30)
        tracker.note(tid)
        await tracker.flush()
        assert await _last_used(db, tid) == first, "younger than a minute: not rewritten"
        now[0] += timedelta(seconds=60)
        tracker.note(tid)
        await tracker.flush()
        later = await _last_used(db, tid)
        assert later is not None and later > first
        assert await tracker.flush() == 0, "nothing noted since"
        await tracker.stop()
    finally:
        await db.dispose()


async def test_requests_do_not_write_last_use(tmp_path: Path, sqlite_url: str) -> None:
    token = await token_for(sqlite_url, "duty.360702")
    tid = token.split("_")[1]
    server = LiveServer(make_settings(tmp_path, sqlite_url))
    await server.start()
    db = Database(sqlite_url)
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=20) as client:
            for _ in range(3):
                assert (await client.get("/api/v1/me", headers=bearer(token))).status_code == 200
        assert await _last_used(db, tid) is None, "not written by the requests themselves"
        assert await last_used.tracker(server.app.state.runtime.db).flush() == 1
        assert await _last_used(db, tid) is not None
    finally:
        await db.dispose()
        await server.stop()
