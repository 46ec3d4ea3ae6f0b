"""Versions: a changed document is a new draft version with a readable diff from the one before; the
same document again is a conflict; approving supersedes the version in force. The version status
machine as a table: every (state, action) of VERSION_TRANSITIONS works through the API, every other
one is a 409 that changes nothing. Filing only with a unit above the owner; a county reads the city's
plans but does not manage them."""

from __future__ import annotations

from typing import Any

import pytest

from core.states import states_of
from plans_registry.rules import VERSION_TRANSITIONS
from tests.command.helpers import Cmd
from tests.plans.helpers import (
    CITY,
    COMMANDER,
    NANKANG,
    ZHANGGONG,
    county_plan,
    gz_fx,
    head,
    import_plan,
    journal,
    level,
    modified,
    plan_by_code,
    plan_full,
    set_status,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")  # one server for the module (`shared`)

OFFICER = "lead.360702"  # 章贡区's duty leader manages 章贡区's plans
API_ACTIONS = ("approve", "file", "retire")  # what POST .../status accepts; supersede follows an approval


def _version(full: dict[str, Any], version_id: str) -> dict[str, Any]:
    return next(v for v in full["versions"] if v["id"] == version_id)


async def test_changed_document_is_a_new_draft_with_a_diff(shared: Cmd) -> None:
    plan = await plan_by_code(shared, "GZ-FX")
    v1_id = plan["current_version_id"]
    monitor = next(a for a in level(gz_fx(), 4)["actions"] if a["key"] == "monitor")

    def change(d: dict[str, Any]) -> None:
        next(a for a in level(d, 4)["actions"] if a["key"] == "monitor")["due_minutes"] = 150
        d["version_label"] = "2026年第二次修订版"

    v2 = await import_plan(shared, modified(gz_fx(), change))
    assert (v2["plan_id"], v2["number"], v2["status"]) == (plan["id"], 2, "draft")
    full = await plan_full(shared, plan["id"])
    assert [v["number"] for v in full["versions"]] == [1, 2]
    assert full["versions"][0]["diff"] == []
    diff = full["versions"][1]["diff"]
    assert {"path": "/levels[level=4]/actions[key=monitor]/due_minutes", "op": "changed",
            "from": monitor["due_minutes"], "to": 150} in diff
    assert {"path": "/version_label", "op": "changed", "from": "2026年修订版", "to": "2026年第二次修订版"} in diff
    assert len(diff) == 2, diff
    # Still the first version in force until the second is approved.
    assert full["plan"]["current_version_id"] == v1_id and full["plan"]["latest_version"] == 2

    # The same document again: 200 with the version that holds it, and nothing new.
    before = await head(shared.db)
    res = await shared.post(COMMANDER, "/api/v1/plans", modified(gz_fx(), change))
    assert res.status_code == 200 and res.json()["number"] == 2, res.text
    assert await head(shared.db) == before
    assert len((await plan_full(shared, plan["id"]))["versions"]) == 2

    # Approving v2 supersedes v1; v2 is the version in force.
    approved = await shared.ok(await set_status(shared, v2, "approve"))
    assert approved["status"] == "approved"
    full = await plan_full(shared, plan["id"])
    assert (_version(full, v1_id)["status"], _version(full, v2["id"])["status"]) == ("superseded", "approved")
    assert _version(full, v1_id)["ended_at"] is not None
    assert (full["plan"]["current_version_id"], full["plan"]["version"]) == (v2["id"], 2)
    types = [e["type"] for e in await journal(shared, subject_id=plan["id"], since=before)]
    assert types == ["plan.version_superseded", "plan.approved"]
    # Inserting an action reads as one addition, not as every later action changing.
    v3 = await import_plan(shared, modified(modified(gz_fx(), change), lambda d: level(d, 4)["actions"].insert(
        0, {"key": "sandbags", "title": "调运防汛沙袋", "target": {"group": "logistics"}, "due_minutes": 120})))
    diff = _version(await plan_full(shared, plan["id"]), v3["id"])["diff"]
    assert [(d["path"], d["op"]) for d in diff] == [("/levels[level=4]/actions[key=sandbags]", "added")]


async def version_in(cmd: Cmd, state: str) -> dict[str, Any]:
    """A version of a new 章贡区 plan, brought to `state` through the API."""
    document = county_plan(ZHANGGONG)
    version = await import_plan(cmd, document, OFFICER)
    if state in ("approved", "filed", "superseded"):
        await cmd.ok(await set_status(cmd, version, "approve", OFFICER))
    if state == "filed":
        await cmd.ok(await set_status(cmd, version, "file", OFFICER, filed_with=CITY))
    if state == "retired":
        await cmd.ok(await set_status(cmd, version, "retire", OFFICER))
    if state == "superseded":
        newer = await import_plan(cmd, {**document, "name": document["name"] + "（修订）"}, OFFICER)
        await cmd.ok(await set_status(cmd, newer, "approve", OFFICER))
    got = _version(await plan_full(cmd, version["plan_id"], OFFICER), version["id"])
    assert got["status"] == state
    return got


ALLOWED = sorted(VERSION_TRANSITIONS.items())
REFUSED = [(s, a) for s in states_of(VERSION_TRANSITIONS) for a in API_ACTIONS if (s, a) not in VERSION_TRANSITIONS]


async def test_the_table_has_both() -> None:
    assert set(states_of(VERSION_TRANSITIONS)) == {"draft", "approved", "filed", "superseded", "retired"}
    assert REFUSED and len(ALLOWED) == 7


@pytest.mark.parametrize(("pair", "target"), ALLOWED, ids=[f"{s}-{a}" for (s, a), _t in ALLOWED])
async def test_allowed_version_transition(shared: Cmd, pair: tuple[str, str], target: str) -> None:
    state, action = pair
    version = await version_in(shared, state)
    plan_id = version["plan_id"]
    before = await head(shared.db)
    if action == "supersede":  # what approving a newer version does to the one in force
        full = await plan_full(shared, plan_id, OFFICER)
        newer = await import_plan(shared, {**full["versions"][-1]["document"], "name": "再次修订"}, OFFICER)
        await shared.ok(await set_status(shared, newer, "approve", OFFICER))
        expected_events = ["plan.version_superseded", "plan.approved"]
        current = newer["id"]
    else:
        body = {"filed_with": CITY} if action == "file" else {}
        answer = await shared.ok(await set_status(shared, version, action, OFFICER, **body))
        assert answer["status"] == target
        expected_events = [f"plan.{target}"]
        current = None if action == "retire" else version["id"]
    full = await plan_full(shared, plan_id, OFFICER)
    assert _version(full, version["id"])["status"] == target
    assert full["plan"]["current_version_id"] == current
    events = await journal(shared, subject_id=plan_id, since=before)
    assert [e["type"] for e in events if e["type"] != "plan.version_imported"] == expected_events


@pytest.mark.parametrize(("state", "action"), REFUSED, ids=[f"{s}-{a}" for s, a in REFUSED])
async def test_refused_version_transition(shared: Cmd, state: str, action: str) -> None:
    version = await version_in(shared, state)
    before = await head(shared.db)
    body = {"filed_with": CITY} if action == "file" else {}
    doc = await shared.problem(await set_status(shared, version, action, OFFICER, **body), 409)
    assert (doc["type"], doc["state"], doc["action"]) == ("/problems/invalid-transition", state, action)
    assert _version(await plan_full(shared, version["plan_id"], OFFICER), version["id"])["status"] == state
    assert await head(shared.db) == before


async def test_supersede_is_not_an_action_of_the_api(shared: Cmd) -> None:
    version = await version_in(shared, "approved")
    res = await set_status(shared, version, "supersede", OFFICER)
    assert [e["pointer"] for e in (await shared.problem(res, 422))["errors"]] == ["/action"]


async def test_filing_only_with_a_unit_above_the_owner(shared: Cmd) -> None:
    version = await version_in(shared, "approved")
    assert version["filing_due_on"] is not None
    for body in ({}, {"filed_with": ZHANGGONG}, {"filed_with": NANKANG}, {"filed_with": "360702-T01"},
                 {"filed_with": "999999"}):
        doc = await shared.problem(await set_status(shared, version, "file", OFFICER, **body), 422)
        assert [e["pointer"] for e in doc["errors"]] == ["/filed_with"], body
    assert _version(await plan_full(shared, version["plan_id"], OFFICER), version["id"])["status"] == "approved"
    filed = await shared.ok(await set_status(shared, version, "file", OFFICER, filed_with=CITY, note="报市局备案"))
    assert (filed["status"], filed["filed_with"]) == ("filed", CITY) and filed["filed_at"]
    events = await journal(shared, subject_id=version["plan_id"], type="plan.filed")
    assert len(events) == 1 and events[0]["data"]["filed_late"] is False


async def test_a_county_reads_but_does_not_manage_the_citys_plans(shared: Cmd) -> None:
    plan = await plan_by_code(shared, "GZ-SLHZ")
    version = {"plan_id": plan["id"], "id": plan["current_version_id"]}
    await shared.token(OFFICER)
    before = await head(shared.db)
    full = await plan_full(shared, plan["id"], OFFICER)  # read: yes
    assert full["plan"]["code"] == "GZ-SLHZ" and full["manage"] is False
    for action in API_ACTIONS:
        res = await set_status(shared, version, action, OFFICER, **({"filed_with": CITY} if action == "file" else {}))
        assert (await shared.problem(res, 403))["type"] == "/problems/forbidden", action
    res = await shared.post(OFFICER, f"/api/v1/plans/{plan['id']}/drills",
                            {"kind": "tabletop", "held_on": "2026-06-01", "scenario": "林火推演"})
    await shared.problem(res, 403)
    assert (await plan_full(shared, plan["id"]))["plan"]["status"] == plan["status"]
    assert await head(shared.db) == before
    # Another county's plan is not even visible to 南康区.
    zg = await plan_by_code(shared, "ZG-FX", owner=ZHANGGONG)
    await shared.problem(await shared.get("lead.360703", f"/api/v1/plans/{zg['id']}"), 404)
    assert zg["id"] not in [p["id"] for p in await shared.ok(await shared.get("lead.360703", "/api/v1/plans"))]
