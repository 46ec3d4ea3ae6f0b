"""Timers survive a restart: with the server gone, a plan's review reminder and a response's report
cadence fall due; a process that has just started fires each once (the cadence then schedules its next
reminder); a server started afterwards fires nothing again."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from core.orm import utcnow
from plans_registry.activations import REPORT_TIMER
from plans_registry.service import REVIEW_TIMER
from tests.command.helpers import Cmd
from tests.plans.helpers import (
    activate,
    approved,
    county_plan,
    fire_due,
    flood,
    gz_fx,
    journal,
    level,
    make_due,
    plan_by_code,
    timers,
)
from tests.support import LiveServer, make_settings


async def test_plan_timers_fire_once_across_a_restart(cmd: Cmd, tmp_path: Path) -> None:
    version = await approved(cmd, county_plan(), "lead.360702")
    plan_id = version["plan_id"]
    gz = await plan_by_code(cmd, "GZ-FX")
    incident = await flood(cmd, {"water_level_over": 0.4})
    act = await activate(cmd, incident["id"], gz["id"], 4)
    overdue = [t for t in await timers(cmd.db, kind=REVIEW_TIMER, ref_prefix=plan_id + ":") if t.ref.endswith(":0")]
    (cadence,) = await timers(cmd.db, kind=REPORT_TIMER, ref_prefix=act["id"])

    await cmd.server.stop()
    await make_due(cmd.db, overdue[0].id, cadence.id)
    assert await fire_due(cmd.db_url) == 2
    assert len(await journal(cmd, subject_id=plan_id, type="plan.review_overdue")) == 1
    due = await journal(cmd, subject_id=incident["id"], type="incident.plan_report_due")
    assert len(due) == 1 and due[0]["data"]["every_minutes"] == level(gz_fx(), 4)["report_every_minutes"]
    (cadence,) = await timers(cmd.db, kind=REPORT_TIMER, ref_prefix=act["id"])
    assert cadence.state == "scheduled"  # a repeating reminder: the next one is set
    assert abs(cadence.due_at - (utcnow() + timedelta(minutes=480))) < timedelta(minutes=1)

    again = LiveServer(make_settings(tmp_path / "again", cmd.db_url))
    await again.start()
    try:
        await asyncio.sleep(0.5)  # a few polls of its timer runner
    finally:
        await again.stop()
    assert await fire_due(cmd.db_url) == 0
    assert len(await journal(cmd, subject_id=plan_id, type="plan.review_overdue")) == 1
    assert len(await journal(cmd, subject_id=incident["id"], type="incident.plan_report_due")) == 1
