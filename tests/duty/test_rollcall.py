"""Roll-call (查岗点名): the city calls two counties with a 2 s window; one answers over HTTP (latency
and answerer recorded), the other misses when the durable deadline timer fires; answers after the
deadline, for another county, or calls outside the caller's subtree are refused; statistics count
it; and a deadline that falls while no process runs still closes the roll-call exactly once."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.db import Database
from core.problems import Problem
from core.timers.runner import TimerRunner
from duty import flows
from duty.rollcall import service as rollcall
from tests.duty.helpers import events, head, principal, timer_row, wait_for
from tests.support import LiveServer, assert_problem, bearer, make_settings, token_for

CITY, A, B, OTHER = "360700", "360702", "360703", "360704"


async def _start(db: Database, window_s: int, units: list[str]) -> dict[str, Any]:
    """A 2 s window is shorter than the API allows (10 s): start it through the service, as the API does."""
    by = await principal(db, f"lead.{CITY}")
    async with db.write(by.actor) as uow:
        rc, _targets = await rollcall.start(uow, by=by, units_=units, window_s=window_s)
        return rc.as_doc()


async def _get(client: httpx.AsyncClient, token: str, rc_id: str) -> dict[str, Any]:
    res = await client.get(f"/api/v1/rollcalls/{rc_id}", headers=bearer(token))
    assert res.status_code == 200, res.text
    return dict(res.json())


def _of(evs: list[dict[str, Any]], rc_id: str) -> list[tuple[str, str | None]]:
    return [(e["type"], e["data"].get("unit")) for e in evs if e["subject"]["id"] == rc_id]


async def test_answer_miss_close(live_server: LiveServer, sqlite_url: str) -> None:
    db = live_server.app.state.runtime.db
    city = await token_for(sqlite_url, f"lead.{CITY}")
    a, b, other = [await token_for(sqlite_url, f"duty.{u}") for u in (A, B, OTHER)]
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        since = await head(client, city)
        # The API holds the window to at least 10 s.
        doc = assert_problem(await client.post("/api/v1/rollcalls", headers=bearer(city),
                                               json={"units": [A, B], "window_s": 2}), 422)
        assert doc["errors"][0]["pointer"] == "/window_s"

        rc = await _start(db, 2, [A, B])
        t0 = time.monotonic()
        started = datetime.fromisoformat(rc["started_at"].replace("Z", "+00:00"))
        assert datetime.fromisoformat(rc["deadline"].replace("Z", "+00:00")) - started == timedelta(seconds=2)
        res = await client.get("/api/v1/rollcalls", params={"pending": "true"}, headers=bearer(a))
        assert [r["id"] for r in res.json()] == [rc["id"]]
        res = await client.get("/api/v1/rollcalls", params={"pending": "true"}, headers=bearer(other))
        assert res.json() == []

        # A answers with one action; who answered, how fast, and the post they hold are recorded.
        res = await client.post(f"/api/v1/rollcalls/{rc['id']}/answer", headers=bearer(a))
        assert res.status_code == 200, res.text
        answer = res.json()
        now = await client.get("/api/v1/duty/now", params={"unit": A}, headers=bearer(a))
        mine = sorted(p["post"] for p in now.json()["units"][0]["posts"]
                      if p["holder"] and p["holder"]["username"] == f"duty.{A}")
        assert answer["status"] == "answered" and answer["unit"] == A
        assert answer["answered_by"] == (await principal(db, f"duty.{A}")).user_id
        assert answer["answered_by_name"] and 0 <= answer["latency_ms"] < 2000
        assert answer["on_duty_post"] == (mine[0] if mine else None)
        # Once is enough; a county that was not called has nothing to answer; others' calls are hidden.
        assert_problem(await client.post(f"/api/v1/rollcalls/{rc['id']}/answer", headers=bearer(a)), 409)
        assert_problem(await client.post(f"/api/v1/rollcalls/{rc['id']}/answer", headers=bearer(other)), 404)
        assert_problem(await client.get(f"/api/v1/rollcalls/{rc['id']}", headers=bearer(other)), 404)

        # Still open before the deadline, B pending.
        doc = await _get(client, city, rc["id"])
        assert doc["status"] == "open"
        assert {t["unit"]: t["status"] for t in doc["targets"]} == {A: "answered", B: "pending"}

        async def closed() -> dict[str, Any] | None:
            d = await _get(client, city, rc["id"])
            return d if d["status"] == "closed" else None

        doc = await wait_for(closed, within=8)
        assert time.monotonic() - t0 >= 1.9, "closed before the deadline"
        assert {t["unit"]: t["status"] for t in doc["targets"]} == {A: "answered", B: "missed"}
        assert doc["closed_at"] >= doc["deadline"]
        row = await timer_row(db, rollcall.DEADLINE_TIMER, rc["id"])
        assert row is not None and row.state == "fired"

        # Too late for B now.
        assert_problem(await client.post(f"/api/v1/rollcalls/{rc['id']}/answer", headers=bearer(b)), 409)

        # The journal: the city sees all of it, B its own miss, A not B's miss, the other county nothing.
        assert _of(await events(client, city, since), rc["id"]) == [
            ("duty.rollcall.started", None), ("duty.rollcall.answered", A), ("duty.rollcall.missed", B),
            ("duty.rollcall.closed", None)]
        assert _of(await events(client, b, since), rc["id"]) == [("duty.rollcall.started", None),
                                                                  ("duty.rollcall.missed", B)]
        assert _of(await events(client, a, since), rc["id"]) == [("duty.rollcall.started", None),
                                                                  ("duty.rollcall.answered", A)]
        assert _of(await events(client, other, since), rc["id"]) == []
        closed_ev = [e for e in await events(client, city, since) if e["type"] == "duty.rollcall.closed"]
        assert (closed_ev[0]["data"]["answered"], closed_ev[0]["data"]["missed"]) == (1, 1)

        # Statistics over the period: per unit, answers, misses and latency.
        res = await client.get("/api/v1/rollcalls/statistics", headers=bearer(city))
        assert res.status_code == 200, res.text
        stats = {s["unit"]: s for s in res.json()}
        assert set(stats) == {A, B}
        assert (stats[A]["calls"], stats[A]["answered"], stats[A]["missed"], stats[A]["answer_rate"]) == (1, 1, 0, 1)
        assert stats[A]["mean_latency_ms"] == stats[A]["max_latency_ms"] == answer["latency_ms"]
        assert (stats[B]["calls"], stats[B]["answered"], stats[B]["missed"], stats[B]["answer_rate"]) == (1, 0, 1, 0)
        assert stats[B]["mean_latency_ms"] is None
        res = await client.get("/api/v1/rollcalls/statistics", headers=bearer(b))
        assert [s["unit"] for s in res.json()] == [B]  # a county sees its own line only
        assert_problem(await client.get("/api/v1/rollcalls/statistics", params={"unit": A}, headers=bearer(b)), 404)
        future = (datetime.now().astimezone() + timedelta(hours=1)).isoformat()
        res = await client.get("/api/v1/rollcalls/statistics", params={"from": future}, headers=bearer(city))
        assert res.status_code == 200 and res.json() == []


async def test_calls_only_down_the_callers_subtree(live_server: LiveServer, sqlite_url: str) -> None:
    city = await token_for(sqlite_url, f"lead.{CITY}")
    county_lead = await token_for(sqlite_url, f"lead.{A}")
    b = await token_for(sqlite_url, f"duty.{B}")
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        since = await head(client, city)
        # A county calls only duty rooms under it: not a sibling, not its superior, and it has none.
        for units in ([B], [CITY], [A], [f"{A}-T01"]):
            doc = assert_problem(await client.post("/api/v1/rollcalls", headers=bearer(county_lead),
                                                   json={"units": units}), 422)
            assert doc["errors"][0]["pointer"] == "/units/0", units
        doc = assert_problem(await client.post("/api/v1/rollcalls", headers=bearer(county_lead), json={}), 422)
        assert doc["errors"][0]["pointer"] == "/units"
        assert await events(client, city, since) == []

        # The city's call with the default window (the rules' 300 s), to every county when none is named.
        res = await client.post("/api/v1/rollcalls", headers=bearer(city), json={"message": "夜间查岗"})
        assert res.status_code == 201, res.text
        rc = res.json()
        assert rc["window_s"] == 300 and len(rc["targets"]) == 19
        assert all(t["status"] == "pending" for t in rc["targets"])
        res = await client.post(f"/api/v1/rollcalls/{rc['id']}/answer", headers=bearer(b))
        assert res.status_code == 200 and res.json()["unit"] == B
        res = await client.get("/api/v1/rollcalls", headers=bearer(city))
        assert [r["id"] for r in res.json()] == [rc["id"]]
        # A duty leader of a county answers for their own unit only.
        res = await client.post(f"/api/v1/rollcalls/{rc['id']}/answer", headers=bearer(county_lead))
        assert res.status_code == 200 and res.json()["unit"] == A


async def test_deadline_survives_a_restart(tmp_path: Path, sqlite_url: str) -> None:
    city = await token_for(sqlite_url, f"lead.{CITY}")
    first = LiveServer(make_settings(tmp_path / "one", sqlite_url))
    await first.start()
    try:
        async with httpx.AsyncClient(base_url=first.url) as client:
            since = await head(client, city)
        rc = await _start(first.app.state.runtime.db, 2, [A, B])
    finally:
        await first.stop()
    # No process runs while the deadline passes.
    deadline = datetime.fromisoformat(rc["deadline"].replace("Z", "+00:00"))
    await asyncio.sleep(max(0.0, (deadline - datetime.now(deadline.tzinfo)).total_seconds()) + 0.3)
    db = Database(sqlite_url)
    try:
        row = await timer_row(db, rollcall.DEADLINE_TIMER, rc["id"])
        assert row is not None and row.state == "scheduled"
        # The window has closed even though nobody has closed the roll-call yet.
        by = await principal(db, f"duty.{A}")
        with pytest.raises(Problem) as refused:
            async with db.write(by.actor) as uow:
                await rollcall.answer(uow, by=by, rollcall_id=rc["id"])
        assert refused.value.status == 422

        second = LiveServer(make_settings(tmp_path / "two", sqlite_url))
        await second.start()
        try:
            async with httpx.AsyncClient(base_url=second.url) as client:
                async def closed() -> bool:
                    return (await _get(client, city, rc["id"]))["status"] == "closed"

                await wait_for(closed, within=8)
                doc = await _get(client, city, rc["id"])
                assert {t["unit"]: t["status"] for t in doc["targets"]} == {A: "missed", B: "missed"}
                # Another pass, and a runner of our own, find nothing left to fire.
                mine = TimerRunner(db, handlers={rollcall.DEADLINE_TIMER: flows.rollcall_deadline})
                assert await mine.run_due() == 0
                await asyncio.sleep(0.3)
                evs = _of(await events(client, city, since), rc["id"])
                assert evs == [("duty.rollcall.started", None), ("duty.rollcall.missed", A),
                               ("duty.rollcall.missed", B), ("duty.rollcall.closed", None)]
        finally:
            await second.stop()
        row = await timer_row(db, rollcall.DEADLINE_TIMER, rc["id"])
        assert row is not None and row.state == "fired" and row.attempts == 1
    finally:
        await db.dispose()
