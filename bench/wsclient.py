"""A lean websocket client for the benchmarks, and pools of them in separate processes.

Why not `websockets.connect` per screen: on a 2-core machine the clients share the CPU with the
servers, PostgreSQL and Redis, and the library's asyncio client costs tens of µs per received
frame (a task per connection, futures per message). This client is an `asyncio.Protocol` on uvloop
that parses frames straight out of `data_received` and stamps each read with the wall clock once,
so most of the CPU stays with the servers being measured. It speaks just what `/ws` needs
(RFC 6455 client side: masked frames out, unmasked in, ping -> pong, close) and nothing more.

A `ClientPool` spreads N connections over several processes (multiprocessing, spawn). Each
process records, per delivered event, the seq and the receive time; the parent turns those into
latencies and completeness figures.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import multiprocessing
import os
import time
from array import array
from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson

EVENT_PREFIX = b'{"type":"event","event":{"seq":'
_PREFIX_LEN = len(EVENT_PREFIX)


def ts_epoch(ts: str) -> float:
    return datetime.fromisoformat(ts).timestamp()


class WsClient(asyncio.Protocol):
    """One websocket connection. Subclasses override `on_text`."""

    def __init__(self, host: str, port: int, path: str, token: str) -> None:
        loop = asyncio.get_running_loop()
        self.request = (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                        f"Connection: Upgrade\r\nSec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}"
                        f"\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer {token}\r\n\r\n").encode()
        self.transport: asyncio.Transport | None = None
        self.upgraded = False
        self.rest = b""
        self.fragments: list[bytes] = []
        self.hello: asyncio.Future[dict[str, Any]] = loop.create_future()
        self.done: asyncio.Future[int | None] = loop.create_future()  # resolves with the close code
        self.close_code: int | None = None
        self.resets = 0
        self.head: int | None = None

    # --- asyncio.Protocol -----------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's are not asyncio.Transport subclasses
        transport.write(self.request)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.hello.done():
            self.hello.set_exception(ConnectionError(f"closed before hello ({exc or self.close_code})"))
        if not self.done.done():
            self.done.set_result(self.close_code)

    def data_received(self, data: bytes) -> None:
        now = time.time()
        if self.rest:
            data = self.rest + data
            self.rest = b""
        pos = 0
        if not self.upgraded:
            end = data.find(b"\r\n\r\n")
            if end < 0:
                self.rest = data
                return
            status = data[:data.find(b"\r\n")]
            if b" 101 " not in status:
                if not self.hello.done():
                    self.hello.set_exception(ConnectionError(status.decode(errors="replace")))
                assert self.transport is not None
                self.transport.close()
                return
            self.upgraded = True
            pos = end + 4
        n = len(data)
        while n - pos >= 2:
            b0 = data[pos]
            b1 = data[pos + 1]
            length = b1 & 0x7F
            hdr = 2
            if length == 126:
                if n - pos < 4:
                    break
                length = int.from_bytes(data[pos + 2:pos + 4], "big")
                hdr = 4
            elif length == 127:
                if n - pos < 10:
                    break
                length = int.from_bytes(data[pos + 2:pos + 10], "big")
                hdr = 10
            end = pos + hdr + length
            if end > n:
                break
            payload = data[pos + hdr:end]
            pos = end
            opcode = b0 & 0x0F
            if opcode == 0x1 or opcode == 0x2 or opcode == 0x0:
                if not b0 & 0x80:  # a fragment; the server does not fragment, but be correct
                    self.fragments.append(payload)
                    continue
                if self.fragments:
                    payload = b"".join([*self.fragments, payload])
                    self.fragments = []
                self.on_text(payload, now)
            elif opcode == 0x9:
                self.send_frame(0xA, payload)
            elif opcode == 0x8:
                self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
                self.send_frame(0x8, payload[:2])
                assert self.transport is not None
                self.transport.close()
                return
        if pos < n:
            self.rest = data[pos:]

    # --- frames out -----------------------------------------------------------------------------
    def send_frame(self, opcode: int, payload: bytes) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        mask = os.urandom(4)
        n = len(payload)
        if n < 126:
            head = bytes((0x80 | opcode, 0x80 | n))
        elif n < 1 << 16:
            head = bytes((0x80 | opcode, 0x80 | 126)) + n.to_bytes(2, "big")
        else:
            head = bytes((0x80 | opcode, 0x80 | 127)) + n.to_bytes(8, "big")
        masked = bytes(b ^ mask[i & 3] for i, b in enumerate(payload))
        self.transport.write(head + mask + masked)

    def send_text(self, text: str) -> None:
        self.send_frame(0x1, text.encode())

    def close(self, code: int = 1000) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.send_frame(0x8, code.to_bytes(2, "big"))
            self.transport.close()

    # --- messages -------------------------------------------------------------------------------
    def on_control(self, payload: bytes) -> None:
        msg = orjson.loads(payload)
        kind = msg.get("type")
        if kind == "hello":
            self.head = msg["head"]
            if not self.hello.done():
                self.hello.set_result(msg)
        elif kind == "reset":
            self.resets += 1

    def on_text(self, payload: bytes, now: float) -> None:
        if not payload.startswith(EVENT_PREFIX):
            self.on_control(payload)


async def connect(factory: Callable[[], WsClient], host: str, port: int, within: float = 20) -> WsClient:
    """Open a connection and wait for the server's hello (the connection is live from then on)."""
    loop = asyncio.get_running_loop()
    _transport, proto = await asyncio.wait_for(loop.create_connection(factory, host, port), within)
    try:
        await asyncio.wait_for(proto.hello, within)
    except BaseException:
        proto.close()
        raise
    return proto


def ws_path(since: int | None = None) -> str:
    return "/ws" if since is None else f"/ws?since={since}"


class Recorder:
    """Per process: every event delivery as (seq, receive time), plus each seq's `ts`."""

    def __init__(self) -> None:
        self.seqs = array("q")
        self.recv = array("d")
        self.ts: dict[int, float] = {}


class RecordingClient(WsClient):
    def __init__(self, host: str, port: int, path: str, token: str, recorder: Recorder) -> None:
        super().__init__(host, port, path, token)
        self.recorder = recorder
        self.seqs = array("q")

    def on_text(self, payload: bytes, now: float) -> None:
        if payload.startswith(EVENT_PREFIX):
            comma = payload.find(b",", _PREFIX_LEN)
            seq = int(payload[_PREFIX_LEN:comma])
        elif payload.startswith(b'{"type":"event"'):  # another key order: parse it all
            seq = orjson.loads(payload)["event"]["seq"]
        else:
            self.on_control(payload)
            return
        rec = self.recorder
        if seq not in rec.ts:
            rec.ts[seq] = ts_epoch(orjson.loads(payload)["event"]["ts"])
        self.seqs.append(seq)
        rec.seqs.append(seq)
        rec.recv.append(now)


# --- pools of clients in other processes --------------------------------------------------------

def _child_main(spec: dict[str, Any], pipe: Any) -> None:
    from bench.common import raise_fd_limit

    raise_fd_limit()
    import uvloop

    uvloop.run(_child(spec, pipe))


async def _child(spec: dict[str, Any], pipe: Any) -> None:
    loop = asyncio.get_running_loop()
    host, port, tokens = spec["host"], spec["port"], spec["tokens"]
    path = ws_path(spec.get("since"))
    recorder = Recorder()
    clients: list[RecordingClient] = []
    errors: list[str] = []
    sem = asyncio.Semaphore(spec.get("concurrency", 25))

    async def one(i: int) -> None:
        async with sem:
            try:
                c = await connect(lambda: RecordingClient(host, port, path, tokens[i % len(tokens)], recorder),
                                  host, port)
                clients.append(c)  # type: ignore[arg-type]
            except Exception as exc:
                errors.append(repr(exc))

    t0 = time.monotonic()
    await asyncio.gather(*(one(spec["offset"] + i) for i in range(spec["count"])))
    pipe.send(("ready", {"ok": len(clients), "failed": len(errors), "errors": errors[:3],
                         "connect_s": time.monotonic() - t0}))
    while True:
        cmd = await loop.run_in_executor(None, pipe.recv)
        if cmd[0] == "mark":  # forget what arrived so far (warm-up)
            recorder.seqs, recorder.recv = array("q"), array("d")
            for c in clients:
                c.seqs = array("q")
            pipe.send(("marked",))
        elif cmd[0] == "finish":
            _, upto, timeout = cmd
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if all(c.done.done() or (c.seqs and c.seqs[-1] >= upto) for c in clients):
                    break
                await asyncio.sleep(0.05)
            pipe.send(("stats", {
                "per_client": [(c.seqs.tobytes(), c.resets, c.close_code if c.done.done() else None)
                               for c in clients],
                "seqs": recorder.seqs.tobytes(), "recv": recorder.recv.tobytes(), "ts": recorder.ts,
            }))
        elif cmd[0] == "close":
            for c in clients:
                c.close()
            await asyncio.sleep(0.2)
            pipe.send(("closed",))
            return


class ClientPool:
    """`total` websocket connections spread over `procs` processes, tokens used round-robin."""

    def __init__(self, host: str, port: int, tokens: list[str], total: int, procs: int,
                 since: int | None = None, concurrency: int = 25) -> None:
        ctx = multiprocessing.get_context("spawn")
        procs = max(1, min(procs, total))
        self.pipes: list[Any] = []
        self.procs: list[Any] = []
        base, extra = divmod(total, procs)
        offset = 0
        for i in range(procs):
            count = base + (1 if i < extra else 0)
            parent, child = ctx.Pipe()
            spec = {"host": host, "port": port, "tokens": tokens, "count": count, "offset": offset,
                    "since": since, "concurrency": concurrency}
            offset += count
            p = ctx.Process(target=_child_main, args=(spec, child), daemon=True, name=f"bench-clients-{i}")
            p.start()
            child.close()
            self.pipes.append(parent)
            self.procs.append(p)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.procs if p.pid is not None]

    async def _all(self, msg: tuple[Any, ...] | None, within: float) -> list[Any]:
        loop = asyncio.get_running_loop()

        async def one(pipe: Any) -> Any:
            if msg is not None:
                pipe.send(msg)
            if not await loop.run_in_executor(None, pipe.poll, within):
                raise TimeoutError("a client process did not answer")
            return pipe.recv()

        return await asyncio.gather(*(one(p) for p in self.pipes))

    async def ready(self, within: float = 120) -> dict[str, Any]:
        replies = [r[1] for r in await self._all(None, within)]
        return {"ok": sum(r["ok"] for r in replies), "failed": sum(r["failed"] for r in replies),
                "errors": [e for r in replies for e in r["errors"]][:5],
                "connect_s": max(r["connect_s"] for r in replies)}

    async def mark(self) -> None:
        await self._all(("mark",), 30)

    async def finish(self, upto: int, within: float) -> list[dict[str, Any]]:
        return [r[1] for r in await self._all(("finish", upto, within), within + 60)]

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self._all(("close",), 30)
        for p in self.procs:
            p.join(5)
            if p.is_alive():
                p.kill()


def deliveries(stats: list[dict[str, Any]]) -> tuple[array, array, dict[int, float]]:  # type: ignore[type-arg]
    """Merge the processes' recordings: (seqs, receive times, seq -> ts)."""
    seqs, recv = array("q"), array("d")
    ts: dict[int, float] = {}
    for s in stats:
        seqs.frombytes(s["seqs"])
        recv.frombytes(s["recv"])
        ts.update(s["ts"])
    return seqs, recv, ts


def completeness(stats: list[dict[str, Any]], expected: list[int]) -> dict[str, int]:
    """Per connection: exactly the expected seqs, in increasing order, each once?"""
    want = set(expected)
    lo, hi = (min(expected), max(expected)) if expected else (0, -1)
    out = {"clients": 0, "clients_complete": 0, "missing": 0, "duplicates": 0, "out_of_order": 0,
           "unexpected": 0, "resets": 0, "closed": 0}
    for s in stats:
        for raw, resets, close_code in s["per_client"]:
            got = array("q")
            got.frombytes(raw)
            in_range = [x for x in got if lo <= x <= hi]
            seen = set(in_range)
            out["clients"] += 1
            out["resets"] += resets
            out["closed"] += close_code is not None
            out["duplicates"] += len(in_range) - len(seen)
            out["unexpected"] += len(seen - want)
            out["missing"] += len(want - seen)
            out["out_of_order"] += sum(1 for a, b in itertools.pairwise(in_range) if b <= a)
            if seen == want and len(in_range) == len(want):
                out["clients_complete"] += 1
    return out
