"""Activation and level change, on SQLite and PostgreSQL: launching GZ-FX sets up its groups, the
level's tasks (as the document resolves them) and the report cadence; a level change dispatches exactly
the (action, unit) pairs the new level has and the response lacks, makes obsolete (never deletes) the
open ones it no longer has, leaves the rest alone, and records the decision; a running response keeps
the version it was launched with, whatever is approved later."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from core.orm import utcnow
from plans_registry.activations import REPORT_TIMER
from tests.command.helpers import Cmd
from tests.plans.helpers import (
    COMMANDER,
    NANKANG,
    activate,
    activation,
    approved,
    by_pair,
    change_level,
    flood,
    gz_fx,
    head,
    journal,
    level,
    modified,
    pairs,
    parse,
    plan_by_code,
    resolve,
    timers,
)


def _open(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [t for t in tasks if t["status"] not in ("obsolete", "cancelled", "done")]


async def _change_and_check(cmd: Cmd, act: dict[str, Any], to: int) -> dict[str, Any]:
    """Change the level; check the delta against the document; return the activation after."""
    document = gz_fx()
    before = {t["id"]: t for t in act["tasks"]}
    have = by_pair(_open(act["tasks"]))
    want = resolve(document, to, NANKANG)
    at, seq = utcnow(), await head(cmd.db)
    changed = await cmd.ok(await change_level(cmd, act["id"], to))
    assert (changed["level"], changed["status"]) == (to, "active")
    after = {t["id"]: t for t in changed["tasks"]}
    assert set(before) <= set(after), "a task disappeared"  # never deleted
    added = [t for tid, t in after.items() if tid not in before]
    assert pairs(added) == want - set(have) and len(added) == len(want - set(have))
    assert all(t["status"] == "dispatched" and t["source_ref"]["level"] == to for t in added)
    closed = [have[p] for p in set(have) - want]
    for t in closed:
        now = after[t["id"]]
        assert now["status"] == "obsolete", now
        assert now["closed_reason"] and now["closed_at"]
    due_minutes = {a["key"]: a["due_minutes"] for a in level(document, to)["actions"]}
    moved = set()
    for p in set(have) & want:  # the same task, as it was — but for a deadline the new level wants sooner
        was, now = before[have[p]["id"]], after[have[p]["id"]]
        skip = ("due_at", "updated_at")
        assert {k: v for k, v in now.items() if k not in skip} == {k: v for k, v in was.items() if k not in skip}
        sooner = at + timedelta(minutes=due_minutes[p[0]])
        if sooner < parse(was["due_at"]) - timedelta(seconds=5):
            assert abs(parse(now["due_at"]) - sooner) < timedelta(seconds=5), (p, now["due_at"])
            moved.add(now["id"])
        else:  # never later than before: a de-escalation does not relax a deadline
            assert now["due_at"] == was["due_at"] and now["updated_at"] == was["updated_at"], p
    assert {e["data"]["task"]["id"] for e in await journal(cmd, type="task.deadline_moved", since=seq)} == moved
    assert pairs(_open(changed["tasks"])) == want
    decision = changed["decisions"][-1]
    assert (decision["from_level"], decision["to_level"]) == (act["level"], to)
    assert sorted(decision["tasks_added"]) == sorted(t["id"] for t in added)
    assert sorted(decision["tasks_closed"]) == sorted(t["id"] for t in closed)
    assert changed["report_every_minutes"] == level(document, to)["report_every_minutes"]
    event = (await journal(cmd, subject_id=act["incident_id"], type="incident.plan_level_changed"))[-1]
    assert (event["data"]["from"], event["data"]["to"], event["data"]["tasks_added"],
            event["data"]["tasks_closed"]) == (act["level"], to, len(added), len(closed))
    assert event["data"]["direction"] == ("up" if to < act["level"] else "down")
    return dict(changed)


async def test_launch_and_level_changes(cmd_any: Cmd) -> None:
    cmd = cmd_any
    document = gz_fx()
    plan = await plan_by_code(cmd, "GZ-FX")
    incident = await flood(cmd, {"water_level_over": 0.4})
    assert incident["status"] == "reported"
    act = await activate(cmd, incident["id"], plan["id"], 4)

    assert (act["level"], act["status"], act["version_id"], act["exercise"]) == (4, "active",
                                                                                  plan["current_version_id"], False)
    assert pairs(act["tasks"]) == resolve(document, 4, NANKANG)
    assert len(act["tasks"]) == len(level(document, 4)["actions"])
    assert all(t["status"] == "dispatched" and t["incident_id"] == incident["id"] for t in act["tasks"])
    spec = {a["key"]: a for a in level(document, 4)["actions"]}
    for t in act["tasks"]:
        a = spec[t["source_ref"]["action"]]
        assert (t["title"], t["priority"]) == (a["title"], a["priority"])
        assert abs(parse(t["due_at"]) - parse(t["dispatched_at"]) - timedelta(minutes=a["due_minutes"])) < timedelta(
            seconds=2)
    assert sorted(g["key"] for g in act["groups"]) == sorted(g["key"] for g in document["command"]["groups"])
    assert [(d["from_level"], d["to_level"]) for d in act["decisions"]] == [(None, 4)]
    assert sorted(act["decisions"][0]["tasks_added"]) == sorted(t["id"] for t in act["tasks"])
    assert (await cmd.incident_doc(incident["id"]))["status"] == "responding"
    cadence = await timers(cmd.db, kind=REPORT_TIMER, ref_prefix=act["id"])
    assert len(cadence) == 1 and cadence[0].state == "scheduled"
    assert abs(cadence[0].due_at - (utcnow() + timedelta(minutes=480))) < timedelta(minutes=1)
    notice = await journal(cmd, subject_id=act["id"], type="plan.activation_notice")
    assert len(notice) == 1 and set(notice[0]["data"]["units"]) == set(level(document, 4)["notify"])
    launched = await journal(cmd, subject_id=incident["id"], type="incident.plan_activated")
    assert len(launched) == 1 and launched[0]["data"]["tasks"] == len(act["tasks"])

    # Some work has begun on a task every level keeps, and on one that level 2 drops.
    tasks = by_pair(act["tasks"])
    await cmd.ok(await cmd.post(COMMANDER, f"/api/v1/tasks/{tasks[('monitor', '360700-SLJ')]['id']}/acknowledge"))
    await cmd.ok(await cmd.post(COMMANDER, f"/api/v1/tasks/{tasks[('rescue', '360700-T01')]['id']}/acknowledge"))
    act = await activation(cmd, act["id"])

    # Up to 2, back down to 3; the same level again is refused.
    act = await _change_and_check(cmd, act, 2)
    assert by_pair(act["tasks"])[("rescue", "360700-T01")]["status"] == "obsolete"
    assert by_pair(act["tasks"])[("monitor", "360700-SLJ")]["status"] == "acknowledged"
    act = await _change_and_check(cmd, act, 3)
    res = await change_level(cmd, act["id"], 3)
    assert (await cmd.problem(res, 409))["type"] == "/problems/conflict"
    # Up to 1 after having come down: what level 1 has again is dispatched anew.
    act = await _change_and_check(cmd, act, 1)
    assert [(d["from_level"], d["to_level"]) for d in act["decisions"]] == [(None, 4), (4, 2), (2, 3), (3, 1)]
    # Obsolete tasks are still listed with the incident's tasks.
    listed = await cmd.ok(await cmd.get(COMMANDER, "/api/v1/tasks", incident=incident["id"]))
    assert {t["id"] for t in listed} == {t["id"] for t in act["tasks"]}
    assert any(t["status"] == "obsolete" for t in listed)
    cadence = await timers(cmd.db, kind=REPORT_TIMER, ref_prefix=act["id"])
    assert abs(cadence[0].due_at - (utcnow() + timedelta(minutes=level(document, 1)["report_every_minutes"]))) < \
        timedelta(minutes=1)


async def test_launching_the_same_plan_twice_is_a_conflict(cmd_any: Cmd) -> None:
    cmd = cmd_any
    plan = await plan_by_code(cmd, "GZ-FX")
    incident = await flood(cmd, {"evacuated": 800})
    act = await activate(cmd, incident["id"], plan["id"], 4)
    res = await cmd.post(COMMANDER, f"/api/v1/incidents/{incident['id']}/activations",
                         {"plan_id": plan["id"], "level": 3})
    assert (await cmd.problem(res, 409))["type"] == "/problems/conflict"
    listed = await cmd.ok(await cmd.get(COMMANDER, f"/api/v1/incidents/{incident['id']}/activations"))
    assert [a["id"] for a in listed] == [act["id"]] and listed[0]["level"] == 4
    assert len(await cmd.ok(await cmd.get(COMMANDER, "/api/v1/tasks", incident=incident["id"]))) == len(act["tasks"])
    # A county cannot launch the city's plan, nor a plan that does not apply to the incident.
    res = await cmd.post("lead.360703", f"/api/v1/incidents/{incident['id']}/activations",
                         {"plan_id": plan["id"], "level": 4})
    await cmd.problem(res, 403)
    fire = await plan_by_code(cmd, "GZ-SLHZ")
    res = await cmd.post(COMMANDER, f"/api/v1/incidents/{incident['id']}/activations",
                         {"plan_id": fire["id"], "level": 4})
    assert [e["pointer"] for e in (await cmd.problem(res, 422))["errors"]] == ["/plan_id"]


async def test_a_running_response_keeps_its_version(cmd: Cmd) -> None:
    old = gz_fx()
    plan = await plan_by_code(cmd, "GZ-FX")
    v1 = plan["current_version_id"]
    incident = await flood(cmd, {"water_level_over": 0.4})
    act = await activate(cmd, incident["id"], plan["id"], 4)
    assert act["version_id"] == v1

    def new_level_2(d: dict[str, Any]) -> None:
        level(d, 2)["actions"] = [
            {"key": "levee_watch", "title": "组织巡堤查险", "target": {"group": "rescue"}, "due_minutes": 30},
            {"key": "monitor", "title": "气象加密观测", "target": {"unit": "360700-QXJ"}, "due_minutes": 30}]
    new = modified(old, new_level_2)
    v2 = await approved(cmd, new)
    assert (await plan_by_code(cmd, "GZ-FX"))["current_version_id"] == v2["id"] != v1
    # What launching now would do is the new version's (so the two versions really differ here) ...
    other = await flood(cmd, {"water_level_over": 0.4})
    preview = await cmd.ok(await cmd.get(COMMANDER, f"/api/v1/incidents/{other['id']}/activations/preview",
                                         plan_id=plan["id"], level=2))
    assert {(t["key"], t["unit"]) for t in preview["tasks"]} == resolve(new, 2, NANKANG)
    assert resolve(new, 2, NANKANG) != resolve(old, 2, NANKANG)

    # ... but the running response goes to level 2 as its own version says.
    changed = await cmd.ok(await change_level(cmd, act["id"], 2))
    assert pairs(_open(changed["tasks"])) == resolve(old, 2, NANKANG)
    assert not any(t["source_ref"]["action"] == "levee_watch" for t in changed["tasks"])
    assert changed["report_every_minutes"] == level(old, 2)["report_every_minutes"]
    shown = await activation(cmd, act["id"])
    assert shown["version_id"] == v1
    if "version_number" in shown:
        assert shown["version_number"] == 1
    # A launch on another incident runs the new version.
    launched = await activate(cmd, other["id"], plan["id"], 2)
    assert launched["version_id"] == v2["id"] and pairs(launched["tasks"]) == resolve(new, 2, NANKANG)
