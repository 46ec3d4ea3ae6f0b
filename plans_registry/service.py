"""The plan registry: importing documents as immutable versions, approving (印发), filing (备案) and
retiring them, the review and drill cycles, review reminders, and drill records.

Visibility: a unit sees the plans of its own subtree and of every unit above it (a county works
under the city's plans); it manages only its own subtree's."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from command.categories.tree import in_prefix
from command.tasks import service as tasks
from core.auth.principal import Principal
from core.db import UnitOfWork
from core.journal import service as journal
from core.orm import new_id, utcnow
from core.problems import Problem, forbidden, invalid, not_found
from core.states import next_state
from core.timers import service as timers
from core.units import service as units
from core.units.models import JURISDICTION_KINDS, Unit
from core.units.paths import ancestors_from_path, path_of
from plans_registry import document as doc
from plans_registry.models import Drill, Plan, PlanCycleRule, PlanVersion
from plans_registry.rules import (
    DEFAULT_CYCLES,
    FILING_SOURCE,
    FILING_WORKING_DAYS,
    IN_FORCE,
    REVIEW_REMINDER_DAYS,
    UNIT_DRILL_MONTHS,
    VERSION_TRANSITIONS,
)

REVIEW_TIMER = "plans.review"
FILING_TIMER = "plans.filing"


def visible(by: Principal) -> Any:
    return by.path_filter(Plan.owner_path, Plan.owner_unit.in_(ancestors_from_path(by.unit_path)))


async def get_visible(session: AsyncSession, by: Principal, plan_id: str) -> Plan:
    plan = (await session.execute(select(Plan).where(Plan.id == plan_id, visible(by)))).scalar_one_or_none()
    if plan is None:
        raise not_found("plan", plan_id)
    return plan


async def _manageable(session: AsyncSession, by: Principal, plan_id: str) -> Plan:
    plan = await get_visible(session, by, plan_id)
    if not by.can("plan.manage") or not by.sees_path(plan.owner_path):
        raise forbidden("only the owner unit's plan officers manage this plan")
    return plan


def emit(uow: UnitOfWork, plan: Plan, type: str, data: dict[str, Any] | None = None) -> None:
    uow.emit(type, subject=("plan", plan.id), scope=[plan.owner_unit],
             data={"plan": {"id": plan.id, "code": plan.code, "name": plan.name, "owner_unit": plan.owner_unit},
                   **(data or {})})


async def today_at(session: AsyncSession, unit: str) -> date:
    tz = await units.timezone_of(session, unit, "Asia/Shanghai")
    return utcnow().astimezone(ZoneInfo(tz)).date()


# --- cycles ---------------------------------------------------------------------------------------

async def seed_cycles(uow: UnitOfWork, *, unit: str) -> int:
    if (await uow.session.execute(select(PlanCycleRule).where(PlanCycleRule.unit_code == unit))).first():
        return 0
    for kind, (review, drill, source) in DEFAULT_CYCLES.items():
        uow.session.add(PlanCycleRule(unit_code=unit, kind=kind, review_months=review, drill_months=drill,
                                      filing_working_days=FILING_WORKING_DAYS, source=f"{source}；{FILING_SOURCE}"))
    await uow.session.flush()
    uow.emit("plans.cycles_seeded", subject=("unit", unit), scope=[unit], data={"unit": unit,
                                                                              "kinds": list(DEFAULT_CYCLES)})
    return len(DEFAULT_CYCLES)


async def cycles_for(session: AsyncSession, *, unit: str, kind: str) -> dict[str, Any]:
    """The nearest jurisdiction's rule for this kind of plan, else the defaults."""
    chain = ancestors_from_path(await path_of(session, unit))
    rows = {r.unit_code: r for r in (await session.execute(select(PlanCycleRule).where(
        PlanCycleRule.unit_code.in_(chain), PlanCycleRule.kind == kind))).scalars()}
    for code in reversed(chain):
        if code in rows:
            return rows[code].as_doc()
    review, drill, source = DEFAULT_CYCLES[kind]
    return {"unit": None, "kind": kind, "review_months": review, "drill_months": drill,
            "filing_working_days": FILING_WORKING_DAYS, "source": f"{source}；{FILING_SOURCE}"}


async def cycles_in_force(session: AsyncSession, *, unit: str) -> list[dict[str, Any]]:
    return [await cycles_for(session, unit=unit, kind=k) for k in DEFAULT_CYCLES]


# --- import and versions ----------------------------------------------------------------------------

async def check_units(session: AsyncSession, document: dict[str, Any]) -> list[dict[str, str]]:
    named = doc.unit_codes(document)
    known = set((await session.execute(select(Unit.code).where(Unit.code.in_({c for _p, c in named})))).scalars())
    return [{"pointer": p, "message": f"no unit {c}"} for p, c in named if c not in known]


async def validate_document(session: AsyncSession, document: Any) -> list[dict[str, str]]:
    errors = doc.check(document)
    if not errors:
        errors = await check_units(session, document)
    return errors


async def import_document(uow: UnitOfWork, *, by: Principal, document: Any,
                          note: str = "") -> tuple[PlanVersion, bool]:
    """(a new draft version of the plan the document's owner and code name — the plan created if
    new —, True); or (the latest version, False) when the document is the same as it."""
    session = uow.session
    if not by.can("plan.manage"):
        raise forbidden("importing plans needs plan management rights")
    errors = await validate_document(session, document)
    if errors:
        raise Problem(422, f"{len(errors)} error(s) in the plan document", title="Invalid plan",
                      type="/problems/invalid", errors=errors)
    owner = await session.get(Unit, document["owner_unit"])
    assert owner is not None
    if not by.sees_path(owner.path):
        raise invalid("/owner_unit", f"{owner.code} is not your unit or under it")
    plan = (await session.execute(select(Plan).where(Plan.owner_unit == owner.code,
                                                     Plan.code == document["code"]))).scalar_one_or_none()
    previous = None
    if plan is None:
        plan = Plan(id=new_id(), code=document["code"], owner_unit=owner.code, owner_path=owner.path,
                    name=document["name"], kind=document["kind"], categories=document["categories"])
        session.add(plan)
        await session.flush()
    else:
        previous = await latest_version(session, plan.id)
    digest = doc.digest(document)
    if previous is not None and previous.digest == digest:
        return previous, False  # the same document again (a re-upload, a sync): nothing new
    plan.latest_number += 1
    plan.name, plan.kind, plan.categories = document["name"], document["kind"], document["categories"]
    plan.updated_at = utcnow()
    version = PlanVersion(id=new_id(), plan_id=plan.id, number=plan.latest_number, document=document, digest=digest,
                          status="draft", note=note, created_by_name=by.name)
    session.add(version)
    await session.flush()
    changes = doc.diff(previous.document, document) if previous else []
    emit(uow, plan, "plan.version_imported", {"version": version.as_doc(with_document=False),
                                              "changes": len(changes),
                                              "previous": previous.number if previous else None})
    return version, True


async def latest_version(session: AsyncSession, plan_id: str) -> PlanVersion | None:
    return (await session.execute(select(PlanVersion).where(PlanVersion.plan_id == plan_id)
                                  .order_by(PlanVersion.number.desc()).limit(1))).scalar_one_or_none()


async def versions_of(session: AsyncSession, plan_id: str) -> list[PlanVersion]:
    return list((await session.execute(select(PlanVersion).where(PlanVersion.plan_id == plan_id)
                                       .order_by(PlanVersion.number))).scalars())


async def get_version(session: AsyncSession, by: Principal, plan_id: str, version_id: str) -> PlanVersion:
    await get_visible(session, by, plan_id)
    version = await session.get(PlanVersion, version_id)
    if version is None or version.plan_id != plan_id:
        raise not_found("plan version", version_id)
    return version


async def change_status(uow: UnitOfWork, *, by: Principal, plan_id: str, version_id: str, action: str,
                        filed_with: str | None = None, note: str = "") -> PlanVersion:
    session = uow.session
    plan = await _manageable(session, by, plan_id)
    version = await get_version(session, by, plan_id, version_id)
    before = version.status
    version.status = next_state(VERSION_TRANSITIONS, version.status, action, what="plan version")
    now = utcnow()
    if action == "approve":
        current = await session.get(PlanVersion, plan.current_version_id) if plan.current_version_id else None
        if current is not None and current.status in IN_FORCE:
            current.status = next_state(VERSION_TRANSITIONS, current.status, "supersede", what="plan version")
            current.ended_at = now
            emit(uow, plan, "plan.version_superseded", {"version": current.as_doc(with_document=False)})
        version.approved_at, version.approved_by_name = now, by.name
        plan.current_version_id = version.id
        cycles = await cycles_for(session, unit=plan.owner_unit, kind=plan.kind)
        issued = date.fromisoformat(version.document["issued_on"])
        version.filing_due_on = doc.add_working_days(max(issued, await today_at(session, plan.owner_unit)),
                                                     cycles["filing_working_days"])
        await _plan_cycles(uow, plan, version, cycles)
        await timers.schedule(uow, kind=FILING_TIMER, ref=plan.id,
                              due_at=await _day_start(session, plan.owner_unit, version.filing_due_on),
                              payload={"version_id": version.id})
    elif action == "file":
        if not filed_with:
            raise invalid("/filed_with", "name the superior unit the plan is filed with")
        superiors = ancestors_from_path(plan.owner_path)[:-1]
        # A root unit files with a superior outside this installation (the city with the province):
        # named, not a unit code here.
        if superiors and filed_with not in superiors:
            raise invalid("/filed_with", f"{filed_with} is not a unit above {plan.owner_unit}")
        if not superiors and await session.get(Unit, filed_with) is not None:
            raise invalid("/filed_with", f"{filed_with} is a unit of this installation, not above {plan.owner_unit}")
        version.filed_with, version.filed_at, version.filed_by_name = filed_with, now, by.name
        await timers.cancel(uow, kind=FILING_TIMER, ref=plan.id)
    elif action == "retire":
        version.ended_at = now
        if plan.current_version_id == version.id:
            plan.current_version_id = None
            plan.next_review_on = plan.next_drill_on = None
            await _cancel_review_timers(uow, plan)
            await timers.cancel(uow, kind=FILING_TIMER, ref=plan.id)
    plan.updated_at = now
    late = (action == "file" and version.filing_due_on is not None
            and (await today_at(session, plan.owner_unit)) > version.filing_due_on)
    emit(uow, plan, f"plan.{version.status}", {"version": version.as_doc(with_document=False), "from": before,
                                               "note": note, "filed_late": late})
    return version


async def _day_start(session: AsyncSession, unit: str, day: date) -> datetime:
    tz = ZoneInfo(await units.timezone_of(session, unit, "Asia/Shanghai"))
    return datetime.combine(day, time(9, 0), tzinfo=tz)  # reminders arrive at the start of office hours


async def _plan_cycles(uow: UnitOfWork, plan: Plan, version: PlanVersion, cycles: dict[str, Any]) -> None:
    d = version.document
    issued = date.fromisoformat(d["issued_on"])
    plan.next_review_on = doc.add_months(issued, d.get("review_months") or cycles["review_months"])
    drill_months = d.get("drill_months") or cycles["drill_months"]
    plan.next_drill_on = doc.add_months(plan.last_drill_on or issued, drill_months)
    await _cancel_review_timers(uow, plan)
    now = utcnow()
    for days in (*REVIEW_REMINDER_DAYS, 0):
        due = await _day_start(uow.session, plan.owner_unit, plan.next_review_on - timedelta(days=days))
        if due > now:
            await timers.schedule(uow, kind=REVIEW_TIMER, ref=f"{plan.id}:{days}", due_at=due,
                                  payload={"plan_id": plan.id, "days": days,
                                           "review_on": plan.next_review_on.isoformat()})
        elif days == 0:  # approved already past its review date (an old plan entered late): say so now
            emit(uow, plan, "plan.review_overdue", {"review_on": plan.next_review_on.isoformat(), "days_left": 0})


async def _cancel_review_timers(uow: UnitOfWork, plan: Plan) -> None:
    for days in (*REVIEW_REMINDER_DAYS, 0):
        await timers.cancel(uow, kind=REVIEW_TIMER, ref=f"{plan.id}:{days}")


async def on_review_timer(uow: UnitOfWork, *, payload: dict[str, Any]) -> None:
    plan = await uow.session.get(Plan, payload["plan_id"])
    if plan is None or plan.next_review_on is None or plan.next_review_on.isoformat() != payload["review_on"]:
        return  # reviewed since, or retired: the reminder is stale
    kind = "plan.review_overdue" if payload["days"] == 0 else "plan.review_due"
    emit(uow, plan, kind, {"review_on": payload["review_on"], "days_left": payload["days"]})


async def on_filing_timer(uow: UnitOfWork, *, plan_id: str, payload: dict[str, Any]) -> None:
    version = await uow.session.get(PlanVersion, payload.get("version_id", ""))
    plan = await uow.session.get(Plan, plan_id)
    if plan is None or version is None or version.status != "approved":
        return
    emit(uow, plan, "plan.filing_overdue", {"version": version.as_doc(with_document=False)})


# --- reading ----------------------------------------------------------------------------------------

def summary(plan: Plan, current: PlanVersion | None, latest: PlanVersion | None, today: date) -> dict[str, Any]:
    shown = current or latest
    return {"id": plan.id, "code": plan.code, "name": plan.name, "kind": plan.kind, "owner_unit": plan.owner_unit,
            "categories": plan.categories, "status": shown.status if shown else "none",
            "version": shown.number if shown else None, "current_version_id": plan.current_version_id,
            "latest_version": latest.number if latest else None,
            "latest_status": latest.status if latest else None,
            "version_label": shown.document.get("version_label", "") if shown else "",
            "issued_on": shown.document.get("issued_on") if shown else None,
            "next_review_on": plan.next_review_on.isoformat() if plan.next_review_on else None,
            "next_drill_on": plan.next_drill_on.isoformat() if plan.next_drill_on else None,
            "last_drill_on": plan.last_drill_on.isoformat() if plan.last_drill_on else None,
            "filing_due_on": current.filing_due_on.isoformat() if current and current.filing_due_on else None,
            "filed_with": current.filed_with if current else None,
            "review_overdue": bool(plan.next_review_on and plan.next_review_on < today),
            "drill_overdue": bool(plan.next_drill_on and plan.next_drill_on < today),
            "filing_overdue": bool(current and current.status == "approved" and current.filing_due_on
                                   and current.filing_due_on < today)}


async def list_plans(session: AsyncSession, by: Principal, *, kind: str | None = None, category: str | None = None,
                     owner: str | None = None, status: str | None = None, review_due_days: int | None = None,
                     q: str | None = None) -> list[dict[str, Any]]:
    stmt = select(Plan).where(visible(by))
    if kind:
        stmt = stmt.where(Plan.kind == kind)
    if owner:
        stmt = stmt.where(Plan.owner_unit == owner)
    if q:
        stmt = stmt.where(or_(Plan.name.contains(q), Plan.code.contains(q)))
    plans = list((await session.execute(stmt.order_by(Plan.owner_path, Plan.kind, Plan.code))).scalars())
    if category:
        plans = [p for p in plans if any(in_prefix(category, c) or in_prefix(c, category) for c in p.categories)]
    today = await today_at(session, by.unit_code)
    if review_due_days is not None:
        limit = today + timedelta(days=review_due_days)
        plans = [p for p in plans if p.next_review_on is not None and p.next_review_on <= limit]
    versions = {v.id: v for v in (await session.execute(select(PlanVersion).where(
        PlanVersion.plan_id.in_([p.id for p in plans])))).scalars()}
    latest: dict[str, PlanVersion] = {}
    for v in versions.values():
        if v.plan_id not in latest or v.number > latest[v.plan_id].number:
            latest[v.plan_id] = v
    out = [summary(p, versions.get(p.current_version_id or ""), latest.get(p.id), today) for p in plans]
    if status:
        out = [s for s in out if status in (s["status"], s["latest_status"])]
    return out


async def full(session: AsyncSession, by: Principal, plan_id: str) -> dict[str, Any]:
    plan = await get_visible(session, by, plan_id)
    versions = await versions_of(session, plan.id)
    current = next((v for v in versions if v.id == plan.current_version_id), None)
    today = await today_at(session, by.unit_code)
    docs = []
    for i, v in enumerate(versions):
        d = v.as_doc()
        d["diff"] = doc.diff(versions[i - 1].document, v.document) if i else []
        docs.append(d)
    drills = list((await session.execute(select(Drill).where(Drill.plan_id == plan.id)
                                         .order_by(Drill.held_on.desc()))).scalars())
    return {"plan": summary(plan, current, versions[-1] if versions else None, today), "versions": docs,
            "drills": [d.as_doc() for d in drills],
            "history": await journal.for_subject(session, kind="plan", subject_id=plan.id),
            "cycles": await cycles_for(session, unit=plan.owner_unit, kind=plan.kind),
            "manage": by.can("plan.manage") and by.sees_path(plan.owner_path)}


async def in_force_for(session: AsyncSession, *, unit_path: str, category: str) -> list[tuple[Plan, PlanVersion]]:
    """Plans in force over a place (its own and every unit's above it) that cover the category."""
    chain = ancestors_from_path(unit_path)
    plans = list((await session.execute(select(Plan).where(Plan.owner_unit.in_(chain),
                                                           Plan.current_version_id.is_not(None)))).scalars())
    plans = [p for p in plans if any(in_prefix(category, c) for c in p.categories)]
    versions = {v.id: v for v in (await session.execute(select(PlanVersion).where(
        PlanVersion.id.in_([p.current_version_id for p in plans])))).scalars()}
    return [(p, versions[p.current_version_id]) for p in plans
            if p.current_version_id in versions and versions[p.current_version_id].status in IN_FORCE]


# --- drills -------------------------------------------------------------------------------------------

async def record_drill(uow: UnitOfWork, *, by: Principal, plan_id: str, kind: str, held_on: date, scenario: str,
                       unit: str | None = None, location: str = "", participants: list[dict[str, Any]] | None = None,
                       findings: str = "", rating: str | None = None, revisions: list[dict[str, Any]] | None = None,
                       incident_id: str | None = None, activation_id: str | None = None) -> Drill:
    """A drill held on the plan; each revision its findings call for becomes a task for the unit
    that must revise (the plan's owner unless named), tracked like any task."""
    session = uow.session
    plan = await get_visible(session, by, plan_id)
    if activation_id is None and (not by.can("plan.manage") or not by.sees_path(plan.owner_path)):
        raise forbidden("only the owner unit's plan officers record drills on this plan")
    drill_unit = unit or by.unit_code
    await units.require_visible(session, by, drill_unit, pointer="/unit")
    if held_on > await today_at(session, drill_unit):
        raise invalid("/held_on", "a drill is recorded after it is held")
    drill = Drill(id=new_id(), plan_id=plan.id, version_id=plan.current_version_id, unit_code=drill_unit,
                  unit_path=await path_of(session, drill_unit), kind=kind, held_on=held_on, scenario=scenario,
                  location=location, participants=participants or [], findings=findings, rating=rating,
                  incident_id=incident_id, activation_id=activation_id, recorded_by_name=by.name)
    session.add(drill)
    await session.flush()
    task_ids = []
    tz = ZoneInfo(await units.timezone_of(session, plan.owner_unit, "Asia/Shanghai"))
    for i, rev in enumerate(revisions or []):
        due = (datetime.combine(date.fromisoformat(rev["due_on"]), time(17, 30), tzinfo=tz)
               if rev.get("due_on") else None)
        task = await tasks.dispatch(uow, by=by, unit=rev.get("unit") or plan.owner_unit, title=rev["title"],
                                    instructions=rev.get("instructions", "") or f"演练发现问题整改：{plan.name}",
                                    priority="normal", ack_minutes=24 * 60, due_at=due, source="drill",
                                    source_id=drill.id,
                                    source_ref={"drill_id": drill.id, "plan_id": plan.id},
                                    pointer=f"/revisions/{i}/unit")
        task_ids.append(task.id)
    drill.revision_task_ids = task_ids
    if plan.last_drill_on is None or held_on > plan.last_drill_on:
        plan.last_drill_on = held_on
        current = await session.get(PlanVersion, plan.current_version_id) if plan.current_version_id else None
        if current is not None:
            cycles = await cycles_for(session, unit=plan.owner_unit, kind=plan.kind)
            plan.next_drill_on = doc.add_months(held_on, current.document.get("drill_months")
                                                or cycles["drill_months"])
    emit(uow, plan, "plan.drill_recorded", {"drill": drill.as_doc()})
    return drill


async def drill_status(session: AsyncSession, by: Principal) -> list[dict[str, Any]]:
    """Per jurisdiction I may see: drills in the last year, the last one, and whether the yearly
    requirement is met; and its plans whose own drill cycle has run out."""
    today = await today_at(session, by.unit_code)
    since = doc.add_months(today, -UNIT_DRILL_MONTHS)
    juris = [u for u in await units.list_visible(session, by) if u.kind in JURISDICTION_KINDS]
    drills = list((await session.execute(select(Drill).where(by.path_filter(Drill.unit_path))
                                          .order_by(Drill.held_on))).scalars())
    plans = list((await session.execute(select(Plan).where(by.path_filter(Plan.owner_path),
                                                           Plan.current_version_id.is_not(None)))).scalars())
    codes = {u.code for u in juris}

    def owner_of(d: Drill) -> str | None:
        """The nearest jurisdiction at or above the unit that held it (a county's team drills for the county)."""
        return next((c for c in reversed(ancestors_from_path(d.unit_path)) if c in codes), None)

    out = []
    for u in juris:
        mine = [d for d in drills if owner_of(d) == u.code]
        recent = [d for d in mine if d.held_on >= since]
        out.append({"unit": u.code, "name": u.name, "drills_last_year": len(recent),
                    "last_drill_on": mine[-1].held_on.isoformat() if mine else None,
                    "yearly_met": bool(recent),
                    "plans_drill_overdue": [{"id": p.id, "code": p.code, "name": p.name,
                                             "next_drill_on": p.next_drill_on.isoformat()}
                                            for p in plans if p.owner_unit == u.code and p.next_drill_on
                                            and p.next_drill_on < today]})
    return out


async def overdue_reviews(session: AsyncSession, by: Principal) -> list[dict[str, Any]]:
    """Plans in my subtree past their review date, per owner unit."""
    today = await today_at(session, by.unit_code)
    rows = (await session.execute(select(Plan).where(by.path_filter(Plan.owner_path),
                                                     Plan.next_review_on < today).order_by(Plan.owner_path,
                                                                                           Plan.next_review_on))
            ).scalars()
    out: dict[str, list[dict[str, Any]]] = {}
    for p in rows:
        out.setdefault(p.owner_unit, []).append({"id": p.id, "code": p.code, "name": p.name,
                                                 "next_review_on": str(p.next_review_on)})
    return [{"unit": u, "plans": ps} for u, ps in out.items()]
