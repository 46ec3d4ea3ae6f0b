"""Termination: what is still open is cancelled with the reason (finished work stays finished), an
after-action evaluation task goes to the plan's owner and the activation's evaluation is pending; the
evaluation is recorded afterwards; a response ends once; only the launching side ends it."""

from __future__ import annotations

from typing import Any

import pytest

from command.tasks.models import OPEN
from plans_registry.activations import REPORT_TIMER
from tests.command.helpers import Cmd
from tests.plans.helpers import (
    CITY,
    COMMANDER,
    activate,
    activation,
    approved,
    by_pair,
    change_level,
    county_plan,
    flood,
    journal,
    plan_by_code,
    timers,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")  # one server for the module (`shared`)

REASON = "洪水退去，险情解除，经指挥部研究决定终止应急响应"


async def _running(cmd: Cmd) -> tuple[dict[str, Any], dict[str, Any]]:
    plan = await plan_by_code(cmd, "GZ-FX")
    incident = await flood(cmd, {"water_level_over": 0.4})
    return plan, await activate(cmd, incident["id"], plan["id"], 4)


async def _terminate(cmd: Cmd, activation_id: str, who: str = COMMANDER) -> Any:
    return await cmd.post(who, f"/api/v1/activations/{activation_id}/terminate", {"reason": REASON})


async def test_termination_closes_what_is_open_and_starts_the_evaluation(shared: Cmd) -> None:
    plan, act = await _running(shared)
    tasks = by_pair(act["tasks"])
    # Different stages: one done (verified), one in progress, one signed for, the rest untouched.
    done = tasks[("counties", "360703")]["id"]
    await shared.ok(await shared.post("duty.360703", f"/api/v1/tasks/{done}/acknowledge"))
    await shared.ok(await shared.post("duty.360703", f"/api/v1/tasks/{done}/complete", {"text": "已落实"}))
    await shared.ok(await shared.post(COMMANDER, f"/api/v1/tasks/{done}/verify"))
    working = tasks[("publicity", "360700-XCB")]["id"]
    await shared.ok(await shared.post(COMMANDER, f"/api/v1/tasks/{working}/acknowledge"))
    await shared.ok(await shared.post(COMMANDER, f"/api/v1/tasks/{working}/feedback", {"text": "已发布提示"}))
    signed = tasks[("monitor", "360700-SLJ")]["id"]
    await shared.ok(await shared.post(COMMANDER, f"/api/v1/tasks/{signed}/acknowledge"))

    ended = await shared.ok(await _terminate(shared, act["id"]))
    assert (ended["status"], ended["termination_reason"]) == ("terminated", REASON)
    assert ended["terminated_at"] and ended["terminated_by_name"]
    now = {t["id"]: t for t in ended["tasks"]}
    assert now[done]["status"] == "done"
    cancelled = [tid for tid in now if tid != done]
    assert len(cancelled) == len(act["tasks"]) - 1
    for tid in cancelled:
        assert now[tid]["status"] == "cancelled" and REASON in now[tid]["closed_reason"], now[tid]

    # The evaluation task: to the plan's owner, open, the activation waiting for it.
    listed = await shared.ok(await shared.get(COMMANDER, "/api/v1/tasks", incident=act["incident_id"]))
    evaluations = [t for t in listed if t["source"] == "evaluation"]
    assert len(evaluations) == 1
    evaluation = evaluations[0]
    assert (evaluation["unit"], evaluation["status"], evaluation["source_id"]) == (plan["owner_unit"], "dispatched",
                                                                                   act["id"])
    assert plan["owner_unit"] == CITY
    assert ended["evaluation"] == {"status": "pending", "task_id": evaluation["id"]}
    assert evaluation["id"] in [t["id"] for t in await shared.ok(await shared.get("lead.360700", "/api/v1/tasks"))]
    decision = ended["decisions"][-1]
    assert (decision["from_level"], decision["to_level"], decision["reason"]) == (4, None, REASON)
    assert sorted(decision["tasks_closed"]) == sorted(cancelled) and decision["tasks_added"] == [evaluation["id"]]
    assert [t.state for t in await timers(shared.db, kind=REPORT_TIMER, ref_prefix=act["id"])] == ["cancelled"]
    event = await journal(shared, subject_id=act["incident_id"], type="incident.plan_terminated")
    assert len(event) == 1 and event[0]["data"]["tasks_closed"] == len(cancelled)

    # Once only; and no level change after the end.
    for res in (await _terminate(shared, act["id"]), await change_level(shared, act["id"], 3)):
        doc = await shared.problem(res, 409)
        assert (doc["type"], doc["state"]) == ("/problems/invalid-transition", "terminated")
    assert (await activation(shared, act["id"]))["status"] == "terminated"

    # The evaluation is recorded.
    body = {"text": "本次响应启动及时，转移安置有序；通信保障偏晚。", "lessons": ["应急通信车前置部署"]}
    await shared.problem(await shared.post("lead.360703", f"/api/v1/activations/{act['id']}/evaluation", body), 403)
    evaluated = await shared.ok(await shared.post(COMMANDER, f"/api/v1/activations/{act['id']}/evaluation", body))
    assert evaluated["evaluation"]["status"] == "done"
    assert (evaluated["evaluation"]["text"], evaluated["evaluation"]["lessons"]) == (body["text"], body["lessons"])
    assert evaluated["evaluation"]["task_id"] == evaluation["id"]
    assert len(await journal(shared, subject_id=act["incident_id"], type="incident.plan_evaluated")) == 1


async def test_recording_the_evaluation_reports_its_task_done(shared: Cmd) -> None:
    """evaluate()'s own docstring: "recorded on the activation; its task reported done". The evaluation
    task should then no longer wait for a sign-for (it is reported complete, or verified)."""
    _plan, act = await _running(shared)
    ended = await shared.ok(await _terminate(shared, act["id"]))
    task_id = ended["evaluation"]["task_id"]
    await shared.ok(await shared.post(COMMANDER, f"/api/v1/activations/{act['id']}/evaluation", {"text": "总结评估"}))
    task = await shared.ok(await shared.get(COMMANDER, f"/api/v1/tasks/{task_id}"))
    assert task["status"] in ("feedback_submitted", "done"), task["status"]


async def test_evaluation_follows_the_end(shared: Cmd) -> None:
    _plan, act = await _running(shared)
    res = await shared.post(COMMANDER, f"/api/v1/activations/{act['id']}/evaluation", {"text": "过早"})
    assert (await shared.problem(res, 409))["type"] == "/problems/conflict"
    assert (await activation(shared, act["id"]))["evaluation"] is None


async def test_only_the_launching_side_ends_a_response(shared: Cmd) -> None:
    _plan, act = await _running(shared)
    # 南康区 sees the response on its own incident, but the city launched it.
    assert (await activation(shared, act["id"], who="lead.360703"))["status"] == "active"
    await shared.problem(await _terminate(shared, act["id"], who="lead.360703"), 403)
    await shared.problem(await change_level(shared, act["id"], 3, who="lead.360703"), 403)
    await shared.problem(await _terminate(shared, act["id"], who="lead.360702"), 404)  # not even visible
    after = await activation(shared, act["id"])
    assert (after["status"], after["level"]) == ("active", 4)
    assert all(t["status"] in OPEN for t in after["tasks"])


async def test_a_level_the_plan_lacks_and_a_closed_incident(shared: Cmd) -> None:
    version = await approved(shared, county_plan(), "lead.360702")  # levels 4 and 3 only
    incident = await shared.incident("duty.360702", category="natural.geological.landslide", title="沙石镇滑坡",
                                     facts={"deaths": 0})
    path = f"/api/v1/incidents/{incident['id']}/activations"
    for lvl in (1, 2):
        res = await shared.post("lead.360702", path, {"plan_id": version["plan_id"], "level": lvl})
        assert [e["pointer"] for e in (await shared.problem(res, 422))["errors"]] == ["/level"]
    act = await shared.ok(await shared.post("lead.360702", path, {"plan_id": version["plan_id"], "level": 4}), 201)
    res = await change_level(shared, act["id"], 2, who="lead.360702")
    assert [e["pointer"] for e in (await shared.problem(res, 422))["errors"]] == ["/level"]
    assert (await activation(shared, act["id"], who="lead.360702"))["level"] == 4
    # A closed incident takes no new launch.
    other = await shared.incident("duty.360702", category="natural.geological.landslide", title="水东镇滑坡")
    await shared.status(other["id"], "close")
    res = await shared.post("lead.360702", f"/api/v1/incidents/{other['id']}/activations",
                            {"plan_id": version["plan_id"], "level": 4})
    assert (await shared.problem(res, 409))["type"] == "/problems/conflict"
