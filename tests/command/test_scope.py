"""Scope: a county sees neither another county's intakes nor its incidents — not by id, not in the
lists, not in /api/v1/events nor on /ws — until the incident is shared with it, from when it sees the
incident and its later events live; the city sees everything of its counties."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.command.helpers import Cmd
from tests.support import WsRecorder, feed_reaches, ws_connect

MODULE_LOOP = pytest.mark.asyncio(loop_scope="module")  # these tests share one server (`shared`)


async def _ids(cmd: Cmd, who: str, path: str, **params: Any) -> set[str]:
    return {row["id"] for row in await cmd.ok(await cmd.get(who, path, **params))}


async def _stream(cmd: Cmd, who: str, since: int) -> WsRecorder:
    return WsRecorder(await ws_connect(cmd.server.ws_url, await cmd.token(who), since=since))


@MODULE_LOOP
async def test_a_county_sees_only_its_own_and_what_is_shared_with_it(shared: Cmd) -> None:
    cmd = shared
    head = await cmd.head()
    await feed_reaches(cmd.server, head)
    other_ws, city_ws = await _stream(cmd, "duty.360703", head), await _stream(cmd, "lead.360700", head)
    try:
        intake = await cmd.intake("duty.360702", title="章贡区某小区火灾", category="accident.fire")
        incident = await cmd.verify(intake["id"])
        await cmd.ok(await cmd.post("duty.360702", f"/api/v1/incidents/{incident['id']}/facts",
                                    {"facts": {"injured": 2}}))
        report = await cmd.draft(incident["id"])
        theirs = {intake["id"], incident["id"]}
        own = await cmd.incident("duty.360703", title="南康区某工地坍塌", category="accident.construction")
        await feed_reaches(cmd.server, await cmd.head())

        # 南康区: nothing of 章贡区's, by id or in any list.
        for path in (f"/api/v1/intakes/{intake['id']}", f"/api/v1/intakes/{intake['id']}/duplicates",
                     f"/api/v1/incidents/{incident['id']}", f"/api/v1/incidents/{incident['id']}/timeline",
                     f"/api/v1/incidents/{incident['id']}/reports", f"/api/v1/reports/{report['id']}"):
            assert (await cmd.problem(await cmd.get("duty.360703", path), 404))["type"] == "/problems/not-found"
        for action, body in (("facts", {"facts": {"deaths": 1}}), ("reports", {"kind": "initial"})):
            await cmd.problem(await cmd.post("duty.360703", f"/api/v1/incidents/{incident['id']}/{action}", body), 404)
        await cmd.problem(await cmd.post("duty.360703", f"/api/v1/intakes/{intake['id']}/take"), 404)
        assert intake["id"] not in await _ids(cmd, "duty.360703", "/api/v1/intakes")
        assert incident["id"] not in await _ids(cmd, "duty.360703", "/api/v1/incidents")
        assert own["id"] in await _ids(cmd, "duty.360703", "/api/v1/incidents")
        seen = await cmd.events("duty.360703", head)
        assert not {e["subject"]["id"] for e in seen} & theirs
        assert own["id"] in {e["subject"]["id"] for e in seen}

        # The city: all of it.
        assert intake["id"] in await _ids(cmd, "lead.360700", "/api/v1/intakes")
        assert {incident["id"], own["id"]} <= await _ids(cmd, "lead.360700", "/api/v1/incidents")
        await cmd.ok(await cmd.get("lead.360700", f"/api/v1/intakes/{intake['id']}"))
        assert {e["subject"]["id"] for e in await cmd.events("lead.360700", head)} >= theirs | {own["id"]}

        # Shared with 南康区 by 章贡区's duty leader (a duty officer may not share).
        share = {"unit": "360703", "role": "shared"}
        await cmd.problem(await cmd.post("duty.360702", f"/api/v1/incidents/{incident['id']}/units", share), 403)
        shared_at = await cmd.head()
        doc = await cmd.ok(await cmd.post("lead.360702", f"/api/v1/incidents/{incident['id']}/units", share))
        assert {"unit": "360703", "role": "shared"} in doc["units"]
        await cmd.ok(await cmd.post("duty.360702", f"/api/v1/incidents/{incident['id']}/facts",
                                    {"facts": {"injured": 3}, "note": "续报伤员"}))
        await cmd.status(incident["id"], "respond")

        assert (await cmd.incident_doc(incident["id"], who="duty.360703"))["facts"]["injured"] == 3
        assert incident["id"] in await _ids(cmd, "duty.360703", "/api/v1/incidents")
        await cmd.ok(await cmd.get("duty.360703", f"/api/v1/incidents/{incident['id']}/timeline"))
        await cmd.problem(await cmd.get("duty.360703", f"/api/v1/intakes/{intake['id']}"), 404)  # the intake is not
        later = [e for e in await cmd.events("duty.360703", shared_at) if e["subject"]["id"] == incident["id"]]
        assert [e["type"] for e in later] == ["incident.unit_added", "incident.facts_updated", "incident.responding"]
        last = later[-1]["seq"]
        before = [e for e in await cmd.events("duty.360703", head) if e["seq"] <= shared_at]
        assert not {e["subject"]["id"] for e in before} & theirs  # sharing does not reveal the past journal

        # Live: 南康区's stream carried its own events and, from the sharing on, the incident's — nothing else
        # of 章贡区's; the city's stream carried everything.
        await other_ws.wait_seq(last, within=10)
        await city_ws.wait_seq(last, within=10)
        await asyncio.sleep(0.2)
        live = [e for e in other_ws.events if e["subject"]["id"] in theirs]
        assert [e["seq"] for e in live] == [e["seq"] for e in later]
        assert own["id"] in {e["subject"]["id"] for e in other_ws.events}
        city_seen = {e["seq"] for e in city_ws.events}
        assert {e["seq"] for e in await cmd.events("lead.360700", head) if e["seq"] <= last} <= city_seen
    finally:
        await other_ws.close()
        await city_ws.close()


@MODULE_LOOP
async def test_a_city_incident_shared_with_a_county(shared: Cmd) -> None:
    """The other way round: a city incident, invisible to a county until the city invites it."""
    incident = await shared.incident("duty.360700", title="市区跨县危化品运输车泄漏", category="accident.hazchem")
    assert incident["unit"] == "360700"
    await shared.problem(await shared.get("duty.360703", f"/api/v1/incidents/{incident['id']}"), 404)
    await shared.ok(await shared.post("commander.360700", f"/api/v1/incidents/{incident['id']}/units",
                                      {"unit": "360703", "role": "shared"}))
    assert incident["id"] in await _ids(shared, "duty.360703", "/api/v1/incidents")
    await shared.problem(await shared.get("duty.360702", f"/api/v1/incidents/{incident['id']}"), 404)
