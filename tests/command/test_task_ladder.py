"""Tasks: the escalation ladder (remind before the deadline; not signed for, or overdue → the assignee's
duty leader; still so a while later → the dispatcher's duty chief), each step's delay a duty rule of the
assignee's jurisdiction, fired once by racing runners and across a restart; a task handed on (转派) as a
tree whose progress rolls up and whose cancellation carries down; statistics per unit; who may see a
task and its feedback's files."""

from __future__ import annotations

import asyncio
import itertools
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import func, select, update

from command import flows
from command.tasks.models import Task
from command.tasks.service import ACK_TIMER, DUE_TIMER, ESCALATE_TIMER, REMIND_TIMER
from core.db import Database, UnitOfWork
from core.journal.models import JournalEntry
from core.orm import utcnow
from core.timers.models import Timer
from core.timers.runner import DueTimer, Handler, TimerRunner
from tests.command.helpers import Cmd, ago, parse, same_ms, z
from tests.support import LiveServer, eventually, make_settings

MODULE_LOOP = pytest.mark.asyncio(loop_scope="module")  # these tests share one server (`shared`)

CITY, ZG, NK = "360700", "360702", "360703"
COMMANDER = "commander.360700"
ZG_DUTY, ZG_LEAD, NK_DUTY = "duty.360702", "lead.360702", "duty.360703"
TASK_KINDS = (ACK_TIMER, DUE_TIMER, REMIND_TIMER, ESCALATE_TIMER)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
_n = itertools.count(1)


# --- helpers ----------------------------------------------------------------------------------------

async def dispatch(cmd: Cmd, unit: str = ZG, who: str = COMMANDER, **body: Any) -> dict[str, Any]:
    res = await cmd.post(who, "/api/v1/tasks", {"unit": unit, "title": f"阶梯测试任务 {next(_n)}", **body})
    return dict(await cmd.ok(res, 201))


async def task_doc(cmd: Cmd, task_id: str, who: str = COMMANDER) -> dict[str, Any]:
    return dict(await cmd.ok(await cmd.get(who, f"/api/v1/tasks/{task_id}")))


async def act(cmd: Cmd, task_id: str, action: str, who: str = ZG_DUTY, **body: Any) -> dict[str, Any]:
    return dict(await cmd.ok(await cmd.post(who, f"/api/v1/tasks/{task_id}/{action}", body)))


async def task_timers(cmd: Cmd | Database, task_id: str) -> dict[str, Timer]:
    db = cmd.db if isinstance(cmd, Cmd) else cmd
    async with db.read() as session:
        rows = (await session.execute(select(Timer).where(Timer.ref == task_id, Timer.kind.in_(TASK_KINDS))))
        return {t.kind: t for t in rows.scalars()}


async def events(cmd: Cmd, task_id: str, *types: str, since: int = 0) -> list[dict[str, Any]]:
    """The journal's events about the task (of `types`, if given), oldest first."""
    stmt = select(JournalEntry.doc).where(JournalEntry.subject_id == task_id, JournalEntry.seq > since)
    if types:
        stmt = stmt.where(JournalEntry.type.in_(types))
    async with cmd.db.read() as session:
        return [orjson.loads(d) for d in (await session.execute(stmt.order_by(JournalEntry.seq))).scalars()]


async def head(cmd: Cmd) -> int:
    return int(await cmd.scalar(select(func.coalesce(func.max(JournalEntry.seq), 0))))


async def make_due(cmd: Cmd, task_id: str, *kinds: str) -> None:
    await cmd.execute(update(Timer).where(Timer.ref == task_id, Timer.kind.in_(kinds))
                      .values(due_at=utcnow() - timedelta(seconds=5)))


async def force(cmd: Cmd, task_id: str, kind: str, **clock: datetime) -> None:
    """Time passes: the task's own clock (ack_due_at / due_at) and its `kind` timer fall due, and the
    live server's runner fires the timer."""
    if clock:
        await cmd.set_row(Task, task_id, **clock)
    await make_due(cmd, task_id, kind)
    await fired(cmd, task_id, kind)


async def fired(cmd: Cmd, task_id: str, kind: str, within: float = 10) -> None:
    async def done() -> bool:
        return (await task_timers(cmd, task_id))[kind].state == "fired"

    try:
        await eventually(done, within=within)
    except TimeoutError:
        row = (await task_timers(cmd, task_id))[kind]
        raise AssertionError(f"{kind} of {task_id} not fired: {row.state}, last error {row.last_error}") from None


async def holder_now(cmd: Cmd, unit: str, post: str) -> str:
    """Who GET /duty/now says holds `post` of `unit` now."""
    doc = await cmd.ok(await cmd.get(COMMANDER, "/api/v1/duty/now", unit=unit))
    [room] = doc["units"]
    [row] = [p for p in room["posts"] if p["post"] == post]
    assert row["holder"] is not None, f"nobody holds {unit}'s {post} now: {row}"
    return str(row["holder"]["name"])


def rung_of(event: dict[str, Any]) -> tuple[str, str, str, str | None]:
    r = event["data"]["escalation"]
    return r["step"], r["to_unit"], r["to_post"], r["to_name"]


def about(d: datetime, expected: datetime, slack: timedelta = timedelta(seconds=30)) -> bool:
    return abs(d - expected) < slack


# --- 1. the ladder --------------------------------------------------------------------------------------

async def test_the_escalation_ladder(cmd_any: Cmd) -> None:
    cmd = cmd_any
    zg_leader, zg_chief = await holder_now(cmd, ZG, "leader"), await holder_now(cmd, ZG, "chief")
    city_chief = await holder_now(cmd, CITY, "chief")
    due = (utcnow() + timedelta(hours=2)).replace(microsecond=0)

    # Dispatched: the sign-for window, the deadline and a reminder 15 minutes before it.
    task = await dispatch(cmd, ack_minutes=20, due_at=z(due))
    tid = task["id"]
    assert (task["status"], task["unit"], task["from_unit"], task["escalations"]) == ("dispatched", ZG, CITY, [])
    assert same_ms(parse(task["ack_due_at"]), parse(task["dispatched_at"]) + timedelta(minutes=20))
    timers = await task_timers(cmd, tid)
    assert set(timers) == {ACK_TIMER, DUE_TIMER, REMIND_TIMER}
    assert same_ms(timers[ACK_TIMER].due_at, parse(task["ack_due_at"]))
    assert timers[DUE_TIMER].due_at == due
    assert timers[REMIND_TIMER].due_at == due - timedelta(minutes=15)
    assert {t.state for t in timers.values()} == {"scheduled"}
    # Due sooner than the reminder's lead: no reminder.
    soon = await dispatch(cmd, due_at=z(utcnow() + timedelta(minutes=10)))
    assert set(await task_timers(cmd, soon["id"])) == {ACK_TIMER, DUE_TIMER}

    # Not signed for in its window → the assignee's duty leader, and the next rung is set.
    before = utcnow()
    await force(cmd, tid, ACK_TIMER, ack_due_at=ago(minutes=1))
    after = utcnow()
    [late] = await events(cmd, tid, "task.ack_overdue")
    assert rung_of(late) == ("assignee_leader", ZG, "leader", zg_leader)
    assert {ZG, CITY} <= set(late["units"]) and late["exercise"] is False
    esc = (await task_timers(cmd, tid))[ESCALATE_TIMER]
    assert esc.state == "scheduled"
    assert before + timedelta(minutes=30) - timedelta(seconds=1) <= esc.due_at <= after + timedelta(minutes=30)

    # Still not signed for → the dispatching unit's duty chief.
    await force(cmd, tid, ESCALATE_TIMER)
    [escalated] = await events(cmd, tid, "task.escalated")
    assert rung_of(escalated) == ("dispatcher_chief", CITY, "chief", city_chief)
    assert {ZG, CITY} <= set(escalated["units"])
    for who in (COMMANDER, ZG_DUTY):
        doc = await task_doc(cmd, tid, who)
        assert [(r["step"], r["to_unit"], r["to_name"]) for r in doc["escalations"]] == [
            ("assignee_leader", ZG, zg_leader), ("dispatcher_chief", CITY, city_chief)]
    assert await cmd.journal_count("task.ack_overdue", tid) == 1  # nothing fired twice
    assert await cmd.journal_count("task.escalated", tid) == 1

    # Signed for before the next rung: it does nothing.
    signed = await dispatch(cmd)
    await force(cmd, signed["id"], ACK_TIMER, ack_due_at=ago(minutes=1))
    assert len(await events(cmd, signed["id"], "task.ack_overdue")) == 1
    await act(cmd, signed["id"], "acknowledge")
    await force(cmd, signed["id"], ESCALATE_TIMER)
    assert await events(cmd, signed["id"], "task.escalated") == []
    assert [r["step"] for r in (await task_doc(cmd, signed["id"]))["escalations"]] == ["assignee_leader"]

    # Signed for in time, then the deadline: a reminder first, overdue at the deadline, escalated later.
    work = await dispatch(cmd, due_at=z(due))
    wid = work["id"]
    await act(cmd, wid, "acknowledge")
    assert (await task_timers(cmd, wid))[ACK_TIMER].state == "cancelled"
    await force(cmd, wid, REMIND_TIMER)
    [soon_ev] = await events(cmd, wid, "task.due_soon")
    assert rung_of(soon_ev) == ("remind", ZG, "chief", zg_chief)
    # Meanwhile someone else stands in as 章贡区's duty leader: the rung goes to whoever holds the post then.
    for stand_in in ("lead2.360702", "lead3.360702", "lead4.360702"):
        if (await cmd.principal(stand_in)).name != zg_leader:
            break
    await cmd.ok(await cmd.post(ZG_LEAD, "/api/v1/duty/overrides", {
        "unit": ZG, "post": "leader", "starts_at": z(ago(minutes=1)), "ends_at": z(utcnow() + timedelta(hours=3)),
        "user": stand_in, "reason": "临时替班"}), 201)
    new_leader = await holder_now(cmd, ZG, "leader")
    assert new_leader == (await cmd.principal(stand_in)).name != zg_leader
    before = utcnow()
    await force(cmd, wid, DUE_TIMER, due_at=ago(minutes=1))
    [overdue] = await events(cmd, wid, "task.overdue")
    assert rung_of(overdue) == ("assignee_leader", ZG, "leader", new_leader)
    esc = (await task_timers(cmd, wid))[ESCALATE_TIMER]
    assert esc.state == "scheduled" and about(esc.due_at, before + timedelta(minutes=30))
    await force(cmd, wid, ESCALATE_TIMER)
    [escalated] = await events(cmd, wid, "task.escalated")
    assert rung_of(escalated) == ("dispatcher_chief", CITY, "chief", city_chief)
    assert [r["step"] for r in (await task_doc(cmd, wid))["escalations"]] == [
        "remind", "assignee_leader", "dispatcher_chief"]

    # A done task's timers fire nothing.
    done = await dispatch(cmd, due_at=z(due))
    did = done["id"]
    await force(cmd, did, ACK_TIMER, ack_due_at=ago(minutes=1))  # a rung taken, the next one set
    await act(cmd, did, "acknowledge")
    await act(cmd, did, "complete", text="完成")
    assert (await act(cmd, did, "verify", who=COMMANDER))["status"] == "done"
    mark = await head(cmd)
    await cmd.set_row(Task, did, due_at=ago(minutes=1))
    left = [k for k, t in (await task_timers(cmd, did)).items() if t.state == "scheduled"]
    await make_due(cmd, did, *left)
    for kind in left:
        await fired(cmd, did, kind)
    assert await events(cmd, did, since=mark) == []
    assert [r["step"] for r in (await task_doc(cmd, did))["escalations"]] == ["assignee_leader"]

    # A cancelled task's timers are cancelled, and fire nothing when their time comes.
    gone = await dispatch(cmd, due_at=z(due))
    gid = gone["id"]
    await force(cmd, gid, ACK_TIMER, ack_due_at=ago(minutes=1))
    await act(cmd, gid, "cancel", who=COMMANDER, reason="重复下达")
    mark = await head(cmd)
    states = {k: t.state for k, t in (await task_timers(cmd, gid)).items()}
    assert states == {ACK_TIMER: "fired", DUE_TIMER: "cancelled", REMIND_TIMER: "cancelled",
                      ESCALATE_TIMER: "cancelled"}
    await cmd.set_row(Task, gid, due_at=ago(minutes=1))
    await make_due(cmd, gid, *TASK_KINDS)
    await asyncio.sleep(0.5)  # a few polls of the server's runner
    assert {k: t.state for k, t in (await task_timers(cmd, gid)).items()} == states
    assert await events(cmd, gid, since=mark) == []

    # The delays are the assignee's jurisdiction's duty rules.
    rules_path = f"/api/v1/duty/rules/{ZG}"
    await cmd.problem(await cmd.patch(ZG_DUTY, rules_path, {"task_escalate_after_min": 45}), 403)
    view = await cmd.ok(await cmd.patch(ZG_LEAD, rules_path, {"task_escalate_after_min": 45,
                                                              "task_remind_before_min": 20}))
    got = {r["key"]: (r["value"], r["from"]) for r in view["rules"]}
    assert got["task_escalate_after_min"] == (45, ZG) and got["task_remind_before_min"] == (20, ZG)
    ruled = await dispatch(cmd, due_at=z(due))
    assert (await task_timers(cmd, ruled["id"]))[REMIND_TIMER].due_at == due - timedelta(minutes=20)
    before = utcnow()
    await force(cmd, ruled["id"], ACK_TIMER, ack_due_at=ago(minutes=1))
    esc = (await task_timers(cmd, ruled["id"]))[ESCALATE_TIMER]
    assert about(esc.due_at, before + timedelta(minutes=45)), (esc.due_at, before)
    # Another county's rule changes nothing for 章贡区's tasks.
    await cmd.ok(await cmd.patch("lead.360703", f"/api/v1/duty/rules/{NK}", {"task_escalate_after_min": 5}))
    other = await dispatch(cmd)
    before = utcnow()
    await force(cmd, other["id"], ACK_TIMER, ack_due_at=ago(minutes=1))
    assert about((await task_timers(cmd, other["id"]))[ESCALATE_TIMER].due_at, before + timedelta(minutes=45))


# --- 2. racing runners, 3. a restart ------------------------------------------------------------------------

def slow(fn: Handler) -> Handler:
    async def handle(uow: UnitOfWork, due: DueTimer) -> datetime | None:
        await asyncio.sleep(0.05)  # a handler that takes a moment widens the race
        return await fn(uow, due)

    return handle


def task_runner(db: Database, name: str, lease_s: float = 30.0) -> TimerRunner:
    handlers: dict[str, Handler] = {
        ACK_TIMER: flows.task_ack_overdue, DUE_TIMER: flows.task_overdue, REMIND_TIMER: flows.task_due_soon,
        ESCALATE_TIMER: flows.task_escalate}
    return TimerRunner(db, name=name, lease_s=lease_s, poll_interval_s=0.05,
                       handlers={k: slow(v) for k, v in handlers.items()})


async def test_racing_runners_take_each_rung_once(cmd_any: Cmd) -> None:
    cmd = cmd_any
    task = await dispatch(cmd)
    tid = task["id"]
    await cmd.server.stop()  # only our two runners from here on
    await cmd.set_row(Task, tid, ack_due_at=ago(minutes=1))
    await make_due(cmd, tid, ACK_TIMER)
    db_a, db_b = Database(cmd.db_url), Database(cmd.db_url)
    try:
        a, b = task_runner(db_a, "A"), task_runner(db_b, "B")
        results = await asyncio.wait_for(asyncio.gather(*(r.run_due() for r in (a, b) for _ in range(3))), 30)
        assert sum(results) == 1, results
        assert len(await events(cmd, tid, "task.ack_overdue")) == 1
        assert (await task_timers(cmd, tid))[ESCALATE_TIMER].state == "scheduled"

        # The escalation: A claims and stalls past its lease; B takes over (a higher fence) and fires it.
        await make_due(cmd, tid, ESCALATE_TIMER)
        stale = task_runner(db_a, "A", lease_s=0.2)
        [due_a] = await stale.claim()
        assert await b.claim() == [], "claimed while A's lease was live"
        await asyncio.sleep(0.3)
        [due_b] = await b.claim()
        assert due_b.id == due_a.id and due_b.fence == due_a.fence + 1
        assert await stale.fire(due_a) is False
        assert await events(cmd, tid, "task.escalated") == []
        assert await b.fire(due_b) is True
        assert await stale.fire(due_a) is False
        results = await asyncio.wait_for(asyncio.gather(*(r.run_due() for r in (a, b, stale))), 30)
        assert sum(results) == 0
        assert len(await events(cmd, tid, "task.escalated")) == 1
        row = (await task_timers(cmd, tid))[ESCALATE_TIMER]
        assert row.state == "fired" and row.fence == due_b.fence
        async with db_a.read() as session:
            stored = await session.get(Task, tid)
            assert stored is not None
            assert [r["step"] for r in stored.escalations] == ["assignee_leader", "dispatcher_chief"]
    finally:
        await db_a.dispose()
        await db_b.dispose()


async def test_an_overdue_sign_for_fires_once_across_a_restart(cmd: Cmd, tmp_path: Path) -> None:
    task = await dispatch(cmd, ack_minutes=5)
    tid = task["id"]
    await cmd.server.stop()
    await cmd.set_row(Task, tid, ack_due_at=ago(minutes=1))
    await make_due(cmd, tid, ACK_TIMER)
    assert await events(cmd, tid, "task.ack_overdue") == []

    again = LiveServer(make_settings(tmp_path / "again", cmd.db_url))
    await again.start()
    try:
        async def announced() -> bool:
            return await cmd.journal_count("task.ack_overdue", tid) >= 1

        await eventually(announced, within=10)
        await asyncio.sleep(0.5)  # a few more polls: no second fire
    finally:
        await again.stop()
    assert await cmd.journal_count("task.ack_overdue", tid) == 1
    timers = await task_timers(cmd, tid)
    assert timers[ACK_TIMER].state == "fired" and timers[ACK_TIMER].attempts == 1
    assert timers[ESCALATE_TIMER].state == "scheduled"
    assert about(timers[ESCALATE_TIMER].due_at, utcnow() + timedelta(minutes=30), timedelta(minutes=1))
    assert await task_runner(cmd.db, "third").run_due() == 0  # another process: nothing left to fire
    assert await cmd.journal_count("task.ack_overdue", tid) == 1


# --- 4. handing a task on ----------------------------------------------------------------------------------

@MODULE_LOOP
async def test_redispatch_tree_rolls_up_and_cancels_down(shared: Cmd) -> None:
    cmd = shared
    incident = await cmd.incident(ZG_DUTY)
    due = (utcnow() + timedelta(hours=3)).replace(microsecond=0)
    parent = await dispatch(cmd, incident_id=incident["id"], due_at=z(due), instructions="分片核查")
    pid = parent["id"]
    path = f"/api/v1/tasks/{pid}/redispatch"

    # Only to a unit under the assignee, and never due after the whole.
    for unit in (f"{NK}-T01", f"{CITY}-T01", ZG, CITY, "nowhere"):
        doc = await cmd.problem(await cmd.post(ZG_DUTY, path, {"unit": unit}), 422)
        assert [e["pointer"] for e in doc["errors"]] == ["/unit"], unit
    late = await cmd.post(ZG_DUTY, path, {"unit": f"{ZG}-T01", "due_at": z(due + timedelta(minutes=1))})
    assert [e["pointer"] for e in (await cmd.problem(late, 422))["errors"]] == ["/due_at"]
    assert (await task_doc(cmd, pid))["status"] == "dispatched"  # refused: nothing changed
    assert await cmd.journal_count("task.acknowledged", pid) == 0

    mark = await head(cmd)
    one = await cmd.ok(await cmd.post(ZG_DUTY, path, {"unit": f"{ZG}-T01", "title": "沙石镇片区"}), 201)
    two = await cmd.ok(await cmd.post(ZG_DUTY, path, {"unit": f"{ZG}-T02",
                                                      "due_at": z(due - timedelta(hours=1))}), 201)
    for child, unit in ((one, f"{ZG}-T01"), (two, f"{ZG}-T02")):
        assert (child["parent_id"], child["unit"], child["from_unit"], child["incident_id"], child["status"]) == (
            pid, unit, ZG, incident["id"], "dispatched")
        assert child["source"] == "redispatch" and child["instructions"] == "分片核查"
    assert (one["title"], parse(one["due_at"]), parse(two["due_at"])) == ("沙石镇片区", due, due - timedelta(hours=1))
    assert set(await task_timers(cmd, one["id"])) == {ACK_TIMER, DUE_TIMER, REMIND_TIMER}
    got = await task_doc(cmd, pid)
    duty_officer = await cmd.principal(ZG_DUTY)
    assert (got["status"], got["acknowledged_by_name"]) == ("acknowledged", duty_officer.name)  # signed for
    assert [c["id"] for c in got["children"]] == [one["id"], two["id"]]
    assert [e["type"] for e in await events(cmd, pid, since=mark)] == [
        "task.acknowledged", "task.redispatched", "task.redispatched"]
    assert (await task_timers(cmd, pid))[ACK_TIMER].state == "cancelled"

    # Progress: the parent's is the mean of its children's (done counts 100).
    mark = await head(cmd)
    await act(cmd, one["id"], "feedback", text="已核查 40%", progress=40)
    await act(cmd, two["id"], "complete", text="片区核查完毕")
    assert (await act(cmd, two["id"], "verify", who=ZG_DUTY))["status"] == "done"
    got = await task_doc(cmd, pid)
    assert got["progress"] == 70
    rolled = await events(cmd, pid, "task.rolled_up", since=mark)
    assert rolled and rolled[-1]["data"]["children"] == 2 and rolled[-1]["data"]["done"] == 1
    assert rolled[-1]["data"]["task"]["progress"] == 70

    # The city cancels the whole: the open part goes with it, for the same reason; the done part stays done.
    reason = "险情解除，任务撤销"
    cancelled = await act(cmd, pid, "cancel", who=COMMANDER, reason=reason)
    assert (cancelled["status"], cancelled["closed_reason"]) == ("cancelled", reason)
    kids = {c["id"]: c for c in cancelled["children"]}
    assert (kids[one["id"]]["status"], kids[one["id"]]["closed_reason"]) == ("cancelled", reason)
    assert (kids[two["id"]]["status"], kids[two["id"]]["closed_reason"]) == ("done", "")
    assert await cmd.journal_count("task.cancelled", one["id"]) == 1
    assert {t.state for t in (await task_timers(cmd, one["id"])).values()} <= {"cancelled", "fired"}


@MODULE_LOOP
async def test_a_handed_on_tasks_ladder_goes_to_the_county(shared: Cmd) -> None:
    """A team has no duty room: its rungs go to its county's leader, then to the county (the dispatcher)."""
    cmd = shared
    parent = await dispatch(cmd)
    child = await cmd.ok(await cmd.post(ZG_DUTY, f"/api/v1/tasks/{parent['id']}/redispatch",
                                        {"unit": f"{ZG}-T01"}), 201)
    await force(cmd, child["id"], ACK_TIMER, ack_due_at=ago(minutes=1))
    [late] = await events(cmd, child["id"], "task.ack_overdue")
    assert rung_of(late)[:3] == ("assignee_leader", ZG, "leader")
    assert rung_of(late)[3] == await holder_now(cmd, ZG, "leader")
    await force(cmd, child["id"], ESCALATE_TIMER)
    [escalated] = await events(cmd, child["id"], "task.escalated")
    assert rung_of(escalated) == ("dispatcher_chief", ZG, "chief", await holder_now(cmd, ZG, "chief"))


# --- 5. statistics ------------------------------------------------------------------------------------------

async def _stats(cmd: Cmd, who: str, **params: str) -> dict[str, dict[str, Any]]:
    return {r["unit"]: r for r in await cmd.ok(await cmd.get(who, "/api/v1/tasks/stats", **params))}


@MODULE_LOOP
async def test_stats_per_unit(shared: Cmd) -> None:
    # 赣县区 (360704) and 信丰县 (360722): no other test here gives them tasks.
    cmd, gx, xf = shared, "360704", "360722"
    base = ago(minutes=20)
    t1, t2, _t3, t4 = [await dispatch(cmd, gx) for _ in range(4)]  # _t3 is left waiting to be signed for
    for t in (t1, t2):
        await act(cmd, t["id"], "acknowledge", who=f"duty.{gx}")
        await act(cmd, t["id"], "complete", who=f"duty.{gx}", text="完成")
    await act(cmd, t1["id"], "verify", who=COMMANDER)  # done
    await act(cmd, t2["id"], "return", who=COMMANDER, reason="请补充")  # back to work, one return
    await act(cmd, t4["id"], "cancel", who=COMMANDER, reason="不再需要")
    await cmd.set_row(Task, t1["id"], dispatched_at=base, acknowledged_at=base + timedelta(minutes=6))
    await cmd.set_row(Task, t2["id"], dispatched_at=base, acknowledged_at=base + timedelta(minutes=10),
                      due_at=ago(minutes=1))  # and past its deadline
    # 赣县区 hands its own team a task, and asks 信丰县 (involved in its incident) for help.
    team = await dispatch(cmd, f"{gx}-T01", who=f"lead.{gx}")
    incident = await cmd.incident(f"duty.{gx}")
    await cmd.ok(await cmd.post(f"lead.{gx}", f"/api/v1/incidents/{incident['id']}/units",
                                {"unit": xf, "role": "participant"}))
    helped = await dispatch(cmd, xf, who=f"lead.{gx}", incident_id=incident["id"])
    assert helped["from_unit"] == gx
    await dispatch(cmd, xf)  # and the city gives 信丰县 one of its own

    city = await _stats(cmd, COMMANDER)
    row = city[gx]
    assert {k: row[k] for k in ("dispatched", "acknowledged", "done", "returns", "open", "overdue")} == {
        "dispatched": 4, "acknowledged": 2, "done": 1, "returns": 1, "open": 2, "overdue": 1}
    assert row["minutes_to_acknowledge"] == 8.0  # (6 + 10) / 2
    assert row["minutes_to_complete"] == pytest.approx(20.0, abs=0.5)  # t1 only: t2's was returned
    assert {k: city[f"{gx}-T01"][k] for k in ("dispatched", "acknowledged", "open", "minutes_to_acknowledge")} == {
        "dispatched": 1, "acknowledged": 0, "open": 1, "minutes_to_acknowledge": None}
    assert city[xf]["dispatched"] == 2
    # The period asked for: from after t1 and t2 were dispatched.
    recent = await _stats(cmd, COMMANDER, **{"from": z(base + timedelta(minutes=1))})
    assert (recent[gx]["dispatched"], recent[gx]["acknowledged"], recent[gx]["minutes_to_acknowledge"]) == (
        2, 0, None)

    # A county: its own subtree, and what it dispatched beyond it; nothing else.
    county = await _stats(cmd, f"lead.{gx}")
    assert set(county) == {gx, f"{gx}-T01", xf}
    assert county[gx] == row and county[f"{gx}-T01"] == city[f"{gx}-T01"]
    assert county[xf]["dispatched"] == 1
    assert (await _stats(cmd, f"lead.{xf}"))[xf]["dispatched"] == 2
    other = await _stats(cmd, "lead.360703")
    assert not {gx, f"{gx}-T01", xf} & set(other)
    assert team["id"] not in [t["id"] for t in await cmd.ok(await cmd.get("lead.360703", "/api/v1/tasks"))]


# --- 6. access ----------------------------------------------------------------------------------------------

@MODULE_LOOP
async def test_another_county_sees_nothing_of_the_task_or_its_files(shared: Cmd) -> None:
    cmd = shared
    task = await dispatch(cmd, due_at=z(utcnow() + timedelta(hours=1)))
    tid = task["id"]
    for who in (NK_DUTY, "lead.360703"):
        await cmd.problem(await cmd.get(who, f"/api/v1/tasks/{tid}"), 404)
        await cmd.problem(await cmd.post(who, f"/api/v1/tasks/{tid}/redispatch", {"unit": f"{NK}-T01"}), 404)
        await cmd.problem(await cmd.post(who, f"/api/v1/tasks/{tid}/acknowledge"), 404)
        await cmd.problem(await cmd.post(who, f"/api/v1/tasks/{tid}/feedback", {"text": "x"}), 404)
        assert tid not in [t["id"] for t in await cmd.ok(await cmd.get(who, "/api/v1/tasks"))]
    assert await cmd.journal_count("task.redispatched", tid) == 0
    assert (await task_doc(cmd, tid))["status"] == "dispatched"

    # A photo sent with the county's feedback: for the county and the city, not for another county.
    up = await cmd.client.post("/api/v1/attachments", headers={"Authorization": f"Bearer {await cmd.token(ZG_DUTY)}"},
                               files={"file": ("现场.png", PNG, "image/png")})
    assert up.status_code == 201, up.text
    photo = up.json()
    fed = await act(cmd, tid, "feedback", text="现场照片", progress=10, attachments=[photo["id"]])
    [entry] = fed["feedback"]
    assert [a["id"] for a in entry["attachments"]] == [photo["id"]]
    url = f"/api/v1/attachments/{photo['id']}"
    for who in (ZG_DUTY, ZG_LEAD, COMMANDER, "lead.360700"):
        got = await cmd.get(who, url)
        assert got.status_code == 200 and got.content == PNG, (who, got.status_code)
    for who in (NK_DUTY, "lead.360703", "duty.360704"):
        await cmd.problem(await cmd.get(who, url), 404)

    # Handed on to a team: the child's files follow the child's visibility (the county, the city).
    child = await cmd.ok(await cmd.post(ZG_DUTY, f"/api/v1/tasks/{tid}/redispatch", {"unit": f"{ZG}-T01"}), 201)
    up = await cmd.client.post("/api/v1/attachments", headers={"Authorization": f"Bearer {await cmd.token(ZG_DUTY)}"},
                               files={"file": ("队伍.png", PNG, "image/png")})
    team_photo = up.json()
    await act(cmd, child["id"], "feedback", text="队伍到场", attachments=[team_photo["id"]])
    team_url = f"/api/v1/attachments/{team_photo['id']}"
    assert (await cmd.get(COMMANDER, team_url)).status_code == 200
    await cmd.problem(await cmd.get(NK_DUTY, team_url), 404)
    await cmd.problem(await cmd.get(NK_DUTY, f"/api/v1/tasks/{child['id']}"), 404)
