"""Test support: settings, live servers, tokens, websocket clients."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import uvicorn
import websockets

from core.auth import service as auth
from core.db import Database
from core.settings import Settings
from web.app import create_app

ROOT = Path(__file__).resolve().parent.parent


def make_settings(data_dir: Path, database_url: str, redis_url: str | None = None, **kw: Any) -> Settings:
    defaults: dict[str, Any] = {"head_check_interval_s": 0.2, "tail_interval_s": 0.05,
                                "timer_poll_interval_s": 0.1}
    defaults.update(kw)
    return Settings(data_dir=data_dir, database_url=database_url, redis_url=redis_url,
                    secret_key="test-secret-key", **defaults)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """The real app under uvicorn, in the test's event loop, on a free loopback port."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app = create_app(settings)
        self.port = free_port()
        self.server: uvicorn.Server | None = None
        self.task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    async def start(self) -> None:
        # Keep idle HTTP connections longer than any pause in a test: with uvicorn's 5 s default a
        # client may send on a connection the server is just closing (httpx.ReadError).
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning",
                                ws_per_message_deflate=False, lifespan="on", timeout_keep_alive=120)
        self.server = uvicorn.Server(config)
        self.task = asyncio.create_task(self.server.serve())
        deadline = time.monotonic() + 15
        while not self.server.started:
            if self.task.done():
                self.task.result()
            if time.monotonic() > deadline:
                raise TimeoutError("server did not start")
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        if self.server is not None and self.task is not None:
            self.server.should_exit = True
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.task, 10)


class ServerProcess:
    """`yingji serve` in its own process, as deployed."""

    def __init__(self, data_dir: Path, database_url: str, redis_url: str | None = None,
                 extra_env: dict[str, str] | None = None, workers: int = 1) -> None:
        self.port = free_port()
        data_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "YINGJI_DATA_DIR": str(data_dir), "YINGJI_DATABASE_URL": database_url,
               "YINGJI_SECRET_KEY": "test-secret-key", "YINGJI_HEAD_CHECK_S": "0.2", "YINGJI_TAIL_S": "0.05",
               "YINGJI_LOG_LEVEL": "warning", **(extra_env or {})}
        env.pop("YINGJI_REDIS_URL", None)
        if redis_url:
            env["YINGJI_REDIS_URL"] = redis_url
        self.log = open(data_dir / f"server-{self.port}.log", "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "web.cli", "serve", "--port", str(self.port), "--workers", str(workers)],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    async def wait_ready(self, timeout: float = 20) -> None:  # noqa: ASYNC109
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient() as client:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"server exited with {self.proc.returncode}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(self.url + "/readyz")).status_code == 200:
                        return
                await asyncio.sleep(0.1)
        raise TimeoutError("server not ready")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()


async def token_for(database_url: str, username: str, label: str = "test") -> str:
    db = Database(database_url)
    try:
        async with db.write() as uow:
            user = await auth.find_user(uow.session, username)
            assert user is not None, username
            _row, token = await auth.create_token(uow, user=user, label=label)
            return token
    finally:
        await db.dispose()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def ws_connect(ws_url: str, token: str, since: int | None = None, **params: str) -> Any:
    query = [f"since={since}"] if since is not None else []
    query += [f"{k}={v}" for k, v in params.items()]
    url = ws_url + ("?" + "&".join(query) if query else "")
    return await websockets.connect(url, additional_headers=bearer(token), compression=None,
                                    max_queue=None, open_timeout=10)


async def recv_json(ws: Any, timeout: float = 10) -> dict[str, Any]:  # noqa: ASYNC109
    return dict(orjson.loads(await asyncio.wait_for(ws.recv(), timeout)))


async def collect_events(ws: Any, *, until_seq: int | None = None, count: int | None = None,
                         timeout: float = 15) -> list[dict[str, Any]]:  # noqa: ASYNC109
    """Event documents from `ws` until one with seq >= until_seq (or `count` of them) arrives."""
    events: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"got {len(events)} events, last {events[-1]['seq'] if events else None}")
        msg = await recv_json(ws, remaining)
        if msg["type"] != "event":
            continue
        events.append(msg["event"])
        if until_seq is not None and msg["event"]["seq"] >= until_seq:
            return events
        if count is not None and len(events) >= count:
            return events


async def create_team(client: httpx.AsyncClient, token: str, parent: str, code: str,
                      name: str | None = None) -> dict[str, Any]:
    """A real write through the API: a new team unit under `parent` (a unit.created event)."""
    res = await client.post("/api/v1/units", headers=bearer(token),
                            json={"code": code, "name": name or f"测试队 {code}", "kind": "team", "parent": parent})
    assert res.status_code == 201, res.text
    return dict(res.json())


# --- helpers for API, auth and data checks --------------------------------------------------------

PROBLEM_TYPE = "application/problem+json"


def assert_problem(res: httpx.Response, status: int | None = None) -> dict[str, Any]:
    """`res` is an RFC 9457 problem (of `status`, when given); returns its document."""
    assert res.status_code < 500, f"{res.request.method} {res.request.url} → {res.status_code}: {res.text}"
    if status is not None:
        assert res.status_code == status, f"{res.request.method} {res.request.url}: {res.status_code} {res.text}"
    ctype = res.headers.get("content-type", "").split(";")[0].strip()
    assert ctype == PROBLEM_TYPE, f"{res.request.method} {res.request.url}: content-type {ctype!r}"
    doc = dict(res.json())
    for name, kind in (("type", str), ("title", str), ("status", int), ("detail", str)):
        assert isinstance(doc.get(name), kind), f"problem lacks {name}: {doc}"
    assert doc["status"] == res.status_code, doc
    if "errors" in doc:
        assert isinstance(doc["errors"], list), doc
        for err in doc["errors"]:
            assert isinstance(err.get("pointer"), str) and err["pointer"].startswith("/"), doc
            assert isinstance(err.get("message"), str) and err["message"], doc
    return doc


async def journal_head(client: httpx.AsyncClient, token: str) -> int:
    res = await client.get("/api/v1/events", params={"latest": "true", "limit": 1}, headers=bearer(token))
    assert res.status_code == 200, res.text
    return int(res.json()["head"])


async def events_after(client: httpx.AsyncClient, token: str, since: int) -> list[dict[str, Any]]:
    """Every event after `since` that the token's user may see, following pages to the head."""
    out: list[dict[str, Any]] = []
    while True:
        res = await client.get("/api/v1/events", params={"since": since, "limit": 1000}, headers=bearer(token))
        assert res.status_code == 200, res.text
        page = res.json()
        out.extend(page["events"])
        if len(page["events"]) < 1000:
            return out
        since = page["events"][-1]["seq"]


def _canonical(value: Any) -> str:
    return orjson.dumps(value, default=str, option=orjson.OPT_SORT_KEYS).decode()


async def table_dump(database_url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table the models know, sorted: to compare whole databases."""
    from sqlalchemy import select

    import web.cli
    from core.orm import Base

    web.cli._models()
    db = Database(database_url)
    out: dict[str, list[tuple[Any, ...]]] = {}
    try:
        async with db.read() as session:
            for table in Base.metadata.sorted_tables:
                rows = (await session.execute(select(table))).all()
                out[table.name] = sorted(tuple(_canonical(v) for v in row) for row in rows)
    finally:
        await db.dispose()
    return out


async def sign_in(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    """The browser's sign-in: the real form POST to /login (no redirects followed)."""
    return await client.post("/login", data={"username": username, "password": password, "next": "/"},
                              follow_redirects=False)


def csrf_from_page(html: str) -> str:
    import re

    found = re.search(r'<meta name="csrf-token" content="([^"]*)"', html)
    assert found and found.group(1), "page has no csrf-token meta"
    return found.group(1)


# --- a websocket reader for the live-stream tests --------------------------------------------------


class WsRecorder:
    """Reads a websocket in the background: the events, the other messages, and how it closed."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.events: list[dict[str, Any]] = []
        self.other: list[dict[str, Any]] = []
        self.close_code: int | None = None
        self.closed = asyncio.Event()
        self._changed = asyncio.Event()
        self.task = asyncio.create_task(self._run())

    @property
    def seqs(self) -> list[int]:
        return [int(e["seq"]) for e in self.events]

    async def _run(self) -> None:
        try:
            async for raw in self.ws:
                msg = orjson.loads(raw)
                if msg.get("type") == "event":
                    self.events.append(msg["event"])
                else:
                    self.other.append(msg)
                self._changed.set()
        except websockets.ConnectionClosed:
            pass
        finally:
            self.close_code = self.ws.close_code
            self.closed.set()
            self._changed.set()

    async def wait_seq(self, seq: int, within: float = 15) -> None:
        """Until an event with seq >= `seq` has arrived (TimeoutError after `within` seconds)."""
        deadline = time.monotonic() + within
        while not (self.events and self.events[-1]["seq"] >= seq):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.closed.is_set():
                raise TimeoutError(f"waited for seq {seq}; have up to {self.seqs[-1:]}, closed "
                                   f"{self.close_code}, other {self.other[-3:]}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ws.close(), 5)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.task, 5)


async def feed_reaches(server: LiveServer, seq: int, within: float = 5) -> None:
    """Until the in-process server's feed has delivered `seq` (writes made through another Database
    object, such as token_for's, reach it by the feed's journal check, a moment later)."""
    deadline = time.monotonic() + within
    while server.app.state.runtime.feed.head < seq:
        if time.monotonic() > deadline:
            raise TimeoutError(f"feed head {server.app.state.runtime.feed.head} < {seq}")
        await asyncio.sleep(0.02)


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 10, every: float = 0.05) -> None:
    """Poll until `check()` is true (TimeoutError after `within` seconds)."""
    async with asyncio.timeout(within):
        while True:
            if await check():
                return
            await asyncio.sleep(every)


def sqlite_copy(template: Path, dest: Path) -> str:
    """A copy of a migrated SQLite database with a new installation id (as the sqlite_url fixture makes)."""
    import shutil
    import sqlite3

    shutil.copy(template, dest)
    con = sqlite3.connect(dest)
    con.execute("DELETE FROM meta WHERE key = 'installation_id'")
    con.commit()
    con.close()
    return f"sqlite+aiosqlite:///{dest}"


async def visible_seqs(client: httpx.AsyncClient, token: str, since: int, upto: int | None = None) -> list[int]:
    """The seqs of the live (non-drill) events after `since` (up to `upto`) that the token's user may
    see, from the journal over HTTP: what a websocket of that user must deliver, in this order."""
    return [int(e["seq"]) for e in await events_after(client, token, since) if upto is None or e["seq"] <= upto]


async def assert_delivered(rec: WsRecorder, client: httpx.AsyncClient, token: str, since: int, upto: int,
                           within: float = 15) -> list[int]:
    """`rec` (a websocket with since=`since`) got exactly the events the journal says its user may
    see in (since, upto], once each, in seq order, and nothing out of order after them."""
    expected = await visible_seqs(client, token, since, upto)
    if expected:
        await rec.wait_seq(expected[-1], within=within)
    got = [s for s in rec.seqs if s <= upto]
    assert got == expected, (
        f"expected {len(expected)} events in ({since}, {upto}], got {len(got)}: "
        f"missing {sorted(set(expected) - set(got))[:10]}, unexpected {sorted(set(got) - set(expected))[:10]}, "
        f"repeated {sorted({s for s in got if got.count(s) > 1})[:10]}")
    assert all(a < b for a, b in zip(rec.seqs, rec.seqs[1:], strict=False)), f"out of order: {rec.seqs}"
    return got
