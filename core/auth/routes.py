"""HTTP: who am I, users, API tokens."""

from __future__ import annotations

from typing import Any

from core.api import Api, Ctx, Reply
from core.auth import schemas, service
from core.auth.scopes import ACCOUNT
from core.db import UnitOfWork
from core.units import service as units

api = Api("users")


@api.get("/me", summary="The caller: user, unit, roles, time zone", response=schemas.ME)
async def me(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        unit = await units.get_visible(session, ctx.principal, ctx.principal.unit_code)
        tz = await units.timezone_of(session, unit.code, ctx.runtime.settings.default_tz)
    return Reply(200, {**ctx.principal.as_doc(), "unit_name": unit.name, "tz": tz})


@api.get("/users", summary="Users of the units the caller may see", response=schemas.USER_LIST,
         query={"unit": {"type": "string"}}, permission="users.manage")
async def list_users(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        rows = await service.list_visible_users(session, ctx.principal, unit=ctx.query.get("unit"))
    return Reply(200, [u.as_doc() for u in rows])


@api.post("/users", summary="Create a user in a unit the caller may see", body=schemas.USER_CREATE,
          response=schemas.USER, creates=True, permission="users.manage")
async def create_user(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    user = await service.create_user(uow, by=ctx.principal, **body)
    return Reply(201, user.as_doc())


@api.patch("/users/{id}", summary="Change a user's name, unit, roles, phone; (de)activate",
           body=schemas.USER_UPDATE, response=schemas.USER, permission="users.manage")
async def update_user(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    user = await service.update_user(uow, by=ctx.principal, user_id=ctx.path["id"], changes=body)
    return Reply(200, user.as_doc())


@api.post("/users/{id}/password", summary="Set a password (own: give the current one; admin: any user)",
          body=schemas.PASSWORD_CHANGE, status=204, scope=ACCOUNT)
async def set_password(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    await service.set_password(uow, by=ctx.principal, user_id=ctx.path["id"], new_password=body["password"],
                               current_password=body.get("current_password"))
    return Reply(204, None)


@api.get("/tokens", summary="The caller's API tokens", response=schemas.TOKEN_LIST, permission="tokens.own")
async def list_tokens(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        rows = await service.list_tokens(session, user_id=ctx.principal.user_id)
    return Reply(200, [t.as_doc() for t in rows])


@api.post("/tokens", summary="A new API token for the caller (shown once)", body=schemas.TOKEN_CREATE,
          response=schemas.TOKEN, creates=True, permission="tokens.own")
async def create_token(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    user = await service.get_visible_user(uow.session, ctx.principal, ctx.principal.user_id)
    row, token = await service.create_token(uow, user=user, label=body["label"], scopes=body.get("scopes"),
                                            expires_in_days=body.get("expires_in_days", service.TOKEN_DAYS_DEFAULT),
                                            within=ctx.principal.scopes)
    # The plain token is shown once and never stored, not even for an Idempotency-Key replay.
    return Reply(201, {**row.as_doc(), "token": token}, replay_body={**row.as_doc(), "token": None})


@api.post("/tokens/{id}/revoke", summary="Revoke a token (own, or any as user admin)",
          response=schemas.TOKEN, scope=ACCOUNT)
async def revoke_token(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    row = await service.revoke_token(uow, by=ctx.principal, token_id=ctx.path["id"])
    return Reply(200, row.as_doc())


# --- sessions ------------------------------------------------------------------------------------

@api.get("/sessions", summary="The caller's open browser sessions (device, IP, last seen)",
         response=schemas.SESSION_LIST)
async def my_sessions(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        rows = await service.list_sessions(session, user_id=ctx.principal.user_id)
    return Reply(200, [r.as_doc(ctx.principal.session_id) for r in rows])


@api.get("/users/{id}/sessions", summary="A user's open browser sessions", response=schemas.SESSION_LIST,
         permission="users.manage")
async def user_sessions(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        user = await service.get_visible_user(session, ctx.principal, ctx.path["id"])
        rows = await service.list_sessions(session, user_id=user.id)
    return Reply(200, [r.as_doc(ctx.principal.session_id) for r in rows])


@api.post("/sessions/{id}/revoke", summary="End one session (own, or any of a user one manages)",
          response=schemas.SESSIONS_ENDED, scope=ACCOUNT)
async def revoke_session(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    row = await service.get_session(uow.session, ctx.principal, ctx.path["id"])
    user = await service.get_visible_user(uow.session, ctx.principal, row.user_id)
    ended = await service.end_sessions(uow, user=user, reason="revoked", session_ids=[row.id])
    return Reply(200, {"ended": ended})


@api.post("/users/{id}/sessions/revoke", summary="Sign a user out everywhere (self, or as user admin)",
          response=schemas.SESSIONS_ENDED, scope=ACCOUNT)
async def sign_out_everywhere(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    user = await service.get_visible_user(uow.session, ctx.principal, ctx.path["id"])
    if user.id != ctx.principal.user_id:
        ctx.require("users.manage")
        ctx.principal.authorize("admin")
    ended = await service.end_sessions(uow, user=user, reason="signed_out_everywhere", everything=True)
    return Reply(200, {"ended": ended})


# --- hall displays -------------------------------------------------------------------------------

@api.get("/displays", summary="Hall display credentials of the units the caller may see",
         response=schemas.TOKEN_LIST, permission="users.manage")
async def list_displays(ctx: Ctx) -> Reply:
    async with ctx.db.read() as session:
        rows = await service.list_displays(session, ctx.principal)
    return Reply(200, [r.as_doc() for r in rows])


@api.post("/displays", summary="A hall display credential bound to one hall (its one-time key shown once)",
          body=schemas.DISPLAY_CREATE, response=schemas.TOKEN, creates=True, permission="users.manage",
          description="Open `/hall/connect#KEY` on the wall: the page trades the key once for an HttpOnly "
                      "cookie, so the key never reaches a URL the server sees or logs. Read-only everywhere.")
async def create_display(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    row, key = await service.create_display(uow, by=ctx.principal, unit=body["unit"], label=body["label"])
    return Reply(201, {**row.as_doc(), "key": key}, replay_body={**row.as_doc(), "key": None})


@api.post("/displays/{id}/revoke", summary="Revoke a hall display (its wall is closed at once)",
          response=schemas.TOKEN, permission="users.manage")
async def revoke_display(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    row = await service.revoke_token(uow, by=ctx.principal, token_id=ctx.path["id"], kind="display")
    return Reply(200, row.as_doc())
