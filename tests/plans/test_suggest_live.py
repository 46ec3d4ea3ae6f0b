"""Live suggestion: as a flood's figures rise, crossing into a higher level of GZ-FX announces itself
(`incident.plan_suggested`) once per level — the same figures again, or lower ones, announce nothing;
once the plan runs, crossing above its level is announced as an escalation."""

from __future__ import annotations

from typing import Any

import pytest

from tests.command.helpers import Cmd
from tests.plans.helpers import NANKANG, activate, flood, journal, plan_by_code

pytestmark = pytest.mark.asyncio(loop_scope="module")  # one server for the module (`shared`)


async def _facts(cmd: Cmd, incident_id: str, facts: dict[str, float]) -> None:
    await cmd.ok(await cmd.post("duty.360703", f"/api/v1/incidents/{incident_id}/facts", {"facts": facts}))


async def _suggested(cmd: Cmd, incident_id: str, plan_id: str) -> list[dict[str, Any]]:
    return [e for e in await journal(cmd, subject_id=incident_id, type="incident.plan_suggested")
            if e["data"]["plan_id"] == plan_id]


async def test_each_higher_level_is_announced_once(shared: Cmd) -> None:
    plan = await plan_by_code(shared, "GZ-FX")
    incident = await flood(shared, {})
    iid = incident["id"]
    assert await _suggested(shared, iid, plan["id"]) == []
    steps: list[tuple[dict[str, float], list[int]]] = [
        ({"water_level_over": 0.5}, [4]),
        ({"water_level_over": 0.6}, [4]),            # still level 4
        ({"water_level_over": 1.2}, [4, 3]),
        ({"water_level_over": 1.2}, [4, 3]),         # the same figure again
        ({"water_level_over": 0.5}, [4, 3]),         # lower: nothing
        ({"evacuated": 1999}, [4, 3]),               # another figure, below what was reached
        ({"water_level_over": 2.5}, [4, 3, 2]),
        ({"water_level_over": 2.5}, [4, 3, 2]),
        ({"water_level_over": 0.2}, [4, 3, 2]),
    ]
    for facts, levels in steps:
        await _facts(shared, iid, facts)
        events = await _suggested(shared, iid, plan["id"])
        assert [e["data"]["level"] for e in events] == levels, facts
    first, second, third = events
    assert [e["data"]["previous"] for e in events] == [None, 4, 3]
    for e in events:
        assert e["data"]["escalate"] is False and e["data"]["activation_id"] is None
        assert "超警戒水位" in e["data"]["why"] and e["data"]["plan_name"] == plan["name"]
        assert NANKANG in e["units"] and e["exercise"] is False
    assert first["data"]["level_name"] == "四级" and third["data"]["level_name"] == "二级"
    assert first["seq"] < second["seq"] < third["seq"]


async def test_a_new_incident_already_over_a_threshold_is_announced(shared: Cmd) -> None:
    plan = await plan_by_code(shared, "GZ-FX")
    incident = await flood(shared, {"evacuated": 2500})
    assert [e["data"]["level"] for e in await _suggested(shared, incident["id"], plan["id"])] == [3]


async def test_crossing_above_a_running_level_is_an_escalation(shared: Cmd) -> None:
    plan = await plan_by_code(shared, "GZ-FX")
    incident = await flood(shared, {"water_level_over": 0.3})
    iid = incident["id"]
    act = await activate(shared, iid, plan["id"], 4)
    assert [e["data"]["level"] for e in await _suggested(shared, iid, plan["id"])] == [4]  # launching says nothing

    await _facts(shared, iid, {"water_level_over": 0.9})  # still level 4: running already
    assert len(await _suggested(shared, iid, plan["id"])) == 1
    await _facts(shared, iid, {"evacuated": 10000})  # level 2
    events = await _suggested(shared, iid, plan["id"])
    assert len(events) == 2
    data = events[-1]["data"]
    assert (data["level"], data["escalate"], data["active_level"], data["activation_id"], data["previous"]) == (
        2, True, 4, act["id"], 4)
    # The suggestions list says the same.
    found = [s for s in await shared.ok(await shared.get("commander.360700",
                                                         f"/api/v1/incidents/{iid}/plan-suggestions"))
             if s["code"] == "GZ-FX"]
    assert (found[0]["level"], found[0]["escalate"], found[0]["active_level"]) == (2, True, 4)


async def test_reaching_the_running_level_is_not_announced(shared: Cmd) -> None:
    plan = await plan_by_code(shared, "GZ-FX")
    incident = await flood(shared, {})
    iid = incident["id"]
    await activate(shared, iid, plan["id"], 3, reason="上游水库泄洪，提前启动三级响应")
    for facts in ({"water_level_over": 0.5}, {"water_level_over": 1.5}):  # levels 4 and 3: at or below the running one
        await _facts(shared, iid, facts)
    assert await _suggested(shared, iid, plan["id"]) == []
    await _facts(shared, iid, {"deaths": 3})  # level 2: above
    events = await _suggested(shared, iid, plan["id"])
    assert [(e["data"]["level"], e["data"]["escalate"], e["data"]["active_level"]) for e in events] == [(2, True, 3)]
