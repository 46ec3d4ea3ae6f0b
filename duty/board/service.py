"""The duty board for a superior: every subordinate duty room at a glance; and terminal presence."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.principal import Principal
from core.db import UnitOfWork
from core.orm import iso, utcnow
from duty.board.models import Presence, UnitOnline
from duty.common import duty_units, subordinate_duty_units
from duty.reports import service as reports
from duty.rollcall.models import RollCall, RollCallTarget
from duty.rosters.resolver import holders_at

PRESENCE_STALE = timedelta(seconds=40)
SWEEP_TIMER = "duty.presence.sweep"
SWEEP_EVERY = timedelta(seconds=15)


async def record_presence(uow: UnitOfWork, *, process: str, counts: dict[str, int]) -> None:
    """This process's live consoles per unit (operational state, not a domain change: no event)."""
    now = utcnow()
    await uow.session.execute(delete(Presence).where(Presence.process == process))
    for unit, n in counts.items():
        if n > 0:
            uow.session.add(Presence(process=process, unit_code=unit, connections=n, seen_at=now))


async def online_units(session: AsyncSession) -> set[str]:
    cutoff = utcnow() - PRESENCE_STALE
    stmt = (select(Presence.unit_code).where(Presence.seen_at >= cutoff)
            .group_by(Presence.unit_code).having(func.sum(Presence.connections) > 0))
    return set((await session.execute(stmt)).scalars())


async def sweep(uow: UnitOfWork, *, only_online: bool = False) -> datetime:
    """Journal each duty unit's terminal going online or offline (once per change); `only_online` for a
    process that just saw a console connect (going offline is left to the timer's sweep)."""
    session = uow.session
    online = await online_units(session)
    known = {r.unit_code: r for r in (await session.execute(select(UnitOnline))).scalars()}
    now = utcnow()
    for unit in await duty_units(session):
        is_on = unit.code in online
        row = known.get(unit.code)
        if row is None:
            session.add(UnitOnline(unit_code=unit.code, online=is_on, changed_at=now))
            if not is_on:
                continue
        elif row.online == is_on or (only_online and not is_on):
            continue
        else:
            row.online, row.changed_at = is_on, now
        uow.emit("duty.terminal.online" if is_on else "duty.terminal.offline", subject=("unit", unit.code),
                 scope=[unit.code], data={"unit": unit.code, "name": unit.name, "at": iso(now)})
    return now + SWEEP_EVERY


async def board(session: AsyncSession, by: Principal, *, of: str | None = None) -> list[dict[str, Any]]:
    subs = await subordinate_duty_units(session, by, of)
    now = utcnow()
    online = {r.unit_code: r for r in (await session.execute(select(UnitOnline))).scalars()}
    out: list[dict[str, Any]] = []
    for u in subs:
        last = (await session.execute(
            select(RollCallTarget, RollCall).join(RollCall, RollCall.id == RollCallTarget.rollcall_id)
            .where(RollCallTarget.unit_code == u.code).order_by(RollCall.started_at.desc()).limit(1))).first()
        day = await reports.report_day(session, u.code)
        report = await reports.mine(session, unit=u.code, day=day)
        deadline = await reports.deadline_of(session, u.code, day)
        state = "filed" if report else ("overdue" if now > deadline else "pending")
        on = online.get(u.code)
        # A unit that answered moments ago is online, whatever the last presence sweep said.
        answered = last[0].answered_at if last else None
        just_answered = answered is not None and now - answered < PRESENCE_STALE
        out.append({
            "unit": u.code, "name": u.name, "name_en": u.name_en, "phone": u.phone,
            "duty": await holders_at(session, unit=u.code, at=now),
            "last_rollcall": ({"id": last[1].id, "started_at": iso(last[1].started_at),
                               "deadline": iso(last[1].deadline), **last[0].as_doc()}
                              if last else None),
            "daily_report": {"date": day.isoformat(), "state": state, "deadline": iso(deadline),
                             "kind": report.kind if report else None, "late": report.late if report else None},
            "online": bool(on and on.online) or just_answered,
            "online_changed_at": (iso(answered) if just_answered and not (on and on.online)
                                  else iso(on.changed_at) if on else None),
        })
    return out
