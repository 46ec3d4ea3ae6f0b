"""Information reports (信息报送): initial, follow-ups numbered 1, 2, 3, final after closing; one draft at
a time; sign-off (签发) by a duty leader submits to the superior's inbox, on time or not against the
deadline; the deadline is the earliest the jurisdiction's rules give for the grade; the warn and
overdue timers fire when nothing was filed, and survive a restart; timeliness per unit counts them."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import orjson
import pytest
from sqlalchemy import select, update

from command.reports import service as reports
from command.reports.models import InfoReport
from core.db import Database
from core.journal.models import JournalEntry
from core.orm import utcnow
from core.timers.models import Timer
from core.timers.runner import TimerRunner
from tests.command.helpers import Cmd, ago, parse, same_ms, z
from tests.support import LiveServer, make_settings

MODULE_LOOP = pytest.mark.asyncio(loop_scope="module")  # these tests share one server (`shared`)

RULE_LEVEL = "生产安全事故逐级上报不超过 2 小时"
RULE_JIANGXI = "江西：较大以上事件县级 2 小时内报市"
RULE_PHONE = "重大、特别重大突发事件 30 分钟内电话报告"
RULE_DAILY = "一般、较大事故每日至少续报一次"
RULE_TWICE = "重大、特别重大事故每日至少续报两次"


def _kinds(rows: list[dict[str, Any]]) -> list[tuple[str, int]]:
    return [(r["kind"], r["number"]) for r in rows]


@MODULE_LOOP
async def test_numbering_initial_follow_ups_final(shared: Cmd) -> None:
    incident = await shared.incident(facts={"deaths": 1, "injured": 2}, address="章贡区水东镇某厂房")
    iid = incident["id"]
    path = f"/api/v1/incidents/{iid}/reports"
    for kind in ("follow_up", "final"):  # nothing before the initial report
        doc = await shared.problem(await shared.post("duty.360702", path, {"kind": kind}), 422)
        assert [e["pointer"] for e in doc["errors"]] == ["/kind"], kind

    initial = await shared.draft(iid)
    assert (initial["kind"], initial["number"], initial["previous_id"], initial["status"]) == (
        "initial", 0, None, "draft")
    assert initial["content"]["deaths"] == 1 and initial["content"]["place"] == "章贡区水东镇某厂房"
    assert initial["content"]["unit"] == "章贡区"  # pre-filled from the incident and the drafting unit
    for kind in ("initial", "follow_up"):  # one draft at a time
        doc = await shared.problem(await shared.post("duty.360702", path, {"kind": kind}), 409)
        assert doc["type"] == "/problems/conflict"
    await shared.sign(initial["id"])
    await shared.problem(await shared.post("duty.360702", path, {"kind": "initial"}), 422)  # only one 首报

    await shared.ok(await shared.post("duty.360702", f"/api/v1/incidents/{iid}/facts", {"facts": {"deaths": 2}}))
    previous = initial
    for number in (1, 2, 3):
        if number == 2:  # a discarded draft takes no number
            dropped = await shared.draft(iid, "follow_up")
            assert dropped["number"] == 2
            await shared.ok(await shared.post("duty.360702", f"/api/v1/reports/{dropped['id']}/discard"))
        follow_up = await shared.draft(iid, "follow_up")
        assert (follow_up["kind"], follow_up["number"], follow_up["previous_id"]) == ("follow_up", number,
                                                                                      previous["id"])
        if number == 1:
            assert "死亡 1→2人" in follow_up["changes"]  # what changed since the previous report
            assert follow_up["content"]["deaths"] == 2
        await shared.sign(follow_up["id"])
        previous = follow_up

    # The final report comes after closing.
    assert (await shared.incident_doc(iid))["next_report"]["kind"] == "follow_up"
    await shared.status(iid, "close")
    owed = (await shared.incident_doc(iid))["next_report"]
    assert (owed["kind"], owed["number"]) == ("final", 0)
    final = await shared.draft(iid, "final")
    assert (final["kind"], final["number"], final["previous_id"]) == ("final", 0, previous["id"])
    await shared.sign(final["id"])
    await shared.problem(await shared.post("duty.360702", path, {"kind": "final"}), 422)
    assert (await shared.incident_doc(iid))["next_report"] is None

    listed = await shared.ok(await shared.get("duty.360702", path))
    assert _kinds(listed) == [("initial", 0), ("follow_up", 1), ("follow_up", 2), ("follow_up", 3), ("final", 0)]
    assert all(r["status"] == "submitted" for r in listed)


@MODULE_LOOP
async def test_sign_off_and_the_superiors_inbox(shared: Cmd) -> None:
    incident = await shared.incident(facts={"deaths": 1})
    iid = incident["id"]
    report = await shared.draft(iid)
    sign_path = f"/api/v1/reports/{report['id']}/sign"
    head = await shared.head()

    assert (await shared.problem(await shared.post("duty.360702", sign_path), 403))["type"] == "/problems/forbidden"
    await shared.problem(await shared.post("lead.360703", sign_path), 404)  # another county's leader
    assert (await shared.ok(await shared.get("duty.360702", f"/api/v1/reports/{report['id']}")))["status"] == "draft"
    assert await shared.command_events(head) == []
    for who in ("lead.360700", "lead.360703", "lead.360702"):
        assert report["id"] not in [r["id"] for r in await shared.ok(await shared.get(who, "/api/v1/reports/inbox"))]

    signed = await shared.sign(report["id"], who="lead.360702")
    leader = await shared.principal("lead.360702")
    assert (signed["status"], signed["to_unit"], signed["signed_by_name"], signed["on_time"]) == (
        "submitted", "360700", leader.name, True)
    submitted_at = parse(signed["submitted_at"])
    assert submitted_at <= parse(signed["deadline"])
    events = await shared.command_events(head)
    assert [e["type"] for e in events] == ["report.signed", "report.submitted"]
    assert "360700" in events[1]["units"] and events[1]["data"]["report"]["to_unit"] == "360700"

    # In the superior's inbox (unread first), not in another county's, nor in the sender's own.
    inbox = await shared.ok(await shared.get("lead.360700", "/api/v1/reports/inbox"))
    mine = [r for r in inbox if r["id"] == report["id"]]
    assert len(mine) == 1 and mine[0]["incident"]["id"] == iid and mine[0]["received_at"] is None
    assert report["id"] in [r["id"] for r in await shared.ok(await shared.get("duty.360700", "/api/v1/reports/inbox"))]
    for who in ("lead.360703", "lead.360702"):
        assert report["id"] not in [r["id"] for r in await shared.ok(await shared.get(who, "/api/v1/reports/inbox"))]
    read = await shared.ok(await shared.post("lead.360700", f"/api/v1/reports/{report['id']}/received"))
    assert read["received_at"] is not None
    await shared.problem(await shared.post("lead.360703", f"/api/v1/reports/{report['id']}/received"), 404)

    # The first submission sets the 报出 clock; later ones leave it.
    doc = await shared.incident_doc(iid)
    assert parse(doc["reported_at"]) == submitted_at
    follow_up = await shared.draft(iid, "follow_up")
    await shared.sign(follow_up["id"])
    assert parse((await shared.incident_doc(iid))["reported_at"]) == submitted_at

    # A drill's report reaches only the drill inbox.
    drill = await shared.incident(exercise=True)
    drill_report = await shared.sign((await shared.draft(drill["id"]))["id"])
    assert drill_report["exercise"] is True
    live = [r["id"] for r in await shared.ok(await shared.get("lead.360700", "/api/v1/reports/inbox"))]
    drills = [r["id"] for r in await shared.ok(await shared.get("lead.360700", "/api/v1/reports/inbox",
                                                                  exercise="true"))]
    assert drill_report["id"] in drills and drill_report["id"] not in live
    assert report["id"] in live and report["id"] not in drills


async def _timers(cmd: Cmd, incident_id: str) -> dict[str, Timer]:
    async with cmd.db.read() as session:
        rows = (await session.execute(select(Timer).where(Timer.ref == incident_id))).scalars()
        return {t.kind: t for t in rows}


@MODULE_LOOP
@pytest.mark.parametrize(("facts", "grade", "clock", "minutes", "rule"), [
    ({"deaths": 1}, "general", "received", 120, RULE_LEVEL),
    ({"deaths": 3}, "relatively_major", "occurred", 120, RULE_JIANGXI),  # 事发 runs earlier than 接报
    ({"seriously_injured": 50}, "major", "received", 30, RULE_PHONE),
    ({"deaths": 30}, "particularly_major", "received", 30, RULE_PHONE),
], ids=["general", "relatively_major", "major", "particularly_major"])
async def test_initial_deadline_is_the_earliest_rule(shared: Cmd, facts: dict[str, int], grade: str, clock: str,
                                                     minutes: int, rule: str) -> None:
    occurred, received = ago(minutes=70), ago(minutes=10)
    incident = await shared.incident(category="accident.road_traffic", facts=facts, occurred_at=z(occurred),
                                     received_at=z(received))
    assert incident["grade_suggested"] == grade
    owed = (await shared.incident_doc(incident["id"]))["next_report"]
    start = occurred if clock == "occurred" else received
    assert (owed["kind"], owed["number"], owed["rule"], owed["clock"]) == ("initial", 0, rule, clock)
    assert parse(owed["deadline"]) == start + timedelta(minutes=minutes)
    assert owed["source"]
    timers = await _timers(shared, incident["id"])
    assert timers[reports.OVERDUE_TIMER].due_at == parse(owed["deadline"])
    assert timers[reports.WARN_TIMER].due_at == parse(owed["deadline"]) - reports.WARN_BEFORE
    assert timers[reports.OVERDUE_TIMER].payload == {"kind": "initial", "number": 0, "deadline": owed["deadline"]}
    draft = await shared.draft(incident["id"])
    assert (parse(draft["deadline"]), draft["deadline_rule"]) == (parse(owed["deadline"]), rule)


@MODULE_LOOP
async def test_deadlines_follow_the_confirmed_grade_and_the_last_report(shared: Cmd) -> None:
    received = ago(minutes=5)
    incident = await shared.incident(facts={"deaths": 1}, received_at=z(received))
    iid = incident["id"]
    # Confirmed as 重大 (an override, with its reason): the 30-minute phone rule now binds.
    await shared.ok(await shared.post("lead.360702", f"/api/v1/incidents/{iid}/grade",
                                      {"grade": "major", "reason": "涉及学校，社会关注度高"}))
    owed = (await shared.incident_doc(iid))["next_report"]
    assert (owed["rule"], parse(owed["deadline"])) == (RULE_PHONE, received + timedelta(minutes=30))
    assert (await _timers(shared, iid))[reports.OVERDUE_TIMER].due_at == received + timedelta(minutes=30)

    # Once the initial report is in, the next one owed is follow-up 1, twice a day for 重大.
    signed = await shared.sign((await shared.draft(iid))["id"])
    owed = (await shared.incident_doc(iid))["next_report"]
    assert (owed["kind"], owed["number"], owed["rule"]) == ("follow_up", 1, RULE_TWICE)
    assert parse(owed["deadline"]) == parse(signed["submitted_at"]) + timedelta(hours=12)
    timers = await _timers(shared, iid)
    assert timers[reports.OVERDUE_TIMER].payload["kind"] == "follow_up"
    assert same_ms(timers[reports.OVERDUE_TIMER].due_at, parse(owed["deadline"]))
    # Back to 一般: once a day.
    await shared.ok(await shared.post("lead.360702", f"/api/v1/incidents/{iid}/grade",
                                      {"grade": "general", "reason": "核实后降级"}))
    owed = (await shared.incident_doc(iid))["next_report"]
    assert (owed["rule"], parse(owed["deadline"])) == (RULE_DAILY, parse(signed["submitted_at"]) + timedelta(days=1))


async def _move_timers_to_the_past(db_url: str, incident_id: str) -> None:
    db = Database(db_url)
    try:
        async with db.write() as uow:
            await uow.session.execute(update(Timer).where(Timer.ref == incident_id)
                                      .values(due_at=utcnow() - timedelta(seconds=5)))
    finally:
        await db.dispose()


async def _fire_due(db_url: str) -> int:
    """A process that has just started: its own Database and TimerRunner, one pass."""
    db = Database(db_url)
    try:
        return await TimerRunner(db).run_due()
    finally:
        await db.dispose()


async def _events_of(cmd: Cmd, incident_id: str) -> list[dict[str, Any]]:
    async with cmd.db.read() as session:
        rows = (await session.execute(select(JournalEntry.doc).where(JournalEntry.subject_id == incident_id)
                                      .order_by(JournalEntry.seq))).scalars()
        return [orjson.loads(doc) for doc in rows]


async def test_deadline_timers_fire_and_survive_a_restart(cmd: Cmd, tmp_path: Any) -> None:
    silent = await cmd.incident(facts={"deaths": 1})  # nobody files anything
    filed = await cmd.incident(facts={"deaths": 1})
    await cmd.sign((await cmd.draft(filed["id"]))["id"])
    owed = (await cmd.incident_doc(silent["id"]))["next_report"]
    for kind in (reports.WARN_TIMER, reports.OVERDUE_TIMER):
        assert (await _timers(cmd, silent["id"]))[kind].state == "scheduled"

    # The server goes away with the timers pending; later they fall due, and a new process fires them.
    await cmd.server.stop()
    await _move_timers_to_the_past(cmd.db_url, silent["id"])
    assert await _fire_due(cmd.db_url) >= 2
    events = [e for e in await _events_of(cmd, silent["id"]) if e["type"] in ("report.due_soon", "report.overdue")]
    assert [(e["type"], e["data"]["to"]) for e in events] == [("report.due_soon", "duty_officer"),
                                                              ("report.overdue", "duty_leader")]
    for e in events:
        assert (e["data"]["kind"], e["data"]["number"], e["data"]["deadline"], e["data"]["rule"]) == (
            "initial", 0, owed["deadline"], RULE_LEVEL)
        assert "360702" in e["units"] and e["exercise"] is False
    assert {t.state for t in (await _timers(cmd, silent["id"])).values()} == {"fired"}

    # Another restart, a server again: nothing fires twice.
    await _fire_due(cmd.db_url)
    again = LiveServer(make_settings(tmp_path / "again", cmd.db_url))
    await again.start()
    try:
        await asyncio.sleep(0.5)  # a few polls of its timer runner
    finally:
        await again.stop()
    assert await cmd.journal_count("report.overdue", silent["id"]) == 1
    assert await cmd.journal_count("report.due_soon", silent["id"]) == 1

    # Filed in time: the timers moved on to follow-up 1, due a day later; no initial report is overdue.
    timers = await _timers(cmd, filed["id"])
    assert timers[reports.OVERDUE_TIMER].payload["kind"] == "follow_up"
    assert timers[reports.OVERDUE_TIMER].due_at > utcnow() + timedelta(hours=23)
    assert await cmd.journal_count("report.overdue", filed["id"]) == 0


async def _timeliness(cmd: Cmd, who: str, **params: str) -> dict[str, dict[str, Any]]:
    return {row["unit"]: row for row in await cmd.ok(await cmd.get(who, "/api/v1/reports/timeliness", **params))}


@MODULE_LOOP
async def test_timeliness_counts_on_time_and_late(shared: Cmd) -> None:
    # 赣县区 (360704) files nothing in the other tests.
    officer, leader = "duty.360704", "lead.360704"
    before = (await _timeliness(shared, "lead.360700")).get("360704", {"submitted": 0, "on_time": 0, "late": 0})

    on_time = await shared.sign((await shared.draft((await shared.incident(officer))["id"], who=officer))["id"],
                                who=leader)
    assert on_time["on_time"] is True
    late_draft = await shared.draft((await shared.incident(officer))["id"], who=officer)
    await shared.set_row(InfoReport, late_draft["id"], deadline=ago(minutes=1))
    late = await shared.sign(late_draft["id"], who=leader)
    assert late["on_time"] is False and parse(late["submitted_at"]) > parse(late["deadline"])
    # A drill's late report does not count.
    drill_draft = await shared.draft((await shared.incident(officer, exercise=True))["id"], who=officer)
    await shared.set_row(InfoReport, drill_draft["id"], deadline=ago(minutes=1))
    await shared.sign(drill_draft["id"], who=leader)

    row = (await _timeliness(shared, "lead.360700"))["360704"]
    submitted, good = before["submitted"] + 2, before["on_time"] + 1
    assert (row["submitted"], row["on_time"], row["late"]) == (submitted, good, before["late"] + 1)
    assert row["rate"] == round(good / submitted, 4) and row["name"] == "赣县区"
    assert (await _timeliness(shared, leader))["360704"] == row  # the county itself
    assert "360704" not in await _timeliness(shared, "lead.360703")  # another county
    # The period asked for: the last minutes hold exactly these two; a period that ended before them, neither.
    recent = (await _timeliness(shared, "lead.360700", **{"from": z(ago(minutes=5))}))["360704"]
    assert (recent["submitted"], recent["on_time"], recent["late"], recent["rate"]) == (2, 1, 1, 0.5)
    earlier = await _timeliness(shared, "lead.360700", **{"from": z(ago(days=2)), "to": z(ago(minutes=5))})
    assert "360704" not in earlier


@MODULE_LOOP
async def test_an_open_drafts_deadline_follows_the_incident(shared: Cmd) -> None:
    """Escalated while the initial report is being drafted: the draft is judged by the deadline now in
    force (the one the incident shows and the overdue timer runs to), not the one it was drafted under."""
    received = ago(minutes=45)
    incident = await shared.incident(facts={"deaths": 1}, received_at=z(received))
    draft = await shared.draft(incident["id"])
    assert (parse(draft["deadline"]), draft["deadline_rule"]) == (received + timedelta(hours=2), RULE_LEVEL)
    await shared.ok(await shared.post("duty.360702", f"/api/v1/incidents/{incident['id']}/facts",
                                      {"facts": {"deaths": 10}}))
    owed = (await shared.incident_doc(incident["id"]))["next_report"]
    assert (parse(owed["deadline"]), owed["rule"]) == (received + timedelta(minutes=30), RULE_PHONE)
    now = await shared.ok(await shared.get("duty.360702", f"/api/v1/reports/{draft['id']}"))
    assert (now["deadline"], now["deadline_rule"]) == (owed["deadline"], RULE_PHONE)
    signed = await shared.sign(draft["id"])
    assert signed["on_time"] is False  # 45 minutes after 接报, for a 30-minute deadline
