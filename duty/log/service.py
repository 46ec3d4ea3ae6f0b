"""Writing and reading the duty log."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.principal import Principal
from core.db import UnitOfWork
from core.orm import new_id, utcnow
from core.problems import invalid
from core.units import service as units
from duty.common import duty_date
from duty.log.models import DutyLogEntry


async def add_entry(uow: UnitOfWork, *, by: Principal, unit: str, kind: str, summary: str,
                    at: datetime | None = None, counterpart: str = "", corrects: str | None = None) -> DutyLogEntry:
    session = uow.session
    await units.require_visible(session, by, unit, pointer="/unit")
    when = at or utcnow()
    if (when - utcnow()).total_seconds() > 300:
        raise invalid("/at", "an entry cannot be dated in the future")
    if corrects is not None:
        original = await session.get(DutyLogEntry, corrects)
        if original is None or original.unit_code != unit:
            raise invalid("/corrects", f"no entry {corrects} in this unit's log")
    entry = DutyLogEntry(id=new_id(), unit_code=unit, duty_date=await duty_date(session, unit, when), at=when,
                         kind=kind, counterpart=counterpart, summary=summary, corrects_id=corrects,
                         author_id=by.user_id, author_name=by.name)
    session.add(entry)
    await session.flush()
    uow.emit("duty.log.corrected" if corrects else "duty.log.added", subject=("duty_log", entry.id), scope=[unit],
             data=entry.as_doc())
    return entry


async def entries(session: AsyncSession, by: Principal, *, unit: str, day: date) -> list[DutyLogEntry]:
    await units.get_visible(session, by, unit)
    stmt = (select(DutyLogEntry).where(DutyLogEntry.unit_code == unit, DutyLogEntry.duty_date == day)
            .order_by(DutyLogEntry.at, DutyLogEntry.created_at))
    return list((await session.execute(stmt)).scalars())
