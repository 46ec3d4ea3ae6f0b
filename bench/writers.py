"""Who writes the events the screens receive.

- `HttpWriter`: real API writes (`PATCH /api/v1/units/{county}`, one `unit.updated` event each)
  at a fixed rate, open loop: request i is sent at t0 + i/rate whether or not earlier ones have
  returned. The event is committed inside a server worker, which fans it out to its own screens
  and publishes it to Redis for the other worker: the deployed path. The only commit clock the
  screens can see is the event's `ts` (set at append, just before COMMIT, millisecond precision),
  so latencies are measured from `ts` (ref=event_ts): conservative by the commit's duration and by
  up to 1 ms of truncation.
- `DirectWriter`: this process commits through `core.db` like a third worker would, takes the
  wall clock right after COMMIT returns (ref=writer_commit_clock, µs precision) and publishes to
  the installation's Redis channel exactly as a worker does. Also used to load the journal fast.
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any

import orjson
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from bench.common import COUNTIES, percentile, r


def _schedule_stats(durations: list[float], ok: int, n: int, elapsed: float) -> dict[str, Any]:
    durations.sort()
    return {"writes_ok": ok, "writes_failed": n - ok, "write_rate_achieved": r(ok / elapsed if elapsed else 0, 1),
            "write_p50_ms": r(percentile(durations, 50) * 1000), "write_p99_ms": r(percentile(durations, 99) * 1000)}


class _KeepAlive:
    """A minimal HTTP/1.1 keep-alive client: the load generator shares the 2 cores with the servers
    it measures, and httpx costs around a millisecond of CPU per request; this costs a few dozen µs."""

    def __init__(self, host: str, port: int, headers: dict[str, str], max_conns: int = 32) -> None:
        self.host, self.port = host, port
        self.head = "".join(f"{k}: {v}\r\n" for k, v in {"Host": f"{host}:{port}", **headers}.items())
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.slots = asyncio.Semaphore(max_conns)

    async def request(self, method: str, path: str, body: bytes, extra: str = "") -> tuple[int, bytes]:
        """`extra`: more header lines ("Name: value\r\n"), e.g. an Idempotency-Key."""
        async with self.slots:
            while self.idle:
                answer = await self._exchange(self.idle.pop(), method, path, body, reused=True, extra=extra)
                if answer is not None:
                    return answer
            conn = await asyncio.open_connection(self.host, self.port)
            answer = await self._exchange(conn, method, path, body, reused=False, extra=extra)
            if answer is None:
                raise ConnectionError("server closed the connection without answering")
            return answer

    async def _exchange(self, conn: tuple[asyncio.StreamReader, asyncio.StreamWriter], method: str, path: str,
                        body: bytes, reused: bool, extra: str = "") -> tuple[int, bytes] | None:
        """One request on `conn`; None if a kept-alive connection turns out closed (the server
        times idle ones out) before it answered: the request was not read, so it is sent again."""
        reader, writer = conn
        try:
            writer.write(f"{method} {path} HTTP/1.1\r\n{self.head}{extra}Content-Type: application/json\r\n"
                         f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
            first = await reader.readline()
            if not first and reused:
                writer.close()
                return None
            status = int(first.split()[1])
            length, keep = 0, True
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
                elif name.lower() == "connection" and "close" in value.lower():
                    keep = False
            payload = await reader.readexactly(length)
        except ConnectionResetError:
            writer.close()
            if reused:
                return None
            raise
        except BaseException:
            writer.close()
            raise
        if keep:
            self.idle.append(conn)
        else:
            writer.close()
        return status, payload

    async def close(self) -> None:
        for _reader, writer in self.idle:
            writer.close()
        self.idle.clear()


def intake_body(i: int, tag: str = "bench") -> bytes:
    """The OpenAPI example of `POST /api/v1/intakes`, its title and facts made unique per request."""
    from command.intake.schemas import INTAKE_CREATE

    example = INTAKE_CREATE["examples"][0]
    return orjson.dumps({**example, "title": f"{example['title']}（{tag} {i}）",
                         "facts": {**example.get("facts", {}), "evacuated": i % 1000}})


class HttpWriter:
    """`kind="unit"`: PATCH /api/v1/units/{county} (the light write); `kind="intake"`: POST
    /api/v1/intakes, the OpenAPI example with an Idempotency-Key (a real domain write)."""

    ref = "event_ts"

    def __init__(self, base_url: str, token: str, kind: str = "unit") -> None:
        host, port = base_url.split("//", 1)[1].rsplit(":", 1)
        self.client = _KeepAlive(host, int(port), {"Authorization": f"Bearer {token}"})
        self.kind = kind
        self.tag = f"w{time.time_ns() % 10**9}"
        self.i = 0
        self.commit_clock: dict[int, float] = {}  # not observable from outside the server

    async def run(self, rate: float, duration: float) -> dict[str, Any]:
        n = max(1, math.ceil(rate * duration))
        loop = asyncio.get_running_loop()
        durations: list[float] = []
        ok = 0
        failures: list[str] = []

        async def one(i: int) -> None:
            nonlocal ok
            t = time.perf_counter()
            try:
                if self.kind == "intake":
                    call = self.client.request("POST", "/api/v1/intakes", intake_body(i, self.tag),
                                               extra=f"Idempotency-Key: {self.tag}-{i}\r\n")
                else:
                    call = self.client.request("PATCH", f"/api/v1/units/{COUNTIES[i % len(COUNTIES)]}",
                                               orjson.dumps({"sort": i % 100_000}))
                status, payload = await asyncio.wait_for(call, 60)
            except (OSError, EOFError, ValueError, IndexError, TimeoutError, asyncio.IncompleteReadError) as exc:
                failures.append(repr(exc))
                return
            durations.append(time.perf_counter() - t)
            if status in (200, 201):
                ok += 1
            else:
                failures.append(f"{status} {payload[:200]!r}")

        t0 = loop.time()
        tasks = []
        for k in range(n):
            delay = t0 + k / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(self.i)))
            self.i += 1
        await asyncio.gather(*tasks)
        out = _schedule_stats(durations, ok, n, loop.time() - t0)
        if failures:
            out["write_errors"] = failures[:3]
        return out

    async def close(self) -> None:
        await self.client.close()


class DirectWriter:
    ref = "writer_commit_clock"

    def __init__(self, database_url: str, redis_url: str | None) -> None:
        from core.db import Database

        self.db = Database(database_url, pool_size=2)
        self.redis_url = redis_url
        self.bus: Any = None
        self.channel = ""
        self.principal: Any = None
        self.commit_clock: dict[int, float] = {}
        self._last_commit = 0.0
        self.i = 0

    def _after_commit(self, _session: Session) -> None:
        self._last_commit = time.time()

    async def start(self) -> None:
        import redis.asyncio as aioredis

        from core.auth import service as auth
        from core.migrate import installation_id

        async with self.db.read() as session:
            iid = await installation_id(session)  # the servers made it at start-up
            user = await auth.find_user(session, "admin")
            assert user is not None
            self.principal = await auth.principal_for(session, user, via="token")
        if self.redis_url:
            self.bus = aioredis.Redis.from_url(self.redis_url)
            self.channel = f"yingji:{iid}:journal"  # the installation's channel, as core.bus.redis names it
        # The wall clock the moment COMMIT returns (before the session closes), then publish as a worker does.
        sa_event.listen(Session, "after_commit", self._after_commit)
        self.db.on_commit(self._on_commit)

    async def _on_commit(self, events: list[Any]) -> None:
        t = self._last_commit
        for ev in events:
            self.commit_clock[ev.seq] = t
        if self.bus is not None:
            async with self.bus.pipeline(transaction=False) as pipe:
                for ev in events:
                    pipe.publish(self.channel, ev.doc)
                await pipe.execute()

    async def write(self, count: int, per_tx: int = 1) -> None:
        """`count` real `unit.updated` events, `per_tx` per transaction."""
        from core.units import service as units

        done = 0
        while done < count:
            k = min(per_tx, count - done)
            async with self.db.write(self.principal.actor) as uow:
                for _ in range(k):
                    await units.update_unit(uow, by=self.principal, code=COUNTIES[self.i % len(COUNTIES)],
                                            changes={"sort": self.i % 100_000})
                    self.i += 1
            done += k

    async def run(self, rate: float, duration: float) -> dict[str, Any]:
        n = max(1, math.ceil(rate * duration))
        loop = asyncio.get_running_loop()
        durations: list[float] = []
        lock = asyncio.Lock()  # one writer: commits in order, like a single worker's transactions
        ok = 0

        async def one() -> None:
            nonlocal ok
            async with lock:
                t = time.perf_counter()
                await self.write(1)
                durations.append(time.perf_counter() - t)
                ok += 1

        t0 = loop.time()
        tasks = []
        for k in range(n):
            delay = t0 + k / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one()))
        await asyncio.gather(*tasks)
        return _schedule_stats(durations, ok, n, loop.time() - t0)

    async def close(self) -> None:
        sa_event.remove(Session, "after_commit", self._after_commit)
        if self.bus is not None:
            await self.bus.aclose()
        await self.db.dispose()
