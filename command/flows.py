"""Command reactions: report deadlines follow every incident change; timers warn and flag; the
duty handover lists open incidents and reports owed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.incidents import hooks
from command.incidents.models import Incident
from command.intake.models import Intake
from command.reports import service as reports
from command.tasks import service as tasks
from command.tasks.models import OPEN as OPEN_TASKS
from command.tasks.models import Task
from core.db import UnitOfWork
from core.timers.runner import DueTimer, handles
from duty.handover import providers


@hooks.on_change
async def replan_reports(uow: UnitOfWork, incident: Incident, what: str) -> None:
    await reports.plan_timers(uow, incident)


@handles(reports.WARN_TIMER)
async def report_warn(uow: UnitOfWork, timer: DueTimer) -> None:
    await reports.on_timer(uow, incident_id=timer.ref, payload=timer.payload, overdue=False)


@handles(reports.OVERDUE_TIMER)
async def report_overdue(uow: UnitOfWork, timer: DueTimer) -> None:
    await reports.on_timer(uow, incident_id=timer.ref, payload=timer.payload, overdue=True)


@providers.provider("command.incidents")
async def open_incidents(session: AsyncSession, unit: str, at: datetime) -> list[providers.OpenItem]:
    rows = (await session.execute(select(Incident).where(Incident.unit_code == unit, Incident.status != "closed",
                                                         Incident.exercise.is_(False))
                                  .order_by(Incident.received_at))).scalars()
    items = []
    for inc in rows:
        owed = await reports.next_due(session, inc)
        detail = f"应报：{owed['kind']} 截止 {owed['deadline'].isoformat()}" if owed else ""
        items.append(providers.OpenItem("command.incidents", inc.id, f"在办事件：{inc.number} {inc.title}", detail,
                                        owed["deadline"] if owed else None))
    return items


@providers.provider("command.intakes")
async def pending_intakes(session: AsyncSession, unit: str, at: datetime) -> list[providers.OpenItem]:
    rows = (await session.execute(select(Intake).where(Intake.unit_code == unit,
                                                       Intake.status.in_(("pending", "verifying")),
                                                       Intake.exercise.is_(False)))).scalars()
    return [providers.OpenItem("command.intakes", i.id, f"待核实接报：{i.title}") for i in rows]


@handles(tasks.ACK_TIMER)
async def task_ack_overdue(uow: UnitOfWork, timer: DueTimer) -> None:
    await tasks.on_timer(uow, task_id=timer.ref, kind=tasks.ACK_TIMER)


@handles(tasks.DUE_TIMER)
async def task_overdue(uow: UnitOfWork, timer: DueTimer) -> None:
    await tasks.on_timer(uow, task_id=timer.ref, kind=tasks.DUE_TIMER)


@handles(tasks.REMIND_TIMER)
async def task_due_soon(uow: UnitOfWork, timer: DueTimer) -> None:
    await tasks.on_timer(uow, task_id=timer.ref, kind=tasks.REMIND_TIMER)


@handles(tasks.ESCALATE_TIMER)
async def task_escalate(uow: UnitOfWork, timer: DueTimer) -> None:
    await tasks.on_timer(uow, task_id=timer.ref, kind=tasks.ESCALATE_TIMER)


@providers.provider("command.tasks")
async def open_tasks(session: AsyncSession, unit: str, at: datetime) -> list[providers.OpenItem]:
    """Tasks addressed to the unit that are still open, for the next shift to take over."""
    rows = (await session.execute(select(Task).where(Task.unit_code == unit, Task.status.in_(OPEN_TASKS),
                                                     Task.exercise.is_(False))
                                  .order_by(Task.due_at))).scalars()
    return [providers.OpenItem("command.tasks", t.id, f"未完成任务：{t.title}",
                               "待签收" if t.status == "dispatched" else "", t.due_at) for t in rows]
