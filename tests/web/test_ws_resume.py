"""Resuming the live stream: a client that reconnects with `since` gets what it missed exactly once,
in order, then live events with no gap at the hand-over, even while writes keep coming.

(a) one in-process server on SQLite; (b) two `yingji serve` processes on PostgreSQL + Redis,
writes through one, the websocket on the other.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx

from tests.support import (
    LiveServer,
    ServerProcess,
    WsRecorder,
    assert_delivered,
    create_team,
    eventually,
    journal_head,
    token_for,
    ws_connect,
)


async def _write_teams(client: httpx.AsyncClient, token: str, prefix: str, n: int, *,
                       pause: float = 0.0, progress: list[int] | None = None) -> None:
    for i in range(n):
        await create_team(client, token, "360702" if i % 2 else "360703", f"{prefix}{i:03d}")
        if progress is not None:
            progress.append(i)
        if pause:
            await asyncio.sleep(pause)


async def _scenario(writer_url: str, reader_ws_url: str, token: str) -> dict[str, float]:
    timings: dict[str, float] = {}
    async with httpx.AsyncClient(base_url=writer_url, timeout=10) as client:
        head0 = await journal_head(client, token)

        # 1. Connected: hello, then live events.
        first = WsRecorder(await ws_connect(reader_ws_url, token, since=head0))
        await _write_teams(client, token, "3607A", 5)
        head1 = await journal_head(client, token)
        t0 = time.monotonic()
        await assert_delivered(first, client, token, head0, head1)
        timings["live"] = time.monotonic() - t0
        assert first.other[0]["type"] == "hello"
        # (Any events the servers' own timers write meanwhile come too; ours are all there, in order.)
        assert ours(first.events) == [f"3607A{i:03d}" for i in range(5)]
        await first.close()
        last_seen = first.seqs[-1]

        # 2. Disconnected: more events are written.
        await _write_teams(client, token, "3607B", 30)
        missed_head = await journal_head(client, token)

        # 3. Reconnect while writes keep coming: the missed ones from the journal, then live ones.
        progress: list[int] = []
        writer = asyncio.create_task(_write_teams(client, token, "3607C", 20, pause=0.01, progress=progress))

        async def writing() -> bool:
            return len(progress) >= 3

        await eventually(writing, 10, every=0.005)
        t0 = time.monotonic()
        second = WsRecorder(await ws_connect(reader_ws_url, token, since=last_seen))
        await asyncio.wait_for(writer, 30)
        head2 = await journal_head(client, token)
        await assert_delivered(second, client, token, last_seen, head2)
        timings["resume"] = time.monotonic() - t0
        hello = second.other[0]
        assert hello["type"] == "hello"
        assert ours(second.events) == [*(f"3607B{i:03d}" for i in range(30)), *(f"3607C{i:03d}" for i in range(20))]
        # The hand-over really happened mid-stream: some events came from the replay, some live.
        assert missed_head <= hello["head"] < head2, (missed_head, hello["head"], head2)
        assert second.close_code is None and len(second.other) == 1, second.other

        # 4. Nothing more arrives: no duplicate trails in after the last event.
        await asyncio.sleep(0.5)
        await assert_delivered(second, client, token, last_seen, head2)
        assert len(ours(second.events)) == 50
        await second.close()

        # 5. A client that has the very newest seq (it may be ahead of the reader's process for a
        #    moment) reconnects: nothing replayed, nothing repeated, the next writes arrive.
        await create_team(client, token, "360702", "3607D000")
        newest = await journal_head(client, token)
        third = WsRecorder(await ws_connect(reader_ws_url, token, since=newest))
        await _write_teams(client, token, "3607E", 5)
        head3 = await journal_head(client, token)
        await assert_delivered(third, client, token, newest, head3)
        assert ours(third.events) == [f"3607E{i:03d}" for i in range(5)]
        await third.close()
    return timings


def ours(events: list[dict[str, Any]]) -> list[str]:
    return [e["subject"]["id"] for e in events if e["type"] == "unit.created"]


async def test_resume_sqlite(live_server: LiveServer, sqlite_url: str) -> None:
    token = await token_for(sqlite_url, "admin")
    timings = await _scenario(live_server.url, live_server.ws_url, token)
    print(f"sqlite: {timings}")


async def test_resume_postgres_redis_two_processes(tmp_path: Path, pg_url: str, redis_url: str,
                                                   server_process_factory: type[ServerProcess]) -> None:
    a = server_process_factory(tmp_path / "a", pg_url, redis_url)
    b = server_process_factory(tmp_path / "b", pg_url, redis_url)
    await asyncio.gather(a.wait_ready(), b.wait_ready())
    token = await token_for(pg_url, "admin")
    timings = await _scenario(a.url, b.ws_url, token)
    print(f"postgres+redis: {timings}")
