"""Rosters through the API: a draft is built, checked (gaps, double bookings in the unit and across
units, hours over the limit), refused at publish with pointers to each problem, published over
warnings but never over errors, superseding the month's earlier version; published slots are
frozen, only duty leaders manage rosters, and every change is a journal event."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx

from core.db import Database
from duty.demo import ROTATION_PREFIX
from tests.duty.helpers import demo_holder, events, head, next_month, shift_start, user_id, z
from tests.support import LiveServer, assert_problem, bearer, token_for

UNIT = "360702"


def rotation(unit: str, posts: list[str], **only: list[str]) -> dict[str, list[str]]:
    return {p: only.get(p) or [f"{prefix}.{unit}" for prefix in ROTATION_PREFIX[p]] for p in posts}


async def _roster(client: httpx.AsyncClient, token: str, roster_id: str) -> dict[str, Any]:
    res = await client.get(f"/api/v1/duty/rosters/{roster_id}", headers=bearer(token))
    assert res.status_code == 200, res.text
    return dict(res.json())


async def _slot(client: httpx.AsyncClient, token: str, roster_id: str, post: str, day: date,
                user: str | None) -> httpx.Response:
    return await client.post(f"/api/v1/duty/rosters/{roster_id}/slots", headers=bearer(token),
                             json={"post": post, "date": day.isoformat(), "shift": "day", "user": user})


async def test_build_check_publish_supersede(live_server: LiveServer, sqlite_url: str) -> None:
    month = next_month()
    d5, d6 = date.fromisoformat(f"{month}-05"), date.fromisoformat(f"{month}-06")
    lead = await token_for(sqlite_url, f"lead.{UNIT}")
    officer = await token_for(sqlite_url, f"duty.{UNIT}")
    db = Database(sqlite_url)
    try:
        chief_id = await user_id(db, f"chief.{UNIT}")
        duty_id = await user_id(db, f"duty.{UNIT}")
    finally:
        await db.dispose()
    posts = ["leader", "chief", "officer", "officer2"]
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        since = await head(client, lead)
        res = await client.get("/api/v1/duty/rosters", params={"unit": UNIT, "month": month}, headers=bearer(lead))
        [demo] = res.json()
        assert demo["status"] == "published" and demo["version"] == 1

        # A duty officer may not build rosters.
        body: dict[str, Any] = {"unit": UNIT, "month": month,
                                "rotation": rotation(UNIT, posts, chief=[f"chief.{UNIT}"])}
        assert_problem(await client.post("/api/v1/duty/rosters", headers=bearer(officer), json=body), 403)
        # Nor may anyone put people from outside the unit on it.
        bad = {**body, "rotation": {**body["rotation"], "officer": ["duty.360703"]}}
        doc = assert_problem(await client.post("/api/v1/duty/rosters", headers=bearer(lead), json=bad), 422)
        assert doc["errors"][0]["pointer"] == "/rotation"

        res = await client.post("/api/v1/duty/rosters", headers=bearer(lead), json=body)
        assert res.status_code == 201, res.text
        draft = res.json()
        assert (draft["status"], draft["version"], draft["month"]) == ("draft", 2, month)
        doc = await _roster(client, lead, draft["id"])
        days = len({s["date"] for s in doc["slots"]})
        assert len(doc["slots"]) == 4 * days and all(s["user"] for s in doc["slots"])
        # The one-person chief rotation: every shift of the month, far over the 216 h limit.
        assert doc["check"] == {"gaps": [], "double_bookings": [],
                                "over_limit": [{"user_id": chief_id, "hours": 24.0 * days, "limit": 216}]}

        # A gap on the 6th, and duty.360702 (officer on the 5th) also put on officer2 that day.
        assert demo_holder(UNIT, "officer", 5) == f"duty.{UNIT}"
        assert (await _slot(client, lead, draft["id"], "leader", d6, None)).status_code == 200
        assert (await _slot(client, lead, draft["id"], "officer2", d5, f"duty.{UNIT}")).status_code == 200
        assert_problem(await _slot(client, officer, draft["id"], "leader", d6, f"lead.{UNIT}"), 403)
        check = (await _roster(client, lead, draft["id"]))["check"]
        assert check["gaps"] == [{"post": "leader", "date": d6.isoformat(), "shift": "day"}]
        assert check["double_bookings"] == [{"user_id": duty_id, "date": d5.isoformat(), "shift": "day",
                                             "posts": ["officer", "officer2"], "other_unit": None}]

        # Publishing is refused with a pointer to each problem; accepting warnings does not excuse errors.
        url = f"/api/v1/duty/rosters/{draft['id']}/publish"
        doc = assert_problem(await client.post(url, headers=bearer(lead), json={}), 422)
        assert doc["type"] == "/problems/roster-check"
        assert sorted(e["pointer"] for e in doc["errors"]) == sorted([
            f"/slots/{d6}/day/leader", f"/slots/{d5}/day/officer", f"/people/{chief_id}"])
        doc = assert_problem(await client.post(url, headers=bearer(lead), json={"accept_warnings": True}), 422)
        assert sorted(e["pointer"] for e in doc["errors"]) == sorted([f"/slots/{d6}/day/leader",
                                                                     f"/slots/{d5}/day/officer"])
        assert_problem(await client.post(url, headers=bearer(officer), json={"accept_warnings": True}), 403)

        # Fixed, only the warning is left: refused without accept_warnings, published with it.
        assert (await _slot(client, lead, draft["id"], "leader", d6, demo_holder(UNIT, "leader", 6))).status_code == 200
        assert (await _slot(client, lead, draft["id"], "officer2", d5,
                            demo_holder(UNIT, "officer2", 5))).status_code == 200
        doc = assert_problem(await client.post(url, headers=bearer(lead), json={}), 422)
        assert [e["pointer"] for e in doc["errors"]] == [f"/people/{chief_id}"]
        res = await client.post(url, headers=bearer(lead), json={"accept_warnings": True})
        assert res.status_code == 200, res.text
        assert res.json()["status"] == "published"

        res = await client.get("/api/v1/duty/rosters", params={"unit": UNIT, "month": month}, headers=bearer(lead))
        assert [(r["id"], r["status"]) for r in res.json()] == [(draft["id"], "published"), (demo["id"], "superseded")]
        # The new version is the one in force: the chief holds every shift of it.
        at = shift_start(month, 10) + timedelta(hours=3)
        res = await client.get("/api/v1/duty/now", params={"unit": UNIT, "at": z(at)}, headers=bearer(officer))
        held = {p["post"]: p["holder"]["username"] for p in res.json()["units"][0]["posts"]}
        assert held["chief"] == f"chief.{UNIT}" and held["officer"] == demo_holder(UNIT, "officer", 10)

        # A published roster is frozen, and cannot be published or discarded again.
        assert_problem(await _slot(client, lead, draft["id"], "leader", d6, f"lead2.{UNIT}"), 409)
        assert_problem(await client.post(url, headers=bearer(lead), json={"accept_warnings": True}), 409)
        assert_problem(await client.post(f"/api/v1/duty/rosters/{draft['id']}/discard", headers=bearer(lead)), 409)
        assert_problem(await client.post(f"/api/v1/duty/rosters/{demo['id']}/publish", headers=bearer(lead),
                                         json={}), 409)

        evs = await events(client, lead, since)
        assert [e["type"] for e in evs] == (["duty.roster.created"] + ["duty.roster.slot_changed"] * 4
                                            + ["duty.roster.published"])
        assert all(e["subject"] == {"kind": "roster", "id": draft["id"]} for e in evs)
        assert [(e["data"]["post"], e["data"]["to"]) for e in evs[1:5]] == [
            ("leader", None), ("officer2", duty_id), ("leader", await _uid(sqlite_url, demo_holder(UNIT, "leader", 6))),
            ("officer2", await _uid(sqlite_url, demo_holder(UNIT, "officer2", 5)))]
        published = evs[-1]["data"]
        assert published["superseded"] == [demo["id"]]
        assert published["warnings"] == [{"user_id": chief_id, "hours": 24.0 * days, "limit": 216}]
        assert evs[-1]["actor"]["username"] == f"lead.{UNIT}"
        # The county officer sees the same events (they are scoped to the county).
        assert [e["seq"] for e in await events(client, officer, since)] == [e["seq"] for e in evs]


async def _uid(url: str, username: str) -> str:
    db = Database(url)
    try:
        return await user_id(db, username)
    finally:
        await db.dispose()


async def test_double_booking_across_units(live_server: LiveServer, sqlite_url: str) -> None:
    """The city may put a county officer on its roster; not on a shift the county's roster has them on."""
    month = next_month()
    city = "360700"
    posts = ["leader", "chief", "coordination", "information", "technical"]
    lead = await token_for(sqlite_url, f"lead.{city}")
    county_lead = await token_for(sqlite_url, f"lead.{UNIT}")
    busy_day = date.fromisoformat(f"{month}-09")
    assert demo_holder(UNIT, "officer", 9) == f"duty.{UNIT}"
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        since = await head(client, lead)
        # The county cannot build the city's roster.
        body = {"unit": city, "month": month, "rotation": rotation(city, posts)}
        assert_problem(await client.post("/api/v1/duty/rosters", headers=bearer(county_lead), json=body), 422)
        res = await client.post("/api/v1/duty/rosters", headers=bearer(lead), json=body)
        assert res.status_code == 201, res.text
        draft = res.json()
        assert (await _roster(client, lead, draft["id"]))["check"] == {"gaps": [], "double_bookings": [],
                                                                       "over_limit": []}
        res = await _slot(client, lead, draft["id"], "information", busy_day, f"duty.{UNIT}")
        assert res.status_code == 200, res.text
        # The day before is free for them: no booking there.
        res = await _slot(client, lead, draft["id"], "information", busy_day - timedelta(days=1), f"duty.{UNIT}")
        assert res.status_code == 200
        check = (await _roster(client, lead, draft["id"]))["check"]
        duty_id = await _uid(sqlite_url, f"duty.{UNIT}")
        assert check["double_bookings"] == [{"user_id": duty_id, "date": busy_day.isoformat(), "shift": "day",
                                             "posts": ["information", "officer"], "other_unit": UNIT}]
        doc = assert_problem(await client.post(f"/api/v1/duty/rosters/{draft['id']}/publish", headers=bearer(lead),
                                               json={"accept_warnings": True}), 422)
        assert [e["pointer"] for e in doc["errors"]] == [f"/slots/{busy_day}/day/information"]
        assert "also in unit 360702" in doc["errors"][0]["message"]

        # The draft is discarded; the city's published roster stays in force.
        res = await client.post(f"/api/v1/duty/rosters/{draft['id']}/discard", headers=bearer(lead))
        assert res.status_code == 200 and res.json()["status"] == "discarded"
        res = await client.get("/api/v1/duty/rosters", params={"unit": city, "month": month}, headers=bearer(lead))
        assert [r["status"] for r in res.json()] == ["published"]
        types = [e["type"] for e in await events(client, lead, since)]
        assert types == ["duty.roster.created", "duty.roster.slot_changed", "duty.roster.slot_changed",
                         "duty.roster.discarded"]
        # The county sees none of the city's roster work.
        assert await events(client, county_lead, since) == []
