"""HTTP: information reports (CONTRACT.md: POST /incidents/{id}/reports, POST /reports/{id}/sign)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from command.reports import schemas, service
from core.api import Api, Ctx, Reply
from core.db import UnitOfWork
from core.orm import utcnow

api = Api("reports")


@api.post("/incidents/{id}/reports", summary="Draft a report: initial (首报), follow-up (续报) or final (终报)",
          body=schemas.REPORT_CREATE, response=schemas.REPORT, creates=True, permission="report.draft")
async def draft(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    report = await service.draft(uow, by=ctx.principal, incident_id=ctx.path["id"], kind=body["kind"],
                                 content=body.get("content"), changes=body.get("changes"))
    return Reply(201, report.as_doc())


@api.get("/incidents/{id}/reports", summary="An incident's reports, oldest first", response=schemas.REPORT_LIST)
async def list_reports(ctx: Ctx) -> Reply:
    from command.incidents import service as incidents

    async with ctx.db.read() as session:
        incident = await incidents.get_visible(session, ctx.principal, ctx.path["id"])
        return Reply(200, [r.as_doc() for r in await service.reports_of(session, incident.id)])


@api.get("/reports/inbox", summary="Reports submitted to my unit (unread first)", response=schemas.REPORT_LIST,
         query={"exercise": {"type": "boolean", "default": False}})
async def inbox(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        return Reply(200, await service.inbox(session, ctx.principal, exercise=ctx.query["exercise"]))


@api.get("/reports/timeliness", summary="Per unit: reports submitted, on time, late, rate", response=schemas.TIMELINESS,
         query={"from": {"type": "string", "format": "date-time"}, "to": {"type": "string", "format": "date-time"}})
async def timeliness(ctx: Ctx) -> Reply:
    end = ctx.query.get("to") or utcnow()
    start = ctx.query.get("from") or end - timedelta(days=30)
    async with ctx.db.read() as session:
        return Reply(200, await service.timeliness(session, ctx.principal, start=start, end=end))


@api.get("/reports/owed", summary="The reports my unit owes now, soonest deadline first", response=schemas.OWED,
         query={"unit": {"type": "string"}})
async def owed(ctx: Ctx) -> Reply:
    from core.units import service as units

    unit = ctx.query.get("unit") or ctx.principal.unit_code
    async with ctx.db.read() as session:
        await units.get_visible(session, ctx.principal, unit)
        return Reply(200, await service.owed_by(session, ctx.principal, unit=unit))


@api.get("/reports/rules", summary="The reporting deadlines that bind my unit, with their clocks and sources",
         response=schemas.RULES)
async def rules(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        return Reply(200, [r.as_doc() for r in await service.rules_for(session, ctx.principal.unit_code)])


@api.get("/reports/{id}", summary="One report", response=schemas.REPORT)
async def get_report(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        report, _incident = await service.get_visible(session, ctx.principal, ctx.path["id"])
        return Reply(200, report.as_doc())


@api.patch("/reports/{id}", summary="Edit a draft", body=schemas.REPORT_EDIT, response=schemas.REPORT,
           permission="report.draft")
async def edit(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    report = await service.edit(uow, by=ctx.principal, report_id=ctx.path["id"], content=body.get("content", {}),
                                changes=body.get("changes"))
    return Reply(200, report.as_doc())


@api.post("/reports/{id}/sign", summary="Sign off (签发) and submit to the superior unit", response=schemas.REPORT,
          permission="report.sign")
async def sign(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    return Reply(200, (await service.sign(uow, by=ctx.principal, report_id=ctx.path["id"])).as_doc())


@api.post("/reports/{id}/discard", summary="Discard a draft", response=schemas.REPORT, permission="report.draft")
async def discard(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    return Reply(200, (await service.discard(uow, by=ctx.principal, report_id=ctx.path["id"])).as_doc())


@api.post("/reports/{id}/received", summary="The superior has read it", response=schemas.REPORT)
async def received(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    return Reply(200, (await service.mark_received(uow, by=ctx.principal, report_id=ctx.path["id"])).as_doc())
