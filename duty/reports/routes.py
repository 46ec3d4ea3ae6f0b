"""HTTP: daily and zero reports."""

from __future__ import annotations

from datetime import date
from typing import Any

from core.api import Api, Ctx, Reply
from core.db import UnitOfWork
from core.orm import iso
from core.units import service as units
from duty.reports import schemas, service
from duty.rules import service as rules

api = Api("duty")


@api.post("/duty/daily-reports", summary="File today's daily duty report, or a zero report (one click)",
          body=schemas.REPORT_CREATE, response=schemas.REPORT, creates=True, permission="duty.report.file")
async def file_report(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    day = date.fromisoformat(body["date"]) if "date" in body else None
    row = await service.file(uow, by=ctx.principal, unit=body.get("unit") or ctx.principal.unit_code,
                             kind=body["kind"], content=body.get("content", {}), day=day)
    return Reply(201, row.as_doc())


@api.get("/duty/daily-reports/status", summary="Which subordinate duty rooms have filed for a day",
         response=schemas.STATUS, query={"date": {"type": "string", "format": "date"}, "unit": {"type": "string"}})
async def report_status(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        of = ctx.query.get("unit")
        day = (date.fromisoformat(ctx.query["date"]) if "date" in ctx.query
               else await service.report_day(session, of or ctx.principal.unit_code))
        return Reply(200, await service.status(session, ctx.principal, day=day, of=of))


@api.get("/duty/daily-reports/today", summary="My unit's report for today: filed or not, and its deadline",
         response=schemas.TODAY, query={"unit": {"type": "string"}})
async def today(ctx: Ctx) -> Reply:
    unit = ctx.query.get("unit") or ctx.principal.unit_code
    async with ctx.db.read() as session:
        await units.get_visible(session, ctx.principal, unit)
        day = await service.report_day(session, unit)
        report = await service.mine(session, unit=unit, day=day)
        deadline = await service.deadline_of(session, unit, day)
        required = bool(await rules.value(session, unit, "daily_report_required"))
    return Reply(200, {"unit": unit, "date": day.isoformat(), "deadline": iso(deadline), "required": required,
                       "report": report.as_doc() if report else None})
