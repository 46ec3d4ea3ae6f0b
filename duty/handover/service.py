"""Handover: draft (open items gathered automatically, plus free items), submit, accept item by
item, remind the duty chief when nobody accepts within the grace period."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import User
from core.auth.principal import Principal
from core.db import UnitOfWork
from core.orm import new_id, utcnow
from core.problems import forbidden, invalid, not_found
from core.states import next_state
from core.timers import service as timers
from core.units import service as units
from core.units.paths import path_of
from duty.handover import providers
from duty.handover.models import HANDOVER_TRANSITIONS, Handover, HandoverItem
from duty.rosters.resolver import holders_at, posts_held_by
from duty.rules import service as rules

GRACE_TIMER = "duty.handover.grace"


async def get_visible(session: AsyncSession, by: Principal, handover_id: str) -> Handover:
    row = await session.get(Handover, handover_id)
    if row is None or not by.sees_path(await path_of(session, row.unit_code)):
        raise not_found("handover", handover_id)
    return row


async def items_of(session: AsyncSession, handover_id: str) -> list[HandoverItem]:
    stmt = select(HandoverItem).where(HandoverItem.handover_id == handover_id).order_by(HandoverItem.sort)
    return list((await session.execute(stmt)).scalars())


async def doc(session: AsyncSession, row: Handover) -> dict[str, Any]:
    return {**row.as_doc(), "items": [i.as_doc() for i in await items_of(session, row.id)]}


async def draft(uow: UnitOfWork, *, by: Principal, unit: str, post: str | None = None, notes: str = "",
                free_items: list[str] | None = None) -> Handover:
    """Start the handover of the post the caller holds now (or `post`), with the open items gathered."""
    session = uow.session
    await units.require_visible(session, by, unit, pointer="/unit")
    now = utcnow()
    holders = {h["post"]: h for h in await holders_at(session, unit=unit, at=now)}
    if post is None:
        mine = [p for u, p in await posts_held_by(session, user_id=by.user_id, at=now) if u == unit]
        if not mine:
            raise invalid("/post", "you hold no post of this unit now; name the post you hand over")
        post = mine[0]
    if post not in holders:
        raise invalid("/post", f"unit {unit} has no post {post}")
    until = holders[post]["until"]
    ends_at = None
    to_user: User | None = None
    if until:
        from datetime import datetime

        ends_at = datetime.fromisoformat(until.replace("Z", "+00:00"))
        nxt = {h["post"]: h for h in await holders_at(session, unit=unit, at=ends_at + timedelta(seconds=1))}
        holder = nxt.get(post, {}).get("holder")
        to_user = await session.get(User, holder["id"]) if holder else None
    row = Handover(id=new_id(), unit_code=unit, post_key=post, from_user_id=by.user_id, from_user_name=by.name,
                   to_user_id=to_user.id if to_user else None, to_user_name=to_user.name if to_user else None,
                   shift_ends_at=ends_at, notes=notes)
    session.add(row)
    await session.flush()
    items = await providers.gather(session, unit, now)
    for i, item in enumerate(items):
        session.add(HandoverItem(id=new_id(), handover_id=row.id, sort=i, source=item.source, ref=item.ref,
                                 title=item.title, detail=item.detail, due_at=item.due_at))
    for j, text in enumerate(free_items or []):
        session.add(HandoverItem(id=new_id(), handover_id=row.id, sort=len(items) + j, source="free", title=text))
    await session.flush()
    uow.emit("duty.handover.drafted", subject=("handover", row.id), scope=[unit],
             data={**row.as_doc(), "items": len(items) + len(free_items or [])})
    return row


async def add_item(uow: UnitOfWork, *, by: Principal, handover_id: str, title: str, detail: str = "") -> HandoverItem:
    row = await get_visible(uow.session, by, handover_id)
    next_state(HANDOVER_TRANSITIONS, row.status, "edit", what="handover")
    if row.from_user_id != by.user_id:
        raise forbidden("only the outgoing holder edits the handover")
    n = len(await items_of(uow.session, row.id))
    item = HandoverItem(id=new_id(), handover_id=row.id, sort=n, source="free", title=title, detail=detail)
    uow.session.add(item)
    await uow.session.flush()
    uow.emit("duty.handover.item_added", subject=("handover", row.id), scope=[row.unit_code], data=item.as_doc())
    return item


async def submit(uow: UnitOfWork, *, by: Principal, handover_id: str, notes: str | None = None) -> Handover:
    session = uow.session
    row = await get_visible(session, by, handover_id)
    if row.from_user_id != by.user_id:
        raise forbidden("only the outgoing holder submits the handover")
    row.status = next_state(HANDOVER_TRANSITIONS, row.status, "submit", what="handover")
    if notes is not None:
        row.notes = notes
    row.submitted_at = utcnow()
    grace = int(await rules.value(session, row.unit_code, "handover_grace_min"))
    await timers.schedule(uow, kind=GRACE_TIMER, ref=row.id, due_at=row.submitted_at + timedelta(minutes=grace))
    uow.emit("duty.handover.submitted", subject=("handover", row.id), scope=[row.unit_code], data=row.as_doc())
    return row


def _may_accept(by: Principal, row: Handover) -> bool:
    return by.user_id == row.to_user_id or by.can("duty.roster.manage") or (
        row.to_user_id is None and by.unit_code == row.unit_code)


async def accept_item(uow: UnitOfWork, *, by: Principal, handover_id: str, item_id: str,
                      remark: str = "") -> HandoverItem:
    session = uow.session
    row = await get_visible(session, by, handover_id)
    if not _may_accept(by, row):
        raise forbidden("only the incoming holder accepts the handover")
    next_state(HANDOVER_TRANSITIONS, row.status, "accept_item", what="handover")
    item = await session.get(HandoverItem, item_id)
    if item is None or item.handover_id != row.id:
        raise not_found("handover item", item_id)
    if not item.accepted:
        item.accepted, item.accepted_at, item.remark = True, utcnow(), remark
        uow.emit("duty.handover.item_accepted", subject=("handover", row.id), scope=[row.unit_code],
                 data={"handover": row.id, **item.as_doc()})
    return item


async def accept(uow: UnitOfWork, *, by: Principal, handover_id: str, remark: str = "") -> Handover:
    """Accept the whole handover: every item not yet accepted is accepted now."""
    session = uow.session
    row = await get_visible(session, by, handover_id)
    if not _may_accept(by, row):
        raise forbidden("only the incoming holder accepts the handover")
    row.status = next_state(HANDOVER_TRANSITIONS, row.status, "accept", what="handover")
    now = utcnow()
    for item in await items_of(session, row.id):
        if not item.accepted:
            item.accepted, item.accepted_at, item.remark = True, now, item.remark or remark
    row.accepted_at, row.accepted_by = now, by.user_id
    if row.to_user_id is None:
        row.to_user_id, row.to_user_name = by.user_id, by.name
    await timers.cancel(uow, kind=GRACE_TIMER, ref=row.id)
    uow.emit("duty.handover.accepted", subject=("handover", row.id), scope=[row.unit_code], data=row.as_doc())
    return row


async def on_grace_expired(uow: UnitOfWork, *, handover_id: str) -> None:
    row = await uow.session.get(Handover, handover_id)
    if row is None or row.status != "submitted":
        return
    row.reminded_at = utcnow()
    uow.emit("duty.handover.overdue", subject=("handover", row.id), scope=[row.unit_code],
             data={**row.as_doc(), "to": "chief"})


async def recent(session: AsyncSession, *, unit: str, limit: int = 20) -> list[Handover]:
    stmt = select(Handover).where(Handover.unit_code == unit).order_by(Handover.created_at.desc()).limit(limit)
    return list((await session.execute(stmt)).scalars())
