"""Scheduling and cancelling timers, inside the caller's unit of work."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.db import UnitOfWork
from core.orm import new_id
from core.timers.models import Timer


async def schedule(uow: UnitOfWork, *, kind: str, ref: str, due_at: datetime,
                   payload: dict[str, Any] | None = None) -> Timer:
    """Set (or move) the timer `kind`/`ref` to fire at `due_at`. Commits with the caller's change."""
    session = uow.session
    timer = (await session.execute(select(Timer).where(Timer.kind == kind, Timer.ref == ref))).scalar_one_or_none()
    if timer is None:
        timer = Timer(id=new_id(), kind=kind, ref=ref, due_at=due_at, payload=payload or {})
        session.add(timer)
    else:
        timer.due_at = due_at
        timer.payload = payload or {}
        timer.state = "scheduled"
        timer.fired_at = None
        timer.lease_until = None
        timer.claimed_by = None
        timer.fence += 1  # a process still holding the old claim can no longer fire it
    await session.flush()
    return timer


def create(uow: UnitOfWork, *, kind: str, ref: str, due_at: datetime, payload: dict[str, Any] | None = None) -> Timer:
    """A timer for something this transaction just created (so none can exist for it yet): no look-up."""
    timer = Timer(id=new_id(), kind=kind, ref=ref, due_at=due_at, payload=payload or {})
    uow.session.add(timer)
    return timer


async def cancel(uow: UnitOfWork, *, kind: str, ref: str) -> bool:
    timer = (await uow.session.execute(
        select(Timer).where(Timer.kind == kind, Timer.ref == ref))).scalar_one_or_none()
    if timer is None or timer.state in ("fired", "cancelled"):
        return False
    timer.state = "cancelled"
    timer.fence += 1
    return True


async def ensure(uow: UnitOfWork, *, kind: str, ref: str, due_at: datetime,
                 payload: dict[str, Any] | None = None) -> Timer | None:
    """Create the timer unless one for (kind, ref) exists already, in any state (idempotent set-up)."""
    existing = (await uow.session.execute(
        select(Timer.id).where(Timer.kind == kind, Timer.ref == ref))).scalar_one_or_none()
    if existing is not None:
        return None
    # Processes starting together all get here; the unique (kind, ref) picks one, and the others
    # carry on (in a savepoint, so their transaction, and their start-up, survives the conflict).
    try:
        async with uow.session.begin_nested():
            return await schedule(uow, kind=kind, ref=ref, due_at=due_at, payload=payload)
    except IntegrityError:
        return None
