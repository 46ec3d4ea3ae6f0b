"""ws_lost_events / ws_duplicate_events: events written through the API while the workers' Redis
connections are killed, counted at the screens.

Readers (city users: they may see every event) stay connected while `HttpWriter` writes at
`--rate` for `--fault-duration` seconds; meanwhile the Redis connections of *this benchmark's*
workers are killed `--fault-kills` times with `CLIENT KILL ID` (found through `CLIENT LIST` and the
workers' own sockets in /proc, so nobody else's connections on the shared redis-server are touched;
the redis-server itself is never restarted). Faults:

- `redis_pubsub_kill`: the pub/sub subscriptions only (what `CLIENT KILL TYPE pubsub` would drop).
- `redis_all_conns_kill`: every Redis connection of the workers, publishers included.

Then every reader must hold every event committed in the window, once, in order: lost = expected
deliveries not received, duplicates = deliveries received more than once.
"""

from __future__ import annotations

import asyncio
import time
from array import array
from typing import Any

import redis.asyncio as aioredis

from bench.common import (
    CITY,
    CITY_USERS,
    Results,
    Server,
    Services,
    journal_head,
    local_ports_to,
    make_tokens,
    note,
    percentile,
    r,
    visible_seqs,
)
from bench.writers import HttpWriter
from bench.wsclient import ClientPool, completeness, deliveries

FAULTS = {"redis_pubsub_kill": "pubsub", "redis_all_conns_kill": None}


async def kill_connections(redis_url: str, pids: list[int], client_type: str | None) -> int:
    """Kill the Redis connections (of `client_type`, or all) that these processes hold. Returns how many."""
    port = int(redis_url.rsplit(":", 1)[1].split("/")[0])
    ours = local_ports_to(pids, port)
    admin = aioredis.Redis.from_url(redis_url)
    killed = 0
    try:
        listing = await (admin.client_list(_type=client_type) if client_type else admin.client_list())
        for c in listing:
            if int(str(c["addr"]).rsplit(":", 1)[1]) in ours:
                killed += int(await admin.client_kill_filter(_id=c["id"]))
    finally:
        await admin.aclose()
    return killed


async def one_fault(services: Services, results: Results, args: Any, fault: str, client_type: str | None) -> None:
    url = await services.new_database(f"fault_{client_type or 'all'}")
    tokens = await make_tokens(url, CITY_USERS)
    server = Server(services, url, workers=args.workers, label=f"fault-{fault}")
    pool: ClientPool | None = None
    writer: HttpWriter | None = None
    try:
        await server.wait_ready()
        pool = ClientPool("127.0.0.1", server.port, list(tokens.values()), args.fault_readers, 1)
        ready = await pool.ready()
        writer = HttpWriter(server.url, tokens["admin"])
        await writer.run(args.rate, 1.0)
        await pool.finish(await journal_head(url), within=15)
        await pool.mark()
        h_start = await journal_head(url)
        kills: list[int] = []

        async def killer() -> None:
            interval = args.fault_duration / (args.fault_kills + 1)
            for _ in range(args.fault_kills):
                await asyncio.sleep(interval)
                kills.append(await kill_connections(services.redis_url, server.worker_pids(), client_type))

        note(f"fault {fault}: {ready['ok']} readers, writing {args.rate}/s for {args.fault_duration}s, "
             f"{args.fault_kills} kills")
        wrote, _ = await asyncio.gather(writer.run(args.rate, args.fault_duration), killer())
        h_end = await journal_head(url)
        t = time.monotonic()
        stats = await pool.finish(h_end, within=20)
        settle_s = time.monotonic() - t
        expected = await visible_seqs(url, unit=CITY, since=h_start, upto=h_end)
        comp = completeness(stats, expected)
        seqs, recv, ts = deliveries(stats)
        lats = sorted(array("d", ((t - ts[s]) * 1000 for s, t in zip(seqs, recv, strict=True)
                                  if h_start < s <= h_end and s in ts)))
        params = {"fault": fault, "readers": ready["ok"], "workers": args.workers, "rate": args.rate,
                  "duration_s": args.fault_duration, "events": len(expected),
                  "expected_deliveries": len(expected) * ready["ok"], "kills": len(kills),
                  "connections_killed": sum(kills), "readers_complete": comp["clients_complete"],
                  "out_of_order": comp["out_of_order"], "resets": comp["resets"],
                  "latency_p50_ms": r(percentile(lats, 50)), "latency_p99_ms": r(percentile(lats, 99)),
                  "latency_max_ms": r(lats[-1] if lats else float("nan")), "settle_s": r(settle_s),
                  "writes_failed": wrote["writes_failed"], "bus_interruptions": server.log_count("subscription lost")}
        if wrote.get("write_errors"):
            params["write_errors"] = wrote["write_errors"]
        results.emit("ws_lost_events", comp["missing"], "events", **params)
        results.emit("ws_duplicate_events", comp["duplicates"], "events", **params)
    finally:
        if pool is not None:
            await pool.close()
        if writer is not None:
            await writer.close()
        server.stop()


async def run(services: Services, results: Results, args: Any) -> None:
    for fault, client_type in FAULTS.items():
        await one_fault(services, results, args, fault, client_type)
