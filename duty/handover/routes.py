"""HTTP: handovers."""

from __future__ import annotations

from typing import Any

from core.api import Api, Ctx, Reply
from core.db import UnitOfWork
from duty.handover import schemas, service

api = Api("duty")


@api.post("/duty/handovers", summary="Start the handover of my post, with open items gathered",
          body=schemas.HANDOVER_CREATE, response=schemas.HANDOVER, creates=True, permission="duty.log.write")
async def create(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    row = await service.draft(uow, by=ctx.principal, unit=body.get("unit") or ctx.principal.unit_code,
                              post=body.get("post"), notes=body.get("notes", ""), free_items=body.get("items"))
    return Reply(201, await service.doc(uow.session, row))


@api.get("/duty/handovers", summary="Recent handovers of a unit", response=schemas.HANDOVER_LIST,
         query={"unit": {"type": "string"}})
async def list_handovers(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        unit = ctx.query.get("unit") or ctx.principal.unit_code
        from core.units import service as units

        await units.get_visible(session, ctx.principal, unit)
        return Reply(200, [await service.doc(session, r) for r in await service.recent(session, unit=unit)])


@api.get("/duty/handovers/{id}", summary="One handover with its items", response=schemas.HANDOVER)
async def get_handover(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        return Reply(200, await service.doc(session, await service.get_visible(session, ctx.principal,
                                                                               ctx.path["id"])))


@api.post("/duty/handovers/{id}/items", summary="Add a free item to a draft handover", body=schemas.ITEM_CREATE,
          response=schemas.ITEM, creates=True)
async def add_item(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    item = await service.add_item(uow, by=ctx.principal, handover_id=ctx.path["id"], title=body["title"],
                                  detail=body.get("detail", ""))
    return Reply(201, item.as_doc())


@api.post("/duty/handovers/{id}/submit", summary="Hand over (the incoming holder is asked to accept)",
          body=schemas.SUBMIT, response=schemas.HANDOVER)
async def submit(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    row = await service.submit(uow, by=ctx.principal, handover_id=ctx.path["id"], notes=body.get("notes"))
    return Reply(200, await service.doc(uow.session, row))


@api.post("/duty/handovers/{id}/items/{item}/accept", summary="Accept one item", body=schemas.ACCEPT,
          response=schemas.ITEM)
async def accept_item(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    item = await service.accept_item(uow, by=ctx.principal, handover_id=ctx.path["id"], item_id=ctx.path["item"],
                                      remark=body.get("remark", ""))
    return Reply(200, item.as_doc())


@api.post("/duty/handovers/{id}/accept", summary="Accept the handover (every remaining item)",
          body=schemas.ACCEPT, response=schemas.HANDOVER)
async def accept(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    row = await service.accept(uow, by=ctx.principal, handover_id=ctx.path["id"], remark=body.get("remark", ""))
    return Reply(200, await service.doc(uow.session, row))
