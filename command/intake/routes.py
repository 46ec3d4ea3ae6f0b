"""HTTP: intake (CONTRACT.md: POST /intakes, /intakes/{id}/verify, /intakes/{id}/reject)."""

from __future__ import annotations

from typing import Any

from command.incidents import service as incidents
from command.incidents.schemas import INCIDENT
from command.intake import schemas, service
from core.api import Api, Ctx, Reply
from core.db import UnitOfWork

api = Api("intake")


@api.post("/intakes", summary="Take a report (接报)", body=schemas.INTAKE_CREATE, response=schemas.INTAKE,
          creates=True, permission="intake.create",
          description="Idempotent with Idempotency-Key: other systems retry safely.")
async def create(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    intake = await service.create(uow, by=ctx.principal, data=body)
    return Reply(201, intake.as_doc())


@api.get("/intakes", summary="The intake queue (newest first)", response=schemas.INTAKE_LIST,
         query={"status": {"type": "string", "description": "comma-separated statuses"},
                "exercise": {"type": "boolean", "default": False}})
async def list_intakes(ctx: Ctx) -> Reply:
    status = ctx.query["status"].split(",") if "status" in ctx.query else None
    async with ctx.db.read() as session:
        rows = await service.queue(session, ctx.principal, status=status, exercise=ctx.query["exercise"])
    return Reply(200, [r.as_doc() for r in rows])


@api.get("/intakes/{id}", summary="One intake", response=schemas.INTAKE)
async def get_intake(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        return Reply(200, (await service.get_visible(session, ctx.principal, ctx.path["id"])).as_doc())


@api.get("/intakes/{id}/duplicates", summary="Possible duplicates: same kind, near in space and time",
         response=schemas.SUGGESTIONS)
async def duplicates(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        intake = await service.get_visible(session, ctx.principal, ctx.path["id"])
        return Reply(200, await service.duplicates(session, ctx.principal, intake))


@api.post("/intakes/{id}/take", summary="I am handling this intake (others see it; the lease expires)",
          response=schemas.INTAKE, permission="intake.create")
async def take(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    return Reply(200, (await service.take(uow, by=ctx.principal, intake_id=ctx.path["id"])).as_doc())


@api.post("/intakes/{id}/release", summary="Give the intake back to the queue", response=schemas.INTAKE,
          permission="intake.create")
async def release(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    return Reply(200, (await service.release(uow, by=ctx.principal, intake_id=ctx.path["id"])).as_doc())


@api.post("/intakes/{id}/verify", summary="Verified: a new incident, or merge into one (并案)",
          body=schemas.VERIFY, response=INCIDENT, permission="intake.verify")
async def verify(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    incident = await service.verify(uow, by=ctx.principal, intake_id=ctx.path["id"],
                                    merge_into=body.get("merge_into"), title=body.get("title"))
    return Reply(200, {**incident.as_doc(),
                       "units": [{"unit": u.unit_code, "role": u.role}
                                 for u in await incidents.involved_units(uow.session, incident.id)]})


@api.post("/intakes/{id}/reject", summary="Rejected, with the reason", body=schemas.REJECT, response=schemas.INTAKE,
          permission="intake.verify")
async def reject(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    row = await service.reject(uow, by=ctx.principal, intake_id=ctx.path["id"], reason=body["reason"])
    return Reply(200, row.as_doc())


@api.post("/intakes/{id}/duplicate", summary="A repeat of another intake", body=schemas.DUPLICATE,
          response=schemas.INTAKE, permission="intake.verify")
async def duplicate(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    row = await service.mark_duplicate(uow, by=ctx.principal, intake_id=ctx.path["id"], of=body["of"])
    return Reply(200, row.as_doc())
