"""HTTP: resource registries and requests."""

from __future__ import annotations

from typing import Any

from command.resources import schemas, service
from core.api import Api, Ctx, Reply
from core.db import UnitOfWork

api = Api("resources")


@api.get("/resources/teams", summary="Rescue teams of my unit's subtree", response=schemas.TEAM_LIST,
         query={"type": {"type": "string"}, "status": {"type": "string"}})
async def teams(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        rows = await service.list_teams(session, ctx.principal, type=ctx.query.get("type"),
                                        status=ctx.query.get("status"))
        return Reply(200, [t.as_doc() for t in rows])


@api.get("/resources/teams/nearest",
         summary="Available teams nearest an incident (or my unit), straight line, of a type",
         response=schemas.TEAM_LIST,
         query={"incident": {"type": "string", "maxLength": 32}, "type": {"type": "string"},
                "limit": {"type": "integer", "minimum": 1, "maximum": 50, "default": 10}})
async def nearest(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        return Reply(200, await service.nearest_teams(session, ctx.principal, incident_id=ctx.query.get("incident"),
                                                      type=ctx.query.get("type"), limit=ctx.query["limit"]))


@api.post("/resources/teams/{unit}/status", summary="Deploy (to a task), stand by, release, return, rest",
          body=schemas.TEAM_ACTION, response=schemas.ONE, permission="resource.manage")
async def team_action(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    team = await service.team_action(uow, by=ctx.principal, unit=ctx.path["unit"], action=body["action"],
                                     task_id=body.get("task_id"))
    return Reply(200, team.as_doc())


@api.get("/resources/stock", summary="Warehouse stock of my unit's subtree", response=schemas.STOCK_LIST,
         query={"item": {"type": "string", "maxLength": 120}})
async def stock(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        return Reply(200, [s.as_doc() for s in await service.list_stock(session, ctx.principal,
                                                                        item=ctx.query.get("item"))])


@api.post("/resources/stock", summary="Put stock into a warehouse (入库)", body=schemas.STOCK_IN, response=schemas.ONE,
          creates=True, permission="resource.manage")
async def stock_in(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    row = await service.stock_in(uow, by=ctx.principal, facility_id=body["facility_id"], item=body["item"],
                                 measure=body["measure"], quantity=body["quantity"],
                                 reserve_type=body["reserve_type"])
    return Reply(201, row.as_doc())


@api.get("/resources/shelters", summary="Shelters of my unit's subtree: capacity and occupancy",
         response=schemas.SHELTER_LIST)
async def shelters(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        return Reply(200, await service.list_shelters(session, ctx.principal))


@api.post("/resources/shelters/{id}/occupancy", summary="How many people a shelter holds now",
          body=schemas.OCCUPANCY, response=schemas.ONE, permission="resource.manage")
async def occupancy(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    f = await service.set_occupancy(uow, by=ctx.principal, facility_id=ctx.path["id"], occupancy=body["occupancy"])
    return Reply(200, {"id": f.id, "occupancy": f.attributes.get("occupancy", 0), "capacity": f.capacity})


@api.get("/resources/experts", summary="Experts of my unit, its subtree and its superiors",
         response=schemas.EXPERT_LIST,
         query={"field": {"type": "string", "maxLength": 120}})
async def experts(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        return Reply(200, [e.as_doc() for e in await service.list_experts(session, ctx.principal,
                                                                          field=ctx.query.get("field"))])


@api.post("/resources/experts", summary="Add an expert to my unit's registry", body=schemas.EXPERT,
          response=schemas.ONE, creates=True, permission="resource.manage")
async def add_expert(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    row = await service.add_expert(uow, by=ctx.principal, name=body["name"], field=body["field"],
                                   organisation=body.get("organisation", ""), phone=body.get("phone", ""))
    return Reply(201, row.as_doc())


@api.get("/resources/requests", summary="Requests my subtree made, and those made to my unit",
         response=schemas.REQUEST_LIST, query={"exercise": {"type": "boolean", "default": False}})
async def requests(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        return Reply(200, [r.as_doc() for r in await service.list_requests(session, ctx.principal,
                                                                           exercise=ctx.query["exercise"])])


@api.post("/resources/requests", summary="Draft a request to my superior (items, team types)",
          body=schemas.REQUEST_CREATE, response=schemas.REQUEST, creates=True, permission="resource.request")
async def create_request(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    r = await service.create_request(uow, by=ctx.principal, lines=body["lines"], teams=body["teams"],
                                     urgency=body["urgency"], reason=body["reason"],
                                     incident_id=body.get("incident_id"))
    return Reply(201, r.as_doc())


@api.get("/resources/requests/{id}", summary="One request", response=schemas.REQUEST)
async def get_request(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        return Reply(200, (await service.get_request(session, ctx.principal, ctx.path["id"])).as_doc())


@api.post("/resources/requests/{id}/status",
          summary="Submit, withdraw; approve (reserving stock, in full or part), decline, dispatch; receive",
          body=schemas.REQUEST_ACTION, response=schemas.REQUEST)
async def act(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    r = await service.act_on_request(uow, by=ctx.principal, request_id=ctx.path["id"], action=body["action"],
                                     approvals=body.get("approvals"), note=body.get("note", ""))
    return Reply(200, r.as_doc())
