"""Who holds each post: overrides first (the newest wins), then the published roster.

`timeline` gives the same answer as `holders_at` for every instant of a range, as segments; the
property tests check one against the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import User
from core.auth.principal import Principal
from core.orm import iso
from core.units import service as units
from core.units.models import JURISDICTION_KINDS
from duty.rosters.models import DutyOverride, DutyPost, Roster, RosterSlot
from duty.rosters.service import list_posts


@dataclass(frozen=True)
class Segment:
    start: datetime
    end: datetime
    user_id: str | None
    source: str  # roster | override | none


async def _slots(session: AsyncSession, unit: str, start: datetime, end: datetime,
                 post: str | None = None) -> list[RosterSlot]:
    stmt = (select(RosterSlot).join(Roster, Roster.id == RosterSlot.roster_id)
            .where(Roster.status == "published", RosterSlot.unit_code == unit,
                   RosterSlot.starts_at < end, RosterSlot.ends_at > start))
    if post:
        stmt = stmt.where(RosterSlot.post_key == post)
    return list((await session.execute(stmt.order_by(RosterSlot.starts_at))).scalars())


async def _overrides(session: AsyncSession, unit: str, start: datetime, end: datetime,
                     post: str | None = None) -> list[DutyOverride]:
    stmt = select(DutyOverride).where(DutyOverride.unit_code == unit, DutyOverride.cancelled_at.is_(None),
                                      DutyOverride.starts_at < end, DutyOverride.ends_at > start)
    if post:
        stmt = stmt.where(DutyOverride.post_key == post)
    return list((await session.execute(stmt.order_by(DutyOverride.created_at))).scalars())


def _segments(slots: list[RosterSlot], overrides: list[DutyOverride], start: datetime,
              end: datetime) -> list[Segment]:
    cuts = {start, end}
    spans = [(x.starts_at, x.ends_at) for x in slots] + [(x.starts_at, x.ends_at) for x in overrides]
    for span in spans:
        for t in span:
            if start < t < end:
                cuts.add(t)
    points = sorted(cuts)
    out: list[Segment] = []
    for a, b in pairwise(points):
        holder: str | None = None
        source = "none"
        covering = [o for o in overrides if o.starts_at <= a and o.ends_at >= b]
        if covering:
            holder, source = max(covering, key=lambda o: o.created_at).user_id, "override"
        else:
            for s in slots:
                if s.starts_at <= a and s.ends_at >= b:
                    holder, source = s.user_id, "roster"
                    break
        if out and out[-1].user_id == holder and out[-1].source == source and out[-1].end == a:
            out[-1] = Segment(out[-1].start, b, holder, source)
        else:
            out.append(Segment(a, b, holder, source))
    return out


async def timeline(session: AsyncSession, *, unit: str, post: str, start: datetime, end: datetime) -> list[Segment]:
    return _segments(await _slots(session, unit, start, end, post), await _overrides(session, unit, start, end, post),
                     start, end)


async def holder_during(session: AsyncSession, *, unit: str, post: str, start: datetime, end: datetime) -> str | None:
    """The one person holding the post for the whole range, or None if it changes hands or is empty."""
    segs = await timeline(session, unit=unit, post=post, start=start, end=end)
    return segs[0].user_id if len(segs) == 1 else None


async def holders_at(session: AsyncSession, *, unit: str, at: datetime) -> list[dict[str, Any]]:
    """Every active post of the unit with who holds it at `at`, the source, and since/until when."""
    posts: list[DutyPost] = await list_posts(session, unit)
    slots = await _slots_covering(session, unit, at)
    overrides = await _overrides_covering(session, unit, at)
    user_ids = {s.user_id for s in slots if s.user_id} | {o.user_id for o in overrides}
    users = {u.id: u for u in (await session.execute(select(User).where(User.id.in_(user_ids)))).scalars()} \
        if user_ids else {}
    out = []
    for post in posts:
        mine_o = [o for o in overrides if o.post_key == post.key]
        mine_s = [s for s in slots if s.post_key == post.key]
        holder_id: str | None = None
        source, since, until = "none", None, None
        if mine_o:
            o = max(mine_o, key=lambda o: o.created_at)
            holder_id, source, since, until = o.user_id, "override", o.starts_at, o.ends_at
        elif mine_s:
            s = mine_s[0]
            holder_id, source, since, until = s.user_id, "roster", s.starts_at, s.ends_at
        user = users.get(holder_id or "")
        out.append({"post": post.key, "name": post.name, "name_en": post.name_en, "source": source,
                    "since": iso(since), "until": iso(until),
                    "holder": {"id": user.id, "name": user.name, "username": user.username, "phone": user.phone}
                    if user else None})
    return out


async def _slots_covering(session: AsyncSession, unit: str, at: datetime) -> list[RosterSlot]:
    stmt = (select(RosterSlot).join(Roster, Roster.id == RosterSlot.roster_id)
            .where(Roster.status == "published", RosterSlot.unit_code == unit,
                   RosterSlot.starts_at <= at, RosterSlot.ends_at > at))
    return list((await session.execute(stmt)).scalars())


async def _overrides_covering(session: AsyncSession, unit: str, at: datetime) -> list[DutyOverride]:
    stmt = select(DutyOverride).where(DutyOverride.unit_code == unit, DutyOverride.cancelled_at.is_(None),
                                      DutyOverride.starts_at <= at, DutyOverride.ends_at > at)
    return list((await session.execute(stmt)).scalars())


async def holds_post_now(session: AsyncSession, *, unit: str, post: str, user_id: str, at: datetime | None = None
                         ) -> bool:
    from core.orm import utcnow

    for row in await holders_at(session, unit=unit, at=at or utcnow()):
        if row["post"] == post and row["holder"] and row["holder"]["id"] == user_id:
            return True
    return False


async def posts_held_by(session: AsyncSession, *, user_id: str, at: datetime) -> list[tuple[str, str]]:
    """(unit, post) pairs the user holds at `at` (overrides beat the roster)."""
    held: list[tuple[str, str]] = []
    slot_rows = (await session.execute(
        select(RosterSlot.unit_code, RosterSlot.post_key).join(Roster, Roster.id == RosterSlot.roster_id)
        .where(Roster.status == "published", RosterSlot.user_id == user_id, RosterSlot.starts_at <= at,
               RosterSlot.ends_at > at))).all()
    over_rows = (await session.execute(
        select(DutyOverride.unit_code, DutyOverride.post_key)
        .where(DutyOverride.user_id == user_id, DutyOverride.cancelled_at.is_(None),
               DutyOverride.starts_at <= at, DutyOverride.ends_at > at))).all()
    for unit, post in {*slot_rows, *over_rows}:
        holders = await holders_at(session, unit=unit, at=at)
        if any(h["post"] == post and h["holder"] and h["holder"]["id"] == user_id for h in holders):
            held.append((unit, post))
    return sorted(held)


async def on_duty(session: AsyncSession, by: Principal, *, at: datetime, unit: str | None = None) -> dict[str, Any]:
    """Who is on duty at `at`, by post: for one visible unit, or every visible duty unit with posts
    (GET /duty/now, the duty pages)."""
    if unit is not None:
        targets = [await units.get_visible(session, by, unit)]
    else:
        with_posts = set((await session.execute(select(DutyPost.unit_code)
                                                .where(DutyPost.active.is_(True)).distinct())).scalars())
        targets = [u for u in await units.list_visible(session, by)
                   if u.code in with_posts and u.kind in JURISDICTION_KINDS]
    return {"at": iso(at), "units": [{"unit": u.code, "name": u.name,
                                      "posts": await holders_at(session, unit=u.code, at=at)} for u in targets]}
