"""HTTP: the duty log."""

from __future__ import annotations

from datetime import date
from typing import Any

from core.api import Api, Ctx, Reply
from core.db import UnitOfWork
from core.orm import utcnow
from duty.common import duty_date
from duty.log import schemas, service

api = Api("duty")


@api.get("/duty/log", summary="A unit's duty log for one duty date (default: the current shift's)",
         response=schemas.ENTRY_LIST, query={"unit": {"type": "string"}, "date": {"type": "string", "format": "date"}})
async def list_entries(ctx: Ctx) -> Reply:
    unit = ctx.query.get("unit") or ctx.principal.unit_code
    async with ctx.db.read() as session:
        day = date.fromisoformat(ctx.query["date"]) if "date" in ctx.query else await duty_date(session, unit, utcnow())
        rows = await service.entries(session, ctx.principal, unit=unit, day=day)
    return Reply(200, [r.as_doc() for r in rows])


@api.post("/duty/log", summary="Add an entry to the duty log (or a correction of one)", body=schemas.ENTRY_CREATE,
          response=schemas.ENTRY, creates=True, permission="duty.log.write")
async def add_entry(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    body["unit"] = body.get("unit") or ctx.principal.unit_code
    entry = await service.add_entry(uow, by=ctx.principal, **body)
    return Reply(201, entry.as_doc())
