"""Run the benchmarks: `python -m bench.run [--only NAME[,NAME]] [--clients N] ...` (or `make bench
BENCH_ARGS="..."`). One JSON object per line on stdout, the same lines in bench/results/latest.jsonl,
progress on stderr. Needs PostgreSQL (127.0.0.1:5432, user postgres, may create databases) and
Redis (127.0.0.1:6379); every database it creates is named yj_bench_* and dropped at the end.

Scenarios: intake (intake_per_s: SQLite 1 process and PostgreSQL --workers, 16 and 256 clients),
ws_latency (the light unit PATCH), ws_latency_intake (real intakes as the writes), ws_catchup,
ws_fault, ws_idle, activation.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench import activation, intake, ws_catchup, ws_fault, ws_idle, ws_latency
from bench.common import RESULTS, Results, Services, note, raise_fd_limit, wait_quiet

Scenario = Callable[[Services, Results, Any], Awaitable[None]]
async def _ws_latency_intake(services: Services, results: Results, args: Any) -> None:
    """ws_commit_to_client_* with real intakes as the writes (beside the light unit PATCH)."""
    await ws_latency.run(services, results, argparse.Namespace(**{**vars(args), "writer": "intake"}))


SCENARIOS: dict[str, Scenario] = {
    "intake": intake.run,
    "ws_latency": ws_latency.run,
    "ws_latency_intake": _ws_latency_intake,
    "ws_catchup": ws_catchup.run,
    "ws_fault": ws_fault.run,
    "ws_idle": ws_idle.run,
    "activation": activation.run,
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", default="", help=f"comma-separated scenarios (default all): {', '.join(SCENARIOS)}")
    p.add_argument("--clients", type=int, default=1000, help="ws_latency: websocket screens (default 1000)")
    p.add_argument("--client-procs", type=int, default=2,
                   help="processes the screens are spread over (default 2)")
    p.add_argument("--workers", type=int, default=2,
                   help="ws_latency/ws_catchup/ws_fault, activation on PostgreSQL: server workers")
    p.add_argument("--rate", type=float, default=50, help="events written per second (default 50)")
    p.add_argument("--duration", type=float, default=20, help="ws_latency: seconds of writing (default 20)")
    p.add_argument("--writer", choices=("http", "direct", "intake"), default="http",
                   help="ws_latency: write through the API (PATCH units, ref=event_ts), POST intakes "
                        "through the API, or commit here like a worker (ref=writer_commit_clock)")
    p.add_argument("--intake-duration", type=float, default=10,
                   help="intake: seconds of closed-loop writing per case (default 10)")
    p.add_argument("--intake-concurrency", default="16,256",
                   help="intake: concurrent clients, comma-separated (default 16,256)")
    p.add_argument("--intake-databases", default="sqlite,postgres",
                   help="intake: which cases (default sqlite,postgres)")
    p.add_argument("--missed", type=int, default=10_000, help="ws_catchup: events the terminal missed")
    p.add_argument("--catchup-runs", type=int, default=5, help="ws_catchup: reconnections timed (median)")
    p.add_argument("--fault-duration", type=float, default=12, help="ws_fault: seconds of writing per fault")
    p.add_argument("--fault-readers", type=int, default=40, help="ws_fault: reading screens")
    p.add_argument("--fault-kills", type=int, default=5, help="ws_fault: how many times connections are killed")
    p.add_argument("--idle-conns", type=int, default=2000, help="ws_idle: idle connections opened")
    p.add_argument("--activation-runs", type=int, default=20,
                   help="activation: timed launches per case and database (median; default 20)")
    p.add_argument("--activation-tasks", type=int, default=60,
                   help="activation: tasks of the synthetic plan's level 1 (default 60, at most 80)")
    p.add_argument("--profile", type=Path, default=None, metavar="DIR",
                   help="ws_latency, intake: record the workers with py-spy (raw + flamegraph) into DIR")
    p.add_argument("--wait-quiet", type=float, default=0, metavar="SECONDS",
                   help="before each scenario, wait up to this long for the machine to be quiet "
                        "(< 20%% busy over 2 s): for shared machines")
    p.add_argument("--server-root", type=Path, default=None, metavar="DIR",
                   help="run the servers from another copy of the source tree (A/B comparisons)")
    p.add_argument("--out", default=str(RESULTS / "latest.jsonl"),
                   help="where to write the lines ('-' for nowhere; default bench/results/latest.jsonl)")
    args = p.parse_args(argv)
    args.intake_concurrency = [int(c) for c in str(args.intake_concurrency).split(",") if c.strip()]
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = [s for s in only if s not in SCENARIOS]
    if unknown:
        p.error(f"unknown scenario(s) {unknown}; choose from {list(SCENARIOS)}")
    args.scenarios = only or list(SCENARIOS)
    return args


async def main(args: argparse.Namespace) -> int:
    services = Services()
    if args.server_root is not None:
        services.server_root = args.server_root.resolve()
    services.check()
    results = Results(None if args.out == "-" else Path(args.out))
    failed: list[str] = []
    t0 = time.monotonic()
    try:
        for name in args.scenarios:
            if args.wait_quiet > 0:
                busy = await asyncio.get_running_loop().run_in_executor(None, wait_quiet, args.wait_quiet)
                note(f"{name}: machine {busy}% busy before the start")
            note(f"{name}: start")
            t = time.monotonic()
            try:
                await SCENARIOS[name](services, results, args)
            except Exception as exc:
                failed.append(name)
                note(f"{name}: FAILED: {type(exc).__name__}: {exc}")
            note(f"{name}: {time.monotonic() - t:.1f}s")
    finally:
        await services.drop_all()
        results.write()
    note(f"done in {time.monotonic() - t0:.1f}s; {len(results.lines)} lines"
         + (f" -> {args.out}" if args.out != "-" else "") + (f"; FAILED: {failed}" if failed else ""))
    return 1 if failed else 0


def cli(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    raise_fd_limit()
    import uvloop

    sys.exit(uvloop.run(main(args)))


if __name__ == "__main__":
    cli()
