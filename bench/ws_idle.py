"""ws_idle_conn_kib: memory one server process spends per idle websocket connection.

One `yingji serve` process (`--workers 1`, PostgreSQL + Redis). A warm-up opens and closes a few
hundred connections (so first-use allocations are not charged to the measurement), then the RSS
of the process is read, `--idle-conns` county terminals (the 19 county duty officers, round-robin)
connect and stay idle, and the RSS is read again after a settle: (after - before) / connections.
The projection to 10,000 terminals is before + 10,000 x per-connection; `idle_cpu_pct` is the
process's CPU while it holds them (keep-alive pings, timers) over a few seconds.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bench.common import (
    COUNTIES,
    Results,
    Server,
    Services,
    count_established,
    cpu_seconds,
    make_tokens,
    note,
    r,
    rss_kib,
)
from bench.wsclient import ClientPool

SETTLE_S = 3.0
IDLE_CPU_S = 5.0


async def run(services: Services, results: Results, args: Any) -> None:
    url = await services.new_database("idle")
    tokens = list((await make_tokens(url, [f"duty.{c}" for c in COUNTIES])).values())
    server = Server(services, url, workers=1, label="idle")
    try:
        await server.wait_ready()
        pid = server.proc.pid
        warm = ClientPool("127.0.0.1", server.port, tokens, 300, 1)
        await warm.ready()
        await warm.close()
        await asyncio.sleep(SETTLE_S)
        before = rss_kib(pid)
        pool = ClientPool("127.0.0.1", server.port, tokens, args.idle_conns, max(1, args.client_procs))
        try:
            ready = await pool.ready(within=300)
            note(f"idle: {ready['ok']} connected ({ready['failed']} failed) in {ready['connect_s']:.1f}s")
            await asyncio.sleep(SETTLE_S)
            after = rss_kib(pid)
            held = count_established(pid, server.port)
            cpu0 = cpu_seconds(pid)
            await asyncio.sleep(IDLE_CPU_S)  # what holding them costs: keep-alive pings, timers
            idle_cpu = (cpu_seconds(pid) - cpu0) / IDLE_CPU_S
        finally:
            await pool.close()
        per_conn = (after - before) / max(1, ready["ok"])
        results.emit("ws_idle_conn_kib", r(per_conn, 1), "KiB", conns=ready["ok"], held=held, workers=1,
                     database="postgresql", bus="redis", rss_before_mib=r(before / 1024, 1),
                     rss_after_mib=r(after / 1024, 1), connect_s=r(ready["connect_s"], 1),
                     projected_10k_mib=r((before + 10_000 * per_conn) / 1024, 0),
                     idle_cpu_pct=r(100 * idle_cpu, 1))
    finally:
        server.stop()
