"""A county's duty room cannot read or act on another county's duty data, nor on its superior's:
every attempt by 360702's officer (or its duty leader, where the right is theirs) on 360703's
rosters, posts, overrides, swaps, log, rules, roll-calls, notices, reports, handovers, calendar and
on the city's board is a 404 or a 422 problem — never a 2xx — and leaves every duty table and the
journal as they were."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from tests.duty.helpers import demo_holder, shift_start, this_month, z
from tests.support import LiveServer, assert_problem, bearer, journal_head, table_dump, token_for

CITY, MINE, OTHER = "360700", "360702", "360703"
KEEP_OUT = {"duty_presence", "duty_unit_online"}  # terminal presence, refreshed by the server itself


async def _ok(res: httpx.Response, status: int = 200) -> Any:
    assert res.status_code == status, f"{res.request.method} {res.request.url}: {res.status_code} {res.text}"
    return res.json()


async def _duty_tables(url: str) -> dict[str, list[tuple[Any, ...]]]:
    dump = await table_dump(url)
    return {name: rows for name, rows in dump.items()
            if (name.startswith("duty_") and name not in KEEP_OUT) or name in ("units", "users")}


async def test_county_cannot_reach_another_countys_duty_data(live_server: LiveServer, sqlite_url: str) -> None:
    month = this_month()
    day = shift_start(month, 20)
    admin = await token_for(sqlite_url, "admin")
    officer = await token_for(sqlite_url, f"duty.{MINE}")
    leader = await token_for(sqlite_url, f"lead.{MINE}")
    other_lead = await token_for(sqlite_url, f"lead.{OTHER}")
    other_officer = await token_for(sqlite_url, f"duty.{OTHER}")
    other_holder = await token_for(sqlite_url, demo_holder(OTHER, "officer", 20))
    city_lead = await token_for(sqlite_url, f"lead.{CITY}")
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        async def post(token: str, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
            return await client.post("/api/v1" + path, headers=bearer(token), json=body if body is not None else {})

        # The other county's duty data, made by those entitled to it.
        rc = await _ok(await post(city_lead, "/rollcalls", {"units": [OTHER]}), 201)
        notice = await _ok(await post(city_lead, "/notices", {"title": "通知", "body": "正文", "units": [OTHER]}), 201)
        roster = (await _ok(await client.get("/api/v1/duty/rosters", params={"unit": OTHER, "month": month},
                                             headers=bearer(other_lead))))[0]
        posts = await _ok(await client.get("/api/v1/duty/posts", params={"unit": OTHER}, headers=bearer(other_lead)))
        override = await _ok(await post(other_lead, "/duty/overrides", {
            "unit": OTHER, "post": "officer", "starts_at": z(day + timedelta(hours=2)),
            "ends_at": z(day + timedelta(hours=4)), "user": f"duty3.{OTHER}"}), 201)
        swap_to = next(n for n in (f"duty5.{OTHER}", f"duty7.{OTHER}") if n != demo_holder(OTHER, "officer", 20))
        swap = await _ok(await post(other_holder, "/duty/swaps", {
            "unit": OTHER, "post": "officer", "starts_at": z(day + timedelta(hours=6)),
            "ends_at": z(day + timedelta(hours=8)), "kind": "swap", "other_user": swap_to}), 201)
        entry = await _ok(await post(other_officer, "/duty/log", {"kind": "call_in", "summary": "来电"}), 201)
        ho = await _ok(await post(other_lead, "/duty/handovers", {"post": "officer", "items": ["事项"]}), 201)
        await _ok(await post(other_lead, f"/duty/handovers/{ho['id']}/submit"))
        item = ho["items"][0]["id"]

        # What the county's own officer may see: only its own unit.
        now = await _ok(await client.get("/api/v1/duty/now", headers=bearer(officer)))
        assert [u["unit"] for u in now["units"]] == [MINE]
        assert await _ok(await client.get("/api/v1/duty/board", headers=bearer(officer))) == []
        assert [s["unit"] for s in await _ok(await client.get("/api/v1/rollcalls/statistics",
                                                              headers=bearer(officer)))] == []
        assert notice["id"] not in {n["id"] for n in await _ok(await client.get("/api/v1/notices",
                                                                                headers=bearer(officer)))}
        assert await _ok(await client.get("/api/v1/rollcalls", params={"pending": "true"},
                                          headers=bearer(officer))) == []

        head = await journal_head(client, admin)
        before = await _duty_tables(sqlite_url)

        reads = [
            ("/duty/now", {"unit": OTHER}), ("/duty/log", {"unit": OTHER}), ("/duty/rosters", {"unit": OTHER}),
            (f"/duty/rosters/{roster['id']}", {}), ("/duty/posts", {"unit": OTHER}),
            ("/duty/overrides", {"unit": OTHER}), ("/duty/swaps", {"unit": OTHER}),
            ("/duty/board", {"unit": CITY}), ("/duty/board", {"unit": OTHER}), (f"/duty/rules/{OTHER}", {}),
            (f"/duty/rules/{CITY}", {}), (f"/rollcalls/{rc['id']}", {}), ("/rollcalls/statistics", {"unit": OTHER}),
            (f"/notices/{notice['id']}", {}), ("/duty/handovers", {"unit": OTHER}), (f"/duty/handovers/{ho['id']}", {}),
            ("/duty/daily-reports/today", {"unit": OTHER}), ("/duty/daily-reports/status", {"unit": CITY}),
            ("/duty/calendar.ics", {"unit": OTHER}), ("/duty/calendar.ics", {"user": f"duty.{OTHER}"}),
        ]
        for token in (officer, leader):
            for path, params in reads:
                res = await client.get("/api/v1" + path, params=params, headers=bearer(token))
                assert_problem(res, 404)

        slot = {"post": "officer", "date": f"{month}-21", "shift": "day", "user": f"duty.{OTHER}"}
        window = {"starts_at": z(day + timedelta(hours=10)), "ends_at": z(day + timedelta(hours=12))}
        acts: list[tuple[str, str, dict[str, Any] | None, int]] = [
            # the officer's own rights, on the other county
            (officer, f"/rollcalls/{rc['id']}/answer", None, 404),
            (officer, f"/notices/{notice['id']}/sign", None, 404),
            (officer, f"/notices/{notice['id']}/reply", {"text": "收到"}, 404),
            (officer, "/duty/log", {"unit": OTHER, "kind": "call_in", "summary": "冒名记录"}, 422),
            (officer, "/duty/log", {"kind": "other", "summary": "更正", "corrects": entry["id"]}, 422),
            (officer, "/duty/daily-reports", {"unit": OTHER, "kind": "zero"}, 422),
            (officer, "/duty/handovers", {"unit": OTHER, "post": "officer"}, 422),
            (officer, f"/duty/handovers/{ho['id']}/items", {"title": "x"}, 404),
            (officer, f"/duty/handovers/{ho['id']}/items/{item}/accept", {}, 404),
            (officer, f"/duty/handovers/{ho['id']}/accept", {}, 404),
            (officer, "/duty/swaps", {"unit": OTHER, "post": "officer", "kind": "take",
                                      "other_user": demo_holder(OTHER, "officer", 20), **window}, 422),
            (officer, "/notices", {"title": "t", "body": "b", "units": [OTHER]}, 422),
            (officer, "/rollcalls", {"units": [OTHER]}, 422),
            # the duty leader's rights, on the other county
            (leader, f"/duty/handovers/{ho['id']}/accept", {}, 404),
            (leader, f"/duty/handovers/{ho['id']}/submit", {}, 404),
            (leader, "/duty/rosters", {"unit": OTHER, "month": month,
                                       "rotation": {"officer": [f"duty.{MINE}"]}}, 422),
            (leader, f"/duty/rosters/{roster['id']}/slots", slot, 404),
            (leader, f"/duty/rosters/{roster['id']}/publish", {"accept_warnings": True}, 404),
            (leader, f"/duty/rosters/{roster['id']}/discard", None, 404),
            (leader, "/duty/posts", {"unit": OTHER, "key": "media", "name": "舆情监测"}, 422),
            (leader, "/duty/overrides", {"unit": OTHER, "post": "officer", "user": f"duty.{MINE}", **window}, 422),
            (leader, f"/duty/overrides/{override['id']}/cancel", None, 404),
            (leader, f"/duty/swaps/{swap['id']}/decide", {"action": "approve"}, 404),
            (leader, f"/notices/{notice['id']}/withdraw", None, 404),
            (leader, "/rollcalls", {"units": [OTHER]}, 422),
        ]
        for token, path, body, status in acts:
            assert_problem(await post(token, path, body), status)
        patches = [(f"/duty/rules/{OTHER}", {"daily_report_deadline": "09:00"}),
                   (f"/duty/rules/{CITY}", {"daily_report_deadline": "09:00"}),
                   (f"/duty/posts/{posts[0]['id']}", {"name": "改名"})]
        for path, body in patches:
            assert_problem(await client.patch("/api/v1" + path, headers=bearer(leader), json=body), 404)

        # Nothing changed: no event, no duty row.
        assert await journal_head(client, admin) == head
        assert await _duty_tables(sqlite_url) == before
        # And the other county's data is as it was: the roll-call still waits for its own answer.
        res = await client.get(f"/api/v1/rollcalls/{rc['id']}", headers=bearer(other_officer))
        assert [t["status"] for t in (await _ok(res))["targets"]] == ["pending"]
