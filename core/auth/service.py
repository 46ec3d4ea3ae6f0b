"""Users, sign-in and tokens. Operations take the unit of work (or a read session) first."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth import passwords, throttle
from core.auth.models import ApiToken, LoginFailure, User, UserSession
from core.auth.permissions import ROLES
from core.auth.principal import Principal
from core.auth.scopes import SCOPES, ceiling
from core.auth.sessions import SessionData
from core.db import Database, UnitOfWork
from core.orm import new_id, utcnow
from core.problems import Problem, conflict, forbidden, invalid, not_found
from core.units import service as units
from core.units.paths import path_of

TOKEN_PREFIX = "yj_"
DISPLAY_PREFIX = "yjd_"
TOKEN_DAYS_DEFAULT = 90
TOKEN_DAYS_MAX = 366
SESSION_TOUCH_S = 60.0  # a session's last-seen time is written at most this often per process


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
        user.session_epoch += 1
        if not user.active:  # signs the user out everywhere, and closes their websockets
            await end_sessions(uow, user=user, reason="deactivated", everything=True)
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
    await end_sessions(uow, user=user, reason="password_changed")


# --- sign-in -----------------------------------------------------------------------------------

async def sign_in(uow: UnitOfWork, *, username: str, password: str, client: str, address: str,
                  trusted_device: bool, now: datetime, limits: throttle.Limits) -> User:
    """The user for good credentials; 401 for bad ones; 429 while this attempt must wait
    (core/auth/throttle.py: slows a guesser, never locks out the owner's trusted browser)."""
    session = uow.session
    await throttle.check(session, username=username, client=client, trusted_device=trusted_device, now=now,
                         limits=limits)
    user = (await session.execute(select(User).where(User.username == username))).scalar_one_or_none()
    ok = passwords.verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        # Counted by the caller with throttle.record_failure: this transaction rolls back with the 401.
        raise Problem(401, "wrong username or password", type="/problems/bad-credentials")
    await session.execute(delete(LoginFailure).where(LoginFailure.username == username,
                                                     LoginFailure.ip == client))
    if user.password_hash and passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    uow.emit("user.signed_in", subject=("user", user.id), scope=[user.unit_code],
             data={"username": user.username, "ip": address})
    return user


async def record_login_failure(db: Database, *, username: str, ip: str, now: datetime | None = None,
                               limits: throttle.Limits | None = None) -> None:
    """Count and audit a failed sign-in (core/auth/throttle.py), in a transaction of its own."""
    await throttle.record_failure(db, username=username, client=ip, address=ip, now=now or utcnow(),
                                  limits=limits or throttle.Limits())


async def principal_for(session: AsyncSession, user: User, **extra: Any) -> Principal:
    return Principal(user_id=user.id, username=user.username, name=user.name, unit_code=user.unit_code,
                     unit_path=await path_of(session, user.unit_code), roles=frozenset(user.roles),
                     lang=user.lang, **extra)


# --- server-side sessions ----------------------------------------------------------------------

async def start_session(uow: UnitOfWork, *, user: User, ip: str, user_agent: str,
                        max_age_s: int) -> tuple[UserSession, str]:
    """A new session for `user`; returns it and the secret its cookie carries (only a digest is kept)."""
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    row = UserSession(id=secrets.token_hex(16), user_id=user.id, secret_sha256=_digest(secret),
                      csrf=secrets.token_urlsafe(24), ip=ip[:64], user_agent=user_agent[:200], created_at=now,
                      last_seen_at=now, expires_at=now + timedelta(seconds=max_age_s))
    uow.session.add(row)
    await uow.session.flush()
    return row, secret


async def principal_from_session(session: AsyncSession, data: SessionData) -> Principal | None:
    row = await session.get(UserSession, data.session_id)
    if (row is None or row.revoked_at is not None or row.expires_at <= utcnow()
            or not hmac.compare_digest(row.secret_sha256, _digest(data.secret))):
        return None
    user = await session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    return await principal_for(session, user, via="session", csrf=row.csrf, session_id=row.id,
                               scopes=ceiling(user.roles))


_touched: dict[str, float] = {}


async def touch_session(db: Database, session_id: str, now: datetime | None = None) -> None:
    """Record that a session was used, at most once a minute per process (a write of its own)."""
    mono = time.monotonic()
    if mono - _touched.get(session_id, -SESSION_TOUCH_S) < SESSION_TOUCH_S:
        return
    if len(_touched) > 10_000:
        _touched.clear()
    _touched[session_id] = mono
    async with db.write() as uow:
        await uow.session.execute(update(UserSession).where(UserSession.id == session_id)
                                  .values(last_seen_at=now or utcnow()))


async def end_sessions(uow: UnitOfWork, *, user: User, reason: str, session_ids: Iterable[str] | None = None,
                       everything: bool = False) -> list[str]:
    """End the user's open sessions (all of them, or `session_ids`). The event closes their
    websockets on every worker; `everything` also closes those opened with the user's tokens."""
    stmt = select(UserSession.id).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
    if session_ids is not None:
        stmt = stmt.where(UserSession.id.in_(list(session_ids)))
    ids = sorted((await uow.session.execute(stmt)).scalars())
    if ids:
        await uow.session.execute(update(UserSession).where(UserSession.id.in_(ids))
                                  .values(revoked_at=utcnow(), revoked_reason=reason))
    if ids or everything:
        uow.emit("session.revoked", subject=("user", user.id), scope=[user.unit_code],
                 data={"username": user.username, "user_id": user.id, "sessions": ids, "reason": reason,
                       "everything": everything})
    return ids


async def get_session(session: AsyncSession, by: Principal, session_id: str) -> UserSession:
    """A session the caller may see: their own, or any of a user they manage."""
    row = await session.get(UserSession, session_id)
    if row is not None and row.user_id != by.user_id:
        if not by.can("users.manage"):
            row = None
        else:
            owner = await session.get(User, row.user_id)
            if owner is None or not by.sees_path(await path_of(session, owner.unit_code)):
                row = None
    if row is None:
        raise not_found("session", session_id)
    return row


async def list_sessions(session: AsyncSession, *, user_id: str) -> list[UserSession]:
    """A user's sessions still open, most recently used first."""
    rows = await session.execute(select(UserSession).where(UserSession.user_id == user_id,
                                                            UserSession.revoked_at.is_(None),
                                                            UserSession.expires_at > utcnow())
                                 .order_by(UserSession.last_seen_at.desc()))
    return list(rows.scalars())


# --- API tokens --------------------------------------------------------------------------------

def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def create_token(uow: UnitOfWork, *, user: User, label: str, scopes: list[str] | None = None,
                       expires_in_days: int = TOKEN_DAYS_DEFAULT,
                       within: frozenset[str] | None = None) -> tuple[ApiToken, str]:
    """A new token for `user`; the plain token is returned once and never stored. Its scopes are
    those asked for, never beyond what the user's roles reach nor, when a
    token mints one, beyond the minting credential's own (`within`). Not asked: all of those."""
    reach = ceiling(user.roles) if within is None else ceiling(user.roles) & within
    wanted = set(scopes) if scopes is not None else set(reach)
    unknown = wanted - set(SCOPES)
    if unknown:
        raise invalid("/scopes", f"unknown scope(s): {', '.join(sorted(unknown))}")
    if not wanted <= reach:
        raise invalid("/scopes", f"scope(s) beyond this user's reach: {', '.join(sorted(wanted - reach))}")
    if not wanted:
        raise invalid("/scopes", "a token needs at least one scope")
    if not 1 <= expires_in_days <= TOKEN_DAYS_MAX:
        raise invalid("/expires_in_days", f"between 1 and {TOKEN_DAYS_MAX} days")
    token_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    row = ApiToken(id=token_id, user_id=user.id, label=label, secret_sha256=_digest(secret), kind="api",
                   scopes=sorted(wanted), expires_at=utcnow() + timedelta(days=expires_in_days))
    uow.session.add(row)
    await uow.session.flush()
    uow.emit("token.created", subject=("user", user.id), scope=[user.unit_code],
             data={"token_id": token_id, "label": label, "username": user.username, "scopes": sorted(wanted)})
    return row, f"{TOKEN_PREFIX}{token_id}_{secret}"


async def revoke_token(uow: UnitOfWork, *, by: Principal, token_id: str, kind: str = "api") -> ApiToken:
    row = await uow.session.get(ApiToken, token_id)
    if row is None or row.kind != kind or (row.user_id != by.user_id and not by.can("users.manage")):
        raise not_found("token", token_id)
    owner = await get_visible_user(uow.session, by, row.user_id)
    if row.kind == "display" and row.unit_code and not by.sees_path(await path_of(uow.session, row.unit_code)):
        raise not_found("token", token_id)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        # The event also closes every websocket opened with it (web/live.py).
        uow.emit("token.revoked", subject=("user", owner.id), scope=[owner.unit_code, *_display_scope(row)],
                 data={"token_id": token_id, "label": row.label, "username": owner.username, "kind": row.kind})
    return row


def _display_scope(row: ApiToken) -> list[str]:
    return [row.unit_code] if row.kind == "display" and row.unit_code else []


def _split(token: str, prefix: str) -> tuple[str, str] | None:
    if not token.startswith(prefix):
        return None
    token_id, _, secret = token[len(prefix):].partition("_")
    return (token_id, secret) if token_id and secret and len(token_id) <= 16 else None


async def principal_from_token(session: AsyncSession, token: str, *, kind: str = "api") -> Principal | None:
    """The principal of an API token (`kind` "api") or a display's cookie ("display"), if valid."""
    parts = _split(token, TOKEN_PREFIX if kind == "api" else DISPLAY_PREFIX)
    if parts is None:
        return None
    row = await session.get(ApiToken, parts[0])
    if (row is None or row.kind != kind or row.revoked_at is not None
            or (row.expires_at is not None and row.expires_at <= utcnow())
            or (kind == "display" and row.exchange_sha256 is not None)
            or not hmac.compare_digest(row.secret_sha256, _digest(parts[1]))):
        return None
    if kind == "display":
        assert row.unit_code is not None
        # Not a person: a read-only viewer of one hall's unit, whoever created it.
        return Principal(user_id=f"display:{row.id}", username=f"display.{row.id}", name=row.label,
                         unit_code=row.unit_code, unit_path=await path_of(session, row.unit_code),
                         roles=frozenset({"viewer"}), via="display", token_id=row.id, scopes=frozenset({"read"}))
    user = await session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    # Never more than the user's roles reach now (a role taken away narrows the token at once).
    return await principal_for(session, user, via="token", token_id=row.id,
                               scopes=frozenset(row.scopes) & ceiling(user.roles))


# --- hall displays -----------------------------------------------------------------------------

async def create_display(uow: UnitOfWork, *, by: Principal, unit: str, label: str) -> tuple[ApiToken, str]:
    """A display credential for one hall (unit): returns it and its one-time exchange key."""
    await units.require_visible(uow.session, by, unit, pointer="/unit")
    token_id = secrets.token_hex(8)
    key = secrets.token_urlsafe(32)
    row = ApiToken(id=token_id, user_id=by.user_id, label=label, kind="display", scopes=["read"], unit_code=unit,
                   secret_sha256=_digest(secrets.token_urlsafe(32)),  # usable only after the exchange
                   exchange_sha256=_digest(key))
    uow.session.add(row)
    await uow.session.flush()
    uow.emit("display.created", subject=("display", token_id), scope=[unit],
             data={"token_id": token_id, "label": label, "unit": unit})
    return row, f"{DISPLAY_PREFIX}{token_id}_{key}"


async def exchange_display(uow: UnitOfWork, *, key: str) -> str | None:
    """Trade a display's one-time key for the cookie credential (returned); None if unknown or used."""
    parts = _split(key, DISPLAY_PREFIX)
    if parts is None:
        return None
    row = await uow.session.get(ApiToken, parts[0])
    if (row is None or row.kind != "display" or row.revoked_at is not None or row.exchange_sha256 is None
            or not hmac.compare_digest(row.exchange_sha256, _digest(parts[1]))):
        return None
    secret = secrets.token_urlsafe(32)
    row.exchange_sha256 = None
    row.secret_sha256 = _digest(secret)
    row.last_used_at = utcnow()
    uow.emit("display.exchanged", subject=("display", row.id), scope=_display_scope(row),
             data={"token_id": row.id, "label": row.label, "unit": row.unit_code})
    return f"{DISPLAY_PREFIX}{row.id}_{secret}"


async def list_displays(session: AsyncSession, by: Principal) -> list[ApiToken]:
    from core.units.models import Unit

    rows = await session.execute(select(ApiToken).join(Unit, Unit.code == ApiToken.unit_code)
                                 .where(ApiToken.kind == "display", by.path_filter(Unit.path))
                                 .order_by(ApiToken.created_at.desc()))
    return list(rows.scalars())


async def touch_token(uow: UnitOfWork, token_id: str) -> None:
    """Record use at most every five minutes, so a busy integration does not write on every call."""
    cutoff = utcnow() - timedelta(minutes=5)
    await uow.session.execute(
        update(ApiToken).where(ApiToken.id == token_id,
                               (ApiToken.last_used_at.is_(None)) | (ApiToken.last_used_at < cutoff))
        .values(last_used_at=utcnow()))


async def list_tokens(session: AsyncSession, *, user_id: str) -> list[ApiToken]:
    rows = await session.execute(select(ApiToken).where(ApiToken.user_id == user_id, ApiToken.kind == "api")
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
