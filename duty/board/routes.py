"""HTTP: the duty board."""

from __future__ import annotations

from core.api import Api, Ctx, Reply
from duty.board import schemas, service

api = Api("duty")


@api.get("/duty/board", summary="Every subordinate duty room: who is on duty, last roll-call, today's report, "
                                "terminal online", response=schemas.BOARD, query={"unit": {"type": "string"}})
async def board(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        return Reply(200, await service.board(session, ctx.principal, of=ctx.query.get("unit")))
