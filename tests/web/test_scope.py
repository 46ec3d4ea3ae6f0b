"""Who sees which event: a county user only what is scoped to its county (or below), the city all of
it; and drill (exercise) events never mix with real ones, on /ws (live and replayed) and over HTTP."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.support import (
    LiveServer,
    WsRecorder,
    bearer,
    create_team,
    feed_reaches,
    journal_head,
    token_for,
    ws_connect,
)


async def _events(client: httpx.AsyncClient, token: str, since: int, exercise: bool) -> list[dict[str, Any]]:
    res = await client.get("/api/v1/events", headers=bearer(token),
                           params={"since": since, "exercise": "true" if exercise else "false", "limit": 1000})
    assert res.status_code == 200, res.text
    return list(res.json()["events"])


async def _drill(server: LiveServer, name: str, unit: str) -> None:
    """No API creates drill events yet: emit one through the app's own database, as a service would."""
    async with server.app.state.runtime.db.write() as uow:
        uow.emit("test.drill_step", subject=("drill", name), scope=[unit], data={"unit": unit}, exercise=True)


async def test_county_and_city_scope_live_and_exercise(live_server: LiveServer, sqlite_url: str) -> None:
    admin = await token_for(sqlite_url, "admin")
    county = await token_for(sqlite_url, "duty.360702")
    other_county = await token_for(sqlite_url, "duty.360703")
    city = await token_for(sqlite_url, "lead.360700")
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        start = await journal_head(client, admin)
        await feed_reaches(live_server, start)
        streams = {
            ("county", False): WsRecorder(await ws_connect(live_server.ws_url, county, since=start)),
            ("county", True): WsRecorder(await ws_connect(live_server.ws_url, county, since=start,
                                                          exercise="true")),
            ("other", False): WsRecorder(await ws_connect(live_server.ws_url, other_county, since=start)),
            ("city", False): WsRecorder(await ws_connect(live_server.ws_url, city, since=start)),
            ("city", True): WsRecorder(await ws_connect(live_server.ws_url, city, since=start, exercise="1")),
            ("admin", False): WsRecorder(await ws_connect(live_server.ws_url, admin, since=start)),
        }
        # Real and drill events interleaved, in both counties.
        for i in range(3):
            await create_team(client, admin, "360702", f"360702-Z{i}")
            await create_team(client, admin, "360703", f"360703-Z{i}")
            await _drill(live_server, f"d{i}", "360702" if i != 1 else "360703")
        await _drill(live_server, "city-only", "360700")
        await create_team(client, admin, "360700", "360700-Z9")  # the city's own: no county sees it

        def ours(events: list[dict[str, Any]]) -> list[str]:
            """The subjects of the events this test wrote (the servers' own timers may add others)."""
            return [e["subject"]["id"] for e in events if e["type"] in ("unit.created", "test.drill_step")]

        all_live = await _events(client, admin, start, exercise=False)
        all_drill = await _events(client, admin, start, exercise=True)
        assert len(ours(all_live)) == 7 and len(ours(all_drill)) == 4
        assert not {e["seq"] for e in all_live} & {e["seq"] for e in all_drill}
        expect = {
            ("county", False): [e for e in all_live if "360702" in e["units"]],
            ("county", True): [e for e in all_drill if "360702" in e["units"]],
            ("other", False): [e for e in all_live if "360703" in e["units"]],
            ("city", False): all_live,
            ("city", True): all_drill,
            ("admin", False): all_live,
        }
        assert ours(expect[("county", False)]) == ["360702-Z0", "360702-Z1", "360702-Z2"]
        assert ours(expect[("other", False)]) == ["360703-Z0", "360703-Z1", "360703-Z2"]
        assert ours(expect[("county", True)]) == ["d0", "d2"]
        assert ours(expect[("city", True)]) == ["d0", "d1", "d2", "city-only"]

        for key, rec in streams.items():
            await rec.wait_seq(expect[key][-1]["seq"], within=10)
        await asyncio.sleep(0.5)  # time for anything that should not arrive to arrive
        upto = max(e["seq"] for e in all_live + all_drill)
        for key, rec in streams.items():
            assert [s for s in rec.seqs if s <= upto] == [e["seq"] for e in expect[key]], key
            assert all(e["exercise"] is key[1] for e in rec.events), key
            assert all(key[0] in ("city", "admin") or ("360702" if key[0] == "county" else "360703") in e["units"]
                       for e in rec.events), key
            assert rec.other[0]["type"] == "hello" and rec.other[0]["exercise"] is key[1]
            await rec.close()

        # HTTP: the same filter.
        def upto_(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return [e for e in events if e["seq"] <= upto]

        assert upto_(await _events(client, county, start, False)) == expect[("county", False)]
        assert upto_(await _events(client, county, start, True)) == expect[("county", True)]
        assert upto_(await _events(client, other_county, start, False)) == expect[("other", False)]
        assert upto_(await _events(client, city, start, False)) == all_live
        assert upto_(await _events(client, city, start, True)) == all_drill
        res = await client.get("/api/v1/events", headers=bearer(county),
                               params={"latest": "true", "limit": 1000, "exercise": "true"})
        assert res.status_code == 200
        assert [e["seq"] for e in upto_(res.json()["events"]) if e["seq"] > start] == [
            e["seq"] for e in expect[("county", True)]]

        # Replay from the journal applies the same filter as live delivery.
        for who, token in (("county", county), ("city", city)):
            for exercise in (False, True):
                params = {"exercise": "true"} if exercise else {}
                rec = WsRecorder(await ws_connect(live_server.ws_url, token, since=start, **params))
                await rec.wait_seq(expect[(who, exercise)][-1]["seq"], within=10)
                await asyncio.sleep(0.2)
                assert [s for s in rec.seqs if s <= upto] == [e["seq"] for e in expect[(who, exercise)]], (
                    who, exercise)
                await rec.close()
