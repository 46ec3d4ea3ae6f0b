"""ws_commit_to_client_p50_ms / _p99_ms: N screens on `--workers 2` (PostgreSQL + Redis) while
events are written at a fixed rate for a bounded time.

Every screen is a city user (admin, commander, duty officer, duty leader of 360700), so every
event (a county's `unit.updated`) goes to every screen: 1,000 screens x 50 events/s is 50,000
deliveries/s. Latency of one delivery = the screen's receive time (wall clock, stamped when the
bytes are read) minus the event's commit reference (`ref`: the event's `ts`, or the writer's
clock after COMMIT with --writer direct). All processes run on this machine, one clock.

Reported with it: whether every screen got every event exactly once and in order, the p99 over
events of the *last* screen's latency (every_screen_p99_ms), and the CPU each party used.
"""

from __future__ import annotations

import asyncio
import os
import time
from array import array
from typing import Any

from bench.common import (
    CITY,
    CITY_USERS,
    BusProbe,
    CpuWindow,
    Profiler,
    Results,
    Server,
    Services,
    background_busy_pct,
    count_established,
    journal_head,
    make_tokens,
    note,
    percentile,
    r,
    service_pids,
    visible_seqs,
)
from bench.writers import DirectWriter, HttpWriter
from bench.wsclient import ClientPool, completeness, deliveries

WARMUP_S = 2.0


async def run(services: Services, results: Results, args: Any) -> None:
    url = await services.new_database("latency")
    tokens = await make_tokens(url, CITY_USERS)
    server = Server(services, url, workers=args.workers, label="latency")
    pool: ClientPool | None = None
    writer: HttpWriter | DirectWriter | None = None
    probe: BusProbe | None = None
    try:
        await server.wait_ready()
        note(f"latency: {args.clients} screens over {args.client_procs} client processes -> "
             f"{args.workers} workers on :{server.port}")
        pool = ClientPool("127.0.0.1", server.port, list(tokens.values()), args.clients, args.client_procs)
        ready = await pool.ready()
        note(f"latency: {ready['ok']} connected ({ready['failed']} failed) in {ready['connect_s']:.1f}s "
             f"{ready['errors'] or ''}")
        per_worker = [count_established(pid, server.port) for pid in server.worker_pids()]
        if args.writer == "direct":
            writer = DirectWriter(url, services.redis_url)
            await writer.start()
        else:
            writer = HttpWriter(server.url, tokens["admin"], kind="intake" if args.writer == "intake" else "unit")

        # Warm-up: first requests and first fan-outs pay for imports, caches and pools.
        await writer.run(args.rate, WARMUP_S)
        await pool.finish(await journal_head(url), within=15)
        await pool.mark()
        await asyncio.sleep(0.5)

        background = await asyncio.get_running_loop().run_in_executor(None, background_busy_pct, 2.0)
        h_start = await journal_head(url)
        groups = {"servers": [server.proc.pid, *server.worker_pids()], "clients": pool.pids,
                  "bench": [os.getpid()], **service_pids()}
        probe = BusProbe(services.redis_url, url)
        await probe.start()
        profiler = Profiler(args.profile, "latency-worker", server.worker_pids(), args.duration)
        cpu = CpuWindow(groups)
        note(f"latency: writing {args.rate}/s for {args.duration}s ({writer.ref}); background busy {background}%")
        wrote = await writer.run(args.rate, args.duration)
        cpu_used = cpu.stop()
        h_end = await journal_head(url)
        t_wait = time.monotonic()
        stats = await pool.finish(h_end, within=30)
        drain_s = time.monotonic() - t_wait
        profiler.wait()
        expected = await visible_seqs(url, unit=CITY, since=h_start, upto=h_end)
        comp = completeness(stats, expected)

        seqs, recv, ts = deliveries(stats)
        ref = writer.commit_clock if writer.ref == "writer_commit_clock" else ts
        lats = array("d")
        last_screen: dict[int, float] = {}
        for seq, t in zip(seqs, recv, strict=True):
            if h_start < seq <= h_end and seq in ref:
                ms = (t - ref[seq]) * 1000
                lats.append(ms)
                if ms > last_screen.get(seq, -1e9):
                    last_screen[seq] = ms
        ordered = sorted(lats)
        every = sorted(last_screen.values())
        hops = sorted((probe.arrivals[s] - ref[s]) * 1000 for s in last_screen if s in probe.arrivals)
        params: dict[str, Any] = {
            "clients": ready["ok"], "workers": args.workers, "rate": args.rate, "duration_s": args.duration,
            "ref": writer.ref, "writer": args.writer, "database": "postgresql", "bus": "redis",
            "events": len(expected), "deliveries": len(ordered),
            "expected_deliveries": len(expected) * ready["ok"], **comp,
            "connect_failed": ready["failed"], "conns_per_worker": per_worker, "client_procs": len(pool.pids),
            **wrote, **cpu_used, "drain_s": r(drain_s), "background_busy_pct": background,
            # Someone else's CLIENT KILL on the shared redis-server shows up here (the feed then fills).
            "bus_interruptions": server.log_count("redis subscription lost"),
            # From the reference to the event's arrival at a Redis subscriber: how long the
            # publishing side took (a peer worker cannot start its fan-out sooner).
            "bus_hop_p50_ms": r(percentile(hops, 50)), "bus_hop_p99_ms": r(percentile(hops, 99)),
        }
        per_s = len(ordered) / max(1e-9, cpu.wall)
        if per_s:
            params["server_cpu_us_per_delivery"] = r(cpu_used["cpu_servers_cores"] * 1e6 / per_s)
            params["client_cpu_us_per_delivery"] = r(cpu_used["cpu_clients_cores"] * 1e6 / per_s)
        results.emit("ws_commit_to_client_p50_ms", r(percentile(ordered, 50)), "ms", **params)
        results.emit("ws_commit_to_client_p99_ms", r(percentile(ordered, 99)), "ms", **params,
                     max_ms=r(ordered[-1] if ordered else float("nan")),
                     p999_ms=r(percentile(ordered, 99.9)),
                     every_screen_p50_ms=r(percentile(every, 50)), every_screen_p99_ms=r(percentile(every, 99)))
        if comp["clients_complete"] != comp["clients"]:
            note(f"latency: NOT every screen got every event: {comp}")
    finally:
        if probe is not None:
            await probe.stop()
        if pool is not None:
            await pool.close()
        if writer is not None:
            await writer.close()
        server.stop()
