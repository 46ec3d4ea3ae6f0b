"""Review and filing timers, and drills. Approving a plan schedules its review reminders (90, 30 and 7
days before the review date, and on it) and its filing deadline; when they fall due each fires once —
a reminder whose review date has moved since fires nothing, a filed plan is not overdue. Drills: a
recorded drill's revisions become tasks for the owner, the plan's next drill moves, a drill cannot be
recorded before it is held, and the yearly drill status per unit follows."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from plans_registry import document
from plans_registry.models import Plan
from plans_registry.rules import REVIEW_REMINDER_DAYS
from plans_registry.service import FILING_TIMER, REVIEW_TIMER
from tests.command.helpers import Cmd
from tests.plans.conftest import settle
from tests.plans.helpers import (
    CITY,
    COMMANDER,
    NANKANG,
    ZHANGGONG,
    approved,
    county_plan,
    fire_due,
    head,
    journal,
    make_due,
    parse,
    plan_by_code,
    plan_full,
    set_status,
    timers,
    today_in_ganzhou,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")  # one server for the module (`shared`)

OFFICER = "lead.360702"
SHANGHAI = ZoneInfo("Asia/Shanghai")
DEMO_ZG_DRILL = date(2026, 5, 20)  # plans_registry/demo.py: 章贡区's tabletop drill of ZG-FX


async def _fire(cmd: Cmd, *timer_ids: str) -> None:
    """Make the timers due; the server's runner (or, if it has not yet, another process's) fires them."""
    await make_due(cmd.db, *timer_ids)
    await settle(cmd.db)
    assert await fire_due(cmd.db_url) == 0  # nothing left to fire a second time


async def _events(cmd: Cmd, plan_id: str, *types: str) -> list[dict[str, Any]]:
    return [e for e in await journal(cmd, subject_id=plan_id) if e["type"] in types]


# --- review reminders ---------------------------------------------------------------------------------

async def test_review_reminders_fire_once_each(shared: Cmd) -> None:
    doc = county_plan(issued_on="2026-04-01", review_months=36)
    version = await approved(shared, doc, OFFICER)
    plan_id = version["plan_id"]
    review_on = date(2029, 4, 1)
    assert (await plan_full(shared, plan_id, OFFICER))["plan"]["next_review_on"] == review_on.isoformat()
    reminders = {t.ref: t for t in await timers(shared.db, kind=REVIEW_TIMER, ref_prefix=plan_id + ":")}
    assert set(reminders) == {f"{plan_id}:{d}" for d in (*REVIEW_REMINDER_DAYS, 0)}
    for days in (*REVIEW_REMINDER_DAYS, 0):
        t = reminders[f"{plan_id}:{days}"]
        assert t.state == "scheduled"
        assert t.payload == {"plan_id": plan_id, "days": days, "review_on": review_on.isoformat()}
        assert t.due_at == datetime.combine(review_on - timedelta(days=days), time(9, 0), tzinfo=SHANGHAI)

    await _fire(shared, *[t.id for t in reminders.values()])
    events = await _events(shared, plan_id, "plan.review_due", "plan.review_overdue")
    assert sorted((e["type"], e["data"]["days_left"]) for e in events) == sorted(
        [("plan.review_due", d) for d in REVIEW_REMINDER_DAYS] + [("plan.review_overdue", 0)])
    assert all(e["data"]["review_on"] == review_on.isoformat() and ZHANGGONG in e["units"] for e in events)
    assert {t.state for t in await timers(shared.db, kind=REVIEW_TIMER, ref_prefix=plan_id + ":")} == {"fired"}
    await fire_due(shared.db_url)
    assert len(await _events(shared, plan_id, "plan.review_due", "plan.review_overdue")) == 4


async def test_a_stale_reminder_fires_nothing(shared: Cmd) -> None:
    version = await approved(shared, county_plan(), OFFICER)
    plan_id = version["plan_id"]
    await shared.set_row(Plan, plan_id, next_review_on=date(2030, 6, 30))  # reviewed since: a new review date
    reminders = await timers(shared.db, kind=REVIEW_TIMER, ref_prefix=plan_id + ":")
    assert len(reminders) == 4
    before = await head(shared.db)
    await _fire(shared, *[t.id for t in reminders])
    assert {t.state for t in await timers(shared.db, kind=REVIEW_TIMER, ref_prefix=plan_id + ":")} == {"fired"}
    assert await _events(shared, plan_id, "plan.review_due", "plan.review_overdue") == []
    assert await head(shared.db) == before


async def test_retiring_cancels_the_reminders(shared: Cmd) -> None:
    version = await approved(shared, county_plan(), OFFICER)
    await shared.ok(await set_status(shared, version, "retire", OFFICER))
    states = [t.state for t in await timers(shared.db, ref_prefix=version["plan_id"])]
    assert states and set(states) == {"cancelled"}  # the reminders and the filing deadline
    summary = (await plan_full(shared, version["plan_id"], OFFICER))["plan"]
    assert (summary["next_review_on"], summary["next_drill_on"], summary["current_version_id"]) == (None, None, None)


async def test_the_demo_plan_overdue_for_review_was_announced_once(shared: Cmd) -> None:
    """GZ-WHP (issued 2022-05-10, reviewed every 3 years) was overdue when the demo was loaded."""
    plan = await plan_by_code(shared, "GZ-WHP")
    assert plan["review_overdue"] is True
    events = await _events(shared, plan["id"], "plan.review_overdue")
    assert len(events) == 1 and events[0]["data"]["review_on"] == plan["next_review_on"]


# --- filing deadline --------------------------------------------------------------------------------------

async def test_filing_overdue_fires_only_for_a_plan_not_filed(shared: Cmd) -> None:
    late = await approved(shared, county_plan(issued_on="2026-04-01"), OFFICER)
    on_time = await approved(shared, county_plan(), OFFICER)
    expected_due = document.add_working_days(max(date(2026, 4, 1), today_in_ganzhou()), 20)
    assert late["filing_due_on"] == expected_due.isoformat()
    (late_timer,) = await timers(shared.db, kind=FILING_TIMER, ref_prefix=late["plan_id"])
    assert late_timer.due_at == datetime.combine(expected_due, time(9, 0), tzinfo=SHANGHAI)
    assert late_timer.payload == {"version_id": late["id"]}

    await shared.ok(await set_status(shared, on_time, "file", OFFICER, filed_with=CITY))
    (on_time_timer,) = await timers(shared.db, kind=FILING_TIMER, ref_prefix=on_time["plan_id"])
    assert on_time_timer.state == "cancelled"

    await _fire(shared, late_timer.id)
    events = await _events(shared, late["plan_id"], "plan.filing_overdue")
    assert len(events) == 1 and events[0]["data"]["version"]["id"] == late["id"]
    assert ZHANGGONG in events[0]["units"]
    # Had the filed plan's deadline fired all the same (cancelled too late), it would say nothing.
    from core.timers.models import Timer
    await shared.set_row(Timer, on_time_timer.id, state="scheduled")
    await _fire(shared, on_time_timer.id)
    assert await _events(shared, on_time["plan_id"], "plan.filing_overdue") == []
    # Filed late: the event says so.
    await shared.ok(await set_status(shared, late, "file", OFFICER, filed_with=CITY))
    assert (await _events(shared, late["plan_id"], "plan.filed"))[0]["data"]["filed_late"] is (
        today_in_ganzhou() > expected_due)


async def test_the_city_files_with_the_province(shared: Cmd) -> None:
    """The city is the top of the unit tree: it files with a superior outside the installation (named)."""
    version = await approved(shared, county_plan(owner=CITY), COMMANDER)
    (deadline,) = await timers(shared.db, kind=FILING_TIMER, ref_prefix=version["plan_id"])
    assert deadline.state == "scheduled"
    filed = await shared.ok(await set_status(shared, version, "file", COMMANDER, filed_with="江西省应急管理厅"))
    assert (filed["status"], filed["filed_with"]) == ("filed", "江西省应急管理厅")
    (deadline,) = await timers(shared.db, kind=FILING_TIMER, ref_prefix=version["plan_id"])
    assert deadline.state == "cancelled"


async def test_the_city_does_not_file_with_itself_or_a_unit_below(shared: Cmd) -> None:
    """备案 is with the superior: a unit of this installation that is the owner itself or below it is
    not one, even for the top unit whose superior is named rather than a unit code."""
    version = await approved(shared, county_plan(owner=CITY), COMMANDER)
    for unit in (CITY, ZHANGGONG, "360702-T01"):
        res = await set_status(shared, version, "file", COMMANDER, filed_with=unit)
        assert res.status_code == 422, f"filed with {unit}: {res.status_code} {res.text}"
    summary = (await plan_full(shared, version["plan_id"]))["plan"]
    assert summary["status"] == "approved"


# --- drills -----------------------------------------------------------------------------------------------

async def _status(cmd: Cmd, who: str = COMMANDER) -> dict[str, dict[str, Any]]:
    return {r["unit"]: r for r in await cmd.ok(await cmd.get(who, "/api/v1/plans/drills/status"))}


async def test_drill_status_from_the_demo(shared: Cmd) -> None:
    today = today_in_ganzhou()
    status = await _status(shared)
    met = DEMO_ZG_DRILL >= document.add_months(today, -12)  # true until 2027-05-20
    assert status[ZHANGGONG]["yearly_met"] is met and status[ZHANGGONG]["last_drill_on"] == DEMO_ZG_DRILL.isoformat()
    assert (status[NANKANG]["yearly_met"], status[NANKANG]["drills_last_year"], status[NANKANG]["last_drill_on"]) == (
        False, 0, None)
    # GZ-WHP drills every 24 months from 2022-05-10: overdue; listed under the city.
    assert "GZ-WHP" in [p["code"] for p in status[CITY]["plans_drill_overdue"]]
    # A county sees itself, not its neighbours.
    assert set(await _status(shared, "lead.360702")) == {ZHANGGONG}
    # Reviews overdue: GZ-WHP under the city. A county sees the city's plans in its list, marked overdue,
    # so its overdue card lists them too: one definition of overdue for the card and the list.
    overdue = {r["unit"]: [p["code"] for p in r["plans"]]
               for r in await shared.ok(await shared.get(COMMANDER, "/api/v1/plans/reviews/overdue"))}
    assert "GZ-WHP" in overdue[CITY]
    for who in (COMMANDER, "lead.360702"):
        card = {p["id"] for r in await shared.ok(await shared.get(who, "/api/v1/plans/reviews/overdue"))
                for p in r["plans"]}
        listed = {p["id"] for p in await shared.ok(await shared.get(who, "/api/v1/plans")) if p["review_overdue"]}
        assert card == listed and card, who


async def test_recording_a_drill(shared: Cmd) -> None:
    plan = await plan_by_code(shared, "ZG-FX", owner=ZHANGGONG, who=OFFICER)
    full = await plan_full(shared, plan["id"], OFFICER)
    months = full["versions"][-1]["document"].get("drill_months") or full["cycles"]["drill_months"]
    today = today_in_ganzhou()
    held = today - timedelta(days=1)
    body = {"kind": "functional", "held_on": held.isoformat(), "scenario": "章江水位超警 1.2 米，转移沿江群众 800 人",
            "participants": [{"name": "区应急管理局", "count": 6}], "findings": "转移名单更新不及时",
            "rating": "adequate",
            "revisions": [{"title": "更新沿江低洼片区转移名单", "due_on": (today + timedelta(days=30)).isoformat()},
                          {"title": "补充冲锋舟操作手培训", "unit": "360702-T01"}]}
    drill = await shared.ok(await shared.post(OFFICER, f"/api/v1/plans/{plan['id']}/drills", body), 201)
    assert (drill["unit"], drill["held_on"], drill["kind"]) == (ZHANGGONG, held.isoformat(), "functional")
    assert len(drill["revision_task_ids"]) == 2

    listed = {t["id"]: t for t in await shared.ok(await shared.get(OFFICER, "/api/v1/tasks"))}
    first, second = (listed[i] for i in drill["revision_task_ids"])
    assert (first["unit"], first["source"], first["title"]) == (ZHANGGONG, "drill", "更新沿江低洼片区转移名单")
    assert parse(first["due_at"]) == datetime.combine(today + timedelta(days=30), time(17, 30), tzinfo=SHANGHAI)
    assert (second["unit"], second["due_at"]) == ("360702-T01", None)
    assert first["source_ref"] == {"drill_id": drill["id"], "plan_id": plan["id"]}
    # The owner's duty room signs for its revision task.
    assert (await shared.ok(await shared.post("duty.360702", f"/api/v1/tasks/{first['id']}/acknowledge")))[
        "status"] == "acknowledged"

    summary = (await plan_full(shared, plan["id"], OFFICER))["plan"]
    assert summary["last_drill_on"] == held.isoformat()
    assert summary["next_drill_on"] == document.add_months(held, months).isoformat()
    # An earlier drill recorded late does not move the cycle back.
    await shared.ok(await shared.post(OFFICER, f"/api/v1/plans/{plan['id']}/drills",
                                      {"kind": "tabletop", "held_on": "2026-06-15", "scenario": "补录"}), 201)
    after = (await plan_full(shared, plan["id"], OFFICER))["plan"]
    assert (after["last_drill_on"], after["next_drill_on"]) == (summary["last_drill_on"], summary["next_drill_on"])


async def test_a_drill_is_recorded_after_it_is_held(shared: Cmd) -> None:
    plan = await plan_by_code(shared, "ZG-FX", owner=ZHANGGONG, who=OFFICER)
    await shared.token(OFFICER)
    before_head, before = await head(shared.db), await plan_full(shared, plan["id"], OFFICER)
    tomorrow = today_in_ganzhou() + timedelta(days=1)
    res = await shared.post(OFFICER, f"/api/v1/plans/{plan['id']}/drills",
                            {"kind": "tabletop", "held_on": tomorrow.isoformat(), "scenario": "明天的演练",
                             "revisions": [{"title": "不应产生的任务"}]})
    assert [e["pointer"] for e in (await shared.problem(res, 422))["errors"]] == ["/held_on"]
    # A revision for a unit outside the county: refused, and the drill with it.
    res = await shared.post(OFFICER, f"/api/v1/plans/{plan['id']}/drills",
                            {"kind": "tabletop", "held_on": "2026-06-01", "scenario": "推演",
                             "revisions": [{"title": "整改"}, {"title": "越权整改", "unit": NANKANG}]})
    assert [e["pointer"] for e in (await shared.problem(res, 422))["errors"]] == ["/revisions/1/unit"]
    # A drill held by a unit outside the county.
    res = await shared.post(OFFICER, f"/api/v1/plans/{plan['id']}/drills",
                            {"kind": "tabletop", "held_on": "2026-06-01", "scenario": "推演", "unit": NANKANG})
    assert [e["pointer"] for e in (await shared.problem(res, 422))["errors"]] == ["/unit"]
    after = await plan_full(shared, plan["id"], OFFICER)
    assert after["drills"] == before["drills"] and after["plan"] == before["plan"]
    assert await head(shared.db) == before_head


async def test_a_drill_held_by_nankang_meets_its_year(shared: Cmd) -> None:
    """南康区 has no plan of its own: the city records the drill its county held on the city's plan."""
    gz = await plan_by_code(shared, "GZ-FX")
    body = {"kind": "tabletop", "held_on": today_in_ganzhou().isoformat(), "scenario": "南康区章水漫堤转移推演",
            "unit": NANKANG}
    await shared.problem(await shared.post("lead.360703", f"/api/v1/plans/{gz['id']}/drills", body), 403)
    assert (await _status(shared))[NANKANG]["yearly_met"] is False
    drill = await shared.ok(await shared.post(COMMANDER, f"/api/v1/plans/{gz['id']}/drills", body), 201)
    assert drill["unit"] == NANKANG
    status = await _status(shared)
    assert (status[NANKANG]["yearly_met"], status[NANKANG]["drills_last_year"], status[NANKANG]["last_drill_on"]) == (
        True, 1, body["held_on"])
    assert (await _status(shared, "lead.360703"))[NANKANG]["yearly_met"] is True
