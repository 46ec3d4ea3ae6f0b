"""预警响应: a plan's warning triggers (hazard and colour, a JSON Schema over the warning) raise its
warning-stage suggestion where an active warning is addressed; an update re-evaluates (a raise makes
it appear), a cancel withdraws it; a trigger that cannot be evaluated is refused at import."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from sqlalchemy import select

from core.journal.models import JournalEntry
from plans_registry import document
from tests.command.helpers import Cmd

MODULE_LOOP = pytest.mark.asyncio(loop_scope="module")
COMMANDER = "commander.360700"
COUNTIES = ["360702", "360703", "360704", "360722", "360723"]


async def plan_events(cmd: Cmd, series_id: str) -> list[dict[str, Any]]:
    stmt = select(JournalEntry.doc).where(JournalEntry.subject_id == series_id,
                                          JournalEntry.type.like("plan.warning_%")).order_by(JournalEntry.seq)
    async with cmd.db.read() as session:
        return [orjson.loads(d) for d in (await session.execute(stmt)).scalars()]


@MODULE_LOOP
async def test_a_raise_to_red_suggests_the_city_flood_plan_and_a_cancel_withdraws_it(shared: Cmd) -> None:
    cmd = shared
    w = await cmd.ok(await cmd.post(COMMANDER, "/api/v1/warnings", {
        "hazard": "typhoon", "colour": "orange", "issuer_name": "赣州市气象台", "areas": {"units": COUNTIES}}), 201)
    assert await plan_events(cmd, w["id"]) == []  # an orange typhoon warning is not in the flood plan's triggers
    assert await cmd.ok(await cmd.get(COMMANDER, f"/api/v1/warnings/{w['id']}/plan-suggestions")) == []

    await cmd.ok(await cmd.post(COMMANDER, f"/api/v1/warnings/{w['id']}/update", {"colour": "red"}))
    [ev] = await plan_events(cmd, w["id"])
    assert ev["type"] == "plan.warning_suggested"
    assert (ev["data"]["code"], ev["data"]["level"], ev["data"]["previous"]) == ("GZ-FX", 3, None)
    assert ev["data"]["why"] == "台风红色预警（赣州市气象台）" and "红色预警" in ev["data"]["trigger_text"]
    assert set(ev["data"]["units"]) == set(COUNTIES)
    [s] = await cmd.ok(await cmd.get("duty.360702", f"/api/v1/warnings/{w['id']}/plan-suggestions"))
    assert s["code"] == "GZ-FX" and s["level_name"] == "三级" and s["stage"] == "预警响应"

    await cmd.ok(await cmd.post(COMMANDER, f"/api/v1/warnings/{w['id']}/cancel", {"reason": "台风减弱"}))
    evs = await plan_events(cmd, w["id"])
    assert [e["type"] for e in evs] == ["plan.warning_suggested", "plan.warning_suggestion_withdrawn"]
    assert evs[1]["data"]["because"] == "cancelled"
    assert await cmd.ok(await cmd.get(COMMANDER, f"/api/v1/warnings/{w['id']}/plan-suggestions")) == []


@MODULE_LOOP
async def test_orange_rainstorm_meets_the_lower_trigger_and_red_raises_it(shared: Cmd) -> None:
    cmd = shared
    w = await cmd.ok(await cmd.post(COMMANDER, "/api/v1/warnings", {
        "hazard": "rainstorm", "colour": "orange", "areas": {"units": ["360702"]}}), 201)
    [ev] = await plan_events(cmd, w["id"])
    assert (ev["data"]["code"], ev["data"]["level"]) == ("GZ-FX", 4)
    await cmd.ok(await cmd.post(COMMANDER, f"/api/v1/warnings/{w['id']}/update", {"colour": "red"}))
    evs = await plan_events(cmd, w["id"])
    assert [(e["data"]["level"], e["data"]["previous"]) for e in evs] == [(4, None), (3, 4)]
    # Lowered again to yellow: below every trigger, the suggestion is withdrawn.
    await cmd.ok(await cmd.post(COMMANDER, f"/api/v1/warnings/{w['id']}/update", {"colour": "yellow"}))
    assert (await plan_events(cmd, w["id"]))[-1]["type"] == "plan.warning_suggestion_withdrawn"


def test_a_warning_trigger_that_cannot_be_evaluated_is_refused() -> None:
    doc = {"code": "T-1", "name": "测试预案", "kind": "special", "owner_unit": "360700",
           "categories": ["natural.flood"], "issued_on": "2026-01-01",
           "command": {"name": "指挥部", "commander": "某",
                       "groups": [{"key": "a", "name": "组", "lead_unit": "360700"}]},
           "levels": [{"level": 4, "trigger": {}, "trigger_text": "t", "decided_by": "d", "actions": []}],
           "warning_triggers": [{"trigger": {"$ref": "https://example.com/x.json"}, "trigger_text": "远程规则"}]}
    errors = document.check(doc)
    assert [e["pointer"] for e in errors] == ["/warning_triggers/0/trigger"]
