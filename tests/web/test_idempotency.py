"""Idempotency-Key on creating POSTs: a retry replays the first answer and creates nothing new, a key
reused for another body is refused, and concurrent retries create exactly one thing — on SQLite and
on PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from core.auth.models import ApiToken, User
from core.db import Database
from core.units.models import Unit
from tests.support import LiveServer, assert_problem, bearer, events_after, journal_head, make_settings, token_for


@dataclass
class Env:
    client: httpx.AsyncClient
    admin: str
    db: Database


@pytest.fixture
async def env(tmp_path: Path, db_url: str) -> AsyncIterator[Env]:
    admin = await token_for(db_url, "admin")
    server = LiveServer(make_settings(tmp_path, db_url))
    await server.start()
    db = Database(db_url)
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            yield Env(client, admin, db)
    finally:
        await db.dispose()
        await server.stop()


async def count(db: Database, stmt: Any) -> int:
    async with db.read() as session:
        return int((await session.execute(stmt)).scalar_one())


@dataclass
class Case:
    """A creating route: a fresh body for it, how many rows exist, the event it emits."""

    path: str
    body: Callable[[str], dict[str, Any]]
    rows: Callable[[Database], Awaitable[int]]
    event: str


def _unit(tag: str) -> dict[str, Any]:
    return {"code": f"360702-I{tag[:6]}", "name": f"幂等测试队 {tag[:6]}", "kind": "team", "parent": "360702"}


def _user(tag: str) -> dict[str, Any]:
    return {"username": f"idem.{tag[:8]}", "name": "幂等测试", "unit": "360702", "roles": ["viewer"],
            "password": "Mideng-2026!"}


def _token(tag: str) -> dict[str, Any]:
    return {"label": f"idempotency {tag[:8]}"}


async def _units(db: Database) -> int:
    return await count(db, select(func.count()).select_from(Unit))


async def _users(db: Database) -> int:
    return await count(db, select(func.count()).select_from(User))


async def _tokens(db: Database) -> int:
    return await count(db, select(func.count()).select_from(ApiToken))


CASES = {
    "units": Case("/api/v1/units", _unit, _units, "unit.created"),
    "users": Case("/api/v1/users", _user, _users, "user.created"),
    "tokens": Case("/api/v1/tokens", _token, _tokens, "token.created"),
}


def headers(env: Env, key: str) -> dict[str, str]:
    return {**bearer(env.admin), "Idempotency-Key": key}


@pytest.mark.parametrize("name", list(CASES))
async def test_retry_replays_the_first_result(env: Env, name: str) -> None:
    case = CASES[name]
    tag = uuid.uuid4().hex
    key = f"retry-{tag}"
    body = case.body(tag)
    rows, head = await case.rows(env.db), await journal_head(env.client, env.admin)

    first = await env.client.post(case.path, json=body, headers=headers(env, key))
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    for _ in range(2):
        again = await env.client.post(case.path, json=body, headers=headers(env, key))
        assert again.status_code == first.status_code
        # A token's secret is shown once: the replay answers the same token without it.
        expected = {**first.json(), "token": None} if name == "tokens" else first.json()
        assert again.json() == expected
        assert again.headers.get("idempotent-replayed") == "true"
        assert again.headers["content-type"].startswith("application/json")

    assert await case.rows(env.db) == rows + 1
    events = await events_after(env.client, env.admin, head)
    assert [e["type"] for e in events] == [case.event]

    # The same key with another body, or on another route: refused, nothing created.
    other = case.body(uuid.uuid4().hex)
    assert_problem(await env.client.post(case.path, json=other, headers=headers(env, key)), 422)
    for other_name, other_case in CASES.items():
        if other_name != name:
            res = await env.client.post(other_case.path, json=other_case.body(uuid.uuid4().hex),
                                        headers=headers(env, key))
            assert_problem(res, 422)
    assert await case.rows(env.db) == rows + 1
    assert await journal_head(env.client, env.admin) == head + 1

    # Without a key, or with a new key, the same body is a new request (a conflict for a unique name).
    res = await env.client.post(case.path, json=body, headers=headers(env, f"new-{tag}"))
    if name == "tokens":
        assert res.status_code == 201 and res.json()["id"] != first.json()["id"]
    else:
        assert_problem(res, 409)


async def test_keys_belong_to_their_user(env: Env, db_url: str) -> None:
    """Another user's request with the same key is not a replay of the first user's."""
    other = await token_for(db_url, "duty.360702")
    key = f"shared-{uuid.uuid4().hex}"
    mine = await env.client.post("/api/v1/tokens", json={"label": "a"}, headers=headers(env, key))
    theirs = await env.client.post("/api/v1/tokens", json={"label": "a"},
                                   headers={**bearer(other), "Idempotency-Key": key})
    assert mine.status_code == theirs.status_code == 201
    assert "idempotent-replayed" not in theirs.headers
    assert theirs.json()["id"] != mine.json()["id"]
    assert theirs.json()["user_id"] != mine.json()["user_id"]


async def test_a_failed_request_does_not_burn_the_key(env: Env) -> None:
    key = f"fail-{uuid.uuid4().hex}"
    bad = {"code": "360702-IFAIL", "name": "x", "kind": "team", "parent": "360703-T01-nope"}
    assert_problem(await env.client.post("/api/v1/units", json=bad, headers=headers(env, key)), 422)
    good = {**bad, "parent": "360702"}
    res = await env.client.post("/api/v1/units", json=good, headers=headers(env, key))
    assert res.status_code == 201, res.text
    assert "idempotent-replayed" not in res.headers


async def test_bad_keys_are_refused(env: Env) -> None:
    rows = await _tokens(env.db)
    for key in ("x" * 201,):
        res = await env.client.post("/api/v1/tokens", json={"label": "k"}, headers=headers(env, key))
        assert_problem(res, 400)
    assert await _tokens(env.db) == rows


@pytest.mark.parametrize("name", list(CASES))
async def test_concurrent_retries_create_one(env: Env, name: str) -> None:
    case = CASES[name]
    tag = uuid.uuid4().hex
    key = f"race-{tag}"
    body = case.body(tag)
    rows, head = await case.rows(env.db), await journal_head(env.client, env.admin)

    async def attempt() -> httpx.Response:
        return await env.client.post(case.path, json=body, headers=headers(env, key))

    results = await asyncio.wait_for(asyncio.gather(*(attempt() for _ in range(10))), 60)
    assert [r.status_code for r in results] == [201] * 10, [(r.status_code, r.text[:200]) for r in results]
    fresh = [r for r in results if r.headers.get("idempotent-replayed") != "true"]
    assert len(fresh) == 1
    # Every replay answers as the first did (a token's secret excepted: it is shown once).
    first = {**fresh[0].json(), "token": None} if name == "tokens" else fresh[0].json()
    assert all(r.json() == first for r in results if r is not fresh[0])

    assert await case.rows(env.db) == rows + 1
    events = await events_after(env.client, env.admin, head)
    assert [e["type"] for e in events] == [case.event]
