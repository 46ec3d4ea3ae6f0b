"""Consultations: the convening unit invites units (down its tree, or involved in the incident) and
experts, opens the session, records attendance, opinions and decisions — a decision can become a
task in the same step, and its follow-up is that task's status — and closes it with the minutes.
Visible to the convening unit's subtree and to every invited unit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.consultations.models import CONSULTATION_TRANSITIONS, Consultation, Entry, Invitee
from command.incidents import service as incidents
from command.incidents.models import Incident
from command.tasks import service as tasks
from command.tasks.models import Task
from core.auth.principal import Principal
from core.db import UnitOfWork
from core.orm import new_id, utcnow
from core.problems import forbidden, invalid, not_found
from core.states import next_state
from core.units.models import Unit


def visible(by: Principal) -> Any:
    invited = select(Invitee.consultation_id).where(Invitee.unit_code == by.unit_code)
    return by.path_filter(Consultation.unit_path, Consultation.id.in_(invited))


async def get_visible(session: AsyncSession, by: Principal, consultation_id: str) -> Consultation:
    row = (await session.execute(select(Consultation).where(Consultation.id == consultation_id, visible(by)))
           ).scalar_one_or_none()
    if row is None:
        raise not_found("consultation", consultation_id)
    return row


async def invitees_of(session: AsyncSession, consultation_id: str) -> list[Invitee]:
    stmt = select(Invitee).where(Invitee.consultation_id == consultation_id).order_by(Invitee.unit_code, Invitee.name)
    return list((await session.execute(stmt)).scalars())


async def entries_of(session: AsyncSession, consultation_id: str) -> list[Entry]:
    stmt = select(Entry).where(Entry.consultation_id == consultation_id).order_by(Entry.at)
    return list((await session.execute(stmt)).scalars())


async def _emit(uow: UnitOfWork, c: Consultation, type: str, data: dict[str, Any] | None = None) -> None:
    units = {c.unit_code, *[i.unit_code for i in await invitees_of(uow.session, c.id) if i.unit_code]}
    uow.emit(type, subject=("consultation", c.id), scope=sorted(units), exercise=c.exercise,
             data={"consultation": c.as_doc(), **(data or {})})


def _convenor(by: Principal, c: Consultation) -> None:
    if not by.can("consult.convene") or not by.sees_path(c.unit_path):
        raise forbidden("only the convening unit runs the consultation")


async def convene(uow: UnitOfWork, *, by: Principal, title: str, kind: str, starts_at: datetime,
                  units: list[str], experts: list[dict[str, str]], agenda: str = "", place: str = "",
                  incident_id: str | None = None, exercise: bool = False) -> Consultation:
    session = uow.session
    if not by.can("consult.convene"):
        raise forbidden("convening a consultation needs command rights")
    incident = await incidents.get_visible(session, by, incident_id) if incident_id else None
    involved = {u.unit_code for u in await incidents.involved_units(session, incident.id)} if incident else set()
    found = {u.code: u for u in (await session.execute(select(Unit).where(Unit.code.in_(units)))).scalars()}
    for i, code in enumerate(units):
        unit = found.get(code)
        if unit is None or (not by.sees_path(unit.path) and code not in involved) or code == by.unit_code:
            raise invalid(f"/units/{i}", f"{code} is neither under your unit nor involved in the incident")
    c = Consultation(id=new_id(), incident_id=incident_id, unit_code=by.unit_code, unit_path=by.unit_path,
                     kind=kind, title=title, agenda=agenda, place=place, starts_at=starts_at,
                     exercise=incident.exercise if incident else exercise, convened_by_name=by.name)
    session.add(c)
    await session.flush()
    for code in dict.fromkeys(units):
        session.add(Invitee(id=new_id(), consultation_id=c.id, unit_code=code))
    for e in experts:
        session.add(Invitee(id=new_id(), consultation_id=c.id, name=e["name"], field=e.get("field", "")))
    await session.flush()
    await _emit(uow, c, "consultation.convened", {"units": units, "experts": len(experts)})
    return c


async def transition(uow: UnitOfWork, *, by: Principal, consultation_id: str, action: str,
                     minutes: str = "") -> Consultation:
    c = await get_visible(uow.session, by, consultation_id)
    _convenor(by, c)
    c.status = next_state(CONSULTATION_TRANSITIONS, c.status, action, what="consultation")
    if action == "open":
        c.opened_at = utcnow()
    if action == "close":
        if not minutes.strip():
            raise invalid("/minutes", "close a consultation with its minutes (会议纪要)")
        c.minutes, c.closed_at = minutes, utcnow()
    await _emit(uow, c, f"consultation.{c.status}")
    return c


async def attend(uow: UnitOfWork, *, by: Principal, consultation_id: str, invitee_id: str | None = None,
                 attendee: str | None = None) -> Invitee:
    """An invited unit checks in from its own terminal; the convenor records an expert's presence."""
    c = await get_visible(uow.session, by, consultation_id)
    if c.status not in ("scheduled", "in_session"):
        raise invalid("/", f"the consultation is {c.status}")
    rows = await invitees_of(uow.session, c.id)
    if invitee_id is None:
        row = next((i for i in rows if i.unit_code == by.unit_code), None)
        if row is None:
            raise forbidden("your unit is not invited")
    else:
        row = next((i for i in rows if i.id == invitee_id), None)
        if row is None:
            raise not_found("invitee", invitee_id)
        if row.unit_code != by.unit_code:
            _convenor(by, c)
    if row.attended:
        return row  # checked in already: the first time stands
    row.attended, row.attended_at = True, utcnow()
    row.attendee_name = attendee or (by.name if row.unit_code == by.unit_code else row.name) or None
    await _emit(uow, c, "consultation.attended", {"invitee": row.as_doc()})
    return row


async def speak(uow: UnitOfWork, *, by: Principal, consultation_id: str, kind: str, text: str,
                speaker: str | None = None, task: dict[str, Any] | None = None) -> Entry:
    """An opinion from an invited unit or the convenor (who also records the experts'); a decision by
    the convenor, with its task dispatched in the same step when one is given."""
    session = uow.session
    c = await get_visible(session, by, consultation_id)
    if c.status != "in_session":
        raise invalid("/", "opinions and decisions are recorded while the consultation is in session")
    convenor = by.can("consult.convene") and by.sees_path(c.unit_path)
    if kind == "decision" and not convenor:
        raise forbidden("decisions are the convening unit's")
    if not convenor and not any(i.unit_code == by.unit_code for i in await invitees_of(session, c.id)):
        raise forbidden("your unit is not invited")
    entry = Entry(id=new_id(), consultation_id=c.id, kind=kind, text=text, unit_code=by.unit_code,
                  speaker=(speaker if convenor and speaker else by.name))
    if kind == "decision" and task is not None:
        incident = await session.get(Incident, c.incident_id) if c.incident_id else None
        [made] = await tasks.dispatch_many(uow, by=by, incident=incident, exercise=c.exercise, items=[tasks.TaskSpec(
            unit=task["unit"], title=task.get("title") or text[:200],
            instructions=f"会商决定（{c.title}，{by.name}）" if not task.get("title") else text,
            priority=task.get("priority", "high"), ack_minutes=task.get("ack_minutes", 30),
            due_at=task.get("due_at"), source="consultation", source_id=c.id,
            source_ref={"consultation_id": c.id, "entry_id": entry.id}, pointer="/task/unit")])
        entry.task_id = made.id
    session.add(entry)
    await session.flush()
    await _emit(uow, c, f"consultation.{kind}", {"entry": entry.as_doc()})
    return entry


async def full(session: AsyncSession, c: Consultation) -> dict[str, Any]:
    entries = await entries_of(session, c.id)
    task_ids = [e.task_id for e in entries if e.task_id]
    follow = {t.id: t for t in (await session.execute(select(Task).where(Task.id.in_(task_ids)))).scalars()} \
        if task_ids else {}
    return {**c.as_doc(), "invitees": [i.as_doc() for i in await invitees_of(session, c.id)],
            "entries": [{**e.as_doc(), "task": follow[e.task_id].as_doc() if e.task_id in follow else None}
                        for e in entries]}


async def list_visible(session: AsyncSession, by: Principal, *, incident_id: str | None = None,
                       exercise: bool = False) -> list[Consultation]:
    stmt = select(Consultation).where(visible(by), Consultation.exercise == exercise)
    if incident_id:
        stmt = stmt.where(Consultation.incident_id == incident_id)
    return list((await session.execute(stmt.order_by(Consultation.starts_at.desc()).limit(200))).scalars())
