"""A launch in an exercise incident: the response and its tasks are exercise ones, kept out of the live
task list and journal; the launch is recorded as a drill (kind "activation") of the plan."""

from __future__ import annotations

import pytest

from plans_registry import document
from tests.command.helpers import Cmd
from tests.plans.helpers import (
    COMMANDER,
    NANKANG,
    activate,
    flood,
    gz_fx,
    journal,
    plan_by_code,
    plan_full,
    today_in_ganzhou,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")  # one server for the module (`shared`)


async def test_launch_in_an_exercise_is_a_drill(shared: Cmd) -> None:
    plan = await plan_by_code(shared, "GZ-FX")
    live = await flood(shared, {"water_level_over": 0.4})
    live_act = await activate(shared, live["id"], plan["id"], 4)
    drill_incident = await flood(shared, {"water_level_over": 0.4}, exercise=True, title="演练：南康区章水漫堤")
    assert drill_incident["exercise"] is True
    drills_before = (await plan_full(shared, plan["id"]))["drills"]
    assert all(d["kind"] != "activation" for d in drills_before)
    assert live_act["exercise"] is False  # the live launch was no drill

    act = await activate(shared, drill_incident["id"], plan["id"], 4)
    assert act["exercise"] is True and all(t["exercise"] for t in act["tasks"]) and act["tasks"]

    full = await plan_full(shared, plan["id"])
    recorded = [d for d in full["drills"] if d["kind"] == "activation"]
    assert len(recorded) == 1
    drill = recorded[0]
    today = today_in_ganzhou()
    assert (drill["incident_id"], drill["activation_id"], drill["unit"], drill["held_on"]) == (
        drill_incident["id"], act["id"], NANKANG, today.isoformat())
    assert drill["version_id"] == plan["current_version_id"]
    assert full["plan"]["last_drill_on"] == today.isoformat()
    months = gz_fx().get("drill_months") or full["cycles"]["drill_months"]
    assert full["plan"]["next_drill_on"] == document.add_months(today, months).isoformat()
    status = {r["unit"]: r for r in await shared.ok(await shared.get(COMMANDER, "/api/v1/plans/drills/status"))}
    assert status[NANKANG]["yearly_met"] is True and status[NANKANG]["last_drill_on"] == today.isoformat()

    # Exercise tasks stay out of the live lists, for the city and for the county alike.
    drill_ids = {t["id"] for t in act["tasks"]}
    live_ids = {t["id"] for t in live_act["tasks"]}
    mine = {COMMANDER: (drill_ids, live_ids),  # the county sees the tasks addressed to it
            "duty.360703": ({t["id"] for t in act["tasks"] if t["unit"] == NANKANG},
                            {t["id"] for t in live_act["tasks"] if t["unit"] == NANKANG})}
    for who, (drill_seen, live_seen) in mine.items():
        assert drill_seen and live_seen
        listed = {t["id"] for t in await shared.ok(await shared.get(who, "/api/v1/tasks"))}
        assert live_seen <= listed and not drill_ids & listed, who
        drills = {t["id"] for t in await shared.ok(await shared.get(who, "/api/v1/tasks", exercise="true"))}
        assert drill_seen <= drills and not live_ids & drills, who
    # And out of the live journal.
    launched = await journal(shared, subject_id=drill_incident["id"], type="incident.plan_activated")
    assert len(launched) == 1 and launched[0]["exercise"] is True
    live_events = await shared.events(COMMANDER, launched[0]["seq"] - 1)
    assert launched[0]["seq"] not in [e["seq"] for e in live_events]
    drill_events = await shared.events(COMMANDER, launched[0]["seq"] - 1, exercise=True)
    assert launched[0]["seq"] in [e["seq"] for e in drill_events]

    # Ending the exercise: the evaluation task is an exercise task too.
    ended = await shared.ok(await shared.post(COMMANDER, f"/api/v1/activations/{act['id']}/terminate",
                                              {"reason": "演练结束"}))
    evaluation = await shared.ok(await shared.get(COMMANDER, f"/api/v1/tasks/{ended['evaluation']['task_id']}"))
    assert evaluation["exercise"] is True
    assert evaluation["id"] not in {t["id"] for t in await shared.ok(await shared.get(COMMANDER, "/api/v1/tasks"))}
