"""Atomicity, on SQLite and PostgreSQL: a launch that fails half-way (the third task dispatch refused,
after two went through) leaves nothing — no activation, no tasks, no working groups, no decision, no
drill, no journal event, no timer — and the incident as it was; the same launch then succeeds."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from command.incidents.models import Incident
from command.tasks import service as tasks_service
from command.tasks.models import Task
from core.db import Database
from core.problems import invalid
from core.timers.models import Timer
from plans_registry import activations
from plans_registry.models import Activation, CommandGroup, Drill, LevelDecision
from tests.command.helpers import Cmd
from tests.plans.helpers import COMMANDER, activate, flood, gz_fx, head, level, plan_by_code


async def _state(db: Database, incident_id: str) -> dict[str, Any]:
    async with db.read() as session:
        async def count(model: Any, *where: Any) -> int:
            return int((await session.execute(select(func.count()).select_from(model).where(*where))).scalar_one())

        return {
            "activations": await count(Activation, Activation.incident_id == incident_id),
            "tasks": await count(Task, Task.incident_id == incident_id),
            "all_tasks": await count(Task),
            "groups": await count(CommandGroup, CommandGroup.incident_id == incident_id),
            "decisions": await count(LevelDecision),
            "drills": await count(Drill),
            "timers": await count(Timer),
            "head": await head(db),
            "incident": (await session.get(Incident, incident_id)).status,  # type: ignore[union-attr]
        }


def _fail_third(monkeypatch: pytest.MonkeyPatch, error: Exception) -> list[str]:
    """The third task of a launch fails as it is dispatched, after two went through: each task's
    `task.dispatched` event goes through command.tasks.service.emit, looked up on the module when
    called, so patching the module attribute reaches the middle of the launch."""
    assert activations.tasks is tasks_service
    real = tasks_service.emit
    calls: list[str] = []

    async def emit(uow: Any, task: Any, type: str, data: Any = None) -> Any:
        if type == "task.dispatched":
            calls.append(task.unit_code)
            if len(calls) > 2:
                raise error
        return await real(uow, task, type, data)

    monkeypatch.setattr(tasks_service, "emit", emit)
    return calls


async def test_a_launch_failing_half_way_leaves_nothing(cmd_any: Cmd, monkeypatch: pytest.MonkeyPatch) -> None:
    cmd = cmd_any
    plan = await plan_by_code(cmd, "GZ-FX")
    incident = await flood(cmd, {"water_level_over": 0.4})
    iid = incident["id"]
    await cmd.token(COMMANDER)
    before = await _state(cmd.db, iid)
    assert (before["activations"], before["tasks"], before["groups"], before["incident"]) == (0, 0, 0, "reported")
    by = await cmd.principal(COMMANDER)

    # In the service, with a unit of work of our own.
    calls = _fail_third(monkeypatch, RuntimeError("dispatch failed"))
    db = Database(cmd.db_url)
    try:
        with pytest.raises(RuntimeError, match="dispatch failed"):
            async with db.write(by.actor) as uow:
                await activations.activate(uow, by=by, incident_id=iid, plan_id=plan["id"], level=4, reason="测试")
    finally:
        await db.dispose()
    assert len(calls) == 3
    assert await _state(cmd.db, iid) == before

    # Through the API of the server running in this process: the refusal is the answer, and nothing stays.
    monkeypatch.undo()
    calls = _fail_third(monkeypatch, invalid("/tasks/2/unit", "unit cannot be dispatched to"))
    res = await cmd.post(COMMANDER, f"/api/v1/incidents/{iid}/activations", {"plan_id": plan["id"], "level": 4})
    assert [e["pointer"] for e in (await cmd.problem(res, 422))["errors"]] == ["/tasks/2/unit"]
    assert len(calls) == 3
    assert await _state(cmd.db, iid) == before
    assert await cmd.ok(await cmd.get(COMMANDER, f"/api/v1/incidents/{iid}/activations")) == []

    # Without the failure the same launch goes through, and each of the counts above moves.
    monkeypatch.undo()
    act = await activate(cmd, iid, plan["id"], 4)
    after = await _state(cmd.db, iid)
    n = len(level(gz_fx(), 4)["actions"])
    assert (after["activations"], after["tasks"], after["groups"]) == (1, n, len(gz_fx()["command"]["groups"]))
    assert after["decisions"] == before["decisions"] + 1 and after["incident"] == "responding"
    assert after["timers"] >= before["timers"] + n + 1  # each task's sign-for timer, and the report cadence
    assert after["head"] > before["head"]
    assert act["level"] == 4
