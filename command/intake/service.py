"""Intake: record, take (a lease others can see), verify into an incident or merge (并案),
reject, mark duplicate; suggest possible duplicates nearby in space and time."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.categories.tree import CATEGORIES, in_prefix
from command.incidents import service as incidents
from command.incidents.models import Incident, IncidentUnit
from command.intake.models import INTAKE_TRANSITIONS, Intake
from core.auth.principal import Principal
from core.db import UnitOfWork
from core.orm import new_id, utcnow
from core.problems import Problem, forbidden, invalid, not_found
from core.states import next_state
from core.units import service as units
from core.units.models import Unit
from core.units.paths import UnknownUnit, path_of

LEASE = timedelta(minutes=5)
DUPLICATE_RADIUS_KM = 10.0
DUPLICATE_WINDOW = timedelta(hours=24)


def _scope(intake: Intake) -> list[str]:
    return sorted({intake.unit_code, intake.location_unit})


def _emit(uow: UnitOfWork, intake: Intake, type: str, data: dict[str, Any] | None = None) -> None:
    uow.emit(type, subject=("intake", intake.id), scope=_scope(intake), exercise=intake.exercise,
             data={"title": intake.title, "category": intake.category, "status": intake.status,
                   "location_unit": intake.location_unit, **(data or {})})


async def create(uow: UnitOfWork, *, by: Principal, data: dict[str, Any]) -> Intake:
    session = uow.session
    if not by.can("intake.create"):
        raise forbidden("recording an intake needs duty rights")
    unit = data.get("unit") or by.unit_code
    unit_path = await units.require_visible(session, by, unit, pointer="/unit")
    location = data.get("location_unit") or unit
    try:
        await path_of(session, location)  # cached per process: no query
    except UnknownUnit:
        raise invalid("/location_unit", f"unit {location} does not exist") from None
    if data["category"] not in CATEGORIES:
        raise invalid("/category", f"unknown category {data['category']}")
    received_at = data.get("received_at") or utcnow()
    occurred_at = data.get("occurred_at")
    if occurred_at and occurred_at > received_at + timedelta(minutes=5):
        raise invalid("/occurred_at", "it cannot have occurred after it was received")
    intake = Intake(id=new_id(), unit_code=unit, unit_path=unit_path, source=data["source"],
                    caller=data.get("caller", ""), callback=data.get("callback", ""), title=data["title"],
                    description=data.get("description", ""), category=data["category"], location_unit=location,
                    address=data.get("address", ""), lat=data.get("lat"), lon=data.get("lon"),
                    occurred_at=occurred_at, received_at=received_at, facts=data.get("facts", {}),
                    exercise=bool(data.get("exercise", False)), external_ref=data.get("external_ref"),
                    created_by=by.user_id, created_by_name=by.name)
    session.add(intake)
    await session.flush()
    _emit(uow, intake, "intake.created", intake.as_doc())
    return intake


def visible(by: Principal) -> Any:
    located = select(Unit.code).where(by.path_filter(Unit.path))
    return by.path_filter(Intake.unit_path, Intake.location_unit.in_(located))


async def get_visible(session: AsyncSession, by: Principal, intake_id: str) -> Intake:
    row = (await session.execute(select(Intake).where(Intake.id == intake_id, visible(by)))).scalar_one_or_none()
    if row is None:
        raise not_found("intake", intake_id)
    return row


def _check_lease(intake: Intake, by: Principal) -> None:
    if intake.lease_by and intake.lease_by != by.user_id and intake.lease_until and intake.lease_until > utcnow():
        raise Problem(409, f"{intake.lease_by_name} is handling this intake until {intake.as_doc()['lease']['until']}",
                      type="/problems/taken", lease=intake.as_doc()["lease"])


def _decided(intake: Intake, by: Principal) -> None:
    """Verified, rejected or a duplicate: decided by `by`, and nobody is handling it any more."""
    intake.decided_at, intake.decided_by = utcnow(), by.user_id
    intake.lease_by = intake.lease_by_name = None
    intake.lease_until = None


async def take(uow: UnitOfWork, *, by: Principal, intake_id: str) -> Intake:
    intake = await get_visible(uow.session, by, intake_id)
    _check_lease(intake, by)
    intake.status = next_state(INTAKE_TRANSITIONS, intake.status, "take", what="intake")
    intake.lease_by, intake.lease_by_name, intake.lease_until = by.user_id, by.name, utcnow() + LEASE
    _emit(uow, intake, "intake.taken", {"lease": intake.as_doc()["lease"]})
    return intake


async def release(uow: UnitOfWork, *, by: Principal, intake_id: str) -> Intake:
    intake = await get_visible(uow.session, by, intake_id)
    _check_lease(intake, by)
    intake.status = next_state(INTAKE_TRANSITIONS, intake.status, "release", what="intake")
    intake.lease_by = intake.lease_by_name = None
    intake.lease_until = None
    _emit(uow, intake, "intake.released")
    return intake


async def verify(uow: UnitOfWork, *, by: Principal, intake_id: str, merge_into: str | None = None,
                 title: str | None = None) -> Incident:
    """Verified: a new incident, or merged (并案) into an existing one, which keeps every intake."""
    session = uow.session
    if not by.can("intake.verify"):
        raise forbidden("verifying intakes needs duty rights")
    intake = await get_visible(session, by, intake_id)
    _check_lease(intake, by)
    intake.status = next_state(INTAKE_TRANSITIONS, intake.status, "verify", what="intake")
    if merge_into:
        incident = await incidents.get_visible(session, by, merge_into)
        if incident.exercise != intake.exercise:
            raise invalid("/merge_into", "a drill intake and a real incident never mix")
        await incidents.merge_intake_facts(uow, incident=incident, facts=intake.facts, occurred_at=intake.occurred_at,
                                           received_at=intake.received_at)
        await incidents.emit(uow, incident, "incident.merged", {"intake": intake.as_doc(), "facts": incident.facts})
        from command.incidents import hooks

        await hooks.changed(uow, incident, "merged")
    else:
        incident = await incidents.create(uow, by=by, title=title or intake.title, category=intake.category,
                                          unit=intake.location_unit, received_at=intake.received_at,
                                          occurred_at=intake.occurred_at, facts=dict(intake.facts),
                                          description=intake.description, address=intake.address, lat=intake.lat,
                                          lon=intake.lon, exercise=intake.exercise)
        if intake.unit_code != intake.location_unit:
            # The receiving duty room keeps sight of what it took in, wherever it happened.
            uow.session.add(IncidentUnit(incident_id=incident.id, unit_code=intake.unit_code, role="participant"))
            await uow.session.flush()
    intake.incident_id = incident.id
    _decided(intake, by)
    _emit(uow, intake, "intake.verified", {"incident_id": incident.id, "merged": bool(merge_into),
                                           "number": incident.number})
    return incident


async def reject(uow: UnitOfWork, *, by: Principal, intake_id: str, reason: str) -> Intake:
    intake = await get_visible(uow.session, by, intake_id)
    _check_lease(intake, by)
    intake.status = next_state(INTAKE_TRANSITIONS, intake.status, "reject", what="intake")
    intake.reject_reason = reason
    _decided(intake, by)
    _emit(uow, intake, "intake.rejected", {"reason": reason})
    return intake


async def mark_duplicate(uow: UnitOfWork, *, by: Principal, intake_id: str, of: str) -> Intake:
    intake = await get_visible(uow.session, by, intake_id)
    _check_lease(intake, by)
    if of == intake.id:
        raise invalid("/of", "an intake cannot duplicate itself")
    await get_visible(uow.session, by, of)
    intake.status = next_state(INTAKE_TRANSITIONS, intake.status, "duplicate", what="intake")
    intake.duplicate_of = of
    _decided(intake, by)
    _emit(uow, intake, "intake.duplicate", {"of": of})
    return intake


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(h))


async def _point(session: AsyncSession, lat: float | None, lon: float | None, unit: str) -> tuple[float, float] | None:
    if lat is not None and lon is not None:
        return (lat, lon)
    u = await session.get(Unit, unit)
    return (u.lat, u.lon) if u and u.lat is not None and u.lon is not None else None


async def duplicates(session: AsyncSession, by: Principal, intake: Intake) -> list[dict[str, Any]]:
    """Open incidents and pending intakes of the same category family, near in space and time."""
    # Same top-level class (GB/T 35561's four): one event is often reported as different subtypes (a
    # gas blast reported as a fire; a rainstorm's flooding and its landslide). Same category sorts first.
    family = intake.category.split(".")[0]
    when = intake.occurred_at or intake.received_at
    here = await _point(session, intake.lat, intake.lon, intake.location_unit)
    out: list[dict[str, Any]] = []
    inc_rows = (await session.execute(select(Incident).where(
        incidents.visible(by), Incident.status != "closed", Incident.exercise == intake.exercise,
        Incident.received_at >= when - DUPLICATE_WINDOW, Incident.received_at <= when + DUPLICATE_WINDOW))).scalars()
    for inc in inc_rows:
        if not in_prefix(inc.category, family):
            continue
        there = await _point(session, inc.lat, inc.lon, inc.unit_code)
        km = _km(here, there) if here and there else None
        if km is None or km <= DUPLICATE_RADIUS_KM:
            out.append({"kind": "incident", "id": inc.id, "number": inc.number, "title": inc.title,
                        "category": inc.category, "distance_km": round(km, 1) if km is not None else None,
                        "same_category": inc.category == intake.category})
    int_rows = (await session.execute(select(Intake).where(
        visible(by), Intake.id != intake.id, Intake.status.in_(("pending", "verifying")),
        Intake.exercise == intake.exercise, Intake.received_at >= when - DUPLICATE_WINDOW,
        Intake.received_at <= when + DUPLICATE_WINDOW))).scalars()
    for other in int_rows:
        if not in_prefix(other.category, family):
            continue
        there = await _point(session, other.lat, other.lon, other.location_unit)
        km = _km(here, there) if here and there else None
        if km is None or km <= DUPLICATE_RADIUS_KM:
            out.append({"kind": "intake", "id": other.id, "title": other.title, "category": other.category,
                        "distance_km": round(km, 1) if km is not None else None,
                        "same_category": other.category == intake.category})
    far = 1e9  # unknown distance sorts last
    return sorted(out, key=lambda d: (not d["same_category"],
                                      d["distance_km"] if d["distance_km"] is not None else far))


async def queue(session: AsyncSession, by: Principal, *, status: list[str] | None = None, exercise: bool = False,
                limit: int = 200) -> list[Intake]:
    stmt = select(Intake).where(visible(by), Intake.exercise == exercise)
    if status:
        stmt = stmt.where(Intake.status.in_(status))
    return list((await session.execute(stmt.order_by(Intake.received_at.desc()).limit(limit))).scalars())

