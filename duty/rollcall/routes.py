"""HTTP: roll-calls (CONTRACT.md: POST /rollcalls, POST /rollcalls/{id}/answer)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from core.api import Api, Ctx, Reply
from core.db import UnitOfWork
from core.orm import utcnow
from core.units.models import Unit
from duty.rollcall import schemas, service

api = Api("duty")


async def _doc(session: Any, rc: Any) -> dict[str, Any]:
    caller = await session.get(Unit, rc.caller_unit)
    return {**rc.as_doc(), "caller_name": caller.name if caller else rc.caller_unit,
            "targets": [t.as_doc() for t in await service.targets_of(session, rc.id)]}


@api.post("/rollcalls", summary="Start a roll-call of subordinate duty rooms", body=schemas.ROLLCALL_CREATE,
          response=schemas.ROLLCALL, creates=True, permission="duty.rollcall.start")
async def start(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    rc, targets = await service.start(uow, by=ctx.principal, units_=body.get("units"),
                                      mode=body["mode"], window_s=body.get("window_s"),
                                      message=body.get("message", ""))
    return Reply(201, {**rc.as_doc(), "targets": [t.as_doc() for t in targets]})


@api.post("/rollcalls/{id}/answer", summary="The caller's duty room answers (one action)",
          response=schemas.TARGET_DOC, permission="duty.rollcall.answer")
async def answer(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    target = await service.answer(uow, by=ctx.principal, rollcall_id=ctx.path["id"])
    return Reply(200, target.as_doc())


@api.get("/rollcalls", summary="Roll-calls my unit started (newest first), or those waiting for my answer",
         response=schemas.ROLLCALL_LIST, query={"pending": {"type": "boolean", "default": False}})
async def list_rollcalls(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        rows = (await service.pending_for(session, unit=ctx.principal.unit_code) if ctx.query["pending"]
                else await service.recent(session, ctx.principal))
        return Reply(200, [await _doc(session, rc) for rc in rows])


@api.get("/rollcalls/statistics", summary="Per unit: roll-calls, answers, misses, latency over a period",
         response=schemas.STATS, query={"from": {"type": "string", "format": "date-time"},
                                        "to": {"type": "string", "format": "date-time"},
                                        "unit": {"type": "string"}})
async def statistics(ctx: Ctx) -> Reply:
    end = ctx.query.get("to") or utcnow()
    start_ = ctx.query.get("from") or end - timedelta(days=30)
    async with ctx.db.read() as session:
        return Reply(200, await service.statistics(session, ctx.principal, start=start_, end=end,
                                                   unit=ctx.query.get("unit")))


@api.get("/rollcalls/{id}", summary="One roll-call with every target's answer", response=schemas.ROLLCALL)
async def get_rollcall(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        rc = await service.get_visible(session, ctx.principal, ctx.path["id"])
        return Reply(200, await _doc(session, rc))
