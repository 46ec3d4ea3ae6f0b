"""Roll-calls: start, answer, close at the deadline (misses), statistics."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.principal import Principal
from core.db import UnitOfWork
from core.orm import new_id, utcnow
from core.problems import forbidden, invalid, not_found
from core.states import next_state
from core.timers import service as timers
from core.units import service as units
from core.units.paths import path_of
from duty.common import subordinate_duty_units
from duty.rollcall.models import ROLLCALL_TRANSITIONS, TARGET_TRANSITIONS, RollCall, RollCallTarget
from duty.rosters.resolver import posts_held_by
from duty.rules import service as rules

DEADLINE_TIMER = "duty.rollcall.deadline"


async def start(uow: UnitOfWork, *, by: Principal, units_: list[str] | None, mode: str = "platform",
                window_s: int | None = None, message: str = "") -> tuple[RollCall, list[RollCallTarget]]:
    session = uow.session
    if not by.can("duty.rollcall.start"):
        raise forbidden("starting a roll-call needs duty rights")
    subordinates = {u.code for u in await subordinate_duty_units(session, by)}
    if units_ is None:
        targets = sorted(subordinates)
    else:
        targets = sorted(set(units_))
        for i, code in enumerate(units_):
            if code not in subordinates:
                raise invalid(f"/units/{i}", f"{code} is not a duty room under your unit")
    if not targets:
        raise invalid("/units", "no subordinate duty rooms to call")
    if window_s is None:
        window_s = int(await rules.value(session, by.unit_code,
                                         "rollcall_window_s" if mode == "platform" else "rollcall_phone_window_s"))
    now = utcnow()
    rc = RollCall(id=new_id(), caller_unit=by.unit_code, started_by=by.user_id, started_by_name=by.name, mode=mode,
                  message=message, window_s=window_s, started_at=now, deadline=now + timedelta(seconds=window_s))
    session.add(rc)
    rows = [RollCallTarget(rollcall_id=rc.id, unit_code=code) for code in targets]
    session.add_all(rows)
    await session.flush()
    await timers.schedule(uow, kind=DEADLINE_TIMER, ref=rc.id, due_at=rc.deadline)
    uow.emit("duty.rollcall.started", subject=("rollcall", rc.id), scope=[rc.caller_unit, *targets],
             data={**rc.as_doc(), "targets": targets})
    return rc, rows


async def get_visible(session: AsyncSession, by: Principal, rollcall_id: str) -> RollCall:
    rc = await session.get(RollCall, rollcall_id)
    if rc is None:
        raise not_found("roll-call", rollcall_id)
    if by.sees_path(await path_of(session, rc.caller_unit)):
        return rc
    target = await session.get(RollCallTarget, (rollcall_id, by.unit_code))
    if target is None:
        raise not_found("roll-call", rollcall_id)
    return rc


async def targets_of(session: AsyncSession, rollcall_id: str) -> list[RollCallTarget]:
    stmt = select(RollCallTarget).where(RollCallTarget.rollcall_id == rollcall_id).order_by(RollCallTarget.unit_code)
    return list((await session.execute(stmt)).scalars())


async def answer(uow: UnitOfWork, *, by: Principal, rollcall_id: str) -> RollCallTarget:
    """The caller's unit answers. One action; records who answered, how fast, and their post."""
    session = uow.session
    if not by.can("duty.rollcall.answer"):
        raise forbidden("answering a roll-call needs duty rights")
    rc = await session.get(RollCall, rollcall_id)
    target = await session.get(RollCallTarget, (rollcall_id, by.unit_code)) if rc else None
    if rc is None or target is None:
        raise not_found("roll-call for your unit", rollcall_id)
    now = utcnow()
    new_status = next_state(TARGET_TRANSITIONS, target.status, "answer", what="roll-call answer")
    if now > rc.deadline:
        raise invalid("/", "the answer window has closed")
    target.status = new_status
    held = [post for unit, post in await posts_held_by(session, user_id=by.user_id, at=now) if unit == by.unit_code]
    target.answered_at = now
    target.answered_by = by.user_id
    target.answered_by_name = by.name
    target.latency_ms = int((now - rc.started_at).total_seconds() * 1000)
    target.on_duty = held[0] if held else None
    uow.emit("duty.rollcall.answered", subject=("rollcall", rc.id), scope=[rc.caller_unit, target.unit_code],
             data={"rollcall": rc.id, **target.as_doc()})
    return target


async def close_due(uow: UnitOfWork, *, rollcall_id: str) -> None:
    """At the deadline: every unit that has not answered missed; the roll-call closes."""
    session = uow.session
    rc = await session.get(RollCall, rollcall_id)
    if rc is None or rc.status != "open":
        return
    for target in await targets_of(session, rollcall_id):
        if target.status == "pending":
            target.status = next_state(TARGET_TRANSITIONS, target.status, "miss", what="roll-call answer")
            uow.emit("duty.rollcall.missed", subject=("rollcall", rc.id), scope=[rc.caller_unit, target.unit_code],
                     data={"rollcall": rc.id, "unit": target.unit_code, "deadline": rc.as_doc()["deadline"]})
    rc.status = next_state(ROLLCALL_TRANSITIONS, rc.status, "close", what="roll-call")
    rc.closed_at = utcnow()
    targets = await targets_of(session, rollcall_id)
    uow.emit("duty.rollcall.closed", subject=("rollcall", rc.id), scope=[rc.caller_unit],
             data={**rc.as_doc(), "answered": sum(t.status == "answered" for t in targets),
                   "missed": sum(t.status == "missed" for t in targets)})


async def recent(session: AsyncSession, by: Principal, *, limit: int = 20) -> list[RollCall]:
    stmt = (select(RollCall).where(RollCall.caller_unit == by.unit_code)
            .order_by(RollCall.started_at.desc()).limit(limit))
    return list((await session.execute(stmt)).scalars())


async def pending_for(session: AsyncSession, *, unit: str) -> list[RollCall]:
    """Open roll-calls this unit has not answered yet (its console puts these first)."""
    stmt = (select(RollCall).join(RollCallTarget, RollCallTarget.rollcall_id == RollCall.id)
            .where(RollCallTarget.unit_code == unit, RollCallTarget.status == "pending", RollCall.status == "open")
            .order_by(RollCall.deadline))
    return list((await session.execute(stmt)).scalars())


async def statistics(session: AsyncSession, by: Principal, *, start: datetime, end: datetime,
                     unit: str | None = None) -> list[dict[str, Any]]:
    """Per target unit in the caller's subtree: roll-calls, answered, missed, mean and worst latency."""
    from core.units.models import Unit

    stmt = (select(RollCallTarget.unit_code, Unit.name, func.count(),
                   func.sum(case((RollCallTarget.status == "answered", 1), else_=0)),
                   func.sum(case((RollCallTarget.status == "missed", 1), else_=0)),
                   func.avg(RollCallTarget.latency_ms), func.max(RollCallTarget.latency_ms))
            .join(RollCall, RollCall.id == RollCallTarget.rollcall_id)
            .join(Unit, Unit.code == RollCallTarget.unit_code)
            .where(RollCall.started_at >= start, RollCall.started_at < end, by.path_filter(Unit.path))
            .group_by(RollCallTarget.unit_code, Unit.name).order_by(RollCallTarget.unit_code))
    if unit:
        await units.get_visible(session, by, unit)
        stmt = stmt.where(RollCallTarget.unit_code == unit)
    out = []
    for code, name, calls, answered, missed, avg_ms, max_ms in (await session.execute(stmt)).all():
        out.append({"unit": code, "name": name, "calls": int(calls), "answered": int(answered or 0),
                    "missed": int(missed or 0), "answer_rate": round((answered or 0) / calls, 4) if calls else None,
                    "mean_latency_ms": int(avg_ms) if avg_ms is not None else None,
                    "max_latency_ms": int(max_ms) if max_ms is not None else None})
    return out
