"""Duty reactions to timers, the handover's automatic items, and start-up set-up."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import Database, UnitOfWork
from core.orm import utcnow
from core.startup import on_startup
from core.timers import service as timers
from core.timers.runner import DueTimer, handles
from duty.board import service as board
from duty.common import duty_units
from duty.handover import providers
from duty.handover import service as handover
from duty.notices import service as notices
from duty.notices.models import Notice, NoticeRecipient
from duty.reports import service as reports
from duty.rollcall import service as rollcall


@handles(rollcall.DEADLINE_TIMER)
async def rollcall_deadline(uow: UnitOfWork, timer: DueTimer) -> None:
    await rollcall.close_due(uow, rollcall_id=timer.ref)


@handles(reports.DEADLINE_TIMER)
async def daily_deadline(uow: UnitOfWork, timer: DueTimer) -> None:
    unit, day = timer.ref.rsplit(":", 1)
    await reports.on_deadline(uow, unit=unit, day=date.fromisoformat(day))


@handles(reports.REMIND_TIMER)
async def daily_remind(uow: UnitOfWork, timer: DueTimer) -> None:
    unit, day = timer.ref.rsplit(":", 1)
    await reports.on_remind(uow, unit=unit, day=date.fromisoformat(day))


@handles(notices.SIGNFOR_TIMER)
async def notice_signfor(uow: UnitOfWork, timer: DueTimer) -> None:
    await notices.on_signfor_deadline(uow, notice_id=timer.ref)


@handles(handover.GRACE_TIMER)
async def handover_grace(uow: UnitOfWork, timer: DueTimer) -> None:
    await handover.on_grace_expired(uow, handover_id=timer.ref)


@handles(board.SWEEP_TIMER)
async def presence_sweep(uow: UnitOfWork, timer: DueTimer) -> datetime:
    return await board.sweep(uow)


@providers.provider("duty.notices")
async def unsigned_notices(session: AsyncSession, unit: str, at: datetime) -> list[providers.OpenItem]:
    stmt = (select(Notice).join(NoticeRecipient, NoticeRecipient.notice_id == Notice.id)
            .where(NoticeRecipient.unit_code == unit, NoticeRecipient.status == "pending",
                   Notice.withdrawn_at.is_(None)).order_by(Notice.signfor_deadline))
    return [providers.OpenItem("duty.notices", n.id, f"未签收通知：{n.title}", due_at=n.signfor_deadline)
            for n in (await session.execute(stmt)).scalars()]


@providers.provider("duty.daily_report")
async def daily_report_due(session: AsyncSession, unit: str, at: datetime) -> list[providers.OpenItem]:
    day = await reports.report_day(session, unit)
    if await reports.mine(session, unit=unit, day=day) is not None:
        return []
    deadline = await reports.deadline_of(session, unit, day)
    return [providers.OpenItem("duty.daily_report", day.isoformat(), f"{day.isoformat()} 值班日报未报送",
                               due_at=deadline)]


@providers.provider("duty.rollcalls")
async def rollcalls_open(session: AsyncSession, unit: str, at: datetime) -> list[providers.OpenItem]:
    return [providers.OpenItem("duty.rollcalls", rc.id, f"待应答点名（{rc.started_by_name}）", due_at=rc.deadline)
            for rc in await rollcall.pending_for(session, unit=unit)]


async def ensure_timers(db: Database) -> None:
    """Every duty unit has today's report timers; the presence sweep runs. Idempotent."""
    async with db.write() as uow:
        for unit in await duty_units(uow.session):
            # The next deadline still ahead. A deadline that passed before the unit had timers at
            # all (a new installation, a unit added at noon) is not a report it failed to file; one
            # that passed while the server was down fires on start-up, as every due timer does.
            today = await reports.report_day(uow.session, unit.code)
            if await reports.deadline_of(uow.session, unit.code, today) >= utcnow():
                await reports.schedule_day(uow, unit=unit.code, day=today)
            else:
                await reports.schedule_day(uow, unit=unit.code, day=today + timedelta(days=1))
        await timers.ensure(uow, kind=board.SWEEP_TIMER, ref="all", due_at=utcnow())


on_startup(ensure_timers)
