"""Rosters as iCalendar (RFC 5545), per unit and per person, parsed back with the `icalendar` library:
the events are exactly the resolver's timeline (roster and overrides) for the month."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
from icalendar import Calendar

from core.db import Database
from duty.rosters import resolver
from duty.rosters import service as rosters
from tests.duty.helpers import TZ, demo_holder, shift_start, this_month, user_id, z
from tests.support import LiveServer, assert_problem, bearer, token_for

UNIT = "360702"
POSTS = ["leader", "chief", "officer", "officer2"]


def _month_bounds(month: str) -> tuple[datetime, datetime]:
    first = datetime(int(month[:4]), int(month[5:]), 1, tzinfo=TZ)
    nxt = datetime(first.year + (first.month == 12), first.month % 12 + 1, 1, tzinfo=TZ)
    return first, nxt


def _events(raw: bytes) -> list[dict[str, Any]]:
    cal = Calendar.from_ical(raw)
    assert str(cal["VERSION"]) == "2.0" and "Yingji" in str(cal["PRODID"])
    out = []
    for ev in cal.walk("VEVENT"):
        unit, post, _start, rest = str(ev["UID"]).split("-", 3)
        out.append({"unit": unit, "post": post, "user": rest.removesuffix("@yingji"), "uid": str(ev["UID"]),
                    "start": ev.decoded("DTSTART"), "end": ev.decoded("DTEND"), "summary": str(ev["SUMMARY"]),
                    "description": str(ev["DESCRIPTION"])})
    return out


async def _expected(url: str, month: str, only: str | None = None) -> list[tuple[str, datetime, datetime, str, str]]:
    start, end = _month_bounds(month)
    db = Database(url)
    try:
        async with db.read() as session:
            out = []
            for post in await rosters.list_posts(session, UNIT):
                for seg in await resolver.timeline(session, unit=UNIT, post=post.key, start=start, end=end):
                    if seg.user_id and (only is None or seg.user_id == only):
                        out.append((post.key, seg.start, seg.end, seg.user_id, seg.source))
    finally:
        await db.dispose()
    return sorted(out)


async def test_unit_and_person_calendars_match_the_timeline(live_server: LiveServer, sqlite_url: str) -> None:
    month = this_month()
    me = f"duty.{UNIT}"
    assert demo_holder(UNIT, "officer", 9) == me
    officer = await token_for(sqlite_url, me)
    lead = await token_for(sqlite_url, f"lead.{UNIT}")
    db = Database(sqlite_url)
    try:
        my_id, sub_id = await user_id(db, me), await user_id(db, f"duty3.{UNIT}")
    finally:
        await db.dispose()
    day9 = shift_start(month, 9)
    o_start, o_end = day9 + timedelta(hours=3, minutes=30), day9 + timedelta(hours=9)
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        # An override in the middle of my shift on the 9th.
        res = await client.post("/api/v1/duty/overrides", headers=bearer(lead), json={
            "unit": UNIT, "post": "officer", "starts_at": z(o_start), "ends_at": z(o_end), "user": f"duty3.{UNIT}",
            "reason": "就医"})
        assert res.status_code == 201, res.text

        res = await client.get("/api/v1/duty/calendar.ics", params={"unit": UNIT, "month": month},
                               headers=bearer(officer))
        assert res.status_code == 200, res.text
        assert res.headers["content-type"].startswith("text/calendar")
        assert f"duty-{UNIT}-{month}.ics" in res.headers["content-disposition"]
        evs = _events(res.content)
        assert len({e["uid"] for e in evs}) == len(evs)
        assert {e["unit"] for e in evs} == {UNIT} and {e["post"] for e in evs} == set(POSTS)
        got = sorted((e["post"], e["start"], e["end"], e["user"]) for e in evs)
        want = await _expected(sqlite_url, month)
        assert got == [w[:4] for w in want]
        # Every shift of the month is there: one event per post and day, plus the two the override adds.
        first, nxt = _month_bounds(month)
        days = (nxt - first).days
        assert len(evs) == 4 * days + 2
        # The override shows, and my shift around it is split in two.
        officer_9 = sorted((e["start"], e["end"], e["user"], "调班" in e["description"]) for e in evs
                           if e["post"] == "officer" and day9 <= e["start"] < day9 + timedelta(days=1))
        assert officer_9 == [(day9, o_start, my_id, False), (o_start, o_end, sub_id, True),
                             (o_end, day9 + timedelta(days=1), my_id, False)]
        assert all(e["start"].utcoffset() == timedelta(0) for e in evs)  # UTC date-times (…Z)

        # My own calendar: only my shifts, the same instants.
        res = await client.get("/api/v1/duty/calendar.ics", params={"user": me, "month": month},
                               headers=bearer(officer))
        assert res.status_code == 200, res.text
        mine = _events(res.content)
        assert {e["user"] for e in mine} == {my_id}
        assert sorted((e["post"], e["start"], e["end"], e["user"]) for e in mine) == [
            w[:4] for w in await _expected(sqlite_url, month, only=my_id)]
        assert (o_start, o_end) not in {(e["start"], e["end"]) for e in mine}
        assert sum(e["post"] == "officer" and e["start"].date() == day9.date() for e in mine) == 2

        # The substitute's calendar has the override.
        res = await client.get("/api/v1/duty/calendar.ics", params={"user": f"duty3.{UNIT}", "month": month},
                               headers=bearer(lead))
        assert (o_start, o_end) in {(e["start"], e["end"]) for e in _events(res.content)}

        assert_problem(await client.get("/api/v1/duty/calendar.ics", params={"unit": UNIT, "month": "2026-13"},
                                        headers=bearer(officer)), 400)
