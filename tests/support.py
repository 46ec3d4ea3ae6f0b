"""Test support: settings, live servers, tokens, websocket clients."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
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
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning",
                                ws_per_message_deflate=False, lifespan="on")
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
        self.log = open(data_dir / f"server-{self.port}.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "web.cli", "serve", "--port", str(self.port), "--workers", str(workers)],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    async def wait_ready(self, timeout: float = 20) -> None:
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


async def recv_json(ws: Any, timeout: float = 10) -> dict[str, Any]:
    return dict(orjson.loads(await asyncio.wait_for(ws.recv(), timeout)))


async def collect_events(ws: Any, *, until_seq: int | None = None, count: int | None = None,
                         timeout: float = 15) -> list[dict[str, Any]]:
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
