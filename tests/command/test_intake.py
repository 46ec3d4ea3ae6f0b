"""Intake (接报): the schema's example is accepted as it stands; retries with one Idempotency-Key make
one intake; the lease keeps a colleague off an intake until it runs out or is given back; rejecting
needs a reason; possible duplicates are suggested by category family, place and time; merging (并案)
keeps every intake with its own facts and clocks; drills and real intakes never mix."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from command.intake.models import Intake
from command.intake.schemas import INTAKE_CREATE
from core.demo import DEMO_PASSWORD
from core.orm import utcnow
from tests.command.helpers import Cmd, ago, parse, z
from tests.support import WsRecorder, feed_reaches, ws_connect

MODULE_LOOP = pytest.mark.asyncio(loop_scope="module")  # these tests share one server (`shared`)


@MODULE_LOOP
async def test_the_schema_example_as_it_stands(shared: Cmd) -> None:
    example = INTAKE_CREATE["examples"][0]
    head = await shared.head()
    before = utcnow()
    doc = await shared.ok(await shared.post("duty.360702", "/api/v1/intakes", example), 201)
    for key in ("source", "caller", "callback", "title", "category", "description", "location_unit", "address",
                "lat", "lon", "facts"):
        assert doc[key] == example[key], key
    assert parse(doc["occurred_at"]) == parse(example["occurred_at"])
    assert before - timedelta(seconds=1) <= parse(doc["received_at"]) <= utcnow()  # 接报: now, by default
    assert (doc["unit"], doc["status"], doc["lease"], doc["incident_id"], doc["exercise"]) == (
        "360702", "pending", None, None, False)
    events = await shared.command_events(head)
    assert [(e["type"], e["subject"]["id"]) for e in events] == [("intake.created", doc["id"])]
    assert "360702" in events[0]["units"] and events[0]["actor"]["username"] == "duty.360702"
    queue = await shared.ok(await shared.get("duty.360702", "/api/v1/intakes", status="pending"))
    assert doc["id"] in [i["id"] for i in queue]


async def test_idempotent_under_retries(cmd_any: Cmd) -> None:
    cmd = cmd_any
    key = f"110-linkage-{uuid.uuid4().hex}"
    body = {"source": "linkage_110", "title": "110 联动：章贡区某小区燃气泄漏", "category": "accident.gas",
            "external_ref": f"110-{uuid.uuid4().hex[:12]}", "facts": {"evacuated": 60}}
    head = await cmd.head()

    async def send() -> Any:
        return await cmd.post("duty.360702", "/api/v1/intakes", body, key=key)

    concurrent = await asyncio.wait_for(asyncio.gather(*(send() for _ in range(10))), 60)
    sequential = [await send() for _ in range(10)]
    answers = concurrent + sequential
    assert [r.status_code for r in answers] == [201] * 20, [(r.status_code, r.text[:200]) for r in answers]
    fresh = [r for r in answers if r.headers.get("idempotent-replayed") != "true"]
    assert len(fresh) == 1 and fresh[0] in concurrent
    assert {r.json()["id"] for r in answers} == {fresh[0].json()["id"]}
    intake_id = fresh[0].json()["id"]

    rows = await cmd.scalar(select(func.count()).select_from(Intake).where(Intake.external_ref == body["external_ref"]))
    assert rows == 1
    assert await cmd.journal_count("intake.created", intake_id) == 1
    assert [e["type"] for e in await cmd.command_events(head)] == ["intake.created"]

    # The key is what makes a retry: another body under it is refused; a new key is a new intake.
    await cmd.problem(await cmd.post("duty.360702", "/api/v1/intakes", {**body, "title": "另一起"}, key=key), 422)
    other = await cmd.ok(await cmd.post("duty.360702", "/api/v1/intakes", body, key=key + "-2"), 201)
    assert other["id"] != intake_id


async def _second_officer(cmd: Cmd) -> str:
    username = f"duty2.{uuid.uuid4().hex[:6]}"
    res = await cmd.post("admin", "/api/v1/users", {"username": username, "name": "陈晓东", "unit": "360702",
                                                    "roles": ["duty_officer"], "password": DEMO_PASSWORD + "-x"})
    await cmd.ok(res, 201)
    return username


@MODULE_LOOP
async def test_lease_keeps_a_colleague_off(shared: Cmd) -> None:
    cmd, holder = shared, "duty.360702"
    colleague = await _second_officer(cmd)
    intake = await cmd.intake(holder)
    path = f"/api/v1/intakes/{intake['id']}"

    taken = await cmd.ok(await cmd.post(holder, path + "/take"))
    assert taken["status"] == "verifying"
    lease = taken["lease"]
    assert lease["name"] == (await cmd.principal(holder)).name
    assert timedelta(minutes=4) < parse(lease["until"]) - utcnow() <= timedelta(minutes=5)
    seen = await cmd.ok(await cmd.get(colleague, path))
    assert seen["lease"] == lease  # the colleague sees who has it, and until when

    head = await cmd.head()
    for action, body in (("verify", {}), ("take", {}), ("release", {}), ("reject", {"reason": "重复来电"}),
                         ("duplicate", {"of": (await cmd.intake(holder))["id"]})):
        doc = await cmd.problem(await cmd.post(colleague, f"{path}/{action}", body), 409)
        assert doc["type"] == "/problems/taken" and doc["lease"] == lease, action
    assert await cmd.ok(await cmd.get(colleague, path)) == seen
    assert [e for e in await cmd.command_events(head) if e["subject"]["id"] == intake["id"]] == []

    # The holder may take it again (the lease is renewed); once it has run out, the colleague may act.
    renewed = await cmd.ok(await cmd.post(holder, path + "/take"))
    assert parse(renewed["lease"]["until"]) >= parse(lease["until"])
    await cmd.set_row(Intake, intake["id"], lease_until=ago(seconds=1))
    incident = await cmd.ok(await cmd.post(colleague, path + "/verify", {}))
    after = await cmd.ok(await cmd.get(holder, path))
    assert (after["status"], after["incident_id"], after["lease"]) == ("verified", incident["id"], None)

    # An expired lease also lets the colleague take it over — and then the first officer is kept off.
    second = await cmd.intake(holder)
    await cmd.ok(await cmd.post(holder, f"/api/v1/intakes/{second['id']}/take"))
    await cmd.set_row(Intake, second["id"], lease_until=ago(seconds=1))
    over = await cmd.ok(await cmd.post(colleague, f"/api/v1/intakes/{second['id']}/take"))
    assert over["lease"]["by"] != lease["by"] and over["status"] == "verifying"
    await cmd.problem(await cmd.post(holder, f"/api/v1/intakes/{second['id']}/verify", {}), 409)

    # Decided by its holder (rejected, or a duplicate): the lease ends with it, as with verifying.
    for action, body in (("reject", {"reason": "回访核实为误报"}), ("duplicate", {"of": intake["id"]})):
        decided = await cmd.intake(holder)
        await cmd.ok(await cmd.post(holder, f"/api/v1/intakes/{decided['id']}/take"))
        doc = await cmd.ok(await cmd.post(holder, f"/api/v1/intakes/{decided['id']}/{action}", body))
        assert doc["lease"] is None, action
        doc = await cmd.problem(await cmd.post(colleague, f"/api/v1/intakes/{decided['id']}/take"), 409)
        assert doc["type"] == "/problems/invalid-transition", action  # decided, not "taken"

    # Given back (release): pending again, unleased, and anyone may verify it at once.
    third = await cmd.intake(holder)
    await cmd.ok(await cmd.post(holder, f"/api/v1/intakes/{third['id']}/take"))
    released = await cmd.ok(await cmd.post(holder, f"/api/v1/intakes/{third['id']}/release"))
    assert (released["status"], released["lease"]) == ("pending", None)
    await cmd.ok(await cmd.post(colleague, f"/api/v1/intakes/{third['id']}/verify", {}))


@MODULE_LOOP
async def test_reject_needs_a_reason(shared: Cmd) -> None:
    intake = await shared.intake()
    path = f"/api/v1/intakes/{intake['id']}/reject"
    head = await shared.head()
    for body in ({}, {"reason": ""}, {"reason": "否"}):
        doc = await shared.problem(await shared.post("duty.360702", path, body), 422)
        assert [e["pointer"] for e in doc["errors"]] == ["/reason"], body
    assert await shared.command_events(head) == []
    reason = "经电话回访核实，为群众误报，现场无险情。"
    doc = await shared.ok(await shared.post("duty.360702", path, {"reason": reason}))
    assert (doc["status"], doc["reject_reason"], doc["incident_id"]) == ("rejected", reason, None)
    assert doc["decided_at"] is not None
    events = await shared.command_events(head)
    assert [(e["type"], e["data"]["reason"]) for e in events] == [("intake.rejected", reason)]
    pending = await shared.ok(await shared.get("duty.360702", "/api/v1/intakes", status="pending,verifying"))
    assert intake["id"] not in [i["id"] for i in pending]


async def _suggested(cmd: Cmd, intake_id: str, who: str = "duty.360702") -> dict[str, dict[str, Any]]:
    return {d["id"]: d for d in await cmd.ok(await cmd.get(who, f"/api/v1/intakes/{intake_id}/duplicates"))}


@MODULE_LOOP
async def test_possible_duplicates(shared: Cmd) -> None:
    # No coordinates: each intake stands at its unit's (章贡区) position.
    first = await shared.incident(category="accident.fire", title="章贡区某厂房起火")
    again = await shared.intake(category="accident.gas", title="章贡区某厂房燃气爆燃起火")
    found = await _suggested(shared, again["id"])
    assert found[first["id"]]["kind"] == "incident" and found[first["id"]]["number"] == first["number"]
    assert found[first["id"]]["distance_km"] == 0.0 and found[first["id"]]["same_category"] is False
    assert first["id"] in await _suggested(shared, again["id"], who="lead.360700")  # the city sees it too

    same = await shared.intake(category="accident.fire", title="厂房起火（群众再次来电）")
    found = await _suggested(shared, same["id"])
    assert found[first["id"]]["same_category"] is True
    assert found[again["id"]]["kind"] == "intake"  # a pending intake nearby is suggested as well
    ordered = list(found)
    assert ordered.index(first["id"]) < ordered.index(again["id"])  # same category first

    # Another family, far away (寻乌县, ~100 km), or days apart: not suggested.
    flood = await shared.intake(category="natural.flood", title="章贡区某村内涝")
    far = await shared.intake(category="accident.fire", title="寻乌县某厂房起火", lat=24.963, lon=115.646)
    old = await shared.intake(category="accident.fire", title="三天前的厂房起火",
                              received_at=z(ago(days=3)), occurred_at=z(ago(days=3, hours=1)))
    for other in (flood, far, old):
        assert first["id"] not in await _suggested(shared, other["id"]), other["title"]
    # Once closed, an incident is no longer suggested.
    await shared.status(first["id"], "close")
    assert first["id"] not in await _suggested(shared, again["id"])


@MODULE_LOOP
async def test_merge_keeps_every_intake(shared: Cmd) -> None:
    a_occ, a_rec, b_occ, b_rec = ago(minutes=50), ago(minutes=20), ago(minutes=40), ago(minutes=30)
    a = await shared.intake(category="accident.hazchem", title="化工园区储罐泄漏", caller="园区值班室",
                            occurred_at=z(a_occ), received_at=z(a_rec), facts={"deaths": 1, "injured": 5})
    b = await shared.intake(source="linkage_119", category="accident.hazchem", title="化工园区储罐起火（119 转警）",
                            occurred_at=z(b_occ), received_at=z(b_rec),
                            facts={"deaths": 3, "injured": 2, "economic_loss": 300})
    incident = await shared.verify(a["id"])
    assert incident["grade_suggested"] == "general"
    assert incident["id"] in await _suggested(shared, b["id"])
    head = await shared.head()

    merged = await shared.verify(b["id"], merge_into=incident["id"])
    assert merged["id"] == incident["id"] and merged["number"] == incident["number"]
    doc = await shared.incident_doc(incident["id"], who="duty.360702")
    # The larger figure of each fact, every fact kept; the earliest of each clock.
    assert doc["facts"] == {"deaths": 3, "injured": 5, "economic_loss": 300}
    assert (parse(doc["occurred_at"]), parse(doc["received_at"])) == (a_occ, b_rec)
    assert doc["grade_suggested"] == "relatively_major"
    # Both intakes, each with its own facts and clocks, in the order they came in.
    kept = {i["id"]: i for i in doc["intakes"]}
    assert [i["id"] for i in doc["intakes"]] == [b["id"], a["id"]]
    for original in (a, b):
        mine = kept[original["id"]]
        assert (mine["status"], mine["incident_id"]) == ("verified", incident["id"])
        for key in ("facts", "occurred_at", "received_at", "source", "title", "caller"):
            assert mine[key] == original[key], key

    events = [e for e in await shared.command_events(head) if e["type"] != "incident.plan_suggested"]
    assert [e["type"] for e in events] == ["incident.merged", "intake.verified"]
    assert events[0]["data"]["intake"]["id"] == b["id"] and events[0]["data"]["facts"] == doc["facts"]
    assert events[1]["data"]["merged"] is True and events[1]["data"]["incident_id"] == incident["id"]
    incidents = await shared.ok(await shared.get("duty.360702", "/api/v1/incidents"))
    assert [i["id"] for i in incidents].count(incident["id"]) == 1  # no second incident


@MODULE_LOOP
async def test_drills_never_merge_with_real_incidents(shared: Cmd) -> None:
    real = await shared.incident(category="accident.fire")
    drill = await shared.incident(category="accident.fire", exercise=True)
    attempts = [(await shared.intake(category="accident.fire", exercise=True), real),
                (await shared.intake(category="accident.fire"), drill)]
    head = await shared.head()
    for intake, into in attempts:
        res = await shared.post("duty.360702", f"/api/v1/intakes/{intake['id']}/verify", {"merge_into": into["id"]})
        doc = await shared.problem(res, 422)
        assert [e["pointer"] for e in doc["errors"]] == ["/merge_into"]
        after = await shared.ok(await shared.get("duty.360702", f"/api/v1/intakes/{intake['id']}"))
        assert (after["status"], after["incident_id"]) == ("pending", None)
    assert len((await shared.incident_doc(real["id"]))["intakes"]) == 1
    assert await shared.command_events(head) == []


@MODULE_LOOP
async def test_drills_and_real_intakes_never_mix(shared: Cmd) -> None:
    cmd = shared
    head = await cmd.head()
    await feed_reaches(cmd.server, head)
    token = await cmd.token("duty.360702")
    live = WsRecorder(await ws_connect(cmd.server.ws_url, token, since=head))
    drill_ws = WsRecorder(await ws_connect(cmd.server.ws_url, token, since=head, exercise="true"))
    try:
        real = await cmd.intake(title="真实接报：仓库起火")
        drill = await cmd.intake(title="演练接报：仓库起火", exercise=True)
        assert (real["exercise"], drill["exercise"]) == (False, True)
        real_incident = await cmd.verify(real["id"])
        drill_incident = await cmd.verify(drill["id"])
        assert drill_incident["exercise"] is True and real_incident["exercise"] is False
        ours = {real["id"], drill["id"], real_incident["id"], drill_incident["id"]}

        for exercise, mine, theirs in ((False, (real, real_incident), (drill, drill_incident)),
                                       (True, (drill, drill_incident), (real, real_incident))):
            flag = "true" if exercise else "false"
            for who in ("duty.360702", "lead.360700"):
                intakes = [i["id"] for i in await cmd.ok(await cmd.get(who, "/api/v1/intakes", exercise=flag))]
                incidents = [i["id"] for i in await cmd.ok(await cmd.get(who, "/api/v1/incidents", exercise=flag))]
                assert mine[0]["id"] in intakes and theirs[0]["id"] not in intakes, (who, exercise)
                assert mine[1]["id"] in incidents and theirs[1]["id"] not in incidents, (who, exercise)
            # Nor do their suggestions of duplicates cross over.
            assert theirs[1]["id"] not in await _suggested(cmd, (await cmd.intake(
                category="accident.fire", exercise=exercise))["id"])

        events = {ex: [e for e in await cmd.events("duty.360702", head, exercise=ex) if e["subject"]["id"] in ours]
                  for ex in (False, True)}
        assert {e["subject"]["id"] for e in events[False]} == {real["id"], real_incident["id"]}
        assert {e["subject"]["id"] for e in events[True]} == {drill["id"], drill_incident["id"]}
        assert all(e["exercise"] is False for e in events[False]) and all(e["exercise"] for e in events[True])

        for rec, expected in ((live, events[False]), (drill_ws, events[True])):
            await rec.wait_seq(expected[-1]["seq"], within=10)
        await asyncio.sleep(0.2)
        for rec, exercise in ((live, False), (drill_ws, True)):
            assert {e["subject"]["id"] for e in rec.events if e["subject"]["id"] in ours} == {
                e["subject"]["id"] for e in events[exercise]}
            assert all(e["exercise"] is exercise for e in rec.events)
    finally:
        await live.close()
        await drill_ws.close()
