"""The task status machine as a table: every (state, action) of TASK_TRANSITIONS that the API can reach
works from its state (obsolete: through a response's level change), every other pair is a 409 that
changes nothing. Only the assignee's side signs for and reports; only the dispatcher's side verifies,
returns and cancels; a feedback's figures reach the incident only when the dispatcher accepts them."""

from __future__ import annotations

from typing import Any

import pytest

from command.tasks.models import OPEN, TASK_TRANSITIONS
from core.states import states_of
from tests.command.helpers import Cmd
from tests.plans.helpers import COMMANDER, NANKANG, activate, by_pair, change_level, flood, head, journal, plan_by_code

pytestmark = pytest.mark.asyncio(loop_scope="module")  # one server for the module (`shared`)

WORKER = "duty.360703"  # 南康区's duty room: the assignee of the tasks the city sends 南康区
API = {  # action: (who — the assignee's side or the dispatcher's, body)
    "acknowledge": ("assignee", {}),
    "feedback": ("assignee", {"text": "已组织人员赶赴现场", "progress": 30}),
    "complete": ("assignee", {"text": "已全部完成"}), "verify": ("dispatcher", {}),
    "return": ("dispatcher", {"reason": "反馈未说明转移人数，请补充"}),
    "cancel": ("dispatcher", {"reason": "任务撤销"}),
}
EVENT = {"acknowledge": "task.acknowledged", "feedback": "task.feedback", "complete": "task.completed",
         "verify": "task.verified", "return": "task.returned", "cancel": "task.cancelled", "obsolete": "task.obsolete"}
PATH = {"dispatched": [], "acknowledged": ["acknowledge"], "in_progress": ["acknowledge", "feedback"],
        "feedback_submitted": ["acknowledge", "complete"], "done": ["acknowledge", "complete", "verify"],
        "cancelled": ["cancel"]}
UNREACHABLE = {"draft"}  # the API dispatches straight away: no task is ever a draft


async def test_the_table() -> None:
    states = set(states_of(TASK_TRANSITIONS))
    assert states == {"draft", "dispatched", "acknowledged", "in_progress", "feedback_submitted", "done", "cancelled",
                      "obsolete"}
    assert {a for _s, a in TASK_TRANSITIONS} == {*API, "dispatch", "obsolete"}
    assert set(OPEN) == {s for s in states if (s, "cancel") in TASK_TRANSITIONS}


async def _act(cmd: Cmd, task_id: str, action: str, *, worker: str = WORKER, dispatcher: str = COMMANDER) -> Any:
    side, body = API[action]
    return await cmd.post(worker if side == "assignee" else dispatcher, f"/api/v1/tasks/{task_id}/{action}", body)


async def _get(cmd: Cmd, task_id: str) -> dict[str, Any]:
    return dict(await cmd.ok(await cmd.get(COMMANDER, f"/api/v1/tasks/{task_id}")))


async def task_in(cmd: Cmd, state: str) -> dict[str, Any]:
    """A task the city dispatched to 南康区 on one of its incidents, brought to `state` through the API."""
    incident = await flood(cmd, {})
    task = await cmd.ok(await cmd.post(COMMANDER, "/api/v1/tasks", {
        "unit": NANKANG, "title": "核查沿河低洼村庄转移情况", "incident_id": incident["id"], "ack_minutes": 15}), 201)
    assert task["status"] == "dispatched"
    for action in PATH[state]:
        await cmd.ok(await _act(cmd, task["id"], action))
    task = await _get(cmd, task["id"])
    assert task["status"] == state
    return task


async def response_task_in(cmd: Cmd, state: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """GZ-FX launched at level 4 on a new incident, and its task for the city's rescue detachment
    (360700-T01, which level 2 no longer has) brought to `state`; the city's commander acts on both sides
    (the detachment has no terminal of its own)."""
    plan = await plan_by_code(cmd, "GZ-FX")
    incident = await flood(cmd, {"water_level_over": 0.3})
    act = await activate(cmd, incident["id"], plan["id"], 4)
    task = by_pair(act["tasks"])[("rescue", "360700-T01")]
    for action in PATH[state]:
        await cmd.ok(await _act(cmd, task["id"], action, worker=COMMANDER))
    task = await _get(cmd, task["id"])
    assert task["status"] == state
    return act, task


ALLOWED = sorted((pair, dst) for pair, dst in TASK_TRANSITIONS.items() if pair[0] not in UNREACHABLE)
# Feedback or completion on a task not yet signed for signs for it first (the service composes
# acknowledge + the action): tested in test_feedback_signs_for_first, not refused.
SIGNS_FOR_FIRST = {("dispatched", "feedback"), ("dispatched", "complete")}
REFUSED = {s: [a for a in API if (s, a) not in TASK_TRANSITIONS and (s, a) not in SIGNS_FOR_FIRST]
           for s in states_of(TASK_TRANSITIONS) if s not in UNREACHABLE}


@pytest.mark.parametrize(("pair", "target"), ALLOWED, ids=[f"{s}-{a}" for (s, a), _t in ALLOWED])
async def test_allowed_task_transition(shared: Cmd, pair: tuple[str, str], target: str) -> None:
    state, action = pair
    if action == "obsolete":
        act, task = await response_task_in(shared, state)
        await shared.ok(await change_level(shared, act["id"], 2))
    else:
        task = await task_in(shared, state)
        answer = await shared.ok(await _act(shared, task["id"], action))
        assert answer["status"] == target
    after = await _get(shared, task["id"])
    assert after["status"] == target
    events = await journal(shared, subject_id=task["id"], type=EVENT[action])
    assert events and events[-1]["data"]["task"]["status"] == target
    if action == "return":
        assert after["returns"] == 1 and after["feedback"][-1]["kind"] == "return"
    if target in ("cancelled", "obsolete"):
        assert after["closed_reason"] and after["closed_at"]


@pytest.mark.parametrize("state", sorted(REFUSED))
async def test_refused_task_transitions(shared: Cmd, state: str) -> None:
    if state == "obsolete":
        act, task = await response_task_in(shared, "dispatched")
        await shared.ok(await change_level(shared, act["id"], 2))
        worker = COMMANDER
    else:
        task = await task_in(shared, state)
        worker = WORKER
    task = await _get(shared, task["id"])
    assert task["status"] == state
    before = await head(shared.db)
    for action in REFUSED[state]:
        doc = await shared.problem(await _act(shared, task["id"], action, worker=worker), 409)
        assert (doc["type"], doc["state"], doc["action"]) == ("/problems/invalid-transition", state, action)
    assert await _get(shared, task["id"]) == task
    assert await head(shared.db) == before


async def test_finished_work_is_not_made_obsolete(shared: Cmd) -> None:
    """A level change makes obsolete only what is still open: a task already done stays done."""
    act, task = await response_task_in(shared, "done")
    changed = await shared.ok(await change_level(shared, act["id"], 2))
    assert (await _get(shared, task["id"]))["status"] == "done"
    assert task["id"] not in changed["decisions"][-1]["tasks_closed"]


async def test_only_the_assignee_signs_for(shared: Cmd) -> None:
    task = await task_in(shared, "dispatched")
    for who in ("duty.360702", "lead.360702", WORKER, COMMANDER, "lead.360703"):
        await shared.token(who)
    before = await head(shared.db)
    for who in ("duty.360702", "lead.360702"):  # another county: not even visible
        await shared.problem(await shared.post(who, f"/api/v1/tasks/{task['id']}/acknowledge"), 404)
    # The city sent it, but 南康区 is a jurisdiction with its own duty room: the city does not sign for it.
    await shared.problem(await shared.post(COMMANDER, f"/api/v1/tasks/{task['id']}/acknowledge"), 403)
    # Nor does the assignee verify or cancel what the city sent.
    await shared.problem(await shared.post(WORKER, f"/api/v1/tasks/{task['id']}/cancel", {"reason": "不想做"}), 403)
    assert await _get(shared, task["id"]) == task
    assert await head(shared.db) == before
    signed = await shared.ok(await shared.post("lead.360703", f"/api/v1/tasks/{task['id']}/acknowledge"))
    assert signed["status"] == "acknowledged" and signed["acknowledged_by_name"]


async def test_feedback_figures_reach_the_incident_when_accepted(shared: Cmd) -> None:
    gz = await plan_by_code(shared, "GZ-FX")
    task = await task_in(shared, "acknowledged")
    iid = task["incident_id"]
    res = await shared.post(WORKER, f"/api/v1/tasks/{task['id']}/feedback",
                            {"text": "已转移沿河群众 2500 人", "progress": 50, "facts": {"evacuated": 2500}})
    fb = (await shared.ok(res))["feedback"][-1]
    assert (fb["facts"], fb["facts_status"]) == ({"evacuated": 2500}, "pending")
    assert "evacuated" not in (await shared.incident_doc(iid))["facts"]
    accept = f"/api/v1/tasks/{task['id']}/feedback/{fb['id']}/facts"
    await shared.problem(await shared.post(WORKER, accept, {"accept": True}), 403)  # not the assignee's to accept
    assert "evacuated" not in (await shared.incident_doc(iid))["facts"]
    assert await journal(shared, subject_id=iid, type="incident.plan_suggested") == []

    decided = await shared.ok(await shared.post(COMMANDER, accept, {"accept": True}))
    assert decided["facts_status"] == "accepted"
    assert (await shared.incident_doc(iid))["facts"]["evacuated"] == 2500
    updated = await journal(shared, subject_id=iid, type="incident.facts_updated")
    assert updated[-1]["data"]["changes"] == {"evacuated": {"from": None, "to": 2500}}
    # The accepted figure is a figure like any other: 2500 evacuated crosses GZ-FX's level 3.
    suggested = await journal(shared, subject_id=iid, type="incident.plan_suggested")
    assert [(e["data"]["plan_id"], e["data"]["level"]) for e in suggested if e["data"]["plan_id"] == gz["id"]] == [
        (gz["id"], 3)]
    assert (await shared.problem(await shared.post(COMMANDER, accept, {"accept": True}), 422))["errors"]

    # Declined figures stay out.
    res = await shared.post(WORKER, f"/api/v1/tasks/{task['id']}/feedback",
                            {"text": "听说有 2 人失踪", "facts": {"missing": 2}})
    fb = (await shared.ok(res))["feedback"][-1]
    declined = await shared.ok(await shared.post(COMMANDER, f"/api/v1/tasks/{task['id']}/feedback/{fb['id']}/facts",
                                                 {"accept": False}))
    assert declined["facts_status"] == "declined"
    assert "missing" not in (await shared.incident_doc(iid))["facts"]
    await shared.problem(await shared.post(COMMANDER, f"/api/v1/tasks/{task['id']}/feedback/nope/facts",
                                           {"accept": True}), 404)


async def test_feedback_signs_for_first(shared: Cmd) -> None:
    """A county officer who sends feedback on a task never signed for has it: it is signed for, then
    the feedback recorded, each journaled."""
    task = await task_in(shared, "dispatched")
    before = await head(shared.db)
    await shared.ok(await _act(shared, task["id"], "feedback", worker=WORKER))
    after = await _get(shared, task["id"])
    assert after["status"] == "in_progress" and after["acknowledged_at"] is not None
    types = [e["type"] for e in await shared.events("admin", before) if e["subject"]["id"] == task["id"]]
    assert types == ["task.acknowledged", "task.feedback"]


async def test_a_drill_task_without_an_incident_stays_in_the_drill(shared: Cmd) -> None:
    """Dispatched under the drill banner with no incident, a task is a drill task: absent from the live
    list and the live stream, present in the drill ones; with an incident, the incident decides."""
    before = await head(shared.db)
    body = {"unit": NANKANG, "title": "演练：检查冲锋舟和救生衣", "priority": "normal", "exercise": True}
    task = await shared.ok(await shared.post(COMMANDER, "/api/v1/tasks", body), 201)
    assert task["exercise"] is True
    live = await shared.ok(await shared.get(WORKER, "/api/v1/tasks", open="true"))
    drill = await shared.ok(await shared.get(WORKER, "/api/v1/tasks", open="true", exercise="true"))
    assert task["id"] not in [t["id"] for t in live] and task["id"] in [t["id"] for t in drill]
    assert all(e["subject"]["id"] != task["id"] for e in await shared.events("admin", before))
    assert any(e["subject"]["id"] == task["id"] for e in await shared.events("admin", before, exercise=True))
    # A live incident's task is live whatever the flag says.
    incident = await flood(shared, {"water_level_over": 0.2})
    real = await shared.ok(await shared.post(COMMANDER, "/api/v1/tasks", {**body, "incident_id": incident["id"]}), 201)
    assert real["exercise"] is False
