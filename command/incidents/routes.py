"""HTTP: incidents, their grade, status, lead, units, timeline; the category tree."""

from __future__ import annotations

from typing import Any

from command.categories import tree
from command.incidents import schemas, service
from command.incidents.views import incident_view
from core.api import Api, Ctx, Reply
from core.db import UnitOfWork

api = Api("incidents")


@api.get("/categories", summary="The category tree (after GB/T 35561)", response=schemas.CATEGORY_TREE)
async def categories(ctx: Ctx) -> Reply:
    return Reply(200, tree.tree())


@api.get("/incidents", summary="Incidents I may see (mine, my subtree's, shared with me)",
         response=schemas.INCIDENT_LIST,
         query={"status": {"type": "string", "description": "comma-separated: reported,responding,stabilised,closed"},
                "category": {"type": "string"}, "grade": {"type": "string"}, "unit": {"type": "string"},
                "q": {"type": "string", "maxLength": 100}, "exercise": {"type": "boolean", "default": False}})
async def list_incidents(ctx: Ctx) -> Reply:
    q = ctx.query
    async with ctx.db.read() as session:
        rows = await service.list_visible(session, ctx.principal,
                                          status=q["status"].split(",") if "status" in q else None,
                                          category=q.get("category"), grade=q.get("grade"), unit=q.get("unit"),
                                          q=q.get("q"), exercise=q["exercise"])
    return Reply(200, [r.as_doc() for r in rows])


@api.get("/incidents/{id}", summary="One incident: facts, grade, status, units, intakes, the next report owed",
         response=schemas.INCIDENT)
async def get_incident(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        incident = await service.get_visible(session, ctx.principal, ctx.path["id"])
        return Reply(200, await incident_view(session, incident))


@api.get("/incidents/{id}/timeline", summary="Journal events and entries, in time order", response=schemas.TIMELINE)
async def timeline(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        incident = await service.get_visible(session, ctx.principal, ctx.path["id"])
        return Reply(200, await service.timeline(session, incident))


@api.post("/incidents/{id}/facts", summary="New figures (the grade suggestion follows)", body=schemas.FACTS_UPDATE,
          response=schemas.INCIDENT, permission="intake.create")
async def update_facts(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    incident = await service.update_facts(uow, by=ctx.principal, incident_id=ctx.path["id"], facts=body["facts"],
                                          note=body.get("note", ""))
    return Reply(200, await incident_view(uow.session, incident))


@api.post("/incidents/{id}/grade", summary="Confirm or override the grade (a reason when it differs)",
          body=schemas.GRADE_SET, response=schemas.INCIDENT, permission="incident.grade")
async def set_grade(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    incident = await service.set_grade(uow, by=ctx.principal, incident_id=ctx.path["id"], grade=body["grade"],
                                       reason=body.get("reason", ""))
    return Reply(200, await incident_view(uow.session, incident))


@api.post("/incidents/{id}/status", summary="Respond, stabilise, close, reopen (with a reason)",
          body=schemas.STATUS_CHANGE, response=schemas.INCIDENT, permission="incident.manage")
async def change_status(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    incident = await service.transition(uow, by=ctx.principal, incident_id=ctx.path["id"], action=body["action"],
                                        reason=body.get("reason", ""))
    return Reply(200, await incident_view(uow.session, incident))


@api.post("/incidents/{id}/lead", summary="The lead leader, lead unit and task force (四个一)",
          body=schemas.LEAD_SET, response=schemas.INCIDENT, permission="incident.manage")
async def set_lead(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    incident = await service.set_lead(uow, by=ctx.principal, incident_id=ctx.path["id"], **body)
    return Reply(200, await incident_view(uow.session, incident))


@api.post("/incidents/{id}/units", summary="Involve a unit, or share the incident with it",
          body=schemas.UNIT_ADD, response=schemas.INCIDENT, permission="incident.manage")
async def add_unit(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    incident = await service.involve(uow, by=ctx.principal, incident_id=ctx.path["id"], unit=body["unit"],
                                     role=body["role"])
    return Reply(200, await incident_view(uow.session, incident))


@api.post("/incidents/{id}/entries", summary="Add a decision, instruction, situation update or significant event",
          body=schemas.ENTRY_CREATE, response=schemas.ENTRY, creates=True, permission="intake.create")
async def add_entry(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    entry = await service.add_entry(uow, by=ctx.principal, incident_id=ctx.path["id"], **body)
    return Reply(201, entry.as_doc())


@api.post("/incidents/{id}/entries/{entry}/verify", summary="The duty chief verifies a significant event",
          response=schemas.ENTRY, permission="incident.verify_entry")
async def verify_entry(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    entry = await service.verify_entry(uow, by=ctx.principal, incident_id=ctx.path["id"], entry_id=ctx.path["entry"])
    return Reply(200, entry.as_doc())
