"""HTTP: the journal as the caller may see it."""

from __future__ import annotations

from core.api import Api, Ctx, Reply
from core.journal import schemas, service

api = Api("journal")


@api.get("/events", summary="Events after seq `since` that the caller may see, oldest first",
         response=schemas.EVENT_PAGE, permission="journal.read",
         query={"since": {"type": "integer", "minimum": 0, "default": 0},
                "limit": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 200},
                "exercise": {"type": "boolean", "default": False,
                             "description": "true for drill events; live and drill never mix"},
                "before": {"type": "integer", "minimum": 1,
                           "description": "instead of `since`: the newest `limit` events below this seq"},
                "latest": {"type": "boolean", "default": False,
                           "description": "instead of `since`: the newest `limit` events"}},
         description="Events come oldest first. `head` is the journal's highest seq. To follow the "
                     "journal, ask again with since = the last seq returned while a page comes back "
                     "full, then since = head.")
async def list_events(ctx: Ctx) -> Reply:
    q = ctx.query
    unit = ctx.principal.unit_code
    async with ctx.db.read() as session:
        head = await service.head(session)
        if q["latest"] or "before" in q:
            rows = await service.read_before(session, before=q.get("before"), unit=unit,
                                             exercise=q["exercise"], limit=q["limit"])
        else:
            rows = await service.read_after(session, since=q["since"], upto=head, unit=unit,
                                            exercise=q["exercise"], limit=q["limit"])
    # The docs are stored encoded: splice them rather than decode and re-encode each one.
    body = ('{"events":[' + ",".join(doc for _seq, doc in rows) + '],"head":' + str(head) + "}").encode()
    return Reply(200, body)

