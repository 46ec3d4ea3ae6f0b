"""Incidents: created from a verified intake, graded, led, shared, moved through their status
machine, with a timeline. Every change is an event scoped to the incident's unit and the units it
is shared with."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from command.categories import grading
from command.categories.tree import GRADES
from command.incidents import hooks
from command.incidents.models import INCIDENT_TRANSITIONS, Incident, IncidentCounter, IncidentUnit, TimelineEntry
from core.auth.principal import Principal
from core.db import UnitOfWork
from core.journal import service as journal
from core.orm import new_id, utcnow
from core.problems import forbidden, invalid, not_found
from core.states import next_state
from core.units import service as units
from core.units.models import Unit
from core.units.paths import in_subtree, path_of

NUMERIC_FACTS_MERGE = "max"  # merging intakes keeps the larger figure of each fact


def visible(by: Principal) -> Any:
    """SQL: incidents in the caller's subtree, or shared with / involving the caller's unit."""
    shared = select(IncidentUnit.incident_id).where(IncidentUnit.unit_code == by.unit_code)
    return by.path_filter(Incident.unit_path, Incident.id.in_(shared))


async def get_visible(session: AsyncSession, by: Principal, incident_id: str) -> Incident:
    row = (await session.execute(select(Incident).where(Incident.id == incident_id, visible(by)))).scalar_one_or_none()
    if row is None:
        raise not_found("incident", incident_id)
    return row


async def involved_units(session: AsyncSession, incident_id: str) -> list[IncidentUnit]:
    stmt = select(IncidentUnit).where(IncidentUnit.incident_id == incident_id).order_by(IncidentUnit.added_at)
    return list((await session.execute(stmt)).scalars())


async def scope(session: AsyncSession, incident: Incident) -> list[str]:
    return sorted({incident.unit_code, *[u.unit_code for u in await involved_units(session, incident.id)]})


async def emit(uow: UnitOfWork, incident: Incident, type: str, data: dict[str, Any] | None = None) -> None:
    uow.emit(type, subject=("incident", incident.id), scope=await scope(uow.session, incident),
             exercise=incident.exercise, data={"number": incident.number, "title": incident.title,
                                               "grade": incident.grade, "status": incident.status, **(data or {})})


async def _number(uow: UnitOfWork, unit: str, tz: str) -> str:
    day = utcnow().astimezone(ZoneInfo(tz)).strftime("%Y%m%d")
    counter = await uow.session.get(IncidentCounter, (unit, day))
    if counter is None:
        counter = IncidentCounter(unit_code=unit, day=day, last=0)
        uow.session.add(counter)
    counter.last += 1
    return f"{unit}-{day}-{counter.last:03d}"


async def create(uow: UnitOfWork, *, by: Principal, title: str, category: str, unit: str, received_at: datetime,
                 occurred_at: datetime | None, facts: dict[str, Any], description: str = "", address: str = "",
                 lat: float | None = None, lon: float | None = None, exercise: bool = False) -> Incident:
    session = uow.session
    path = await path_of(session, unit)
    tz = await units.timezone_of(session, unit, "Asia/Shanghai")
    suggested, rule = await grading.suggest(session, unit=unit, category=category, facts=facts)
    incident = Incident(id=new_id(), number=await _number(uow, unit, tz), title=title, description=description,
                        category=category, unit_code=unit, unit_path=path, address=address, lat=lat, lon=lon,
                        occurred_at=occurred_at, received_at=received_at, facts=facts, grade_suggested=suggested,
                        grade_reason=rule.description if rule else "", exercise=exercise, created_by=by.user_id)
    session.add(incident)
    session.add(IncidentUnit(incident_id=incident.id, unit_code=unit, role="lead"))
    await session.flush()
    await emit(uow, incident, "incident.created", {**incident.as_doc()})
    await hooks.changed(uow, incident, "created")
    return incident


def merge_facts(current: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    out = dict(current)
    for key, value in new.items():
        if isinstance(value, (int, float)) and isinstance(out.get(key), (int, float)):
            out[key] = max(out[key], value)
        elif value is not None:
            out.setdefault(key, value)
    return out


async def update_facts(uow: UnitOfWork, *, by: Principal, incident_id: str, facts: dict[str, Any],
                       note: str = "") -> Incident:
    """New figures replace old ones (a correction is a new figure); the grade suggestion follows."""
    session = uow.session
    incident = await get_visible(session, by, incident_id)
    before = dict(incident.facts)
    incident.facts = {**incident.facts, **facts}
    await _resuggest(uow, incident)
    incident.updated_at = utcnow()
    changed = {k: {"from": before.get(k), "to": v} for k, v in facts.items() if before.get(k) != v}
    await emit(uow, incident, "incident.facts_updated", {"changes": changed, "facts": incident.facts, "note": note,
                                                          "grade_suggested": incident.grade_suggested})
    await hooks.changed(uow, incident, "facts")
    return incident


async def _resuggest(uow: UnitOfWork, incident: Incident) -> None:
    suggested, rule = await grading.suggest(uow.session, unit=incident.unit_code, category=incident.category,
                                            facts=incident.facts)
    if suggested != incident.grade_suggested:
        incident.grade_suggested = suggested
        incident.grade_reason = rule.description if rule else ""


async def merge_intake_facts(uow: UnitOfWork, *, incident: Incident, facts: dict[str, Any],
                             occurred_at: datetime | None, received_at: datetime) -> None:
    incident.facts = merge_facts(incident.facts, facts)
    if occurred_at and (incident.occurred_at is None or occurred_at < incident.occurred_at):
        incident.occurred_at = occurred_at
    if received_at < incident.received_at:
        incident.received_at = received_at
    await _resuggest(uow, incident)
    incident.updated_at = utcnow()


async def set_grade(uow: UnitOfWork, *, by: Principal, incident_id: str, grade: str | None,
                    reason: str = "") -> Incident:
    if not by.can("incident.grade"):
        raise forbidden("confirming a grade needs a commander's or duty leader's rights")
    incident = await get_visible(uow.session, by, incident_id)
    if grade is not None and grade not in GRADES:
        raise invalid("/grade", f"unknown grade {grade}")
    if grade != incident.grade_suggested and not reason.strip():
        raise invalid("/reason", "give a reason when the grade differs from the suggested one")
    before = incident.grade
    incident.grade = grade
    incident.updated_at = utcnow()
    await emit(uow, incident, "incident.graded", {"from": before, "to": grade, "suggested": incident.grade_suggested,
                                                  "reason": reason})
    await hooks.changed(uow, incident, "grade")
    return incident


async def transition(uow: UnitOfWork, *, by: Principal, incident_id: str, action: str, reason: str = "") -> Incident:
    if not by.can("incident.manage"):
        raise forbidden("changing an incident's status needs command rights")
    incident = await get_visible(uow.session, by, incident_id)
    new = next_state(INCIDENT_TRANSITIONS, incident.status, action, what="incident")
    if action == "reopen" and not reason.strip():
        raise invalid("/reason", "give a reason to reopen an incident")
    before = incident.status
    incident.status = new
    incident.closed_at = utcnow() if new == "closed" else None
    incident.updated_at = utcnow()
    await emit(uow, incident, f"incident.{new}" if action != "reopen" else "incident.reopened",
               {"from": before, "to": new, "reason": reason})
    await hooks.changed(uow, incident, "status")
    return incident


async def set_lead(uow: UnitOfWork, *, by: Principal, incident_id: str, lead_leader: str | None = None,
                   lead_unit: str | None = None, task_force: list[str] | None = None) -> Incident:
    if not by.can("incident.manage"):
        raise forbidden("setting the lead needs command rights")
    incident = await get_visible(uow.session, by, incident_id)
    if lead_unit is not None:
        await units.require_visible(uow.session, by, lead_unit, pointer="/lead_unit")
        incident.lead_unit = lead_unit
    if lead_leader is not None:
        incident.lead_leader = lead_leader
    if task_force is not None:
        incident.task_force = task_force
    incident.updated_at = utcnow()
    await emit(uow, incident, "incident.lead_set", {"lead_leader": incident.lead_leader,
                                                    "lead_unit": incident.lead_unit, "task_force": incident.task_force})
    return incident


async def involve(uow: UnitOfWork, *, by: Principal, incident_id: str, unit: str, role: str) -> Incident:
    """Share the incident with a unit (a county invited into a city incident, or the other way)."""
    if not by.can("incident.manage"):
        raise forbidden("inviting units needs command rights")
    session = uow.session
    incident = await get_visible(session, by, incident_id)
    if await session.get(Unit, unit) is None:
        raise invalid("/unit", f"unit {unit} does not exist")
    if await session.get(IncidentUnit, (incident.id, unit, role)) is None:
        session.add(IncidentUnit(incident_id=incident.id, unit_code=unit, role=role))
        await session.flush()
        await emit(uow, incident, "incident.unit_added", {"unit": unit, "role": role, **incident.as_doc()})
    return incident


async def add_entry(uow: UnitOfWork, *, by: Principal, incident_id: str, kind: str, text: str,
                    at: datetime | None = None, significant: bool = False) -> TimelineEntry:
    incident = await get_visible(uow.session, by, incident_id)
    entry = TimelineEntry(id=new_id(), incident_id=incident.id, kind=kind, text=text, at=at or utcnow(),
                          significant=significant or kind == "significant", author_id=by.user_id,
                          author_name=by.name)
    uow.session.add(entry)
    await uow.session.flush()
    await emit(uow, incident, "incident.entry_added", {"entry": entry.as_doc()})
    return entry


async def verify_entry(uow: UnitOfWork, *, by: Principal, incident_id: str, entry_id: str) -> TimelineEntry:
    """The duty chief verifies a significant entry; only verified ones reach the wall."""
    if not by.can("incident.verify_entry"):
        raise forbidden("verifying significant events is the duty chief's")
    incident = await get_visible(uow.session, by, incident_id)
    entry = await uow.session.get(TimelineEntry, entry_id)
    if entry is None or entry.incident_id != incident.id:
        raise not_found("timeline entry", entry_id)
    if not entry.significant:
        raise invalid("/", "only significant entries are verified")
    entry.verified_by, entry.verified_by_name, entry.verified_at = by.user_id, by.name, utcnow()
    await emit(uow, incident, "incident.entry_verified", {"entry": entry.as_doc()})
    return entry


async def timeline(session: AsyncSession, incident: Incident) -> list[dict[str, Any]]:
    """The incident's journal events and the entries people added, in time order."""
    events = await journal.for_subject(session, kind="incident", subject_id=incident.id)
    entries = list((await session.execute(select(TimelineEntry).where(TimelineEntry.incident_id == incident.id)
                                          )).scalars())
    items = [{"at": e["ts"], "source": "event", "event": e} for e in events
             if e["type"] not in ("incident.entry_added", "incident.entry_verified")]
    items += [{"at": d["at"], "source": "entry", "entry": d} for d in (x.as_doc() for x in entries)]
    return sorted(items, key=lambda i: i["at"])


async def list_visible(session: AsyncSession, by: Principal, *, status: list[str] | None = None,
                       category: str | None = None, grade: str | None = None, exercise: bool = False,
                       unit: str | None = None, q: str | None = None, limit: int = 200) -> list[Incident]:
    stmt = select(Incident).where(visible(by), Incident.exercise == exercise)
    if status:
        stmt = stmt.where(Incident.status.in_(status))
    if category:
        stmt = stmt.where(or_(Incident.category == category, Incident.category.like(category + ".%")))
    if grade:
        stmt = stmt.where(Incident.grade == (None if grade == "ungraded" else grade)) if grade != "ungraded" \
            else stmt.where(Incident.grade.is_(None))
    if unit:
        path = await path_of(session, unit)
        stmt = stmt.where(in_subtree(Incident.unit_path, path))
    if q:
        stmt = stmt.where(or_(Incident.title.contains(q), Incident.number.contains(q), Incident.address.contains(q)))
    return list((await session.execute(stmt.order_by(Incident.received_at.desc()).limit(limit))).scalars())
