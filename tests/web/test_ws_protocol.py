"""/ws as CONTRACT.md describes it: hello, ping/pong, 4401, reset on a bad `since`, slow clients."""

from __future__ import annotations

import asyncio
import socket
import time
from pathlib import Path

import httpx
import orjson
import pytest
import websockets

from tests.support import (
    LiveServer,
    WsRecorder,
    assert_delivered,
    bearer,
    create_team,
    feed_reaches,
    journal_head,
    make_settings,
    recv_json,
    token_for,
    visible_seqs,
    ws_connect,
)


async def _closed_with(ws: websockets.ClientConnection, within: float = 10) -> int | None:
    """Read until the server closes; the close code it sent."""
    with pytest.raises(websockets.ConnectionClosed):
        async with asyncio.timeout(within):
            while True:
                await ws.recv()
    return ws.close_code


async def test_hello_and_ping(live_server: LiveServer, sqlite_url: str) -> None:
    token = await token_for(sqlite_url, "duty.360702")
    admin = await token_for(sqlite_url, "admin")
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        head = await journal_head(client, admin)
        await feed_reaches(live_server, head)
        ws = await ws_connect(live_server.ws_url, token)
        try:
            hello = await recv_json(ws)
            assert hello["type"] == "hello"
            # The feed's head when the connection went live: the journal's, unless the server's own
            # timers have written since (then a little more, never less).
            assert head <= hello["head"] <= await journal_head(client, admin)
            assert hello["exercise"] is False
            user = hello["user"]
            assert user["username"] == "duty.360702" and user["unit"] == "360702"
            assert set(user) >= {"id", "username", "name", "unit", "roles", "lang"}
            assert user["roles"] == ["duty_officer"]

            await ws.send(orjson.dumps({"op": "ping"}).decode())
            assert await recv_json(ws, 5) == {"type": "pong"}
            # Garbage and unknown ops are ignored; the connection stays usable.
            await ws.send("not json")
            await ws.send('{"op": "dance"}')
            await ws.send('{"op": "ping"}')
            assert await recv_json(ws, 5) == {"type": "pong"}

            # A live event arrives after the pong, as an event frame (after any the server's own
            # timers wrote for this county meanwhile: those must be live and visible here too).
            team = await create_team(client, admin, "360702", "360702-P01")
            async with asyncio.timeout(10):
                while True:
                    msg = await recv_json(ws)
                    assert msg["type"] == "event" and "360702" in msg["event"]["units"], msg
                    if msg["event"]["type"] == "unit.created":
                        break
            ev = msg["event"]
            assert ev["seq"] > hello["head"]
            assert ev["subject"] == {"kind": "unit", "id": team["code"]}
            assert ev["actor"]["username"] == "admin"
            assert "360702" in ev["units"] and ev["exercise"] is False
            assert set(ev) == {"seq", "type", "ts", "subject", "actor", "units", "exercise", "data"}
        finally:
            await ws.close()


async def test_unauthenticated_is_closed_4401(live_server: LiveServer) -> None:
    ws = await websockets.connect(live_server.ws_url, compression=None, open_timeout=10)
    assert (await recv_json(ws))["type"] == "error"
    assert await _closed_with(ws) == 4401

    ws = await websockets.connect(live_server.ws_url, compression=None, open_timeout=10,
                                  additional_headers=bearer("not-a-token"))
    assert await _closed_with(ws) == 4401

    ws = await websockets.connect(live_server.ws_url + "?token=wrong", compression=None, open_timeout=10)
    assert await _closed_with(ws) == 4401


async def test_since_ahead_of_journal_resets(live_server: LiveServer, sqlite_url: str) -> None:
    token = await token_for(sqlite_url, "lead.360700")
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        head = await journal_head(client, token)
    await feed_reaches(live_server, head)
    ws = await ws_connect(live_server.ws_url, token, since=head + 100_000)
    hello = await recv_json(ws)
    assert hello["type"] == "hello" and hello["head"] >= head
    reset = await recv_json(ws)
    assert reset["type"] == "reset" and reset["reason"]
    assert await _closed_with(ws) == 4008

    # since == head is fine: nothing to replay, and the connection stays open.
    ws = await ws_connect(live_server.ws_url, token, since=head)
    try:
        assert (await recv_json(ws))["type"] == "hello"
        await ws.send('{"op":"ping"}')
        assert await recv_json(ws, 5) == {"type": "pong"}
    finally:
        await ws.close()

    # A malformed since is refused, not treated as "live only".
    ws = await ws_connect(live_server.ws_url, token, **{"since": "-3"})
    assert (await recv_json(ws))["type"] == "error"
    assert await _closed_with(ws) == 1008


async def _stalled_client(ws_url: str, token: str) -> websockets.ClientConnection:
    """A client that stops reading: tiny kernel receive buffer, and the library pauses the socket."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    host, port = ws_url.split("//", 1)[1].split("/", 1)[0].split(":")
    await asyncio.get_running_loop().sock_connect(sock, (host, int(port)))
    return await websockets.connect(ws_url, sock=sock, additional_headers=bearer(token), compression=None,
                                    max_queue=1, open_timeout=10, ping_interval=None)


async def test_slow_client_is_reset_and_others_are_not_delayed(tmp_path: Path, sqlite_url: str) -> None:
    server = LiveServer(make_settings(tmp_path, sqlite_url, ws_queue_size=5))
    await server.start()
    try:
        admin = await token_for(sqlite_url, "admin")
        async with httpx.AsyncClient(base_url=server.url) as client:
            start = await journal_head(client, admin)
            await feed_reaches(server, start)
            slow = await _stalled_client(server.ws_url + f"?since={start}", admin)
            fast_ws = await ws_connect(server.ws_url, admin, since=start)
            fast = WsRecorder(fast_ws)
            hub = server.app.state.hub
            slow_conn = None
            written = 0
            t0 = time.monotonic()
            # Write until the server has given up on the stalled client (bounded). Teams through the
            # API, and bulky events through the app's own database, so the stalled client's socket
            # buffers (megabytes on loopback) fill in a few hundred events, not tens of thousands.
            while written < 600 and slow_conn is None:
                await create_team(client, admin, "360702", f"360702-S{written:04d}")
                async with server.app.state.runtime.db.write() as uow:
                    uow.emit("test.bulky", subject=("test", str(written)), scope=["360702"],
                             data={"pad": "x" * 64_000})
                written += 2
                slow_conn = next((c for c in hub.connections if c.reset_reason is not None), None)
            assert slow_conn is not None, f"the stalled client was never reset after {written} events"
            assert slow_conn.reset_reason == "too_far_behind"
            # A few more after the reset: the reading client still gets them promptly.
            for i in range(10):
                await create_team(client, admin, "360702", f"360702-R{i:02d}")
            head = await journal_head(client, admin)
            write_time = time.monotonic() - t0
            await assert_delivered(fast, client, admin, start, head, within=5)
            assert fast.close_code is None and not fast.other[1:], fast.other

            # The stalled client now reads: a gap-free prefix, then reset, then close 4008.
            got: list[int] = []
            reset = None
            with pytest.raises(websockets.ConnectionClosed):
                async with asyncio.timeout(15):
                    while True:
                        msg = orjson.loads(await slow.recv())
                        if msg["type"] == "event":
                            assert reset is None, "an event after the reset"
                            got.append(msg["event"]["seq"])
                        elif msg["type"] == "reset":
                            reset = msg
            assert slow.close_code == 4008
            assert reset is not None and reset["reason"] == "too_far_behind"
            expected = await visible_seqs(client, admin, start, head)
            assert got == expected[:len(got)], "the stalled client's events before the reset have a gap"
            assert len(got) < len(expected), "the stalled client was not behind at all"

            # It resumes from the journal with the last seq it saw and gets the rest exactly once.
            since = got[-1] if got else start
            resumed = WsRecorder(await ws_connect(server.ws_url, admin, since=since))
            await assert_delivered(resumed, client, admin, since, head)
            await resumed.close()
            await fast.close()
            print(f"slow-client reset after {written} events in {write_time:.2f}s; it had read {len(got)}")
    finally:
        await server.stop()
