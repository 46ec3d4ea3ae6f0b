"""HTTP: who am I, users, API tokens."""

from __future__ import annotations

from typing import Any

from core.api import Api, Ctx, Reply
from core.auth import schemas, service
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
          body=schemas.PASSWORD_CHANGE, status=204)
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
    row, token = await service.create_token(uow, user=user, label=body["label"])
    # The plain token is shown once and never stored, not even for an Idempotency-Key replay.
    return Reply(201, {**row.as_doc(), "token": token}, replay_body={**row.as_doc(), "token": None})


@api.post("/tokens/{id}/revoke", summary="Revoke a token (own, or any as user admin)",
          response=schemas.TOKEN)
async def revoke_token(ctx: Ctx, uow: UnitOfWork, body: dict[str, Any]) -> Reply:
    row = await service.revoke_token(uow, by=ctx.principal, token_id=ctx.path["id"])
    return Reply(200, row.as_doc())
