"""Task rules in one place: "overdue" means one thing to the list filter, the statistics, the ladder and
the pages (each task document carries it, with the actions the caller may take next, and the API
accepts exactly those); `finish` (an evaluation closing a task) takes the same steps as 完成 + 核验."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from command.tasks import service
from command.tasks.models import Task, is_overdue, overdue_sql
from core.orm import utcnow
from tests.command.helpers import Cmd, z
from tests.command.test_task_ladder import COMMANDER, ZG, ZG_DUTY, act, dispatch, events, head, task_doc, task_timers

MODULE_LOOP = pytest.mark.asyncio(loop_scope="module")  # the tests share one server (`shared`)

XF = "360722"  # 信丰县: only the overdue test here gives it tasks
STATUSES = ("dispatched", "acknowledged", "in_progress", "feedback_submitted", "done", "cancelled")
CANDIDATES = ("acknowledge", "feedback", "complete", "redispatch", "verify", "return", "cancel")
_n = itertools.count(1)


@MODULE_LOOP
async def test_overdue_is_one_rule_for_the_filter_the_statistics_and_the_documents(shared: Cmd) -> None:
    cmd = shared
    start = utcnow() - timedelta(seconds=1)
    now = utcnow().replace(microsecond=0) + timedelta(hours=1)  # a clock of our own, an hour on
    clocks = {"past": now - timedelta(minutes=5), "now": now, "future": now + timedelta(minutes=5), "none": None}
    grid = list(itertools.product(STATUSES, ("past", "now", "future"), ("past", "now", "future", "none")))
    ids: dict[str, tuple[str, str, str]] = {}
    for status, ack, due in grid:
        t = await dispatch(cmd, XF)
        await cmd.set_row(Task, t["id"], status=status, ack_due_at=clocks[ack], due_at=clocks[due])
        ids[t["id"]] = (status, ack, due)
    by = await cmd.principal(COMMANDER)
    async with cmd.db.read() as session:
        rows = list((await session.execute(select(Task).where(Task.id.in_(ids)))).scalars())
        expected = {t.id for t in rows if is_overdue(t, now)}
        in_sql = set((await session.execute(select(Task.id).where(Task.id.in_(ids), overdue_sql(now)))).scalars())
        listed = {t.id for t in await service.list_visible(session, by, unit=XF, overdue=True, now=now)}
        [row] = await service.stats(session, by, start=start, end=utcnow() + timedelta(seconds=1), now=now)
        docs = {d["id"]: d["overdue"] for d in await service.task_docs(session, by, rows, now=now)}
    # The rule itself: still the assignee's to do, and its sign-for or completion deadline reached.
    assert expected == {i for i, (s, a, d) in ids.items()
                        if (s == "dispatched" and a != "future") or (s in ("dispatched", "acknowledged", "in_progress")
                                                                     and d in ("past", "now"))}
    # Before, the list counted tasks reported done as overdue and the statistics missed a late sign-for.
    assert in_sql == expected
    assert listed == expected
    assert row["unit"] == XF and row["overdue"] == len(expected)
    assert {i for i, late in docs.items() if late} == expected
    # The API serves it too (at the real now, nothing above is overdue yet but the past clocks).
    served = {t["id"]: t for t in await cmd.ok(await cmd.get(COMMANDER, "/api/v1/tasks", unit=XF))}
    late_now = {i for i, (s, a, d) in ids.items() if is_overdue(_task(s, a, d, clocks), utcnow())}
    assert {i for i in ids if served[i]["overdue"]} == late_now
    assert {t["id"] for t in await cmd.ok(await cmd.get(COMMANDER, "/api/v1/tasks", unit=XF, overdue="true"))} \
        == late_now


def _task(status: str, ack: str, due: str, clocks: dict[str, datetime | None]) -> Task:
    return Task(status=status, ack_due_at=clocks[ack], due_at=clocks[due])


async def _at(cmd: Cmd, status: str) -> dict[str, Any]:
    """A task from the city to 章贡区, brought to `status` through the API."""
    t = await dispatch(cmd, ZG)
    steps = {"acknowledged": [("acknowledge", ZG_DUTY, {})],
             "in_progress": [("feedback", ZG_DUTY, {"text": "进行中", "progress": 30})],
             "feedback_submitted": [("complete", ZG_DUTY, {"text": "完成"})],
             "done": [("complete", ZG_DUTY, {"text": "完成"}), ("verify", COMMANDER, {})],
             "cancelled": [("cancel", COMMANDER, {"reason": "不再需要"})]}.get(status, [])
    for action, who, body in steps:
        await act(cmd, t["id"], action, who=who, **body)
    doc = await task_doc(cmd, t["id"])
    assert doc["status"] == status
    return doc


def _body(action: str) -> dict[str, Any]:
    return {"feedback": {"text": "进展"}, "complete": {"text": "完成"}, "return": {"reason": "请补充"},
            "cancel": {"reason": "撤销"}, "redispatch": {"unit": f"{ZG}-T01"}}.get(action, {})


@MODULE_LOOP
@pytest.mark.parametrize("status", STATUSES)
async def test_the_actions_a_document_offers_are_the_ones_the_api_accepts(shared: Cmd, status: str) -> None:
    cmd = shared
    probe = await _at(cmd, status)
    for who in (ZG_DUTY, COMMANDER):
        offered = (await task_doc(cmd, probe["id"], who=who))["actions"]
        assert set(offered) <= set(CANDIDATES), offered
        for action in CANDIDATES:
            # What is offered is tried on a fresh task (it changes it); what is not, on the probe.
            target = (await _at(cmd, status))["id"] if action in offered else probe["id"]
            res = await cmd.post(who, f"/api/v1/tasks/{target}/{action}", _body(action))
            if action in offered:
                assert res.status_code in (200, 201), (who, status, action, res.text)
            else:
                assert 400 <= res.status_code < 500, (who, status, action, res.text)
    assert (await task_doc(cmd, probe["id"]))["status"] == status  # nothing refused changed it
    expected = {"dispatched": ({"acknowledge", "feedback", "complete", "redispatch"}, {"cancel"}),
                "acknowledged": ({"feedback", "complete", "redispatch"}, {"cancel"}),
                "in_progress": ({"feedback", "complete", "redispatch"}, {"cancel"}),
                "feedback_submitted": (set(), {"verify", "return", "cancel"}),
                "done": (set(), set()), "cancelled": (set(), set())}[status]
    assert (set((await task_doc(cmd, probe["id"], who=ZG_DUTY))["actions"]),
            set((await task_doc(cmd, probe["id"], who=COMMANDER))["actions"])) == expected


async def _handed_on(cmd: Cmd) -> tuple[str, str]:
    """A city task 章贡区 hands on to its team whole: the parent's progress is the child's."""
    due = (utcnow() + timedelta(hours=3)).replace(microsecond=0)
    parent = await dispatch(cmd, ZG, due_at=z(due), title=f"收尾测试 {next(_n)}")
    child = await cmd.ok(await cmd.post(ZG_DUTY, f"/api/v1/tasks/{parent['id']}/redispatch", {"unit": f"{ZG}-T01"}),
                         201)
    return parent["id"], child["id"]


async def _outcome(cmd: Cmd, parent: str, child: str, since: int) -> tuple[Any, ...]:
    p, c = await task_doc(cmd, parent), await task_doc(cmd, child)
    return ({k: t.state for k, t in (await task_timers(cmd, child)).items()},
            [e["type"] for e in await events(cmd, child, since=since)],
            [e["type"] for e in await events(cmd, parent, since=since)],
            (c["status"], c["progress"]), (p["status"], p["progress"]))


@MODULE_LOOP
async def test_finish_takes_the_same_steps_as_complete_and_verify(shared: Cmd) -> None:
    cmd = shared
    # By hand: the team's work reported done and verified by 章贡区, which handed it on.
    parent, child = await _handed_on(cmd)
    mark = await head(cmd)
    await act(cmd, child, "complete", who=ZG_DUTY, text="完成")
    await act(cmd, child, "verify", who=ZG_DUTY)
    by_hand = await _outcome(cmd, parent, child, mark)
    # By an evaluation that records the work done (plans_registry.activations).
    parent2, child2 = await _handed_on(cmd)
    by = await cmd.principal(ZG_DUTY)
    mark = await head(cmd)
    async with cmd.db.write(by.actor) as uow:
        task = await uow.session.get(Task, child2)
        assert task is not None
        await service.finish(uow, by=by, task=task, text="完成")
    finished = await _outcome(cmd, parent2, child2, mark)
    assert finished == by_hand
    timers, child_events, parent_events, child_state, parent_state = finished
    assert timers == {"command.task.ack": "cancelled", "command.task.due": "cancelled",
                      "command.task.remind": "cancelled"}
    assert child_events == ["task.acknowledged", "task.completed", "task.verified"]
    assert parent_events == ["task.rolled_up", "task.rolled_up"]
    assert child_state == ("done", 100) and parent_state == ("acknowledged", 100)


def test_a_deadline_reached_is_overdue() -> None:
    """The timers fire at the deadline: the rule they check must hold at that instant."""
    at = datetime(2026, 7, 1, 8, 0, tzinfo=utcnow().tzinfo)
    assert is_overdue(Task(status="dispatched", ack_due_at=at, due_at=None), at)
    assert is_overdue(Task(status="in_progress", ack_due_at=at, due_at=at), at)
    assert not is_overdue(Task(status="in_progress", ack_due_at=at - timedelta(hours=1), due_at=None), at)
    assert not is_overdue(Task(status="feedback_submitted", ack_due_at=at, due_at=at), at + timedelta(days=1))
