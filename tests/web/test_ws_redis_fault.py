"""Redis goes away mid-stream; the websocket reader notices nothing but latency.

Two `yingji serve` processes on PostgreSQL + Redis; a reader on B while writes go to A at a
steady pace. (a) Redis kills the pub/sub connections (`CLIENT KILL TYPE pubsub`). (b) The servers
reach Redis through a TCP proxy on loopback, which is stopped for two seconds (every connection
through it cut, new ones refused) and then started again. (c) The proxy holds every byte for a
while instead: no error anywhere, nothing arrives. The machine's redis-server is untouched.
In all three, the reader receives every event exactly once, in seq order.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path

import httpx
import redis.asyncio as aioredis

from tests.support import (
    ServerProcess,
    WsRecorder,
    assert_delivered,
    create_team,
    eventually,
    free_port,
    journal_head,
    token_for,
    ws_connect,
)


class TcpProxy:
    """Loopback TCP proxy to Redis that can fail: `stop()` drops every connection and the listener
    (Redis gone); `pause()` keeps the connections but holds every byte until `resume()` (Redis or the
    network stalled: nothing is lost on the wire, nothing arrives, no error is raised)."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = free_port()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.accepted = 0
        self.flowing = asyncio.Event()
        self.flowing.set()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port, reuse_address=True)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.transport.abort()
            return
        self.accepted += 1
        self._writers.update((writer, up_writer))
        pumps = [asyncio.create_task(self._pump(reader, up_writer)),
                 asyncio.create_task(self._pump(up_reader, writer))]
        self._tasks.update(pumps)
        await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        for task in pumps:
            task.cancel()
        for w in (writer, up_writer):
            w.transport.abort()
            self._writers.discard(w)
        self._tasks.difference_update(pumps)

    async def _pump(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while data := await src.read(65536):
                await self.flowing.wait()
                dst.write(data)
                await dst.drain()

    async def stop(self) -> int:
        """Stop listening and cut every open connection (as a dead Redis host would); how many."""
        cut = len(self._writers) // 2
        if self._server is not None:
            self._server.close()
            for w in list(self._writers):
                w.transport.abort()
            await asyncio.wait_for(self._server.wait_closed(), 5)
            self._server = None
        return cut

    def pause(self) -> None:
        self.flowing.clear()

    def resume(self) -> None:
        self.flowing.set()

    async def close(self) -> None:
        self.resume()
        await self.stop()
        for task in list(self._tasks):
            task.cancel()


async def _steady_writes(client: httpx.AsyncClient, token: str, stop: asyncio.Event, prefix: str,
                         written: list[tuple[float, str]], pace: float = 0.02) -> None:
    i = 0
    while not stop.is_set():
        code = f"{prefix}{i:04d}"
        await create_team(client, token, "360702" if i % 2 else "360703", code)
        written.append((time.monotonic(), code))
        i += 1
        await asyncio.sleep(pace)


async def _writes_reach(written: list[tuple[float, str]], n: int, within: float = 30) -> None:
    async def enough() -> bool:
        return len(written) >= n

    await eventually(enough, within, every=0.01)


async def _metric(client: httpx.AsyncClient, name: str) -> float:
    text = (await client.get("/metrics")).text
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"no metric {name}")


async def _check_everything_arrived(client: httpx.AsyncClient, token: str, reader: WsRecorder,
                                    start: int, written: list[tuple[float, str]]) -> int:
    head = await journal_head(client, token)
    await assert_delivered(reader, client, token, start, head)
    # (Events the servers' own timers write come too; ours are all there, in the order written.)
    codes = [e["subject"]["id"] for e in reader.events if e["type"] == "unit.created"]
    assert codes == [code for _, code in written], "events arrived in another order than written"
    assert reader.close_code is None and len(reader.other) == 1, reader.other  # hello, nothing else
    return head


async def _one_more(client: httpx.AsyncClient, token: str, reader: WsRecorder, code: str) -> None:
    """Live delivery works (again): one more write reaches the reader promptly, once."""
    await create_team(client, token, "360702", code)

    async def arrived() -> bool:
        return any(e["subject"]["id"] == code for e in reader.events)

    await eventually(arrived, 5, every=0.01)
    assert [e["subject"]["id"] for e in reader.events].count(code) == 1


async def _two_servers(tmp_path: Path, pg_url: str, redis_url: str,
                       factory: type[ServerProcess]) -> tuple[ServerProcess, ServerProcess]:
    a = factory(tmp_path / "a", pg_url, redis_url)
    b = factory(tmp_path / "b", pg_url, redis_url)
    await asyncio.gather(a.wait_ready(), b.wait_ready())
    return a, b


async def _wait_healthy(client: httpx.AsyncClient, within: float = 10) -> None:
    async def healthy() -> bool:
        return await _metric(client, "yingji_bus_healthy") == 1

    await eventually(healthy, within)


async def test_pubsub_connections_killed(tmp_path: Path, pg_url: str, redis_url: str,
                                         server_process_factory: type[ServerProcess]) -> None:
    a, b = await _two_servers(tmp_path, pg_url, redis_url, server_process_factory)
    token = await token_for(pg_url, "admin")
    admin_redis = aioredis.Redis.from_url(redis_url)
    async with httpx.AsyncClient(base_url=a.url, timeout=10) as client_a, \
            httpx.AsyncClient(base_url=b.url, timeout=10) as client_b:
        await asyncio.gather(_wait_healthy(client_a), _wait_healthy(client_b))
        start = await journal_head(client_a, token)
        reader = WsRecorder(await ws_connect(b.ws_url, token, since=start))
        stop = asyncio.Event()
        written: list[tuple[float, str]] = []
        writer = asyncio.create_task(_steady_writes(client_a, token, stop, "3607K", written))
        t0 = time.monotonic()
        try:
            await _writes_reach(written, 10)
            # Both servers' subscriptions are cut (other pub/sub clients of this Redis, if any,
            # simply reconnect, as ours must).
            killed = int(await admin_redis.execute_command("CLIENT", "KILL", "TYPE", "pubsub"))
            assert killed >= 2, f"expected both servers' subscriptions to be killed, got {killed}"
            # And once more a few writes later, while they may be re-subscribing.
            await _writes_reach(written, len(written) + 4)
            await admin_redis.execute_command("CLIENT", "KILL", "TYPE", "pubsub")
            await _writes_reach(written, len(written) + 20)
        finally:
            stop.set()
            await asyncio.wait_for(writer, 15)
        head = await _check_everything_arrived(client_a, token, reader, start, written)
        # The subscriptions came back (the bus is trusted again on both servers).
        await asyncio.gather(_wait_healthy(client_a), _wait_healthy(client_b))
        await _one_more(client_a, token, reader, "3607KEND")
        await assert_delivered(reader, client_a, token, start, await journal_head(client_a, token))
        assert head > start
        await reader.close()
        print(f"pubsub kill: {len(written)} writes in {time.monotonic() - t0:.1f}s, all delivered")
    await admin_redis.aclose()


async def test_redis_unreachable_for_two_seconds(tmp_path: Path, pg_url: str, redis_url: str,
                                                 server_process_factory: type[ServerProcess]) -> None:
    host_port = redis_url.split("//", 1)[1].split("/", 1)[0]
    proxy = TcpProxy(host_port.split(":")[0], int(host_port.split(":")[1]))
    await proxy.start()
    try:
        a, b = await _two_servers(tmp_path, pg_url, proxy.url, server_process_factory)
        token = await token_for(pg_url, "admin")
        async with httpx.AsyncClient(base_url=a.url, timeout=10) as client_a, \
                httpx.AsyncClient(base_url=b.url, timeout=10) as client_b:
            await asyncio.gather(_wait_healthy(client_a), _wait_healthy(client_b))
            start = await journal_head(client_a, token)
            reader = WsRecorder(await ws_connect(b.ws_url, token, since=start))
            stop = asyncio.Event()
            written: list[tuple[float, str]] = []
            writer = asyncio.create_task(_steady_writes(client_a, token, stop, "3607P", written))
            try:
                await _writes_reach(written, 10)
                # Live events flow before the outage.
                await assert_delivered(reader, client_a, token, start, await journal_head(client_a, token))
                cut = await proxy.stop()
                down_at = time.monotonic()
                assert cut >= 2, f"expected the servers' Redis connections through the proxy, cut {cut}"

                # While Redis is unreachable, B says so and keeps serving by tailing the journal.
                async def b_tailing() -> bool:
                    return await _metric(client_b, "yingji_bus_healthy") == 0

                await eventually(b_tailing, 5)
                ready = await client_b.get("/readyz")
                assert ready.status_code == 503 and ready.json()["checks"]["redis"] == "down"
                await asyncio.sleep(max(0.0, 2.0 - (time.monotonic() - down_at)))
                received_while_down = {e["subject"]["id"] for e in reader.events}
                up_at = time.monotonic()
                await proxy.start()
                written_while_down = [(t, code) for t, code in written if t > down_at]
                # Latency, not loss, and not a stall: what was written while Redis was down, more
                # than a second before it came back, had reached the reader by then (tailing).
                early = {code for t, code in written_while_down if t < up_at - 1.0}
                assert early, f"too few writes during the outage to tell: {written_while_down}"
                assert early <= received_while_down, f"the reader stalled while Redis was down: {early}"
                await asyncio.gather(_wait_healthy(client_a), _wait_healthy(client_b))
                healthy_after = time.monotonic() - up_at
                await _writes_reach(written, len(written) + 10)
            finally:
                stop.set()
                await asyncio.wait_for(writer, 15)
            head = await _check_everything_arrived(client_a, token, reader, start, written)
            assert proxy.accepted > 2, "the servers never reconnected through the proxy"
            assert (await client_b.get("/readyz")).status_code == 200
            await _one_more(client_a, token, reader, "3607PEND")
            await assert_delivered(reader, client_a, token, start, await journal_head(client_a, token))
            assert head > start
            await reader.close()
            # What B delivered while Redis was down came from the journal, and its metrics say so.
            assert await _metric(client_b, "yingji_feed_filled_total") >= len(early)
            print(f"proxy outage: {len(written)} writes, {len(written_while_down)} while down; "
                  f"bus healthy again {healthy_after:.1f}s after the restart")
    finally:
        await proxy.close()


async def test_redis_stalls_without_an_error(tmp_path: Path, pg_url: str, redis_url: str,
                                            server_process_factory: type[ServerProcess]) -> None:
    """No error, no message: the bus looks healthy while nothing comes through. The feed's journal
    check must notice the missing events, and the late messages that arrive afterwards are dropped."""
    host_port = redis_url.split("//", 1)[1].split("/", 1)[0]
    proxy = TcpProxy(host_port.split(":")[0], int(host_port.split(":")[1]))
    await proxy.start()
    try:
        a, b = await _two_servers(tmp_path, pg_url, proxy.url, server_process_factory)
        token = await token_for(pg_url, "admin")
        async with httpx.AsyncClient(base_url=a.url, timeout=10) as client_a, \
                httpx.AsyncClient(base_url=b.url, timeout=10) as client_b:
            await asyncio.gather(_wait_healthy(client_a), _wait_healthy(client_b))
            start = await journal_head(client_a, token)
            reader = WsRecorder(await ws_connect(b.ws_url, token, since=start))
            stop = asyncio.Event()
            written: list[tuple[float, str]] = []
            writer = asyncio.create_task(_steady_writes(client_a, token, stop, "3607Q", written))
            try:
                await _writes_reach(written, 10)
                await assert_delivered(reader, client_a, token, start, await journal_head(client_a, token))
                proxy.pause()
                stalled_at = time.monotonic()
                # (A's first publish into the stall waits out its socket timeout, 1 s, then A stops
                # publishing for a while; its writes go on.)
                await asyncio.sleep(2.5)
                received_while_stalled = {e["subject"]["id"] for e in reader.events}
                resumed_at = time.monotonic()
                proxy.resume()
                early = {code for t, code in written if stalled_at < t < resumed_at - 0.8}
                assert early, f"too few writes during the stall to tell: {written}"
                assert early <= received_while_stalled, f"the reader stalled with Redis: {early}"
                await _writes_reach(written, len(written) + 10)
            finally:
                stop.set()
                await asyncio.wait_for(writer, 15)
            await _check_everything_arrived(client_a, token, reader, start, written)
            await asyncio.gather(_wait_healthy(client_a), _wait_healthy(client_b))
            await _one_more(client_a, token, reader, "3607QEND")
            await asyncio.sleep(0.5)  # late, held-up messages have had time to arrive: none repeated
            await assert_delivered(reader, client_a, token, start, await journal_head(client_a, token))
            assert await _metric(client_b, "yingji_feed_filled_total") >= len(early)
            await reader.close()
    finally:
        await proxy.close()
