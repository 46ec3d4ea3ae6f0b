"""Who holds each post at an instant (duty/rosters/resolver.py): shift boundaries to the microsecond,
overrides before the roster (the newest wins, a cancelled one no longer counts), an approved swap
for exactly its window, GET /duty/now agreeing, and a property test over random rosters."""

from __future__ import annotations

import asyncio
import bisect
import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.auth import service as auth
from core.db import Database
from core.orm import iso
from core.problems import Problem
from core.units import service as units
from duty.rosters import resolver
from duty.rosters import service as rosters
from duty.rules import service as rules
from tests.duty.helpers import (
    US,
    demo_holder,
    next_month,
    principal,
    shift_start,
    this_month,
    user_id,
    z,
)
from tests.support import LiveServer, assert_problem, bearer, token_for

UNIT = "360702"
POSTS = ["leader", "chief", "officer", "officer2"]


def _held(rows: list[dict[str, Any]]) -> dict[str, tuple[str | None, str]]:
    """post → (holder username, source)."""
    return {r["post"]: (r["holder"]["username"] if r["holder"] else None, r["source"]) for r in rows}


async def _at(db: Database, at: datetime, unit: str = UNIT) -> dict[str, tuple[str | None, str]]:
    async with db.read() as session:
        return _held(await resolver.holders_at(session, unit=unit, at=at))


async def _timeline(db: Database, post: str, start: datetime, end: datetime,
                    unit: str = UNIT) -> list[tuple[datetime, datetime, str | None, str]]:
    async with db.read() as session:
        segs = await resolver.timeline(session, unit=unit, post=post, start=start, end=end)
        names = {u.id: u.username for u in await rosters.unit_staff(session, unit)}
    return [(s.start, s.end, names.get(s.user_id or "", s.user_id), s.source) for s in segs]


# --- shift boundaries ------------------------------------------------------------------------------

async def test_shift_boundary_to_the_microsecond(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    try:
        month = this_month()
        boundary = shift_start(month, 15)  # 08:30 on the 15th in Asia/Shanghai
        before, at = await _at(db, boundary - US), await _at(db, boundary)
        for post in POSTS:
            assert before[post] == (demo_holder(UNIT, post, 14), "roster"), post
            assert at[post] == (demo_holder(UNIT, post, 15), "roster"), post
            assert demo_holder(UNIT, post, 14) != demo_holder(UNIT, post, 15)
        # The last microsecond of the shift is still the 15th's; the next is the 16th's.
        end = shift_start(month, 16)
        assert (await _at(db, end - US))["officer"][0] == demo_holder(UNIT, "officer", 15)
        assert (await _at(db, end))["officer"][0] == demo_holder(UNIT, "officer", 16)
        # since/until are the shift's own bounds.
        async with db.read() as session:
            rows = {r["post"]: r for r in await resolver.holders_at(session, unit=UNIT,
                                                                     at=boundary + timedelta(hours=3))}
        assert (rows["officer"]["since"], rows["officer"]["until"]) == (iso(boundary), iso(end))
        assert rows["officer"]["holder"]["phone"]  # the board shows the phone

        # The timeline cuts at the same instants, one segment per shift.
        segs = await _timeline(db, "officer", boundary - timedelta(hours=1), end + timedelta(hours=1))
        assert segs == [
            (boundary - timedelta(hours=1), boundary, demo_holder(UNIT, "officer", 14), "roster"),
            (boundary, end, demo_holder(UNIT, "officer", 15), "roster"),
            (end, end + timedelta(hours=1), demo_holder(UNIT, "officer", 16), "roster"),
        ]

        # From one month's roster to the next: the last shift of this month ends where the next begins.
        first_next = shift_start(next_month(), 1)
        last_day = (first_next - timedelta(days=1)).day
        before, at = await _at(db, first_next - US), await _at(db, first_next)
        assert before["officer"] == (demo_holder(UNIT, "officer", last_day), "roster")
        assert at["officer"] == (demo_holder(UNIT, "officer", 1), "roster")
        # The month before this one has no roster in the demo: nobody, and the resolver says so.
        first_this = shift_start(month, 1)
        assert (await _at(db, first_this - US))["officer"] == (None, "none")
        assert (await _at(db, first_this))["officer"] == (demo_holder(UNIT, "officer", 1), "roster")
    finally:
        await db.dispose()


# --- overrides -------------------------------------------------------------------------------------

async def test_overrides_beat_the_roster_newest_wins_cancelled_ignored(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    try:
        lead = await principal(db, f"lead.{UNIT}")
        day = shift_start(this_month(), 15)
        rostered = demo_holder(UNIT, "officer", 15)
        a, b = [n for n in (f"duty3.{UNIT}", f"duty5.{UNIT}", f"duty7.{UNIT}", f"duty.{UNIT}") if n != rostered][:2]
        ids = {n: await user_id(db, n) for n in (a, b)}

        def h(hh: int, mm: int = 0) -> datetime:
            return day.replace(hour=hh, minute=mm)

        async def override(who: str, start: datetime, end: datetime) -> str:
            async with db.write() as uow:
                row = await rosters.create_override(uow, by=lead, unit=UNIT, post="officer", starts_at=start,
                                                    ends_at=end, user_id=ids[who], reason="test")
                return row.id

        async def cancel(oid: str) -> None:
            async with db.write() as uow:
                await rosters.cancel_override(uow, by=lead, override_id=oid)

        o1 = await override(a, h(2), h(6))
        o2 = await override(b, h(3), h(4))         # newer, inside o1: wins there
        o3 = await override(a, h(3, 30), h(3, 45))  # newer still, inside o2
        expect = {h(2) - US: rostered, h(2): a, h(3) - US: a, h(3): b, h(3, 30) - US: b, h(3, 30): a,
                  h(3, 45) - US: a, h(3, 45): b, h(4) - US: b, h(4): a, h(6) - US: a, h(6): rostered}
        for t, who in expect.items():
            got = await _at(db, t)
            assert got["officer"] == (who, "roster" if who == rostered else "override"), t
            assert got["officer2"] == (demo_holder(UNIT, "officer2", 15), "roster")  # other posts untouched
        assert (await _at(db, h(3), unit="360703"))["officer"] == (demo_holder("360703", "officer", 15), "roster")
        segs = await _timeline(db, "officer", day, day + timedelta(days=1))
        assert [(s[0], s[1], s[2]) for s in segs] == [
            (day, h(2), rostered), (h(2), h(3), a), (h(3), h(3, 30), b), (h(3, 30), h(3, 45), a),
            (h(3, 45), h(4), b), (h(4), h(6), a), (h(6), day + timedelta(days=1), rostered)]

        # The newest covers them all; cancelled, the older ones apply again.
        o4 = await override(b, h(1), h(7))
        assert {(await _at(db, t))["officer"][0] for t in (h(1), h(2, 30), h(3, 40), h(6, 59))} == {b}
        await cancel(o4)
        await cancel(o2)
        assert (await _at(db, h(3, 15)))["officer"] == (a, "override")
        assert (await _at(db, h(1, 30)))["officer"] == (rostered, "roster")
        segs = await _timeline(db, "officer", day, day + timedelta(days=1))
        # a's two overrides touch: one segment.
        assert [(s[0], s[1], s[2], s[3]) for s in segs] == [
            (day, h(2), rostered, "roster"), (h(2), h(6), a, "override"),
            (h(6), day + timedelta(days=1), rostered, "roster")]
        # Cancelling twice is refused; the cancelled override is no longer listed.
        with pytest.raises(Problem) as refused:
            await cancel(o2)
        assert refused.value.status == 409
        async with db.read() as session:
            listed = {o.id for o in await rosters.list_overrides(session, unit=UNIT, start=day,
                                                                  end=day + timedelta(days=1))}
        assert listed == {o1, o3}
    finally:
        await db.dispose()


# --- a swap through the API, and /duty/now ---------------------------------------------------------

async def _now(client: httpx.AsyncClient, token: str, at: datetime) -> dict[str, tuple[str | None, str]]:
    res = await client.get("/api/v1/duty/now", params={"unit": UNIT, "at": z(at)}, headers=bearer(token))
    assert res.status_code == 200, res.text
    doc = res.json()
    assert [u["unit"] for u in doc["units"]] == [UNIT]
    return _held(doc["units"][0]["posts"])


async def test_approved_swap_changes_the_holder_for_exactly_its_window(live_server: LiveServer,
                                                                       sqlite_url: str) -> None:
    month = this_month()
    day = shift_start(month, 16)
    giver = demo_holder(UNIT, "officer", 16)
    taker = demo_holder(UNIT, "officer", 17)
    start, end = day + timedelta(hours=5, minutes=30), day + timedelta(hours=11)
    giver_t, taker_t = await token_for(sqlite_url, giver), await token_for(sqlite_url, taker)
    lead_t = await token_for(sqlite_url, f"lead.{UNIT}")
    db = Database(sqlite_url)
    try:
        async with httpx.AsyncClient(base_url=live_server.url) as client:
            body = {"unit": UNIT, "post": "officer", "starts_at": z(start), "ends_at": z(end), "kind": "swap",
                    "other_user": taker, "reason": "家中有事"}
            # Only someone holding the post for the whole window may give it away.
            res = await client.post("/api/v1/duty/swaps", headers=bearer(taker_t), json=body | {"other_user": giver})
            assert_problem(res, 422)
            res = await client.post("/api/v1/duty/swaps", headers=bearer(giver_t),
                                    json=body | {"ends_at": z(day + timedelta(days=1, hours=1))})
            assert_problem(res, 422)
            res = await client.post("/api/v1/duty/swaps", headers=bearer(giver_t), json=body)
            assert res.status_code == 201, res.text
            swap = res.json()
            assert swap["status"] == "requested" and swap["kind"] == "swap"
            assert (await _now(client, lead_t, start))["officer"] == (giver, "roster")  # not yet approved

            # A duty officer who is not the duty chief cannot approve it.
            res = await client.post(f"/api/v1/duty/swaps/{swap['id']}/decide", headers=bearer(taker_t),
                                    json={"action": "approve"})
            assert_problem(res, 403)
            res = await client.post(f"/api/v1/duty/swaps/{swap['id']}/decide", headers=bearer(lead_t),
                                    json={"action": "approve"})
            assert res.status_code == 200, res.text
            assert res.json()["status"] == "approved"
            res = await client.post(f"/api/v1/duty/swaps/{swap['id']}/decide", headers=bearer(lead_t),
                                    json={"action": "approve"})
            assert_problem(res, 409)

            expect = {day: giver, start - US: giver, start: taker, end - US: taker, end: giver,
                      day + timedelta(days=1) - US: giver}
            for t, who in expect.items():
                now = await _now(client, lead_t, t)
                assert now["officer"] == (who, "override" if who == taker else "roster"), t
                assert now == await _at(db, t), t  # the API and the resolver agree
                assert now["officer2"] == (demo_holder(UNIT, "officer2", 16), "roster")
            # The next day the taker holds the post by the roster again.
            assert (await _now(client, lead_t, day + timedelta(days=1)))["officer"] == (taker, "roster")

            # The override the approval made is listed, tied to the swap.
            res = await client.get("/api/v1/duty/overrides", headers=bearer(lead_t),
                                   params={"unit": UNIT, "from": z(day), "to": z(day + timedelta(days=1))})
            assert res.status_code == 200
            assert [(o["swap_id"], o["starts_at"][:19], o["ends_at"][:19]) for o in res.json()] == [
                (swap["id"], z(start)[:19], z(end)[:19])]

            # A rejected take-over changes nothing.
            other_day = shift_start(month, 18)
            owner = demo_holder(UNIT, "officer", 18)
            res = await client.post("/api/v1/duty/swaps", headers=bearer(giver_t), json={
                "unit": UNIT, "post": "officer", "starts_at": z(other_day),
                "ends_at": z(other_day + timedelta(hours=2)), "kind": "take", "other_user": owner})
            assert res.status_code == 201, res.text
            res = await client.post(f"/api/v1/duty/swaps/{res.json()['id']}/decide", headers=bearer(lead_t),
                                    json={"action": "reject"})
            assert res.status_code == 200 and res.json()["status"] == "rejected"
            assert (await _now(client, lead_t, other_day + timedelta(hours=1)))["officer"] == (owner, "roster")
    finally:
        await db.dispose()


# --- property: one holder per post at every instant ------------------------------------------------

PATTERNS: list[list[dict[str, Any]]] = [
    [{"key": "day", "start": "08:30", "hours": 24}],
    [{"key": "day", "start": "08:30", "hours": 12}, {"key": "night", "start": "20:30", "hours": 12}],
    [{"key": "a", "start": "00:00", "hours": 8}, {"key": "b", "start": "08:00", "hours": 8},
     {"key": "c", "start": "16:00", "hours": 8}],
    [{"key": "day", "start": "08:30", "hours": 9}, {"key": "night", "start": "17:30", "hours": 15}],
]
SHANGHAI = timedelta(hours=8)  # no daylight saving since 1991


@dataclass(frozen=True)
class Over:
    post: int
    start_min: int
    minutes: int
    micro: int
    person: int
    cancelled: bool


@dataclass(frozen=True)
class Scenario:
    pattern: int
    rotations: tuple[int, ...]  # people per post
    offsets: tuple[int, ...]
    overrides: tuple[Over, ...]
    samples: tuple[float, ...]


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    n_posts = draw(st.integers(1, 3))
    rotations = tuple(draw(st.integers(1, 6)) for _ in range(n_posts))
    offsets = tuple(draw(st.integers(0, 5)) for _ in range(n_posts))
    overrides = draw(st.lists(st.builds(
        Over, post=st.integers(0, n_posts - 1), start_min=st.integers(-600, 31 * 1440),
        minutes=st.integers(1, 3 * 1440), micro=st.integers(0, 999_999), person=st.integers(0, 40),
        cancelled=st.booleans()), max_size=7))
    samples = draw(st.lists(st.floats(0, 1, exclude_max=True), min_size=25, max_size=40))
    return Scenario(draw(st.integers(0, len(PATTERNS) - 1)), rotations, offsets, tuple(overrides), tuple(samples))


_counter = itertools.count()


def _instances(pattern: list[dict[str, Any]], month: str) -> list[tuple[datetime, datetime]]:
    """The month's shifts, worked out here without the code under test: day by day, shift by shift."""
    year, mon = int(month[:4]), int(month[5:])
    out = []
    day = datetime(year, mon, 1, tzinfo=UTC)
    while day.month == mon:
        for s in pattern:
            start = day + timedelta(hours=int(s["start"][:2]), minutes=int(s["start"][3:])) - SHANGHAI
            out.append((start, start + timedelta(hours=s["hours"])))
        day += timedelta(days=1)
    return out


async def _check_scenario(url: str, sc: Scenario) -> None:
    db = Database(url)
    n = next(_counter)
    code = f"{UNIT}-P{n:03d}"
    month = this_month()
    pattern = PATTERNS[sc.pattern]
    posts = [f"p{i}" for i in range(len(sc.rotations))]
    try:
        admin = await principal(db, "admin")
        async with db.write() as uow:
            await units.create_unit(uow, by=None, code=code, name=f"测试镇{n}", kind="township", parent=UNIT)
            await rules.update(uow, by=admin, unit_code=code, changes={"shifts": pattern})
            for i, key in enumerate(posts):
                await rosters.create_post(uow, by=admin, unit=code, key=key, name=f"岗位{i}", sort=i)
            people: dict[str, list[str]] = {}
            for key, size in zip(posts, sc.rotations, strict=True):
                people[key] = []
                for j in range(size):
                    user = await auth.create_user(uow, by=None, username=f"prop{n}.{key}.{j}", name=f"人{j}",
                                                  unit=code, roles=["duty_officer"], password_hash="x")
                    people[key].append(user.id)
            roster = await rosters.build_roster(uow, by=admin, unit=code, month=month, rotation=people,
                                                start=dict(zip(posts, sc.offsets, strict=True)))
        async with db.write() as uow:
            await rosters.publish(uow, by=admin, roster_id=roster.id, accept_warnings=True)

        shifts = _instances(pattern, month)
        first, last = shifts[0][0], shifts[-1][1]
        starts = [s for s, _e in shifts]
        pool = [u for key in posts for u in people[key]]
        made: list[tuple[int, datetime, datetime, str, bool]] = []  # creation order
        for o in sc.overrides:
            start = first + timedelta(minutes=o.start_min, microseconds=o.micro)
            end = start + timedelta(minutes=o.minutes)
            async with db.write() as uow:
                row = await rosters.create_override(uow, by=admin, unit=code, post=posts[o.post], starts_at=start,
                                                    ends_at=end, user_id=pool[o.person % len(pool)])
            if o.cancelled:
                async with db.write() as uow:
                    await rosters.cancel_override(uow, by=admin, override_id=row.id)
            made.append((o.post, start, end, pool[o.person % len(pool)], o.cancelled))

        def expected(post: int, t: datetime) -> tuple[str, str]:
            live = [m for m in made if m[0] == post and not m[4] and m[1] <= t < m[2]]
            if live:
                return live[-1][3], "override"  # the newest
            i = bisect.bisect_right(starts, t) - 1
            rota = people[posts[post]]
            return rota[(i + sc.offsets[post]) % len(rota)], "roster"

        instants = {first + (last - first) * f for f in sc.samples}
        for edge in [*starts, last, *(m[1] for m in made), *(m[2] for m in made)]:
            instants.update((edge - US, edge, edge + US))
        instants = {t for t in instants if first <= t < last}

        async with db.read() as session:
            lines = {key: await resolver.timeline(session, unit=code, post=key, start=first, end=last)
                     for key in posts}
            for key, segs in lines.items():  # the timeline tiles the month, always someone
                assert segs[0].start == first and segs[-1].end == last
                assert all(a.end == b.start for a, b in itertools.pairwise(segs))
                assert all(s.user_id for s in segs), key
            seg_starts = {key: [s.start for s in segs] for key, segs in lines.items()}
            for t in sorted(instants):
                rows = await resolver.holders_at(session, unit=code, at=t)
                assert [r["post"] for r in rows] == posts, t  # exactly one row per post
                for p, held in enumerate(rows):
                    assert held["holder"] is not None, (t, held)
                    want = expected(p, t)
                    assert (held["holder"]["id"], held["source"]) == want, (t, held, want)
                    seg = lines[held["post"]][bisect.bisect_right(seg_starts[held["post"]], t) - 1]
                    assert seg.start <= t < seg.end
                    assert (seg.user_id, seg.source) == want, (t, seg, want)
    finally:
        await db.dispose()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(sc=scenarios())
def test_every_instant_has_exactly_one_holder_per_post(sqlite_url: str, sc: Scenario) -> None:
    asyncio.run(_check_scenario(sqlite_url, sc))
