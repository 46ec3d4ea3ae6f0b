"""Users, sign-in and tokens. Operations take the unit of work (or a read session) first."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth import passwords
from core.auth.models import ApiToken, LoginFailure, User
from core.auth.permissions import ROLES
from core.auth.principal import Principal
from core.auth.sessions import SessionData
from core.db import Database, UnitOfWork
from core.orm import new_id, utcnow
from core.problems import Problem, conflict, forbidden, invalid, not_found
from core.units import service as units
from core.units.paths import path_of

TOKEN_PREFIX = "yj_"


def _user_event_data(user: User) -> dict[str, Any]:
    return {"username": user.username, "name": user.name, "unit": user.unit_code, "roles": list(user.roles),
            "active": user.active}


async def create_user(uow: UnitOfWork, *, by: Principal | None, username: str, name: str, unit: str,
                      roles: list[str], password: str | None = None, password_hash: str | None = None,
                      phone: str | None = None, lang: str = "zh") -> User:
    session = uow.session
    if by is not None:
        await units.require_visible(session, by, unit, pointer="/unit")
    bad = [r for r in roles if r not in ROLES]
    if bad:
        raise invalid("/roles", f"unknown role(s): {', '.join(bad)}")
    if (await session.execute(select(User.id).where(User.username == username))).first():
        raise conflict(f"username {username} is taken")
    if password is not None:
        why = passwords.weakness(password)
        if why:
            raise invalid("/password", f"password too weak: {why}")
        password_hash = passwords.hash_password(password)
    user = User(id=new_id(), username=username, name=name, unit_code=unit, roles=sorted(set(roles)),
                password_hash=password_hash, phone=phone, lang=lang)
    session.add(user)
    await session.flush()
    uow.emit("user.created", subject=("user", user.id), scope=[unit], data=_user_event_data(user))
    return user


async def get_visible_user(session: AsyncSession, by: Principal, user_id: str) -> User:
    user = await session.get(User, user_id)
    if user is None or not by.sees_path(await path_of(session, user.unit_code)):
        raise not_found("user", user_id)
    return user


async def update_user(uow: UnitOfWork, *, by: Principal, user_id: str, changes: dict[str, Any]) -> User:
    session = uow.session
    user = await get_visible_user(session, by, user_id)
    if "unit" in changes:
        await units.require_visible(session, by, changes["unit"], pointer="/unit")
        user.unit_code = changes["unit"]
    if "roles" in changes:
        bad = [r for r in changes["roles"] if r not in ROLES]
        if bad:
            raise invalid("/roles", f"unknown role(s): {', '.join(bad)}")
        if user.id == by.user_id and "admin" in user.roles and "admin" not in changes["roles"]:
            raise conflict("you cannot remove your own admin role")
        user.roles = sorted(set(changes["roles"]))
    for field in ("name", "phone", "lang"):
        if field in changes:
            setattr(user, field, changes[field])
    if "active" in changes and changes["active"] != user.active:
        if user.id == by.user_id:
            raise conflict("you cannot deactivate yourself")
        user.active = changes["active"]
        user.session_epoch += 1  # signs the user out everywhere
    user.updated_at = utcnow()
    uow.emit("user.updated", subject=("user", user.id), scope=[user.unit_code],
             data={**_user_event_data(user), "changed": sorted(changes)})
    return user


async def set_password(uow: UnitOfWork, *, by: Principal, user_id: str, new_password: str,
                       current_password: str | None = None) -> None:
    session = uow.session
    user = await get_visible_user(session, by, user_id)
    if user.id == by.user_id:
        if current_password is None or not passwords.verify_password(user.password_hash, current_password):
            raise invalid("/current_password", "current password is wrong")
    elif not by.can("users.manage"):
        raise forbidden()
    why = passwords.weakness(new_password)
    if why:
        raise invalid("/password", f"password too weak: {why}")
    user.password_hash = passwords.hash_password(new_password)
    user.session_epoch += 1
    user.updated_at = utcnow()
    uow.emit("user.password_changed", subject=("user", user.id), scope=[user.unit_code],
             data={"username": user.username, "by_self": user.id == by.user_id})


# --- sign-in -----------------------------------------------------------------------------------

async def sign_in(uow: UnitOfWork, *, username: str, password: str, ip: str,
                  max_failures: int, window_s: int) -> User:
    """The user for good credentials; 401 for bad ones; 429 after too many recent failures."""
    session = uow.session
    since = utcnow() - timedelta(seconds=window_s)
    recent = (await session.execute(
        select(func.count()).select_from(LoginFailure)
        .where(LoginFailure.at >= since,
               (LoginFailure.username == username) | (LoginFailure.ip == ip)))).scalar_one()
    if recent >= max_failures:
        raise Problem(429, "too many failed sign-ins; wait a few minutes", type="/problems/rate-limited",
                      retry_after=window_s)
    user = (await session.execute(select(User).where(User.username == username))).scalar_one_or_none()
    ok = passwords.verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        # Counted by the caller with record_login_failure: this transaction rolls back with the 401.
        raise Problem(401, "wrong username or password", type="/problems/bad-credentials")
    await session.execute(delete(LoginFailure).where(LoginFailure.username == username))
    if user.password_hash and passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    uow.emit("user.signed_in", subject=("user", user.id), scope=[user.unit_code],
             data={"username": user.username, "ip": ip})
    return user


async def record_login_failure(db: Database, *, username: str, ip: str) -> None:
    """Count a failed sign-in, in a transaction of its own (the sign-in's rolled back with its 401)."""
    async with db.write() as uow:
        uow.session.add(LoginFailure(username=username[:64], ip=ip[:64]))


async def principal_for(session: AsyncSession, user: User, **extra: Any) -> Principal:
    return Principal(user_id=user.id, username=user.username, name=user.name, unit_code=user.unit_code,
                     unit_path=await path_of(session, user.unit_code), roles=frozenset(user.roles),
                     lang=user.lang, **extra)


async def principal_from_session(session: AsyncSession, data: SessionData) -> Principal | None:
    user = await session.get(User, data.user_id)
    if user is None or not user.active or user.session_epoch != data.epoch:
        return None
    return await principal_for(session, user, via="session", csrf=data.csrf)


# --- API tokens --------------------------------------------------------------------------------

def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def create_token(uow: UnitOfWork, *, user: User, label: str) -> tuple[ApiToken, str]:
    """A new token for `user`; the plain token is returned once and never stored."""
    token_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    row = ApiToken(id=token_id, user_id=user.id, label=label, secret_sha256=_digest(secret))
    uow.session.add(row)
    await uow.session.flush()
    uow.emit("token.created", subject=("user", user.id), scope=[user.unit_code],
             data={"token_id": token_id, "label": label, "username": user.username})
    return row, f"{TOKEN_PREFIX}{token_id}_{secret}"


async def revoke_token(uow: UnitOfWork, *, by: Principal, token_id: str) -> ApiToken:
    row = await uow.session.get(ApiToken, token_id)
    if row is None or (row.user_id != by.user_id and not by.can("users.manage")):
        raise not_found("token", token_id)
    owner = await get_visible_user(uow.session, by, row.user_id)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        uow.emit("token.revoked", subject=("user", owner.id), scope=[owner.unit_code],
                 data={"token_id": token_id, "label": row.label, "username": owner.username})
    return row


async def principal_from_token(session: AsyncSession, token: str) -> Principal | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    token_id, _, secret = token[len(TOKEN_PREFIX):].partition("_")
    if not token_id or not secret:
        return None
    row = await session.get(ApiToken, token_id)
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.secret_sha256, _digest(secret)):
        return None
    user = await session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    return await principal_for(session, user, via="token", token_id=row.id)


async def touch_token(uow: UnitOfWork, token_id: str) -> None:
    """Record use at most every five minutes, so a busy integration does not write on every call."""
    cutoff = utcnow() - timedelta(minutes=5)
    await uow.session.execute(
        update(ApiToken).where(ApiToken.id == token_id,
                               (ApiToken.last_used_at.is_(None)) | (ApiToken.last_used_at < cutoff))
        .values(last_used_at=utcnow()))


async def list_tokens(session: AsyncSession, *, user_id: str) -> list[ApiToken]:
    rows = await session.execute(select(ApiToken).where(ApiToken.user_id == user_id)
                                 .order_by(ApiToken.created_at.desc()))
    return list(rows.scalars())


async def find_user(session: AsyncSession, username: str) -> User | None:
    return (await session.execute(select(User).where(User.username == username))).scalar_one_or_none()


async def list_visible_users(session: AsyncSession, by: Principal, *, unit: str | None = None) -> list[User]:
    from core.units.models import Unit

    stmt = (select(User).join(Unit, Unit.code == User.unit_code)
            .where(by.path_filter(Unit.path)).order_by(Unit.path, User.username))
    if unit:
        stmt = stmt.where(User.unit_code == unit)
    return list((await session.execute(stmt)).scalars())


async def ids_for(session: AsyncSession, usernames: list[str], *, pointer: str) -> dict[str, str]:
    """username → user id for active users; a 422 naming the first unknown one."""
    wanted = set(usernames)
    if not wanted:
        return {}
    rows = (await session.execute(select(User.username, User.id)
                                  .where(User.username.in_(wanted), User.active.is_(True)))).all()
    found = {name: uid for name, uid in rows}
    missing = sorted(wanted - set(found))
    if missing:
        raise invalid(pointer, f"no active user named {missing[0]}")
    return found
