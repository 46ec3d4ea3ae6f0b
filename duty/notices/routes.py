"""HTTP: notices down the hierarchy."""

from __future__ import annotations

from typing import Any

from core.api import Api, Ctx, Reply
from core.db import UnitOfWork
from duty.notices import schemas, service

api = Api("duty")


@api.post("/notices", summary="Send a notice to subordinate units", body=schemas.NOTICE_CREATE,
          response=schemas.NOTICE, creates=True, permission="duty.notice.send")
async def send(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    notice, rows = await service.send(uow, by=ctx.principal, title=body["title"], body=body["body"],
                                      units_=body.get("units"), urgency=body["urgency"],
                                      reply_required=body["reply_required"],
                                      signfor_minutes=body.get("signfor_minutes"),
                                      attachment_ids=body.get("attachments"))
    return Reply(201, {**notice.as_doc(), "recipients": [r.as_doc() for r in rows]})


@api.get("/notices", summary="Notices addressed to my unit (unsigned first), or sent by it",
         response=schemas.NOTICE_LIST, query={"box": {"enum": ["inbox", "outbox"], "default": "inbox"}})
async def list_notices(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        if ctx.query["box"] == "outbox":
            return Reply(200, await service.outbox(session, unit=ctx.principal.unit_code))
        return Reply(200, await service.inbox(session, unit=ctx.principal.unit_code))


@api.get("/notices/{id}", summary="One notice with every recipient's status", response=schemas.NOTICE)
async def get_notice(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        notice = await service.get_visible(session, ctx.principal, ctx.path["id"])
        rows = await service.recipients(session, notice.id)
    return Reply(200, {**notice.as_doc(), "recipients": [r.as_doc() for r in rows]})


@api.post("/notices/{id}/sign", summary="Sign for a notice (签收), one action", response=schemas.RECIPIENT_DOC,
          permission="duty.notice.sign")
async def sign(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    return Reply(200, (await service.sign(uow, by=ctx.principal, notice_id=ctx.path["id"])).as_doc())


@api.post("/notices/{id}/reply", summary="Reply to a notice (signs for it too)", body=schemas.REPLY,
          response=schemas.RECIPIENT_DOC, permission="duty.notice.sign")
async def reply(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    row = await service.reply(uow, by=ctx.principal, notice_id=ctx.path["id"], text=body["text"])
    return Reply(200, row.as_doc())


@api.post("/notices/{id}/withdraw", summary="Withdraw a notice (sender)", response=schemas.NOTICE,
          permission="duty.notice.send")
async def withdraw(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    return Reply(200, (await service.withdraw(uow, by=ctx.principal, notice_id=ctx.path["id"])).as_doc())
