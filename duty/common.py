"""What the duty domains share: the duty units under a caller, a unit's zone and duty date."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.principal import Principal
from core.units import service as units
from core.units.models import JURISDICTION_KINDS, Unit
from duty.rosters import shifts as shiftmath
from duty.rosters.models import DutyPost
from duty.rules import service as rules

DEFAULT_TZ = "Asia/Shanghai"


async def zone(session: AsyncSession, unit: str) -> str:
    return await units.timezone_of(session, unit, DEFAULT_TZ)


async def duty_date(session: AsyncSession, unit: str, at: datetime) -> date:
    pattern = await rules.value(session, unit, "shifts")
    return shiftmath.duty_date(pattern, at, await zone(session, unit))


async def duty_units(session: AsyncSession) -> list[Unit]:
    """Units that keep duty: jurisdictions with at least one duty post."""
    with_posts = select(DutyPost.unit_code).where(DutyPost.active.is_(True)).distinct()
    stmt = (select(Unit).where(Unit.code.in_(with_posts), Unit.kind.in_(JURISDICTION_KINDS), Unit.active.is_(True))
            .order_by(Unit.path))
    return list((await session.execute(stmt)).scalars())


async def subordinate_duty_units(session: AsyncSession, by: Principal, of: str | None = None) -> list[Unit]:
    """Duty units directly under `of` (default: the caller's unit) that the caller may see."""
    parent = of or by.unit_code
    await units.get_visible(session, by, parent)
    return [u for u in await duty_units(session) if u.parent_code == parent and by.sees_path(u.path)]
