"""HTTP: posts, rosters, overrides, swaps, who is on duty now, iCalendar export."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from starlette.responses import Response

from core.api import Api, Ctx, Reply
from core.auth import service as auth
from core.db import UnitOfWork
from core.orm import utcnow
from core.units import service as units
from core.units.models import JURISDICTION_KINDS
from duty.rosters import ical, resolver, schemas, service

api = Api("duty")


@api.get("/duty/posts", summary="A unit's duty posts", response=schemas.POST_LIST,
         query={"unit": {"type": "string"}})
async def list_posts(ctx: Ctx) -> Reply:
    unit = ctx.query.get("unit") or ctx.principal.unit_code
    async with ctx.db.read() as session:
        await units.get_visible(session, ctx.principal, unit)
        return Reply(200, [p.as_doc() for p in await service.list_posts(session, unit, include_inactive=True)])


@api.post("/duty/posts", summary="Add a duty post to a unit", body=schemas.POST_CREATE, response=schemas.POST,
          creates=True, permission="duty.roster.manage")
async def create_post(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    post = await service.create_post(uow, by=ctx.principal, **body)
    return Reply(201, post.as_doc())


@api.patch("/duty/posts/{id}", summary="Rename, reorder or retire a duty post", body=schemas.POST_UPDATE,
           response=schemas.POST, permission="duty.roster.manage")
async def update_post(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    post = await service.update_post(uow, by=ctx.principal, post_id=ctx.path["id"], changes=body)
    return Reply(200, post.as_doc())


@api.get("/duty/rosters", summary="A unit's rosters (newest first)", response=schemas.ROSTER_LIST,
         query={"unit": {"type": "string"}, "month": schemas.MONTH})
async def list_rosters(ctx: Ctx) -> Reply:
    unit = ctx.query.get("unit") or ctx.principal.unit_code
    async with ctx.db.read() as session:
        rows = await service.list_rosters(session, ctx.principal, unit=unit, month=ctx.query.get("month"))
    return Reply(200, [r.as_doc() for r in rows])


@api.post("/duty/rosters", summary="Build a draft roster for a month from a rotation per post",
          body=schemas.ROSTER_CREATE, response=schemas.ROSTER, creates=True, permission="duty.roster.manage")
async def create_roster(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    names = [n for people in body["rotation"].values() for n in people]
    ids = await auth.ids_for(uow.session, names, pointer="/rotation")
    rotation = {post: [ids[n] for n in people] for post, people in body["rotation"].items()}
    roster = await service.build_roster(uow, by=ctx.principal, unit=body["unit"], month=body["month"],
                                        rotation=rotation, start=body.get("start"))
    return Reply(201, roster.as_doc())


@api.get("/duty/rosters/{id}", summary="A roster with its slots and its check (gaps, double bookings, hours)",
         response=schemas.ROSTER)
async def get_roster(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        return Reply(200, await service.roster_view(session, ctx.principal, ctx.path["id"]))


@api.post("/duty/rosters/{id}/slots", summary="Put someone (or nobody) on one post of one shift of a draft",
          body=schemas.SLOT_UPDATE, permission="duty.roster.manage")
async def set_slot(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    user_id = None
    if body["user"] is not None:
        user_id = (await auth.ids_for(uow.session, [body["user"]], pointer="/user"))[body["user"]]
    slot = await service.set_slot(uow, by=ctx.principal, roster_id=ctx.path["id"], post=body["post"],
                                  day=date.fromisoformat(body["date"]), shift=body["shift"], user_id=user_id)
    return Reply(200, {**slot.as_doc(), "user": body["user"]})


@api.post("/duty/rosters/{id}/publish", summary="Publish after the check passes (supersedes the month's previous)",
          body=schemas.PUBLISH, response=schemas.ROSTER, permission="duty.roster.manage")
async def publish(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    roster = await service.publish(uow, by=ctx.principal, roster_id=ctx.path["id"],
                                   accept_warnings=body["accept_warnings"])
    return Reply(200, roster.as_doc())


@api.post("/duty/rosters/{id}/discard", summary="Discard a draft", response=schemas.ROSTER,
          permission="duty.roster.manage")
async def discard(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    return Reply(200, (await service.discard(uow, by=ctx.principal, roster_id=ctx.path["id"])).as_doc())


@api.get("/duty/overrides", summary="Overrides of a unit in a time range", response=schemas.OVERRIDE_LIST,
         query={"unit": {"type": "string"}, "from": {"type": "string", "format": "date-time"},
                "to": {"type": "string", "format": "date-time"}})
async def list_overrides(ctx: Ctx) -> Reply:
    unit = ctx.query.get("unit") or ctx.principal.unit_code
    start = ctx.query.get("from") or utcnow() - timedelta(days=7)
    end = ctx.query.get("to") or utcnow() + timedelta(days=31)
    async with ctx.db.read() as session:
        return Reply(200, await service.overrides_view(session, ctx.principal, unit=unit, start=start, end=end))


@api.post("/duty/overrides", summary="Someone else holds a post for a day or an hour range",
          body=schemas.OVERRIDE_CREATE, response=schemas.OVERRIDE, creates=True, permission="duty.roster.manage")
async def create_override(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    user_id = (await auth.ids_for(uow.session, [body["user"]], pointer="/user"))[body["user"]]
    row = await service.create_override(uow, by=ctx.principal, unit=body["unit"], post=body["post"],
                                        starts_at=body["starts_at"], ends_at=body["ends_at"],
                                        user_id=user_id, reason=body.get("reason", ""))
    return Reply(201, row.as_doc())


@api.post("/duty/overrides/{id}/cancel", summary="Cancel an override (the roster applies again)",
          response=schemas.OVERRIDE, permission="duty.roster.manage")
async def cancel_override(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    return Reply(200, (await service.cancel_override(uow, by=ctx.principal, override_id=ctx.path["id"])).as_doc())


@api.get("/duty/swaps", summary="Swap and take-over requests of a unit", response=schemas.SWAP_LIST,
         query={"unit": {"type": "string"}, "status": {"enum": ["requested", "approved", "rejected", "cancelled"]}})
async def list_swaps(ctx: Ctx) -> Reply:
    unit = ctx.query.get("unit") or ctx.principal.unit_code
    async with ctx.db.read() as session:
        await units.get_visible(session, ctx.principal, unit)
        rows = await service.list_swaps(session, unit=unit, status=ctx.query.get("status"))
    return Reply(200, [r.as_doc() for r in rows])


@api.post("/duty/swaps", summary="Ask someone to take my shift, or offer to take theirs",
          body=schemas.SWAP_CREATE, response=schemas.SWAP, creates=True)
async def request_swap(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    other = (await auth.ids_for(uow.session, [body["other_user"]], pointer="/other_user"))[body["other_user"]]
    row = await service.request_swap(uow, by=ctx.principal, unit=body["unit"], post=body["post"],
                                     starts_at=body["starts_at"], ends_at=body["ends_at"],
                                     kind=body["kind"], other_user_id=other, reason=body.get("reason", ""))
    return Reply(201, row.as_doc())


@api.post("/duty/swaps/{id}/decide", summary="Approve or reject (duty chief / leader), or cancel (requester)",
          body=schemas.SWAP_DECIDE, response=schemas.SWAP)
async def decide_swap(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    row = await service.decide_swap(uow, by=ctx.principal, swap_id=ctx.path["id"], action=body["action"])
    return Reply(200, row.as_doc())


@api.get("/duty/now", summary="Who is on duty now, by post, for a unit (or every visible unit with posts)",
         response=schemas.DUTY_NOW, query={"unit": {"type": "string"},
                                           "at": {"type": "string", "format": "date-time"}})
async def duty_now(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        return Reply(200, await resolver.on_duty(session, ctx.principal, at=ctx.query.get("at") or utcnow(),
                                                 unit=ctx.query.get("unit")))


@api.get("/duty/calendar.ics", summary="The effective duty schedule as iCalendar, per unit or per person",
         query={"unit": {"type": "string"}, "user": {"type": "string"}, "month": schemas.MONTH})
async def calendar(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        unit_code = ctx.query.get("unit") or ctx.principal.unit_code
        unit = await units.get_visible(session, ctx.principal, unit_code)
        tz = ZoneInfo(await units.timezone_of(session, unit.code, ctx.runtime.settings.default_tz))
        month = ctx.query.get("month") or utcnow().astimezone(tz).strftime("%Y-%m")
        first = datetime(int(month[:4]), int(month[5:]), 1, tzinfo=tz)
        nxt = datetime(first.year + (first.month == 12), first.month % 12 + 1, 1, tzinfo=tz)
        if "user" in ctx.query:
            uid = (await auth.ids_for(session, [ctx.query["user"]], pointer="/user"))[ctx.query["user"]]
            user = await auth.get_visible_user(session, ctx.principal, uid)
            staff_units = [u for u in await units.list_visible(session, ctx.principal)
                           if u.kind in JURISDICTION_KINDS and u.path.startswith(unit.path)]
            cal = await ical.person_calendar(session, user=user, units=staff_units, start=first, end=nxt)
            name = f"duty-{user.username}-{month}.ics"
        else:
            cal = await ical.unit_calendar(session, unit=unit, start=first, end=nxt)
            name = f"duty-{unit.code}-{month}.ics"
    return Reply(200, Response(cal.to_ical(), media_type="text/calendar; charset=utf-8",
                               headers={"Content-Disposition": f'attachment; filename="{name}"'}))
