"""Posts, rosters, overrides and swaps. Operations take the unit of work first."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import User
from core.auth.principal import Principal
from core.db import UnitOfWork
from core.orm import new_id, utcnow
from core.problems import Problem, conflict, forbidden, invalid, not_found
from core.states import next_state
from core.units import service as units
from core.units.paths import in_subtree, path_of
from duty.rosters import shifts as shiftmath
from duty.rosters.models import (
    ROSTER_TRANSITIONS,
    SWAP_TRANSITIONS,
    DutyOverride,
    DutyPost,
    Roster,
    RosterSlot,
    SwapRequest,
)
from duty.rules import service as rules

# --- posts -----------------------------------------------------------------------------------

async def list_posts(session: AsyncSession, unit: str, *, include_inactive: bool = False) -> list[DutyPost]:
    stmt = select(DutyPost).where(DutyPost.unit_code == unit)
    if not include_inactive:
        stmt = stmt.where(DutyPost.active.is_(True))
    return list((await session.execute(stmt.order_by(DutyPost.sort, DutyPost.key))).scalars())


async def ensure_posts(uow: UnitOfWork, *, unit: str, posts: list[tuple[str, str, str]]) -> list[DutyPost]:
    have = {p.key for p in await list_posts(uow.session, unit, include_inactive=True)}
    for i, (key, name, name_en) in enumerate(posts):
        if key not in have:
            await create_post(uow, by=None, unit=unit, key=key, name=name, name_en=name_en, sort=i)
    return await list_posts(uow.session, unit)


async def create_post(uow: UnitOfWork, *, by: Principal | None, unit: str, key: str, name: str,
                      name_en: str = "", sort: int = 0) -> DutyPost:
    if by is not None:
        await units.require_visible(uow.session, by, unit, pointer="/unit")
    exists = (await uow.session.execute(select(DutyPost.id).where(DutyPost.unit_code == unit,
                                                                  DutyPost.key == key))).first()
    if exists:
        raise conflict(f"unit {unit} already has a post {key}")
    post = DutyPost(id=new_id(), unit_code=unit, key=key, name=name, name_en=name_en, sort=sort)
    uow.session.add(post)
    await uow.session.flush()
    uow.emit("duty.post.created", subject=("duty_post", post.id), scope=[unit], data=post.as_doc())
    return post


async def update_post(uow: UnitOfWork, *, by: Principal, post_id: str, changes: dict[str, Any]) -> DutyPost:
    post = await uow.session.get(DutyPost, post_id)
    if post is None or not by.sees_path(await path_of(uow.session, post.unit_code)):
        raise not_found("duty post", post_id)
    for field, value in changes.items():
        setattr(post, field, value)
    uow.emit("duty.post.updated", subject=("duty_post", post.id), scope=[post.unit_code],
             data={**post.as_doc(), "changed": sorted(changes)})
    return post


async def _post_keys(session: AsyncSession, unit: str) -> list[str]:
    return [p.key for p in await list_posts(session, unit)]


# --- people ----------------------------------------------------------------------------------

async def unit_staff(session: AsyncSession, unit: str) -> list[User]:
    """Users who may be put on this unit's roster: members of the unit and the units under it."""
    from core.units.models import Unit

    path = await path_of(session, unit)
    stmt = (select(User).join(Unit, Unit.code == User.unit_code)
            .where(in_subtree(Unit.path, path), User.active.is_(True)).order_by(User.username))
    return list((await session.execute(stmt)).scalars())


async def _require_staff(session: AsyncSession, unit: str, user_ids: set[str], pointer: str) -> None:
    if not user_ids:
        return
    staff = {u.id for u in await unit_staff(session, unit)}
    missing = sorted(user_ids - staff)
    if missing:
        raise invalid(pointer, f"not on the staff of unit {unit}: {', '.join(missing)}")


def _require_manager(by: Principal) -> None:
    if not by.can("duty.roster.manage"):
        raise forbidden("managing rosters needs the duty leader's or an administrator's rights")


# --- rosters ---------------------------------------------------------------------------------

async def get_roster(session: AsyncSession, by: Principal, roster_id: str) -> Roster:
    roster = await session.get(Roster, roster_id)
    if roster is None or not by.sees_path(await path_of(session, roster.unit_code)):
        raise not_found("roster", roster_id)
    return roster


async def list_rosters(session: AsyncSession, by: Principal, *, unit: str, month: str | None = None) -> list[Roster]:
    await units.get_visible(session, by, unit)
    stmt = select(Roster).where(Roster.unit_code == unit, Roster.status != "discarded")
    if month:
        stmt = stmt.where(Roster.month == month)
    return list((await session.execute(stmt.order_by(Roster.month.desc(), Roster.version.desc()))).scalars())


async def _people(session: AsyncSession, ids: set[str]) -> dict[str, tuple[str, str]]:
    """user id -> (username, name), for the documents that name who holds a slot or an override."""
    if not ids:
        return {}
    rows = await session.execute(select(User.id, User.username, User.name).where(User.id.in_(ids)))
    return {uid: (uname, name) for uid, uname, name in rows.all()}


async def roster_view(session: AsyncSession, by: Principal, roster_id: str) -> dict[str, Any]:
    """A roster as GET /duty/rosters/{id} serves it: with its slots (who, by username and name) and
    its check."""
    roster = await get_roster(session, by, roster_id)
    slots = await slots_of(session, roster.id)
    people = await _people(session, {s.user_id for s in slots if s.user_id})
    nobody = (None, None)
    return {**roster.as_doc(),
            "slots": [{**s.as_doc(), "user": people.get(s.user_id or "", nobody)[0],
                       "user_name": people.get(s.user_id or "", nobody)[1]} for s in slots],
            "check": await check(session, roster)}


async def slots_of(session: AsyncSession, roster_id: str) -> list[RosterSlot]:
    stmt = (select(RosterSlot).where(RosterSlot.roster_id == roster_id)
            .order_by(RosterSlot.starts_at, RosterSlot.post_key))
    return list((await session.execute(stmt)).scalars())


async def build_roster(uow: UnitOfWork, *, by: Principal | None, unit: str, month: str,
                       rotation: dict[str, list[str]], start: dict[str, int] | None = None) -> Roster:
    """A draft roster for a month: each post's people take its shifts in turn."""
    session = uow.session
    if by is not None:
        _require_manager(by)
        await units.require_visible(session, by, unit, pointer="/unit")
    posts = await _post_keys(session, unit)
    if not posts:
        raise invalid("/unit", f"unit {unit} has no duty posts")
    unknown = sorted(set(rotation) - set(posts))
    if unknown:
        raise invalid(f"/rotation/{unknown[0]}", f"unit {unit} has no post {unknown[0]}")
    await _require_staff(session, unit, {u for people in rotation.values() for u in people}, "/rotation")
    tz = await units.timezone_of(session, unit, "Asia/Shanghai")
    pattern = await rules.value(session, unit, "shifts")
    problem = shiftmath.pattern_problem(pattern)
    if problem:
        raise invalid("/unit", f"the unit's shift pattern is unusable: {problem}")
    roster = Roster(id=new_id(), unit_code=unit, month=month, status="draft", tz=tz, shifts=pattern,
                    created_by=by.user_id if by else None)
    previous = (await session.execute(select(Roster.version).where(Roster.unit_code == unit, Roster.month == month)
                                      .order_by(Roster.version.desc()).limit(1))).scalar_one_or_none()
    roster.version = (previous or 0) + 1
    session.add(roster)
    instances = shiftmath.month_instances(pattern, month, tz)
    offsets = start or {}
    rows = []
    for post in posts:
        people = rotation.get(post, [])
        for i, inst in enumerate(instances):
            user = people[(i + offsets.get(post, 0)) % len(people)] if people else None
            rows.append(RosterSlot(id=new_id(), roster_id=roster.id, unit_code=unit, post_key=post,
                                   shift_date=inst.shift_date, shift_key=inst.shift_key, starts_at=inst.starts_at,
                                   ends_at=inst.ends_at, user_id=user))
    session.add_all(rows)
    await session.flush()
    uow.emit("duty.roster.created", subject=("roster", roster.id), scope=[unit],
             data={**roster.as_doc(), "slots": len(rows)})
    return roster


async def set_slot(uow: UnitOfWork, *, by: Principal, roster_id: str, post: str, day: date, shift: str,
                   user_id: str | None) -> RosterSlot:
    _require_manager(by)
    roster = await get_roster(uow.session, by, roster_id)
    next_state(ROSTER_TRANSITIONS, roster.status, "edit", what="roster")
    slot = (await uow.session.execute(select(RosterSlot).where(
        RosterSlot.roster_id == roster_id, RosterSlot.post_key == post, RosterSlot.shift_date == day,
        RosterSlot.shift_key == shift))).scalar_one_or_none()
    if slot is None:
        raise invalid("/date", f"the roster has no {post} slot on {day} shift {shift}")
    if user_id is not None:
        await _require_staff(uow.session, roster.unit_code, {user_id}, "/user_id")
    before = slot.user_id
    slot.user_id = user_id
    uow.emit("duty.roster.slot_changed", subject=("roster", roster.id), scope=[roster.unit_code],
             data={"roster": roster.id, "post": post, "date": day.isoformat(), "shift": shift, "from": before,
                   "to": user_id})
    return slot


async def check(session: AsyncSession, roster: Roster) -> dict[str, list[dict[str, Any]]]:
    """What stands in the way of publishing: gaps and double bookings (errors), hours over the limit
    (warnings)."""
    slots = await slots_of(session, roster.id)
    gaps = [{"post": s.post_key, "date": s.shift_date.isoformat(), "shift": s.shift_key} for s in slots
            if s.user_id is None]
    by_user: dict[str, list[RosterSlot]] = defaultdict(list)
    for s in slots:
        if s.user_id:
            by_user[s.user_id].append(s)
    double: list[dict[str, Any]] = []
    for user_id, mine in by_user.items():
        mine.sort(key=lambda s: s.starts_at)
        for a, b in pairwise(mine):
            if b.starts_at < a.ends_at:
                double.append({"user_id": user_id, "date": b.shift_date.isoformat(), "shift": b.shift_key,
                               "posts": [a.post_key, b.post_key], "other_unit": None})
    if by_user and slots:
        first, last = min(s.starts_at for s in slots), max(s.ends_at for s in slots)
        others = (await session.execute(
            select(RosterSlot, Roster.unit_code).join(Roster, Roster.id == RosterSlot.roster_id)
            .where(Roster.status == "published", Roster.unit_code != roster.unit_code,
                   RosterSlot.user_id.in_(list(by_user)), RosterSlot.starts_at < last,
                   RosterSlot.ends_at > first))).all()
        for other, other_unit in others:
            for s in by_user[other.user_id or ""]:
                if s.starts_at < other.ends_at and other.starts_at < s.ends_at:
                    double.append({"user_id": s.user_id, "date": s.shift_date.isoformat(), "shift": s.shift_key,
                                   "posts": [s.post_key, other.post_key], "other_unit": other_unit})
    limit = int(await rules.value(session, roster.unit_code, "hours_limit_month"))
    over = []
    for user_id, mine in by_user.items():
        hours = sum((s.ends_at - s.starts_at).total_seconds() for s in mine) / 3600
        if hours > limit:
            over.append({"user_id": user_id, "hours": round(hours, 1), "limit": limit})
    return {"gaps": gaps, "double_bookings": double, "over_limit": over}


async def publish(uow: UnitOfWork, *, by: Principal, roster_id: str, accept_warnings: bool = False) -> Roster:
    _require_manager(by)
    session = uow.session
    roster = await get_roster(session, by, roster_id)
    new_status = next_state(ROSTER_TRANSITIONS, roster.status, "publish", what="roster")
    found = await check(session, roster)
    errors = [{"pointer": f"/slots/{g['date']}/{g['shift']}/{g['post']}", "message": "nobody holds this post"}
              for g in found["gaps"]]
    errors += [{"pointer": f"/slots/{d['date']}/{d['shift']}/{d['posts'][0]}",
                "message": f"user {d['user_id']} is booked twice"
                + (f" (also in unit {d['other_unit']})" if d["other_unit"] else "")} for d in found["double_bookings"]]
    if not accept_warnings:
        errors += [{"pointer": f"/people/{o['user_id']}",
                    "message": f"{o['hours']} h this month, over the limit of {o['limit']} h"}
                   for o in found["over_limit"]]
    if errors:
        raise Problem(422, f"the roster cannot be published: {len(errors)} problem(s)", title="Roster check failed",
                      type="/problems/roster-check", errors=errors, check=found)
    superseded = list((await session.execute(select(Roster).where(
        Roster.unit_code == roster.unit_code, Roster.month == roster.month, Roster.status == "published"))).scalars())
    for old in superseded:
        old.status = next_state(ROSTER_TRANSITIONS, old.status, "supersede", what="roster")
    roster.status = new_status
    roster.published_at = utcnow()
    roster.published_by = by.user_id
    uow.emit("duty.roster.published", subject=("roster", roster.id), scope=[roster.unit_code],
             data={**roster.as_doc(), "superseded": [o.id for o in superseded],
                   "warnings": found["over_limit"]})
    return roster


async def discard(uow: UnitOfWork, *, by: Principal, roster_id: str) -> Roster:
    _require_manager(by)
    roster = await get_roster(uow.session, by, roster_id)
    roster.status = next_state(ROSTER_TRANSITIONS, roster.status, "discard", what="roster")
    uow.emit("duty.roster.discarded", subject=("roster", roster.id), scope=[roster.unit_code], data=roster.as_doc())
    return roster


# --- overrides and swaps ---------------------------------------------------------------------

def _window(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise invalid("/ends_at", "ends_at must be after starts_at")
    if ends_at - starts_at > timedelta(days=31):
        raise invalid("/ends_at", "an override covers at most 31 days")


async def create_override(uow: UnitOfWork, *, by: Principal | None, unit: str, post: str, starts_at: datetime,
                          ends_at: datetime, user_id: str, reason: str = "",
                          swap_id: str | None = None) -> DutyOverride:
    session = uow.session
    if by is not None:
        _require_manager(by)
        await units.require_visible(session, by, unit, pointer="/unit")
    if post not in await _post_keys(session, unit):
        raise invalid("/post", f"unit {unit} has no post {post}")
    _window(starts_at, ends_at)
    await _require_staff(session, unit, {user_id}, "/user_id")
    row = DutyOverride(id=new_id(), unit_code=unit, post_key=post, starts_at=starts_at, ends_at=ends_at,
                       user_id=user_id, reason=reason, swap_id=swap_id, created_by=by.user_id if by else None)
    session.add(row)
    await session.flush()
    uow.emit("duty.override.created", subject=("duty_override", row.id), scope=[unit], data=row.as_doc())
    return row


async def cancel_override(uow: UnitOfWork, *, by: Principal, override_id: str) -> DutyOverride:
    _require_manager(by)
    row = await uow.session.get(DutyOverride, override_id)
    if row is None or not by.sees_path(await path_of(uow.session, row.unit_code)):
        raise not_found("override", override_id)
    if row.cancelled_at is not None:
        raise conflict("the override is already cancelled")
    row.cancelled_at = utcnow()
    uow.emit("duty.override.cancelled", subject=("duty_override", row.id), scope=[row.unit_code], data=row.as_doc())
    return row


async def overrides_view(session: AsyncSession, by: Principal, *, unit: str, start: datetime,
                         end: datetime) -> list[dict[str, Any]]:
    """A visible unit's overrides in [start, end), each naming who holds the post."""
    await units.get_visible(session, by, unit)
    rows = await list_overrides(session, unit=unit, start=start, end=end)
    people = await _people(session, {r.user_id for r in rows})
    return [{**r.as_doc(), "user_name": people[r.user_id][1] if r.user_id in people else None} for r in rows]


async def list_overrides(session: AsyncSession, *, unit: str, start: datetime, end: datetime) -> list[DutyOverride]:
    stmt = (select(DutyOverride).where(DutyOverride.unit_code == unit, DutyOverride.cancelled_at.is_(None),
                                       DutyOverride.starts_at < end, DutyOverride.ends_at > start)
            .order_by(DutyOverride.starts_at))
    return list((await session.execute(stmt)).scalars())


async def request_swap(uow: UnitOfWork, *, by: Principal, unit: str, post: str, starts_at: datetime,
                       ends_at: datetime, kind: str, other_user_id: str, reason: str = "") -> SwapRequest:
    """kind "swap": the caller asks `other_user_id` to take the caller's shift;
    kind "take": the caller offers to take `other_user_id`'s shift. The duty chief decides."""
    session = uow.session
    await units.require_visible(session, by, unit, pointer="/unit")
    if post not in await _post_keys(session, unit):
        raise invalid("/post", f"unit {unit} has no post {post}")
    _window(starts_at, ends_at)
    await _require_staff(session, unit, {by.user_id, other_user_id}, "/other_user_id")
    if other_user_id == by.user_id:
        raise invalid("/other_user_id", "choose someone other than yourself")
    from_user, to_user = (by.user_id, other_user_id) if kind == "swap" else (other_user_id, by.user_id)
    from duty.rosters.resolver import holder_during

    holder = await holder_during(session, unit=unit, post=post, start=starts_at, end=ends_at)
    if holder != from_user:
        raise invalid("/starts_at", "the person giving the shift does not hold this post for the whole period")
    row = SwapRequest(id=new_id(), unit_code=unit, post_key=post, starts_at=starts_at, ends_at=ends_at,
                      from_user_id=from_user, to_user_id=to_user, kind=kind, reason=reason, created_by=by.user_id)
    session.add(row)
    await session.flush()
    uow.emit("duty.swap.requested", subject=("duty_swap", row.id), scope=[unit], data=row.as_doc())
    return row


async def decide_swap(uow: UnitOfWork, *, by: Principal, swap_id: str, action: str) -> SwapRequest:
    session = uow.session
    row = await session.get(SwapRequest, swap_id)
    if row is None or not by.sees_path(await path_of(session, row.unit_code)):
        raise not_found("swap request", swap_id)
    status = next_state(SWAP_TRANSITIONS, row.status, action, what="swap request")
    if action == "cancel":
        if by.user_id != row.created_by:
            raise forbidden("only the requester can cancel a swap request")
    else:
        from duty.rosters.resolver import holds_post_now

        if not by.can("duty.roster.manage") and not await holds_post_now(session, unit=row.unit_code, post="chief",
                                                                          user_id=by.user_id):
            raise forbidden("the duty chief or a duty leader decides swap requests")
    if status == "approved":
        from duty.rosters.resolver import holder_during

        holder = await holder_during(session, unit=row.unit_code, post=row.post_key, start=row.starts_at,
                                     end=row.ends_at)
        if holder != row.from_user_id:
            raise conflict("the shift has changed hands since the request; it cannot be approved as asked")
    row.status = status
    row.decided_by = by.user_id
    row.decided_at = utcnow()
    if status == "approved":
        await create_override(uow, by=None, unit=row.unit_code, post=row.post_key, starts_at=row.starts_at,
                              ends_at=row.ends_at, user_id=row.to_user_id, reason=f"swap {row.id}", swap_id=row.id)
    uow.emit(f"duty.swap.{status}", subject=("duty_swap", row.id), scope=[row.unit_code], data=row.as_doc())
    return row


async def list_swaps(session: AsyncSession, *, unit: str, status: str | None = None) -> list[SwapRequest]:
    stmt = select(SwapRequest).where(SwapRequest.unit_code == unit)
    if status:
        stmt = stmt.where(SwapRequest.status == status)
    return list((await session.execute(stmt.order_by(SwapRequest.created_at.desc()).limit(200))).scalars())

