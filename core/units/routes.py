"""HTTP: the unit tree and facilities."""

from __future__ import annotations

from typing import Any

from core.api import Api, Ctx, Reply
from core.db import UnitOfWork
from core.units import schemas, service
from core.units.models import FACILITY_KINDS, UNIT_KINDS

api = Api("units")


@api.get("/units", summary="The unit tree the caller may see", response=schemas.UNIT_LIST,
         query={"kind": {"enum": list(UNIT_KINDS)}, "include_inactive": {"type": "boolean", "default": False}})
async def list_units(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        rows = await service.list_visible(session, ctx.principal, kind=ctx.query.get("kind"),
                                          include_inactive=ctx.query["include_inactive"])
    return Reply(200, [u.as_doc() for u in rows])


@api.get("/units/{code}", summary="One unit", response=schemas.UNIT)
async def get_unit(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        unit = await service.get_visible(session, ctx.principal, ctx.path["code"])
    return Reply(200, unit.as_doc())


@api.post("/units", summary="Create a unit under one you may see", body=schemas.UNIT_CREATE,
          response=schemas.UNIT, creates=True, permission="units.manage")
async def create_unit(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    unit = await service.create_unit(uow, by=ctx.principal, **body)
    return Reply(201, unit.as_doc())


@api.patch("/units/{code}", summary="Change a unit's name, contact, zone or location; deactivate it",
           body=schemas.UNIT_UPDATE, response=schemas.UNIT, permission="units.manage")
async def update_unit(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    unit = await service.update_unit(uow, by=ctx.principal, code=ctx.path["code"], changes=body)
    return Reply(200, unit.as_doc())


@api.get("/facilities", summary="Duty rooms, warehouses and shelters of visible units",
         response=schemas.FACILITY_LIST,
         query={"unit": schemas.CODE, "kind": {"enum": list(FACILITY_KINDS)}})
async def list_facilities(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        rows = await service.list_facilities(session, ctx.principal, unit=ctx.query.get("unit"),
                                             kind=ctx.query.get("kind"))
    return Reply(200, [f.as_doc() for f in rows])
