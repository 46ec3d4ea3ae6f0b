"""Rosters as iCalendar (RFC 5545): the effective schedule (roster with overrides) per unit or person."""

from __future__ import annotations

from datetime import datetime

from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import User
from core.units.models import Unit
from duty.rosters.resolver import timeline
from duty.rosters.service import list_posts

PRODID = "-//Yingji//Duty roster//ZH"


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    return cal


async def unit_calendar(session: AsyncSession, *, unit: Unit, start: datetime, end: datetime,
                        only_user: str | None = None) -> Calendar:
    posts = await list_posts(session, unit.code)
    segments = []
    for post in posts:
        for seg in await timeline(session, unit=unit.code, post=post.key, start=start, end=end):
            if seg.user_id and (only_user is None or seg.user_id == only_user):
                segments.append((post, seg))
    ids = {seg.user_id for _p, seg in segments if seg.user_id}
    users = {u.id: u for u in (await session.execute(select(User).where(User.id.in_(ids)))).scalars()} if ids else {}
    cal = _calendar(f"{unit.name} 值班表")
    for post, seg in segments:
        user = users.get(seg.user_id or "")
        ev = Event()
        ev.add("uid", f"{unit.code}-{post.key}-{seg.start:%Y%m%dT%H%M%SZ}-{seg.user_id}@yingji")
        ev.add("summary", f"{unit.name} {post.name}：{user.name if user else seg.user_id}")
        ev.add("dtstart", seg.start)
        ev.add("dtend", seg.end)
        ev.add("dtstamp", seg.start)
        ev.add("categories", ["值班"])
        ev.add("description", f"{post.name} · {'调班' if seg.source == 'override' else '排班'}"
               + (f" · {user.phone}" if user and user.phone else ""))
        cal.add_component(ev)
    return cal


async def person_calendar(session: AsyncSession, *, user: User, units: list[Unit], start: datetime,
                          end: datetime) -> Calendar:
    cal = _calendar(f"{user.name} 值班安排")
    for unit in units:
        sub = await unit_calendar(session, unit=unit, start=start, end=end, only_user=user.id)
        for component in sub.walk("VEVENT"):
            cal.add_component(component)
    return cal
