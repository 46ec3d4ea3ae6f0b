"""Activation (启动预案): a plan launched on an incident at a response level. It freezes the plan
version it runs, sets up the command structure, dispatches the level's tasks to the units they
resolve to, notifies who the plan names, sets the follow-up report cadence, and writes all of it
to the incident's timeline — in the caller's one unit of work, so a failure leaves nothing.

A level change (升级/降级) adds the tasks the new level has and the running response lacks, makes
obsolete (never deletes) the open ones it no longer has, and records the decision. Termination
(响应终止) closes what is open and starts the after-action evaluation (总结评估)."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.incidents import service as incidents
from command.incidents.models import Incident
from command.tasks import service as tasks
from command.tasks.models import OPEN, Task
from core.auth.principal import Principal
from core.db import UnitOfWork
from core.orm import new_id, utcnow
from core.problems import conflict, forbidden, invalid, not_found
from core.states import next_state
from core.timers import service as timers
from core.units.models import Unit
from plans_registry import document as doc
from plans_registry import service as registry
from plans_registry.models import Activation, CommandGroup, LevelDecision, Plan, PlanVersion
from plans_registry.rules import ACTIVATION_TRANSITIONS, LEVELS

REPORT_TIMER = "plans.activation.report"
EVALUATION_DAYS = 30  # the after-action evaluation is due a month after the response ends


def level_name(level: int | None) -> str:
    return LEVELS[level][0] if level else "终止"


# --- resolving a plan's actions into tasks ---------------------------------------------------------

async def _role_units(session: AsyncSession, incident: Incident, plan: Plan, role: str) -> list[str]:
    if role == "incident_unit":
        return [incident.unit_code]
    if role == "plan_owner":
        return [plan.owner_unit]
    if role == "incident_lead_unit":
        return [incident.lead_unit or incident.unit_code]
    # affected_counties: the incident's own county, and every unit marked affected.
    involved = await incidents.involved_units(session, incident.id)
    codes = [incident.unit_code, *[u.unit_code for u in involved if u.role == "affected"]]
    rows = (await session.execute(select(Unit.code, Unit.kind).where(Unit.code.in_(codes)))).all()
    kinds = {code: kind for code, kind in rows}
    counties = [c for c in dict.fromkeys(codes) if kinds.get(c) == "county"]
    return counties or [incident.unit_code]


async def planned_tasks(session: AsyncSession, incident: Incident, plan: Plan, snapshot: dict[str, Any],
                        level: int) -> list[dict[str, Any]]:
    """The tasks a level asks for, each resolved to a unit: `{key, unit, title, ...}`."""
    spec = doc.level_of(snapshot, level)
    if spec is None:
        raise invalid("/level", f"the plan has no {level_name(level)} response")
    groups = {g["key"]: g for g in snapshot["command"]["groups"]}
    out = []
    for action in spec["actions"]:
        target = action["target"]
        group = groups.get(target.get("group", ""))
        if group is not None:
            codes = [group["lead_unit"]]
        elif "unit" in target:
            codes = [target["unit"]]
        else:
            codes = await _role_units(session, incident, plan, target["role"])
        for code in codes:
            out.append({"key": action["key"], "unit": code, "title": action["title"],
                        "instructions": action.get("instructions", ""), "priority": action.get("priority", "high"),
                        "due_minutes": action["due_minutes"], "ack_minutes": action.get("ack_minutes", 30),
                        "group": group["name"] if group else ""})
    return out


async def _dispatch(uow: UnitOfWork, by: Principal, incident: Incident, activation: Activation,
                    planned: list[dict[str, Any]], level: int) -> list[Task]:
    now = utcnow()
    return await tasks.dispatch_many(uow, by=by, incident=incident, items=[tasks.TaskSpec(
        unit=p["unit"], title=p["title"], instructions=p["instructions"], priority=p["priority"],
        ack_minutes=p["ack_minutes"], due_at=now + timedelta(minutes=p["due_minutes"]), source="plan",
        source_id=activation.id, group_name=p["group"], pointer=f"/tasks/{i}/unit",
        source_ref={"activation_id": activation.id, "plan_id": activation.plan_id, "level": level, "action": p["key"]})
        for i, p in enumerate(planned)])


# --- reading ---------------------------------------------------------------------------------------

async def get_visible(session: AsyncSession, by: Principal, activation_id: str) -> tuple[Activation, Incident]:
    activation = await session.get(Activation, activation_id)
    if activation is None:
        raise not_found("activation", activation_id)
    try:
        incident = await incidents.get_visible(session, by, activation.incident_id)
    except Exception:
        raise not_found("activation", activation_id) from None
    return activation, incident


async def tasks_of(session: AsyncSession, activation_id: str) -> list[Task]:
    stmt = select(Task).where(Task.source_id == activation_id, Task.source == "plan").order_by(Task.created_at)
    return list((await session.execute(stmt)).scalars())


async def full(session: AsyncSession, activation: Activation) -> dict[str, Any]:
    groups = (await session.execute(select(CommandGroup).where(CommandGroup.activation_id == activation.id)
                                    .order_by(CommandGroup.key))).scalars()
    decisions = (await session.execute(select(LevelDecision).where(LevelDecision.activation_id == activation.id)
                                       .order_by(LevelDecision.at))).scalars()
    spec = doc.level_of(activation.snapshot, activation.level) or {}
    version = await session.get(PlanVersion, activation.version_id)
    return {**activation.as_doc(), "level_name": level_name(activation.level),
            "version_number": version.number if version else None,
            "command": {k: v for k, v in activation.snapshot["command"].items() if k != "groups"},
            "decided_by": spec.get("decided_by"), "command_by": spec.get("command_by"),
            "levels": sorted(lv["level"] for lv in activation.snapshot["levels"]),
            "groups": [g.as_doc() for g in groups], "decisions": [d.as_doc() for d in decisions],
            "tasks": [t.as_doc() for t in await tasks_of(session, activation.id)]}


async def of_incident(session: AsyncSession, incident_id: str) -> list[Activation]:
    return list((await session.execute(select(Activation).where(Activation.incident_id == incident_id)
                                       .order_by(Activation.activated_at))).scalars())


# --- acting ----------------------------------------------------------------------------------------

async def _launchable(session: AsyncSession, by: Principal, incident: Incident,
                      plan_id: str) -> tuple[Plan, PlanVersion]:
    if not by.can("plan.activate"):
        raise forbidden("launching a plan needs command rights")
    for plan, version in await registry.in_force_for(session, unit_path=incident.unit_path,
                                                     category=incident.category):
        if plan.id == plan_id:
            if by.unit_code != plan.owner_unit:  # the government whose plan it is launches it
                raise forbidden(f"{plan.name} is launched by {plan.owner_unit}, not by your unit")
            return plan, version
    raise invalid("/plan_id", "no plan in force over this incident's place and category has that id")


async def preview(session: AsyncSession, *, by: Principal, incident_id: str, plan_id: str | None,
                  level: int | None) -> dict[str, Any]:
    """What a launch would set up, for anyone who may see the incident (the county sees what the
    city would send it). Without a plan: the top suggestion; without a level: the plan's highest met."""
    from plans_registry import triggers  # triggers imports this module's neighbours, not this one

    incident = await incidents.get_visible(session, by, incident_id)
    if plan_id is None or level is None:
        found = [s for s in await triggers.suggestions(session, incident) if plan_id in (None, s["plan_id"])]
        if not found:
            raise not_found("plan suggestion for incident", incident_id)
        plan_id, level = found[0]["plan_id"], level or found[0]["level"]
    pair = next(((p, v) for p, v in await registry.in_force_for(session, unit_path=incident.unit_path,
                                                                category=incident.category) if p.id == plan_id), None)
    if pair is None:
        raise invalid("/plan_id", "no plan in force over this incident's place and category has that id")
    plan, version = pair
    planned = await planned_tasks(session, incident, plan, version.document, level)
    spec = doc.level_of(version.document, level) or {}
    return {"plan_id": plan.id, "version_id": version.id, "name": plan.name, "level": level,
            "level_name": level_name(level), "decided_by": spec.get("decided_by"),
            "notify": spec.get("notify", []), "report_every_minutes": spec.get("report_every_minutes"),
            "groups": version.document["command"]["groups"], "tasks": planned,
            "may_launch": by.can("plan.activate") and by.unit_code == plan.owner_unit}


async def activate(uow: UnitOfWork, *, by: Principal, incident_id: str, plan_id: str, level: int,
                   reason: str = "") -> Activation:
    session = uow.session
    incident = await incidents.get_visible(session, by, incident_id)
    if incident.status == "closed":
        raise conflict("the incident is closed; reopen it before launching a plan")
    plan, version = await _launchable(session, by, incident, plan_id)
    running = (await session.execute(select(Activation.id).where(
        Activation.incident_id == incident.id, Activation.plan_id == plan.id, Activation.status == "active"))).first()
    if running:
        raise conflict(f"{plan.name} is already running on this incident; change its level instead")
    snapshot = copy.deepcopy(version.document)  # later versions never change a running response
    spec = doc.level_of(snapshot, level)
    if spec is None:
        raise invalid("/level", f"the plan has no {level_name(level)} response")
    activation = Activation(id=new_id(), incident_id=incident.id, plan_id=plan.id, version_id=version.id,
                            snapshot=snapshot, level=level, status="active",
                            report_every_minutes=spec.get("report_every_minutes"), exercise=incident.exercise,
                            activated_by_name=by.name, activated_at=utcnow(), reason=reason)
    session.add(activation)
    await session.flush()
    for g in snapshot["command"]["groups"]:
        session.add(CommandGroup(activation_id=activation.id, key=g["key"], incident_id=incident.id, name=g["name"],
                                 lead_unit=g["lead_unit"], members=g.get("members", []), duties=g.get("duties", "")))
    planned = await planned_tasks(session, incident, plan, snapshot, level)
    created = await _dispatch(uow, by, incident, activation, planned, level)
    session.add(LevelDecision(id=new_id(), activation_id=activation.id, from_level=None, to_level=level,
                              reason=reason, decided_by_name=by.name, tasks_added=[t.id for t in created]))
    if incident.status == "reported":
        await incidents.transition(uow, by=by, incident_id=incident.id, action="respond")
    await _cadence(uow, activation)
    await incidents.emit(uow, incident, "incident.plan_activated", {
        "activation": activation.as_doc(), "level_name": level_name(level), "decided_by": spec["decided_by"],
        "tasks": len(created), "groups": [g["name"] for g in snapshot["command"]["groups"]]})
    _notify(uow, activation, incident, spec)
    if incident.exercise:  # a launch in an exercise incident is a drill of the plan
        await registry.record_drill(uow, by=by, plan_id=plan.id, kind="activation",
                                    held_on=await registry.today_at(session, incident.unit_code),
                                    scenario=f"演练事件：{incident.title}", unit=incident.unit_code,
                                    incident_id=incident.id, activation_id=activation.id)
    return activation


def _notify(uow: UnitOfWork, activation: Activation, incident: Incident, spec: dict[str, Any]) -> None:
    """The units the level names hear of the launch on their own screens."""
    if spec.get("notify"):
        uow.emit("plan.activation_notice", subject=("activation", activation.id), scope=spec["notify"],
                 exercise=activation.exercise,
                 data={"activation": activation.as_doc(), "incident": {"id": incident.id, "number": incident.number,
                                                                      "title": incident.title},
                       "level_name": level_name(activation.level), "units": spec["notify"]})


async def _cadence(uow: UnitOfWork, activation: Activation) -> None:
    if activation.status == "active" and activation.report_every_minutes:
        await timers.schedule(uow, kind=REPORT_TIMER, ref=activation.id,
                              due_at=utcnow() + timedelta(minutes=activation.report_every_minutes))
    else:
        await timers.cancel(uow, kind=REPORT_TIMER, ref=activation.id)


async def _commandable(uow: UnitOfWork, by: Principal, activation_id: str) -> tuple[Activation, Incident]:
    activation, incident = await get_visible(uow.session, by, activation_id)
    plan = await uow.session.get(Plan, activation.plan_id)
    if not by.can("plan.activate") or plan is None or by.unit_code != plan.owner_unit:
        raise forbidden("only the unit that launched the plan changes or ends its response")
    return activation, incident


async def change_level(uow: UnitOfWork, *, by: Principal, activation_id: str, level: int,
                       reason: str) -> Activation:
    session = uow.session
    activation, incident = await _commandable(uow, by, activation_id)
    next_state(ACTIVATION_TRANSITIONS, activation.status, "change_level", what="response")
    if level == activation.level:
        raise conflict(f"the response is already at {level_name(level)}")
    plan = await session.get(Plan, activation.plan_id)
    assert plan is not None
    spec = doc.level_of(activation.snapshot, level)
    planned = await planned_tasks(session, incident, plan, activation.snapshot, level)
    assert spec is not None
    current = [t for t in await tasks_of(session, activation.id) if t.status in OPEN]
    have = {(t.source_ref.get("action"), t.unit_code) for t in current}
    wanted = {(p["key"], p["unit"]) for p in planned}
    before = activation.level
    activation.level = level
    activation.report_every_minutes = spec.get("report_every_minutes")
    added = await _dispatch(uow, by, incident, activation, [p for p in planned if (p["key"], p["unit"]) not in have],
                            level)
    # A task the new level also asks for carries over; if the new level wants it sooner, its
    # deadline moves up (never back: a de-escalation does not relax what is already promised).
    due = {(p["key"], p["unit"]): utcnow() + timedelta(minutes=p["due_minutes"]) for p in planned}
    for t in current:
        sooner = due.get((t.source_ref.get("action"), t.unit_code))
        if sooner is not None and t.due_at is not None and sooner < t.due_at:
            await tasks.move_deadline(uow, t, due_at=sooner, reason=f"响应级别调整为{level_name(level)}")
    closed = []
    for t in current:
        if (t.source_ref.get("action"), t.unit_code) not in wanted:
            await tasks.close(uow, t, action="obsolete",
                              reason=f"响应级别由{level_name(before)}调整为{level_name(level)}，此项不再适用")
            closed.append(t.id)
    session.add(LevelDecision(id=new_id(), activation_id=activation.id, from_level=before, to_level=level,
                              reason=reason, decided_by_name=by.name, tasks_added=[t.id for t in added],
                              tasks_closed=closed))
    await _cadence(uow, activation)
    await incidents.emit(uow, incident, "incident.plan_level_changed", {
        "activation": activation.as_doc(), "from": before, "to": level, "direction": "up" if level < before else "down",
        "level_name": level_name(level), "reason": reason, "tasks_added": len(added), "tasks_closed": len(closed)})
    _notify(uow, activation, incident, spec)
    return activation


async def terminate(uow: UnitOfWork, *, by: Principal, activation_id: str, reason: str) -> Activation:
    session = uow.session
    activation, incident = await _commandable(uow, by, activation_id)
    activation.status = next_state(ACTIVATION_TRANSITIONS, activation.status, "terminate", what="response")
    activation.terminated_at, activation.terminated_by_name = utcnow(), by.name
    activation.termination_reason = reason
    closed = []
    for t in await tasks_of(session, activation.id):
        if t.status in OPEN:
            await tasks.close(uow, t, action="cancel", reason=f"响应终止：{reason}")
            closed.append(t.id)
    plan = await session.get(Plan, activation.plan_id)
    assert plan is not None
    evaluation = await tasks.dispatch(
        uow, by=by, unit=plan.owner_unit, title=f"开展总结评估：{incident.title}（{activation.snapshot['name']}）",
        instructions="对应急响应的启动、指挥、处置、保障等环节进行总结评估，提出改进措施和预案修订建议。",
        priority="normal", incident_id=incident.id, ack_minutes=24 * 60,
        due_at=utcnow() + timedelta(days=EVALUATION_DAYS), source="evaluation", source_id=activation.id,
        source_ref={"activation_id": activation.id, "plan_id": plan.id})
    activation.evaluation = {"status": "pending", "task_id": evaluation.id}
    session.add(LevelDecision(id=new_id(), activation_id=activation.id, from_level=activation.level, to_level=None,
                              reason=reason, decided_by_name=by.name, tasks_added=[evaluation.id],
                              tasks_closed=closed))
    await _cadence(uow, activation)
    await incidents.emit(uow, incident, "incident.plan_terminated", {
        "activation": activation.as_doc(), "reason": reason, "tasks_closed": len(closed)})
    return activation


async def evaluate(uow: UnitOfWork, *, by: Principal, activation_id: str, text: str,
                   lessons: list[str]) -> Activation:
    """The after-action evaluation written: recorded on the activation; its task reported done."""
    activation, incident = await _commandable(uow, by, activation_id)
    if activation.status != "terminated":
        raise conflict("the evaluation follows the end of the response")
    activation.evaluation = {**(activation.evaluation or {}), "status": "done", "text": text, "lessons": lessons,
                             "by": by.name, "at": utcnow().isoformat()}
    task = await uow.session.get(Task, (activation.evaluation or {}).get("task_id", ""))
    if task is not None:
        await tasks.finish(uow, by=by, task=task, text=text)
    await incidents.emit(uow, incident, "incident.plan_evaluated", {"activation": activation.as_doc()})
    return activation


async def on_report_timer(uow: UnitOfWork, *, activation_id: str) -> Any:
    """The level's follow-up cadence: remind the incident's duty room a 续报 is due; repeat."""
    activation = await uow.session.get(Activation, activation_id)
    if activation is None or activation.status != "active" or not activation.report_every_minutes:
        return None
    incident = await uow.session.get(Incident, activation.incident_id)
    assert incident is not None
    await incidents.emit(uow, incident, "incident.plan_report_due", {
        "activation": activation.as_doc(), "every_minutes": activation.report_every_minutes})
    return utcnow() + timedelta(minutes=activation.report_every_minutes)
