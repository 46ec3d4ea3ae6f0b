"""activation_ms: launching a contingency plan on an incident at a response level (启动预案),
`POST /api/v1/incidents/{id}/activations` {"plan_id", "level"}: in one transaction the plan is
snapshotted, its working groups set up, the level's tasks dispatched (each with its ack and due
timers and a journal event), the incident moved to responding, and all of it journalled. The time
is the client's, from sending the request to having the whole answer (the activation with its
groups and tasks) on loopback.

Once on SQLite (one worker, in-process bus) and once on PostgreSQL (`--workers`, Redis), each on a
fresh copy of the full demo. Every timed launch needs its own incident (a plan runs once per
incident): a flood in 南康区 (360703) reported by its duty officer (`POST /intakes`, facts
water_level_over 2.5 m) and verified by its duty leader; the city commander then launches the city
flood plan GZ-FX (found through `GET /incidents/{id}/plan-suggestions`) at level 2 and level 1
(8 tasks each), and a synthetic plan BENCH-FX — GZ-FX imported under another code with level 1's
actions repeated to `--activation-tasks` (60) — at level 1. The cases take turns, `--activation-runs`
(20) launches each; the value is the median (p90 and max alongside, every run listed). One untimed
launch of each case first pays the first-use costs (query compilation, pool warm-up).

A level change is timed the same way (same metric, `op: "level_change"`): GZ-FX launched at level 4
(5 tasks, untimed), then `POST /activations/{id}/level` to level 1: the tasks level 1 adds are
dispatched, level 4's that it lacks made obsolete; `tasks` is the number added.

With each line: `p90_ms`, `min_ms`, `max_ms`, `runs_ms` (in order), `server_cpu_ms_per_op` (the
workers' CPU per timed call), `background_busy_pct` (the machine just before, the bench idle) and
`machine_busy_pct` (over the timed runs, this bench's own load included).
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import yaml

from bench.common import (
    Results,
    Server,
    Services,
    background_busy_pct,
    cpu_seconds,
    machine_busy,
    make_tokens,
    note,
    percentile,
    r,
    wait_quiet,
)

COUNTY = "360703"  # 南康区
DUTY, LEAD, COMMANDER = f"duty.{COUNTY}", f"lead.{COUNTY}", "commander.360700"
FACTS = {"water_level_over": 2.5}  # GZ-FX's level 2 trigger (>= 2 m); level 1 needs 3 m, launched anyway
BENCH_CODE = "BENCH-FX"
_seq = itertools.count(1)


@dataclass
class Case:
    label: str
    plan_id: str
    level: int
    op: str = "activate"  # or "level_change": launched at `from_level` untimed, then changed to `level`
    from_level: int | None = None
    runs_ms: list[float] = field(default_factory=list)
    tasks: set[int] = field(default_factory=set)
    closed: set[int] = field(default_factory=set)
    cpu_ms: float = 0.0


class Api:
    """The demo users' HTTP calls against one server."""

    def __init__(self, client: httpx.AsyncClient, tokens: dict[str, str]) -> None:
        self.client = client
        self.tokens = tokens

    async def call(self, who: str, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        res = await self.client.request(method, "/api/v1" + path, json=body,
                                        headers={"Authorization": f"Bearer {self.tokens[who]}"})
        if res.status_code != status:
            raise RuntimeError(f"{method} {path} as {who}: {res.status_code} {res.text[:500]}")
        return res.json()

    async def flood(self) -> str:
        """A flood incident in the county, the way its duty room makes one: an intake, verified."""
        n = next(_seq)
        intake = await self.call(DUTY, "POST", "/intakes", {
            "source": "phone", "caller": "唐江镇防汛办 刘志强", "callback": "13907975678",
            "title": f"压测汛情 {n}：上犹江唐江段超警戒水位", "category": "natural.flood",
            "description": "上犹江唐江段水位持续上涨，超警戒水位 2.5 米，沿河低洼地带进水。",
            "address": "南康区唐江镇", "facts": FACTS}, 201)
        incident = await self.call(LEAD, "POST", f"/intakes/{intake['id']}/verify", {})
        return str(incident["id"])

    async def activate(self, incident_id: str, plan_id: str, level: int) -> dict[str, Any]:
        return dict(await self.call(COMMANDER, "POST", f"/incidents/{incident_id}/activations",
                                    {"plan_id": plan_id, "level": level, "reason": "按预案启动（压测）"}, 201))


def synthetic_plan(actions: int) -> dict[str, Any]:
    """GZ-FX as its file says, under another code, with level 1's actions repeated to `actions`
    (new keys; the same targets: group leads, a named unit, the affected counties)."""
    from plans_registry.demo import PLANS_DIR

    document: dict[str, Any] = yaml.safe_load((PLANS_DIR / "gz-flood.yaml").read_text(encoding="utf-8"))
    document["code"] = BENCH_CODE
    document["name"] = "赣州市防汛抗旱应急预案（压测用）"
    level1 = next(lv for lv in document["levels"] if lv["level"] == 1)
    base = level1["actions"]
    out = []
    for i in range(actions):
        a = copy.deepcopy(base[i % len(base)])
        a["key"] = f"{a['key']}_{i // len(base)}"
        a["title"] = f"{a['title']}（{i // len(base) + 1}）"
        out.append(a)
    level1["actions"] = out
    return document


async def sqlite_database(services: Services) -> str:
    """A fresh SQLite file with the whole demo, as `yingji init --demo` makes it."""
    from core import migrate
    from core.db import Database
    from web.demo import load_demo

    path = services.workdir / "activation-sqlite" / "yingji.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    url = f"sqlite+aiosqlite:///{path}"
    await asyncio.get_running_loop().run_in_executor(None, migrate.upgrade, url)
    db = Database(url)
    try:
        await load_demo(db)
    finally:
        await db.dispose()
    return url


async def timed(pids: list[int], case: Case, fn: Callable[[], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
    cpu0 = sum(cpu_seconds(p) for p in pids)
    t0 = time.perf_counter()
    doc = await fn()
    case.runs_ms.append((time.perf_counter() - t0) * 1000)
    case.cpu_ms += (sum(cpu_seconds(p) for p in pids) - cpu0) * 1000
    return doc


async def one_run(api: Api, pids: list[int] | None, case: Case) -> None:
    """One launch (or level change) of the case on a new incident; timed unless `pids` is None."""
    incident = await api.flood()
    if case.op == "activate":
        async def launch() -> dict[str, Any]:
            return await api.activate(incident, case.plan_id, case.level)
        doc = await (timed(pids, case, launch) if pids is not None else launch())
        case.tasks.add(len(doc["tasks"]))
        return
    assert case.from_level is not None
    running = await api.activate(incident, case.plan_id, case.from_level)

    async def change() -> dict[str, Any]:
        return dict(await api.call(COMMANDER, "POST", f"/activations/{running['id']}/level",
                                   {"level": case.level, "reason": "水位持续上涨，提升为一级响应（压测）"}))
    doc = await (timed(pids, case, change) if pids is not None else change())
    decision = doc["decisions"][-1]
    case.tasks.add(len(decision["tasks_added"]))
    case.closed.add(len(decision["tasks_closed"]))


async def measure(services: Services, results: Results, args: Any, database: str) -> None:
    if args.wait_quiet > 0 and database != "sqlite":  # run.py waited before the first
        busy = await asyncio.get_running_loop().run_in_executor(None, wait_quiet, args.wait_quiet)
        note(f"activation: machine {busy}% busy before {database}")
    if database == "sqlite":
        url = await sqlite_database(services)
        server = Server(services, url, workers=1, redis=False, label="activation-sqlite")
        workers, bus = 1, "local"
    else:
        url = await services.new_database("activation")
        server = Server(services, url, workers=args.workers, label="activation-pg")
        workers, bus = args.workers, "redis"
    tokens = await make_tokens(url, [DUTY, LEAD, COMMANDER])
    try:
        await server.wait_ready()
        await asyncio.sleep(1.0)  # the timers the demo left due (an overdue review) fire first
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
            api = Api(client, tokens)
            first = await api.flood()
            suggested = await api.call(COMMANDER, "GET", f"/incidents/{first}/plan-suggestions")
            gz = next((s for s in suggested if s["code"] == "GZ-FX"), None)
            if gz is None:
                raise RuntimeError(f"GZ-FX not suggested for a flood in {COUNTY}: {[s['code'] for s in suggested]}")
            if gz["level"] != 2:
                note(f"activation: GZ-FX suggested at level {gz['level']} (expected 2)")
            version = await api.call(COMMANDER, "POST", "/plans", synthetic_plan(args.activation_tasks), 201)
            await api.call(COMMANDER, "POST", f"/plans/{version['plan_id']}/versions/{version['id']}/status",
                           {"action": "approve"})
            cases = [Case("GZ-FX L2", gz["plan_id"], 2), Case("GZ-FX L1", gz["plan_id"], 1),
                     Case(f"{BENCH_CODE} L1", version["plan_id"], 1),
                     Case("GZ-FX L4->L1", gz["plan_id"], 1, op="level_change", from_level=4)]
            for case in cases:  # untimed: first-use costs
                await one_run(api, None, case)
                case.tasks.clear()
                case.closed.clear()
            background = await asyncio.get_running_loop().run_in_executor(None, background_busy_pct, 1.0)
            pids = server.worker_pids()
            t, m0 = time.monotonic(), machine_busy()
            for _ in range(args.activation_runs):
                for case in cases:
                    await one_run(api, pids, case)
            m1 = machine_busy()
            busy = r(100 * (m1[0] - m0[0]) / max(1e-9, m1[1] - m0[1]), 1)
            note(f"activation: {database}: {args.activation_runs} x {len(cases)} runs in "
                 f"{time.monotonic() - t:.1f}s, machine {busy}% busy")
        for case in cases:
            runs = sorted(case.runs_ms)
            if len(case.tasks) != 1:
                note(f"activation: {case.label}: task counts varied between runs: {sorted(case.tasks)}")
            extra: dict[str, Any] = {}
            if case.op == "level_change":
                extra = {"from_level": case.from_level, "tasks_closed": max(case.closed)}
            results.emit("activation_ms", r(statistics.median(runs), 1), "ms", tasks=max(case.tasks),
                         op=case.op, plan=case.label.split()[0], level=case.level, **extra, database=database,
                         workers=workers, bus=bus, runs=len(runs), p90_ms=r(percentile(runs, 90), 1),
                         min_ms=r(runs[0], 1), max_ms=r(runs[-1], 1), runs_ms=[r(x, 1) for x in case.runs_ms],
                         server_cpu_ms_per_op=r(case.cpu_ms / len(runs), 1), background_busy_pct=background,
                         machine_busy_pct=busy)
    finally:
        server.stop()


async def run(services: Services, results: Results, args: Any) -> None:
    for database in ("sqlite", "postgresql"):
        await measure(services, results, args, database)
