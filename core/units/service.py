"""Units and facilities: the tree every scope hangs on."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.principal import Principal
from core.db import UnitOfWork
from core.orm import new_id, utcnow
from core.problems import conflict, invalid, not_found
from core.units.models import Facility, Unit
from core.units.paths import UnknownUnit, child_path, path_of


async def require_visible(session: AsyncSession, by: Principal, code: str, *, pointer: str) -> str:
    """The unit's path if `by` may see it; a 422 naming the field otherwise."""
    try:
        path = await path_of(session, code)
    except UnknownUnit:
        raise invalid(pointer, f"unit {code} does not exist") from None
    if not by.sees_path(path):
        raise invalid(pointer, f"unit {code} is outside your jurisdiction")
    return path


async def get_visible(session: AsyncSession, by: Principal, code: str) -> Unit:
    unit = await session.get(Unit, code)
    if unit is None or not by.sees_path(unit.path):
        raise not_found("unit", code)
    return unit


async def list_visible(session: AsyncSession, by: Principal, *, kind: str | None = None,
                       include_inactive: bool = False) -> list[Unit]:
    stmt = select(Unit).where(by.path_filter(Unit.path))
    if kind:
        stmt = stmt.where(Unit.kind == kind)
    if not include_inactive:
        stmt = stmt.where(Unit.active.is_(True))
    return list((await session.execute(stmt.order_by(Unit.path))).scalars())


async def create_unit(uow: UnitOfWork, *, by: Principal | None, code: str, name: str, kind: str,
                      parent: str | None, name_en: str = "", tz: str | None = None, lat: float | None = None,
                      lon: float | None = None, phone: str | None = None, sort: int = 0) -> Unit:
    session = uow.session
    if await session.get(Unit, code) is not None:
        raise conflict(f"unit code {code} is taken")
    if parent is None:
        if by is not None:
            raise invalid("/parent", "only set-up may create a root unit")
        parent_path = None
    else:
        parent_path = (await require_visible(session, by, parent, pointer="/parent") if by
                       else await path_of(session, parent))
    unit = Unit(code=code, parent_code=parent, path=child_path(parent_path, code), name=name, name_en=name_en,
                kind=kind, tz=tz, lat=lat, lon=lon, phone=phone, sort=sort)
    session.add(unit)
    await session.flush()
    uow.emit("unit.created", subject=("unit", code), scope=[code], data=unit.as_doc())
    return unit


async def update_unit(uow: UnitOfWork, *, by: Principal, code: str, changes: dict[str, Any]) -> Unit:
    unit = await get_visible(uow.session, by, code)
    if "active" in changes and not changes["active"] and unit.code == by.unit_code:
        raise conflict("you cannot deactivate your own unit")
    for field, value in changes.items():
        setattr(unit, field, value)
    unit.updated_at = utcnow()
    uow.emit("unit.updated", subject=("unit", code), scope=[code],
             data={**unit.as_doc(), "changed": sorted(changes)})
    return unit


async def timezone_of(session: AsyncSession, code: str, default: str) -> str:
    """A unit's zone: its own, else the nearest ancestor's, else the deployment default."""
    path = await path_of(session, code)
    chain = [c for c in path.split("/") if c]
    rows = dict((await session.execute(select(Unit.code, Unit.tz).where(Unit.code.in_(chain)))).all())
    for c in reversed(chain):
        if rows.get(c):
            return str(rows[c])
    return default


async def create_facility(uow: UnitOfWork, *, unit: str, kind: str, name: str, address: str = "",
                          phone: str | None = None, lat: float | None = None, lon: float | None = None,
                          capacity: int | None = None, attributes: dict[str, Any] | None = None) -> Facility:
    fac = Facility(id=new_id(), unit_code=unit, kind=kind, name=name, address=address, phone=phone, lat=lat,
                   lon=lon, capacity=capacity, attributes=attributes or {})
    uow.session.add(fac)
    await uow.session.flush()
    uow.emit("facility.created", subject=("facility", fac.id), scope=[unit], data=fac.as_doc())
    return fac


async def list_facilities(session: AsyncSession, by: Principal, *, unit: str | None = None,
                          kind: str | None = None) -> list[Facility]:
    stmt = select(Facility).join(Unit, Unit.code == Facility.unit_code).where(by.path_filter(Unit.path))
    if unit:
        stmt = stmt.where(Facility.unit_code == unit)
    if kind:
        stmt = stmt.where(Facility.kind == kind)
    return list((await session.execute(stmt.order_by(Unit.path, Facility.kind, Facility.name))).scalars())
