"""ws_catchup_ms: a terminal that missed `--missed` events (10,000) reconnects with `since` and
receives them all; the time from opening the TCP connection to the last missed event's arrival.

The journal is loaded by `DirectWriter` (real `unit.updated` events, 500 per transaction,
published to Redis as a worker would), the workers' feeds are given time to take them in, then the
terminal (the city duty officer, who may see every one of them) reconnects `--catchup-runs` times
from the same `since`. The median is the value; every run is listed. One untimed short replay
first, so the timed ones do not pay for first-use costs (query compilation, pool warm-up).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

from bench.common import (
    CITY,
    Results,
    Server,
    Services,
    analyze,
    background_busy_pct,
    cpu_seconds,
    journal_head,
    make_tokens,
    note,
    r,
    visible_seqs,
)
from bench.writers import DirectWriter
from bench.wsclient import _PREFIX_LEN, EVENT_PREFIX, WsClient, connect, ws_path


class CatchupClient(WsClient):
    def __init__(self, host: str, port: int, since: int, token: str, target: int) -> None:
        super().__init__(host, port, ws_path(since), token)
        self.target = target
        self.count = 0
        self.last = since
        self.disorder = 0
        self.t_last = 0.0
        self.t_hello = 0.0
        self.t_first = 0.0
        self.complete: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def on_text(self, payload: bytes, now: float) -> None:
        if not payload.startswith(EVENT_PREFIX):
            if not self.t_hello:
                self.t_hello = now
            self.on_control(payload)
            if self.resets and not self.complete.done():
                self.complete.set_exception(RuntimeError("server sent reset"))
            return
        seq = int(payload[_PREFIX_LEN:payload.find(b",", _PREFIX_LEN)])
        if not self.count:
            self.t_first = now
        self.count += 1
        if seq <= self.last:
            self.disorder += 1
        self.last = seq
        if seq >= self.target and not self.complete.done():
            self.t_last = now
            self.complete.set_result(None)


async def timed_catchup(port: int, token: str, since: int, target: int) -> tuple[dict[str, float], CatchupClient]:
    """(milliseconds from the TCP connect to: hello, first missed event, last missed event; the client)"""
    t0 = time.time()
    client = await connect(lambda: CatchupClient("127.0.0.1", port, since, token, target), "127.0.0.1", port)
    try:
        await asyncio.wait_for(client.complete, 60)
    finally:
        client.close()
    assert isinstance(client, CatchupClient)
    return {"hello": (client.t_hello - t0) * 1000, "first": (client.t_first - t0) * 1000,
            "last": (client.t_last - t0) * 1000}, client


async def run(services: Services, results: Results, args: Any) -> None:
    url = await services.new_database("catchup")
    tokens = await make_tokens(url, ["duty.360700"])
    token = tokens["duty.360700"]
    server = Server(services, url, workers=args.workers, label="catchup")
    writer: DirectWriter | None = None
    try:
        await server.wait_ready()
        writer = DirectWriter(url, services.redis_url)
        await writer.start()
        await writer.write(200, per_tx=100)  # something to warm the replay path with
        h0 = await journal_head(url)
        t = time.monotonic()
        await writer.write(args.missed, per_tx=500)
        h1 = await journal_head(url)
        note(f"catchup: journal {h0} -> {h1} in {time.monotonic() - t:.1f}s")
        expected = await visible_seqs(url, unit=CITY, since=h0, upto=h1)
        # A live journal has current planner statistics (autovacuum); a table that grew from nothing
        # a second ago does not, and PostgreSQL would pick a plan no deployment runs with.
        await analyze(url)
        await asyncio.sleep(2.0)  # the workers' feeds take the burst in before anyone reconnects

        await timed_catchup(server.port, token, h0 - 200, h0)  # untimed warm-up
        runs: list[dict[str, float]] = []
        complete = True
        background = await asyncio.get_running_loop().run_in_executor(None, background_busy_pct, 1.0)
        pids = server.worker_pids()
        cpu_ms = 0.0
        for _ in range(args.catchup_runs):
            cpu0 = sum(cpu_seconds(p) for p in pids)
            times, client = await timed_catchup(server.port, token, h0, h1)
            cpu_ms += (sum(cpu_seconds(p) for p in pids) - cpu0) * 1000
            runs.append(times)
            complete = complete and client.count == len(expected) and client.disorder == 0
            await asyncio.sleep(0.3)
        last = [x["last"] for x in runs]
        med = statistics.median(last)
        results.emit("ws_catchup_ms", r(med, 1), "ms", missed=len(expected),
                     workers=args.workers, database="postgresql", bus="redis", runs_ms=[r(x, 1) for x in last],
                     min_ms=r(min(last), 1), max_ms=r(max(last), 1), complete=complete,
                     hello_ms=r(statistics.median(x["hello"] for x in runs), 1),
                     first_event_ms=r(statistics.median(x["first"] for x in runs), 1),
                     events_per_s=r(len(expected) / (med / 1000), 0), background_busy_pct=background,
                     server_cpu_ms_per_catchup=r(cpu_ms / len(runs), 0))
        if not complete:
            note("catchup: a reconnect did NOT get exactly the missed events in order")
    finally:
        if writer is not None:
            await writer.close()
        server.stop()
