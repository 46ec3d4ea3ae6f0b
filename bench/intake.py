"""intake_per_s: real domain writes end to end. `POST /api/v1/intakes` (the OpenAPI example, a
fresh title and Idempotency-Key per request, so each one creates an intake, its event and its
idempotency record), closed loop: `concurrency` clients each send their next request as soon as
the previous one is answered, for `--intake-duration` seconds after a warm-up.

Cases: SQLite with one process (the embedded default) and PostgreSQL with `--workers` workers
(with Redis), each at 16 and 256 concurrent clients. Reported per case: accepted intakes per
second, request p50/p99 (ms, client side), failures, the CPU of the servers and of this client,
and the server's group-commit batches (units per transaction) read from /metrics.

The client is the raw keep-alive HTTP/1.1 client of bench.writers (a few dozen µs per request),
so it is not the limit; its CPU is reported beside the servers'.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

from bench.common import (
    CpuWindow,
    Profiler,
    Results,
    Server,
    Services,
    background_busy_pct,
    make_tokens,
    note,
    percentile,
    r,
    service_pids,
)
from bench.writers import _KeepAlive, intake_body

WARMUP_S = 2.0
USER = "duty.360702"  # a county duty officer: the intakes are the county's own


async def sqlite_database(services: Services) -> str:
    """A migrated SQLite file with the demo jurisdiction, in the bench's work directory."""
    from core import migrate
    from core.db import Database
    from web.demo import load_demo

    path = services.workdir / f"intake-{time.time_ns()}.db"
    url = f"sqlite+aiosqlite:///{path}"
    await asyncio.get_running_loop().run_in_executor(None, migrate.upgrade, url)
    db = Database(url)
    try:
        await load_demo(db)
    finally:
        await db.dispose()
    return url


async def closed_loop(client: _KeepAlive, concurrency: int, seconds: float, tag: str) -> dict[str, Any]:
    durations: list[float] = []
    failures: list[str] = []
    ok = 0
    counter = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal ok, counter
        while time.perf_counter() < deadline:
            i = counter
            counter += 1
            t = time.perf_counter()
            try:
                status, payload = await asyncio.wait_for(client.request(
                    "POST", "/api/v1/intakes", intake_body(i, tag), extra=f"Idempotency-Key: {tag}-{i}\r\n"), 60)
            except (OSError, EOFError, ValueError, IndexError, TimeoutError, asyncio.IncompleteReadError) as exc:
                failures.append(repr(exc))
                continue
            durations.append(time.perf_counter() - t)
            if status == 201:
                ok += 1
            else:
                failures.append(f"{status} {payload[:200]!r}")

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - t0
    durations.sort()
    out: dict[str, Any] = {"accepted": ok, "failed": len(failures), "elapsed_s": r(elapsed),
                           "p50_ms": r(percentile(durations, 50) * 1000),
                           "p99_ms": r(percentile(durations, 99) * 1000),
                           "max_ms": r(durations[-1] * 1000 if durations else float("nan"))}
    if failures:
        out["errors"] = failures[:3]
    out["rate"] = ok / elapsed if elapsed else 0.0
    return out


async def _batches(url: str) -> tuple[float, float]:
    """(transactions, units) the server's group writers committed, summed over what /metrics shows."""
    import httpx

    async with httpx.AsyncClient() as client:
        text = (await client.get(url + "/metrics")).text
    tx = units = 0.0
    for line in text.splitlines():
        if line.startswith("yingji_group_commit_batches_total"):
            tx += float(line.split()[-1])
        elif line.startswith("yingji_group_commit_units_total"):
            units += float(line.split()[-1])
    return tx, units


async def run_case(services: Services, results: Results, args: Any, *, database: str, workers: int) -> None:
    url = await (sqlite_database(services) if database == "sqlite" else services.new_database(f"intake{workers}"))
    tokens = await make_tokens(url, [USER])
    server = Server(services, url, workers=workers, redis=database != "sqlite", label=f"intake-{database}")
    host, port = server.url.split("//", 1)[1].rsplit(":", 1)
    try:
        await server.wait_ready()
        for concurrency in args.intake_concurrency:
            client = _KeepAlive(host, int(port), {"Authorization": f"Bearer {tokens[USER]}"}, max_conns=concurrency)
            tag = f"b{concurrency}x{time.time_ns() % 10**9}"
            try:
                await closed_loop(client, concurrency, WARMUP_S, tag + "w")
                background = await asyncio.get_running_loop().run_in_executor(None, background_busy_pct, 1.0)
                tx0, units0 = await _batches(server.url) if workers == 1 else (0.0, 0.0)
                cpu = CpuWindow({"servers": [server.proc.pid, *server.worker_pids()], "bench": [os.getpid()],
                                 **service_pids()})
                profiler = Profiler(args.profile, f"intake-{database}-c{concurrency}", server.worker_pids(),
                                    args.intake_duration)
                out = await closed_loop(client, concurrency, args.intake_duration, tag)
                cpu_used = cpu.stop()
                profiler.wait()
                tx1, units1 = await _batches(server.url) if workers == 1 else (0.0, 0.0)
            finally:
                await client.close()
            rate = out.pop("rate")
            batches = tx1 - tx0
            params: dict[str, Any] = {
                "workers": workers, "database": "postgresql" if database == "postgres" else "sqlite",
                "concurrency": concurrency, **out, "duration_s": args.intake_duration,
                "writer": "intake", "user": USER, **cpu_used, "background_busy_pct": background,
                # Units of work per transaction (every write, timers included, counts); one process
                # only, as /metrics shows one worker's counters.
                "units_per_commit": r((units1 - units0) / batches) if batches else None,
            }
            if rate:
                params["server_cpu_ms_per_intake"] = r(cpu_used["cpu_servers_cores"] * 1000 / rate)
            results.emit("intake_per_s", r(rate, 1), "1/s", **params)
            note(f"intake: {database} x{workers} c={concurrency}: {rate:.0f}/s p50 {out['p50_ms']} ms "
                 f"p99 {out['p99_ms']} ms ({out['failed']} failed), {params['units_per_commit']} units/commit")
    finally:
        server.stop()  # the SQLite file goes with the bench's work directory


async def run(services: Services, results: Results, args: Any) -> None:
    if "sqlite" in args.intake_databases:
        await run_case(services, results, args, database="sqlite", workers=1)
    if "postgres" in args.intake_databases:
        await run_case(services, results, args, database="postgres", workers=args.workers)
