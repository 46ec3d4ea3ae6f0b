"""HTTP: consultations (会商研判)."""

from __future__ import annotations

from typing import Any

from command.consultations import schemas, service
from core.api import Api, Ctx, Reply
from core.db import UnitOfWork

api = Api("consultations")


@api.post("/consultations", summary="Convene a consultation: invite units and experts", body=schemas.CONVENE,
          response=schemas.CONSULTATION, creates=True, permission="consult.convene")
async def convene(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    c = await service.convene(uow, by=ctx.principal, **body)
    return Reply(201, await service.full(uow.session, c))


@api.get("/consultations", summary="Consultations my unit convened or is invited to",
         response=schemas.CONSULTATION_LIST,
         query={"incident": {"type": "string"}, "exercise": {"type": "boolean", "default": False}})
async def list_consultations(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        rows = await service.list_visible(session, ctx.principal, incident_id=ctx.query.get("incident"),
                                          exercise=ctx.query["exercise"])
        return Reply(200, [await service.full(session, c) for c in rows])


@api.get("/consultations/{id}", summary="One consultation: invitees, attendance, opinions, decisions and their tasks",
         response=schemas.CONSULTATION)
async def get_consultation(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        return Reply(200, await service.full(session, await service.get_visible(session, ctx.principal,
                                                                               ctx.path["id"])))


@api.post("/consultations/{id}/status", summary="Open, close (with the minutes) or cancel", body=schemas.ACTION,
          response=schemas.CONSULTATION, permission="consult.convene")
async def change(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    c = await service.transition(uow, by=ctx.principal, consultation_id=ctx.path["id"], **body)
    return Reply(200, await service.full(uow.session, c))


@api.post("/consultations/{id}/attend", summary="Check in (an invited unit), or record an expert present",
          body=schemas.ATTEND, response=schemas.CONSULTATION)
async def attend(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    await service.attend(uow, by=ctx.principal, consultation_id=ctx.path["id"], **body)
    return Reply(200, await service.full(uow.session, await service.get_visible(uow.session, ctx.principal,
                                                                               ctx.path["id"])))


@api.post("/consultations/{id}/entries", summary="An opinion, or a decision (optionally dispatched as a task)",
          body=schemas.ENTRY, response=schemas.CONSULTATION, creates=True)
async def speak(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    await service.speak(uow, by=ctx.principal, consultation_id=ctx.path["id"], **body)
    return Reply(201, await service.full(uow.session, await service.get_visible(uow.session, ctx.principal,
                                                                               ctx.path["id"])))
