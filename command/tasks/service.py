"""Tasks: dispatched to a unit, signed for (签收), worked with feedback (反馈), completed, verified
(核验) or returned (退回) by the dispatcher; cancelled or made obsolete, never deleted.

Who may act: the dispatcher's side is anyone with dispatch rights whose subtree holds the
dispatching unit; the assignee's side is the assignee unit's own people, or, for an agency, team
or department without a terminal of its own, the jurisdiction above it recording on its behalf
(the duty room phones the water bureau and records its sign-for)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.incidents import service as incidents
from command.incidents.models import Incident
from command.tasks.models import (
    OPEN,
    PRIORITIES,
    TASK_TRANSITIONS,
    Task,
    TaskFeedback,
    ack_late,
    actions_of,
    due_late,
    is_overdue,
    may_take,
    overdue_sql,
)
from core.attachments import service as attachments
from core.auth.principal import Principal
from core.db import UnitOfWork
from core.orm import new_id, utcnow
from core.problems import forbidden, invalid, not_found
from core.states import next_state
from core.timers import service as timers
from core.units.models import JURISDICTION_KINDS, Unit
from core.units.paths import ancestors_from_path, in_subtree, path_of
from duty.rosters import resolver
from duty.rules import service as rules

ACK_TIMER = "command.task.ack"
DUE_TIMER = "command.task.due"
REMIND_TIMER = "command.task.remind"
ESCALATE_TIMER = "command.task.escalate"


def visible(by: Principal) -> Any:
    """SQL: tasks addressed into my subtree, or dispatched from it."""
    return by.path_filter(Task.unit_path, by.path_filter(Task.from_path))


async def get_visible(session: AsyncSession, by: Principal, task_id: str) -> Task:
    task = (await session.execute(select(Task).where(Task.id == task_id, visible(by)))).scalar_one_or_none()
    if task is None:
        raise not_found("task", task_id)
    return task


@attachments.owner_kind("task")
async def _attachment_visible(session: AsyncSession, by: Principal, owner_id: str) -> bool:
    task_id = owner_id.split(":", 1)[0]  # feedback files are owned by "task:feedback"
    return (await session.execute(select(Task.id).where(Task.id == task_id, visible(by)))).first() is not None


async def emit(uow: UnitOfWork, task: Task, type: str, data: dict[str, Any] | None = None) -> None:
    uow.emit(type, subject=("task", task.id), scope=sorted({task.unit_code, task.from_unit}), exercise=task.exercise,
             data={"task": task.as_doc(), **(data or {})})


def _works(by: Principal, task: Task, unit_kind: str | None) -> bool:
    """The assignee's side (see the module note), given the kind of the unit the task is addressed to."""
    if not by.can("task.work"):
        return False
    if by.unit_code == task.unit_code:
        return True
    return unit_kind is not None and unit_kind not in JURISDICTION_KINDS and by.sees_path(task.unit_path)


async def may_work(session: AsyncSession, by: Principal, task: Task) -> bool:
    unit = await session.get(Unit, task.unit_code)
    return _works(by, task, unit.kind if unit is not None else None)


def may_dispatch_from(by: Principal, task: Task) -> bool:
    return by.can("task.dispatch") and by.sees_path(task.from_path)


async def task_docs(session: AsyncSession, by: Principal, rows: list[Task],
                    now: datetime | None = None) -> list[dict[str, Any]]:
    """Task documents as the caller gets them: with what the caller may do next and whether the task
    is overdue, decided here so that no page re-derives a rule (CONTRACT.md)."""
    now = now or utcnow()
    codes = {t.unit_code for t in rows if t.unit_code != by.unit_code}
    kinds: dict[str, str] = {code: kind for code, kind in (await session.execute(
        select(Unit.code, Unit.kind).where(Unit.code.in_(codes)))).all()} if codes else {}
    out = []
    for t in rows:
        works = _works(by, t, kinds.get(t.unit_code))
        out.append({**t.as_doc(), "overdue": is_overdue(t, now),
                    "actions": actions_of(t, works=works, dispatches=may_dispatch_from(by, t),
                                          redispatches=by.can("task.dispatch"))})
    return out


async def task_view(session: AsyncSession, by: Principal, task: Task) -> dict[str, Any]:
    """One task with its feedback and the tasks it was handed on as (GET /tasks/{id}, every write's reply)."""
    [doc] = await task_docs(session, by, [task])
    return {**doc, "feedback": [f.as_doc() for f in await feedback_of(session, task.id)],
            "children": await task_docs(session, by, await children_of(session, task.id))}


async def dispatch(uow: UnitOfWork, *, by: Principal, unit: str, title: str, instructions: str = "",
                   priority: str = "high", incident_id: str | None = None, ack_minutes: int = 30,
                   due_at: datetime | None = None, address: str = "", lat: float | None = None,
                   lon: float | None = None, source: str = "manual", source_id: str | None = None,
                   source_ref: dict[str, Any] | None = None,
                   group_name: str = "", parent_id: str | None = None, attachment_ids: list[str] | None = None,
                   exercise: bool = False, pointer: str = "/unit") -> Task:
    incident = await incidents.get_visible(uow.session, by, incident_id) if incident_id is not None else None
    [task] = await dispatch_many(uow, by=by, incident=incident, exercise=exercise, items=[TaskSpec(
        unit=unit, title=title, instructions=instructions, priority=priority, ack_minutes=ack_minutes, due_at=due_at,
        address=address, lat=lat, lon=lon, source=source, source_id=source_id, source_ref=source_ref or {},
        group_name=group_name, parent_id=parent_id, attachment_ids=attachment_ids or [], pointer=pointer)])
    return task


@dataclass
class TaskSpec:
    """One task to dispatch (what `dispatch` takes, for dispatching many at once)."""

    unit: str
    title: str
    instructions: str = ""
    priority: str = "high"
    ack_minutes: int = 30
    due_at: datetime | None = None
    address: str = ""
    lat: float | None = None
    lon: float | None = None
    source: str = "manual"
    source_id: str | None = None
    source_ref: dict[str, Any] = field(default_factory=dict)
    group_name: str = ""
    parent_id: str | None = None
    attachment_ids: list[str] = field(default_factory=list)
    pointer: str = "/unit"


async def dispatch_many(uow: UnitOfWork, *, by: Principal, incident: Incident | None, items: list[TaskSpec],
                        exercise: bool = False) -> list[Task]:
    """Dispatch tasks (for one incident, or none) in the caller's transaction: the checks and look-ups
    once for all of them — a plan's launch sends dozens."""
    session = uow.session
    if not by.can("task.dispatch"):
        raise forbidden("dispatching tasks needs dispatch rights")
    if incident is not None:
        exercise = incident.exercise
    targets = {u.code: u for u in (await session.execute(select(Unit).where(
        Unit.code.in_({i.unit for i in items})))).scalars()}
    # Down the tree only, or to a unit the incident involves (a neighbour asked to help).
    involved = {u.unit_code for u in await incidents.involved_units(session, incident.id)} if incident else set()
    now = utcnow()
    out = []
    remind_before: dict[str, int] = {}
    for spec in items:
        if spec.priority not in PRIORITIES:
            raise invalid("/priority", f"unknown priority {spec.priority}")
        target = targets.get(spec.unit)
        if target is None or not target.active:
            raise invalid(spec.pointer, f"unit {spec.unit} does not exist")
        if not by.sees_path(target.path) and spec.unit not in involved:
            raise invalid(spec.pointer, f"{spec.unit} is neither under your unit nor involved in the incident")
        task = Task(id=new_id(), incident_id=incident.id if incident else None, parent_id=spec.parent_id,
                    unit_code=spec.unit, unit_path=target.path, from_unit=by.unit_code, from_path=by.unit_path,
                    title=spec.title, instructions=spec.instructions, priority=spec.priority, status="dispatched",
                    address=spec.address or (incident.address if incident else ""),
                    lat=spec.lat if spec.lat is not None else (incident.lat if incident else None),
                    lon=spec.lon if spec.lon is not None else (incident.lon if incident else None),
                    ack_due_at=now + timedelta(minutes=spec.ack_minutes), due_at=spec.due_at, source=spec.source,
                    source_id=spec.source_id, source_ref=spec.source_ref, group_name=spec.group_name,
                    exercise=exercise, dispatched_by=by.user_id, dispatched_by_name=by.name, dispatched_at=now,
                    created_at=now, updated_at=now)
        session.add(task)
        if spec.attachment_ids:
            await session.flush()
            files = await attachments.attach(uow, by=by, ids=spec.attachment_ids, kind="task", owner_id=task.id)
            task.attachments = [f.as_doc() for f in files]
        timers.create(uow, kind=ACK_TIMER, ref=task.id, due_at=now + timedelta(minutes=spec.ack_minutes))
        if spec.due_at is not None:
            timers.create(uow, kind=DUE_TIMER, ref=task.id, due_at=spec.due_at)
            remind_at = spec.due_at - timedelta(minutes=remind_before.setdefault(
                spec.unit, int(await rules.value(session, spec.unit, "task_remind_before_min"))))
            if remind_at > now:
                timers.create(uow, kind=REMIND_TIMER, ref=task.id, due_at=remind_at)
        await emit(uow, task, "task.dispatched")
        out.append(task)
    await session.flush()
    return out


async def redispatch(uow: UnitOfWork, *, by: Principal, task_id: str, unit: str, title: str | None = None,
                     instructions: str | None = None, ack_minutes: int = 30,
                     due_at: datetime | None = None) -> Task:
    """转派: the unit a task is addressed to hands it, or a part of it, to one of its own units or
    teams. The child is a task like any other; the parent's progress follows its children's."""
    parent = await _as_assignee(uow, by, task_id)
    if not may_take(parent.status, "redispatch"):
        raise invalid("/", f"a task that is {parent.status} is not handed on")
    target = await uow.session.get(Unit, unit)
    if target is None or not target.path.startswith(parent.unit_path) or target.code == parent.unit_code:
        raise invalid("/unit", f"{unit} is not a unit under {parent.unit_code}")
    await _signed_for(uow, by, parent)
    if parent.due_at is not None and due_at is not None and due_at > parent.due_at:
        raise invalid("/due_at", "a part cannot be due after the whole")
    incident = await uow.session.get(Incident, parent.incident_id) if parent.incident_id else None
    [child] = await dispatch_many(uow, by=by, incident=incident, exercise=parent.exercise, items=[TaskSpec(
        unit=unit, title=title or parent.title, instructions=instructions if instructions is not None
        else parent.instructions, priority=parent.priority, ack_minutes=ack_minutes, due_at=due_at or parent.due_at,
        address=parent.address, lat=parent.lat, lon=parent.lon, source="redispatch", source_id=parent.id,
        source_ref={"parent_id": parent.id}, group_name=parent.group_name, parent_id=parent.id)])
    await emit(uow, parent, "task.redispatched", {"child": child.as_doc()})
    return child


async def children_of(session: AsyncSession, task_id: str) -> list[Task]:
    stmt = select(Task).where(Task.parent_id == task_id).order_by(Task.created_at)
    return list((await session.execute(stmt)).scalars())


async def _roll_up(uow: UnitOfWork, child: Task) -> None:
    """A child's progress changed: the parent's is the mean of its live children's (done = 100;
    cancelled and obsolete ones do not count), up the tree."""
    parent = await uow.session.get(Task, child.parent_id) if child.parent_id else None
    while parent is not None and parent.status in OPEN:
        kids = [k for k in await children_of(uow.session, parent.id) if k.status not in ("cancelled", "obsolete")]
        if kids:
            done = sum(1 for k in kids if k.status == "done")
            parent.progress = round(sum(100 if k.status == "done" else k.progress for k in kids) / len(kids))
            parent.updated_at = utcnow()
            await emit(uow, parent, "task.rolled_up", {"children": len(kids), "done": done})
        parent = await uow.session.get(Task, parent.parent_id) if parent.parent_id else None


async def _move(uow: UnitOfWork, task: Task, action: str) -> str:
    before = task.status
    task.status = next_state(TASK_TRANSITIONS, task.status, action, what="task")
    task.updated_at = utcnow()
    return before


async def _as_assignee(uow: UnitOfWork, by: Principal, task_id: str) -> Task:
    task = await get_visible(uow.session, by, task_id)
    if not await may_work(uow.session, by, task):
        raise forbidden("only the unit the task is addressed to works it")
    return task


async def _as_dispatcher(uow: UnitOfWork, by: Principal, task_id: str) -> Task:
    task = await get_visible(uow.session, by, task_id)
    if not may_dispatch_from(by, task):
        raise forbidden("only the dispatching unit verifies, returns or cancels a task")
    return task


async def acknowledge(uow: UnitOfWork, *, by: Principal, task_id: str) -> Task:
    task = await _as_assignee(uow, by, task_id)
    await _move(uow, task, "acknowledge")
    task.acknowledged_at, task.acknowledged_by_name = utcnow(), by.name
    await timers.cancel(uow, kind=ACK_TIMER, ref=task.id)
    await emit(uow, task, "task.acknowledged", {"by_unit": by.unit_code})
    return task


async def _signed_for(uow: UnitOfWork, by: Principal, task: Task) -> None:
    """Feedback on a task not yet signed for signs for it first: whoever reports on it has it."""
    if task.status == "dispatched":
        await _move(uow, task, "acknowledge")
        task.acknowledged_at, task.acknowledged_by_name = utcnow(), by.name
        await timers.cancel(uow, kind=ACK_TIMER, ref=task.id)
        await emit(uow, task, "task.acknowledged", {"by_unit": by.unit_code, "with_feedback": True})


async def _feedback_row(uow: UnitOfWork, *, by: Principal, task: Task, kind: str, text: str,
                        progress: int | None, facts: dict[str, Any] | None, lat: float | None, lon: float | None,
                        attachment_ids: list[str] | None) -> TaskFeedback:
    row = TaskFeedback(id=new_id(), task_id=task.id, kind=kind, text=text, progress=progress, facts=facts or {},
                       facts_status="pending" if facts else "none", lat=lat, lon=lon, unit_code=by.unit_code,
                       author_id=by.user_id, author_name=by.name, at=utcnow())
    uow.session.add(row)
    await uow.session.flush()
    if attachment_ids:
        files = await attachments.attach(uow, by=by, ids=attachment_ids, kind="task", owner_id=f"{task.id}:{row.id}")
        row.attachments = [f.as_doc() for f in files]
    if progress is not None:
        task.progress = progress
    return row


async def feedback(uow: UnitOfWork, *, by: Principal, task_id: str, text: str, progress: int | None = None,
                   facts: dict[str, Any] | None = None, lat: float | None = None, lon: float | None = None,
                   attachment_ids: list[str] | None = None) -> tuple[Task, TaskFeedback]:
    task = await _as_assignee(uow, by, task_id)
    await _signed_for(uow, by, task)
    await _move(uow, task, "feedback")
    row = await _feedback_row(uow, by=by, task=task, kind="progress", text=text, progress=progress, facts=facts,
                              lat=lat, lon=lon, attachment_ids=attachment_ids)
    await emit(uow, task, "task.feedback", {"feedback": row.as_doc()})
    await _roll_up(uow, task)
    return task, row


async def complete(uow: UnitOfWork, *, by: Principal, task_id: str, text: str, facts: dict[str, Any] | None = None,
                   lat: float | None = None, lon: float | None = None,
                   attachment_ids: list[str] | None = None) -> tuple[Task, TaskFeedback]:
    task = await _as_assignee(uow, by, task_id)
    row = await _complete(uow, by, task, text=text, facts=facts, lat=lat, lon=lon, attachment_ids=attachment_ids)
    return task, row


async def _complete(uow: UnitOfWork, by: Principal, task: Task, *, text: str, facts: dict[str, Any] | None = None,
                    lat: float | None = None, lon: float | None = None,
                    attachment_ids: list[str] | None = None) -> TaskFeedback:
    """Reported done, the one way (`complete` and `finish`)."""
    await _signed_for(uow, by, task)
    await _move(uow, task, "complete")
    row = await _feedback_row(uow, by=by, task=task, kind="complete", text=text, progress=100, facts=facts, lat=lat,
                              lon=lon, attachment_ids=attachment_ids)
    task.completed_at = utcnow()
    for kind in (DUE_TIMER, REMIND_TIMER, ESCALATE_TIMER):  # done on the assignee's side: nothing to chase
        await timers.cancel(uow, kind=kind, ref=task.id)
    await emit(uow, task, "task.completed", {"feedback": row.as_doc()})
    await _roll_up(uow, task)
    return row


async def verify(uow: UnitOfWork, *, by: Principal, task_id: str) -> Task:
    task = await _as_dispatcher(uow, by, task_id)
    await _verify(uow, task)
    return task


async def _verify(uow: UnitOfWork, task: Task) -> None:
    """核验, the one way (`verify` and `finish`)."""
    await _move(uow, task, "verify")
    task.verified_at = task.closed_at = utcnow()
    await emit(uow, task, "task.verified")
    await _roll_up(uow, task)


async def return_(uow: UnitOfWork, *, by: Principal, task_id: str, reason: str) -> Task:
    task = await _as_dispatcher(uow, by, task_id)
    if not reason.strip():
        raise invalid("/reason", "say why the task is returned")
    await _move(uow, task, "return")
    task.returns += 1
    task.completed_at = None
    # Back to where the unit last said it was, not the 100 % its completion claimed.
    reported = [f.progress for f in await feedback_of(uow.session, task.id) if f.kind == "progress"
                and f.progress is not None]
    task.progress = reported[-1] if reported else 0
    row = TaskFeedback(id=new_id(), task_id=task.id, kind="return", text=reason, unit_code=by.unit_code,
                       author_id=by.user_id, author_name=by.name, at=utcnow())
    uow.session.add(row)
    if task.due_at is not None:
        await timers.schedule(uow, kind=DUE_TIMER, ref=task.id, due_at=max(task.due_at, utcnow()))
    await emit(uow, task, "task.returned", {"reason": reason})
    return task


async def cancel(uow: UnitOfWork, *, by: Principal, task_id: str, reason: str) -> Task:
    task = await _as_dispatcher(uow, by, task_id)
    if not reason.strip():
        raise invalid("/reason", "say why the task is cancelled")
    await close(uow, task, action="cancel", reason=reason)
    return task


async def close(uow: UnitOfWork, task: Task, *, action: str, reason: str) -> None:
    """Cancel or make obsolete (the response no longer needs it); the record stays."""
    before = await _move(uow, task, action)
    task.closed_reason, task.closed_at = reason, utcnow()
    for kind in (ACK_TIMER, DUE_TIMER, REMIND_TIMER, ESCALATE_TIMER):
        await timers.cancel(uow, kind=kind, ref=task.id)
    await emit(uow, task, f"task.{task.status}", {"from": before, "reason": reason})
    for kid in await children_of(uow.session, task.id):  # what was handed on goes with it
        if kid.status in OPEN:
            await close(uow, kid, action=action, reason=reason)
    await _roll_up(uow, task)


async def finish(uow: UnitOfWork, *, by: Principal, task: Task, text: str) -> None:
    """The work a task asked for was done and recorded elsewhere (an evaluation written): report
    it done and, where the caller also dispatched it, verify it in the same step."""
    if may_take(task.status, "complete"):
        await _complete(uow, by, task, text=text)
    if may_take(task.status, "verify") and may_dispatch_from(by, task):
        await _verify(uow, task)


async def move_deadline(uow: UnitOfWork, task: Task, *, due_at: datetime, reason: str) -> None:
    """A new completion deadline for an open task (a response escalated asks for it sooner)."""
    before = task.due_at
    task.due_at, task.updated_at = due_at, utcnow()
    if task.status != "feedback_submitted":
        await timers.schedule(uow, kind=DUE_TIMER, ref=task.id, due_at=due_at)
        remind_at = due_at - timedelta(minutes=int(await rules.value(uow.session, task.unit_code,
                                                                     "task_remind_before_min")))
        if remind_at > utcnow():
            await timers.schedule(uow, kind=REMIND_TIMER, ref=task.id, due_at=remind_at)
        else:
            await timers.cancel(uow, kind=REMIND_TIMER, ref=task.id)
    await emit(uow, task, "task.deadline_moved", {"from": before.isoformat() if before else None,
                                                  "to": due_at.isoformat(), "reason": reason})


async def decide_facts(uow: UnitOfWork, *, by: Principal, task_id: str, feedback_id: str, accept: bool) -> TaskFeedback:
    """Figures a unit learned reach the incident only when the dispatcher accepts them."""
    task = await _as_dispatcher(uow, by, task_id)
    row = await uow.session.get(TaskFeedback, feedback_id)
    if row is None or row.task_id != task.id:
        raise not_found("feedback", feedback_id)
    if row.facts_status != "pending":
        raise invalid("/", f"these figures are {row.facts_status}, not pending")
    row.facts_status = "accepted" if accept else "declined"
    task.updated_at = utcnow()
    if accept and task.incident_id:
        await incidents.update_facts(uow, by=by, incident_id=task.incident_id, facts=row.facts,
                                     note=f"任务反馈：{task.title}（{row.author_name}）")
    await emit(uow, task, "task.facts_" + row.facts_status, {"feedback": row.as_doc()})
    return row


async def feedback_of(session: AsyncSession, task_id: str) -> list[TaskFeedback]:
    stmt = select(TaskFeedback).where(TaskFeedback.task_id == task_id).order_by(TaskFeedback.at)
    return list((await session.execute(stmt)).scalars())


async def list_visible(session: AsyncSession, by: Principal, *, unit: str | None = None,
                       status: list[str] | None = None, incident_id: str | None = None, overdue: bool = False,
                       open_only: bool = False, exercise: bool = False, limit: int = 500,
                       now: datetime | None = None) -> list[Task]:
    stmt = select(Task).where(visible(by), Task.exercise == exercise)
    if unit:
        stmt = stmt.where(in_subtree(Task.unit_path, await path_of(session, unit)))
    if status:
        stmt = stmt.where(Task.status.in_(status))
    if open_only or overdue:
        stmt = stmt.where(Task.status.in_(OPEN))
    if incident_id:
        stmt = stmt.where(Task.incident_id == incident_id)
    if overdue:
        stmt = stmt.where(overdue_sql(now or utcnow()))
    return list((await session.execute(stmt.order_by(Task.created_at.desc()).limit(limit))).scalars())


async def _holder(session: AsyncSession, unit: str, post: str) -> dict[str, Any]:
    """Who holds `post` of the duty room responsible for `unit` now (a team's: its jurisdiction's)."""
    for code in reversed(ancestors_from_path(await path_of(session, unit))):
        held = {h["post"]: h for h in await resolver.holders_at(session, unit=code, at=utcnow())}
        if held:
            h = held.get(post) or held.get("leader") or {}
            holder = h.get("holder") or {}
            return {"to_unit": code, "to_post": h.get("post", post), "to_name": holder.get("name"),
                    "to_phone": holder.get("phone")}
    return {"to_unit": unit, "to_post": post, "to_name": None, "to_phone": None}


async def _step(uow: UnitOfWork, task: Task, *, step: str, type: str, unit: str, post: str) -> None:
    """One rung of the ladder: journaled with whom it goes to, and kept on the task."""
    rung = {"step": step, "at": utcnow().isoformat(), **await _holder(uow.session, unit, post)}
    task.escalations, task.updated_at = [*task.escalations, rung], utcnow()
    await emit(uow, task, type, {"escalation": rung})


async def on_timer(uow: UnitOfWork, *, task_id: str, kind: str) -> None:
    """The escalation ladder (each step's delay is a duty rule of the assignee's jurisdiction):
    1. before the deadline, a reminder to the assignee;
    2. not signed for in its window, or still open at its deadline: to the assignee's duty leader;
    3. still so a while later: to the dispatching unit's duty chief.
    Each event reaches the assignee's and the dispatcher's units and all above them."""
    session = uow.session
    task = await session.get(Task, task_id)
    if task is None or task.status not in OPEN:
        return
    now = utcnow()
    late_ack, late_due = ack_late(task, now), due_late(task, now)
    if kind == REMIND_TIMER and task.status != "feedback_submitted":
        await _step(uow, task, step="remind", type="task.due_soon", unit=task.unit_code, post="chief")
    elif kind == ACK_TIMER and late_ack:
        await _step(uow, task, step="assignee_leader", type="task.ack_overdue", unit=task.unit_code, post="leader")
    elif kind == DUE_TIMER and late_due:
        await _step(uow, task, step="assignee_leader", type="task.overdue", unit=task.unit_code, post="leader")
    elif kind == ESCALATE_TIMER and (late_ack or late_due):
        await _step(uow, task, step="dispatcher_chief", type="task.escalated", unit=task.from_unit, post="chief")
        task.escalations = [*task.escalations[:-1], {**task.escalations[-1], "cause": "ack" if late_ack else "due"}]
        return
    else:
        return
    cause = "ack" if kind == ACK_TIMER else "due"
    task.escalations = [*task.escalations[:-1], {**task.escalations[-1], "cause": cause}]
    if kind in (ACK_TIMER, DUE_TIMER) and not any(r["step"] == "dispatcher_chief" and r.get("cause") == cause
                                                  for r in task.escalations):
        after = int(await rules.value(session, task.unit_code, "task_escalate_after_min"))
        await timers.schedule(uow, kind=ESCALATE_TIMER, ref=task.id, due_at=utcnow() + timedelta(minutes=after))


async def stats(session: AsyncSession, by: Principal, *, start: datetime, end: datetime,
                exercise: bool = False, now: datetime | None = None) -> list[dict[str, Any]]:
    """Per assignee unit, tasks dispatched in [start, end): how many, signed for, done, returned,
    still open and overdue, and the mean minutes to sign for and to report done."""
    rows = list((await session.execute(select(Task).where(
        visible(by), Task.exercise == exercise, Task.dispatched_at >= start, Task.dispatched_at < end))).scalars())
    now = now or utcnow()
    per: dict[str, list[Task]] = {}
    for t in rows:
        per.setdefault(t.unit_code, []).append(t)

    def mean_minutes(pairs: list[tuple[datetime | None, datetime | None]]) -> float | None:
        spans = [(b - a).total_seconds() / 60 for a, b in pairs if a is not None and b is not None]
        return round(sum(spans) / len(spans), 1) if spans else None

    out = []
    for unit, ts in sorted(per.items()):
        out.append({"unit": unit, "dispatched": len(ts),
                    "acknowledged": sum(1 for t in ts if t.acknowledged_at is not None),
                    "done": sum(1 for t in ts if t.status == "done"),
                    "completed": sum(1 for t in ts if t.completed_at is not None),
                    "returns": sum(t.returns for t in ts),
                    "open": sum(1 for t in ts if t.status in OPEN),
                    "overdue": sum(1 for t in ts if is_overdue(t, now)),
                    "ack_late": sum(1 for t in ts if (t.acknowledged_at or now) > (t.ack_due_at or now)),
                    "minutes_to_acknowledge": mean_minutes([(t.dispatched_at, t.acknowledged_at) for t in ts]),
                    "minutes_to_complete": mean_minutes([(t.dispatched_at, t.completed_at) for t in ts])})
    return out
