"""HTTP: duty rules per unit, shown with their sources."""

from __future__ import annotations

from typing import Any

from core.api import Api, Ctx, Reply
from core.db import UnitOfWork
from core.units import service as units
from duty.reports import service as reports
from duty.rules import schemas, service

api = Api("duty")


@api.get("/duty/rules/{unit}", summary="A unit's effective duty rules, where each comes from and its legal source",
         response=schemas.RULES)
async def get_rules(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        await units.get_visible(session, ctx.principal, ctx.path["unit"])
        return Reply(200, await service.view(session, ctx.path["unit"]))


@api.patch("/duty/rules/{unit}", summary="Set or clear a unit's own duty rules", body=schemas.RULES_UPDATE,
           response=schemas.RULES, permission="duty.rules.manage")
async def update_rules(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    view = await service.update(uow, by=ctx.principal, unit_code=ctx.path["unit"], changes=body)
    if "daily_report_deadline" in body:  # the report timers already set follow the new deadline
        await reports.reschedule(uow, unit=ctx.path["unit"])
    return Reply(200, view)
