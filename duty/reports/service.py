"""Daily and zero reports: filing, the superior's status view, deadlines and reminders."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.principal import Principal
from core.db import UnitOfWork
from core.orm import iso, new_id, utcnow
from core.problems import conflict, forbidden, invalid
from core.timers import service as timers
from core.timers.models import Timer
from core.units import service as units
from core.units.models import Unit
from core.units.paths import in_subtree, path_of
from duty.common import subordinate_duty_units, zone
from duty.reports.models import DailyReport, DailyReportMiss
from duty.rosters import shifts as shiftmath
from duty.rules import service as rules

DEADLINE_TIMER = "duty.daily.deadline"
REMIND_TIMER = "duty.daily.remind"
REMIND_BEFORE = timedelta(minutes=30)


async def deadline_of(session: AsyncSession, unit: str, day: date) -> datetime:
    hhmm = await rules.value(session, unit, "daily_report_deadline")
    return shiftmath.local_deadline(day, hhmm, await zone(session, unit))


async def report_day(session: AsyncSession, unit: str) -> date:
    """The calendar day a report filed now is for: today in the unit's zone."""
    return utcnow().astimezone(ZoneInfo(await zone(session, unit))).date()


async def file(uow: UnitOfWork, *, by: Principal, unit: str, kind: str, content: dict[str, Any],
               day: date | None = None) -> DailyReport:
    session = uow.session
    if not by.can("duty.report.file"):
        raise forbidden("filing the daily report needs duty rights")
    await units.require_visible(session, by, unit, pointer="/unit")
    today = await report_day(session, unit)
    day = day or today
    if day > today:
        raise invalid("/date", "a daily report cannot be filed for a day that has not come")
    existing = (await session.execute(select(DailyReport.id).where(DailyReport.unit_code == unit,
                                                                   DailyReport.report_date == day))).first()
    if existing:
        raise conflict(f"unit {unit} has already filed its report for {day}")
    deadline = await deadline_of(session, unit, day)
    now = utcnow()
    row = DailyReport(id=new_id(), unit_code=unit, report_date=day, kind=kind, content=content, filed_by=by.user_id,
                      filed_by_name=by.name, filed_at=now, deadline=deadline, late=now > deadline)
    session.add(row)
    try:
        await session.flush()
    except IntegrityError:
        raise conflict(f"unit {unit} has already filed its report for {day}") from None
    await timers.cancel(uow, kind=REMIND_TIMER, ref=f"{unit}:{day}")
    uow.emit("duty.daily_report.filed", subject=("daily_report", row.id), scope=[unit], data=row.as_doc())
    return row


async def status(session: AsyncSession, by: Principal, *, day: date, of: str | None = None) -> list[dict[str, Any]]:
    """Each subordinate duty unit's report for `day`: filed (with kind and lateness), overdue or pending."""
    subs = await subordinate_duty_units(session, by, of)
    codes = [u.code for u in subs]
    filed = {r.unit_code: r for r in (await session.execute(
        select(DailyReport).where(DailyReport.unit_code.in_(codes), DailyReport.report_date == day))).scalars()}
    now = utcnow()
    out = []
    for u in subs:
        deadline = await deadline_of(session, u.code, day)
        report = filed.get(u.code)
        state = "filed" if report else ("overdue" if now > deadline else "pending")
        out.append({"unit": u.code, "name": u.name, "state": state, "deadline": iso(deadline),
                    "report": report.as_doc() if report else None})
    return out


async def mine(session: AsyncSession, *, unit: str, day: date) -> DailyReport | None:
    return (await session.execute(select(DailyReport).where(DailyReport.unit_code == unit,
                                                            DailyReport.report_date == day))).scalar_one_or_none()


async def schedule_day(uow: UnitOfWork, *, unit: str, day: date) -> None:
    """Set the reminder and deadline timers of `unit` for `day` (idempotent). They are set whether or
    not a report is required now: the rule can change any day, and the handlers read it when they fire."""
    deadline = await deadline_of(uow.session, unit, day)
    await timers.ensure(uow, kind=DEADLINE_TIMER, ref=f"{unit}:{day}", due_at=deadline)
    if deadline - REMIND_BEFORE > utcnow():
        await timers.ensure(uow, kind=REMIND_TIMER, ref=f"{unit}:{day}", due_at=deadline - REMIND_BEFORE)


async def reschedule(uow: UnitOfWork, *, unit: str) -> None:
    """`unit`'s report deadline changed: move the pending deadline and reminder timers of it and of
    the units under it (which may inherit the rule) to the deadline now in force."""
    session = uow.session
    path = await path_of(session, unit)
    below = set((await session.execute(select(Unit.code).where(in_subtree(Unit.path, path)))).scalars())
    pending = (await session.execute(select(Timer).where(
        Timer.kind.in_((DEADLINE_TIMER, REMIND_TIMER)), Timer.state == "scheduled"))).scalars().all()
    now = utcnow()
    for timer in pending:
        code, day = timer.ref.rsplit(":", 1)
        if code not in below:
            continue
        deadline = await deadline_of(session, code, date.fromisoformat(day))
        due = deadline if timer.kind == DEADLINE_TIMER else deadline - REMIND_BEFORE
        if timer.kind == REMIND_TIMER and due <= now:
            await timers.cancel(uow, kind=timer.kind, ref=timer.ref)
        elif due != timer.due_at:
            await timers.schedule(uow, kind=timer.kind, ref=timer.ref, due_at=due)


async def on_deadline(uow: UnitOfWork, *, unit: str, day: date) -> None:
    """Flag a unit that has not filed; set up tomorrow's timers."""
    session = uow.session
    required = bool(await rules.value(session, unit, "daily_report_required"))
    if required and await mine(session, unit=unit, day=day) is None \
            and await session.get(DailyReportMiss, (unit, day)) is None:
        session.add(DailyReportMiss(unit_code=unit, report_date=day))
        uow.emit("duty.daily_report.missing", subject=("unit", unit), scope=[unit],
                 data={"unit": unit, "date": day.isoformat(), "deadline": iso(await deadline_of(session, unit, day))})
    await schedule_day(uow, unit=unit, day=day + timedelta(days=1))


async def on_remind(uow: UnitOfWork, *, unit: str, day: date) -> None:
    if await rules.value(uow.session, unit, "daily_report_required") and await mine(uow.session, unit=unit,
                                                                                    day=day) is None:
        uow.emit("duty.daily_report.reminder", subject=("unit", unit), scope=[unit],
                 data={"unit": unit, "date": day.isoformat(),
                       "deadline": iso(await deadline_of(uow.session, unit, day))})

