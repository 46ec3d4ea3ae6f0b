"""Warnings: issue to the units of an area (named, below, inside a polygon or circle), 签收 and 防范落实
with coverage, versions on update (a raise asks every unit to sign again; units left out are
withdrawn), cancel and expiry, the sign-for ladder per colour, 转发 with additions, drills apart, who
sees what, and the service API the CAP integration calls."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import orjson
import pytest
from sqlalchemy import select, update

from command.warnings import service as warnings
from command.warnings.models import EarlyWarning, WarningAddressee
from command.warnings.service import ESCALATE_TIMER, EXPIRE_TIMER, SIGN_TIMER
from core.journal.models import JournalEntry
from core.orm import utcnow
from core.problems import Problem
from core.timers.models import Timer
from tests.command.helpers import Cmd, parse
from tests.support import eventually

MODULE_LOOP = pytest.mark.asyncio(loop_scope="module")


CITY, ZG, NK, GX = "360700", "360702", "360703", "360704"
COMMANDER = "commander.360700"
_n = itertools.count(1)


async def issue(cmd: Cmd, who: str = COMMANDER, **body: Any) -> dict[str, Any]:
    doc = {"hazard": "rainstorm", "colour": "orange", "issuer_name": "赣州市气象台",
           "description": f"测试预警 {next(_n)}", "areas": {"units": [ZG, NK]}, **body}
    return dict(await cmd.ok(await cmd.post(who, "/api/v1/warnings", doc), 201))


async def coverage(cmd: Cmd, wid: str, who: str = COMMANDER) -> dict[str, Any]:
    return dict(await cmd.ok(await cmd.get(who, f"/api/v1/warnings/{wid}/coverage")))


async def events(cmd: Cmd, series_id: str, *types: str) -> list[dict[str, Any]]:
    stmt = select(JournalEntry.doc).where(JournalEntry.subject_id == series_id)
    if types:
        stmt = stmt.where(JournalEntry.type.in_(types))
    async with cmd.db.read() as session:
        return [orjson.loads(d) for d in (await session.execute(stmt.order_by(JournalEntry.seq))).scalars()]


def line(cov: dict[str, Any], unit: str) -> dict[str, Any]:
    [row] = [u for u in cov["units"] if u["unit"] == unit]
    return row


@MODULE_LOOP
async def test_issue_sign_report_and_coverage(shared: Cmd) -> None:
    cmd = shared
    w = await issue(cmd, colour="red")
    assert w["state"] == "issued" and w["version"] == 1 and w["series_id"] == w["id"]
    assert w["headline"] == "" or "暴雨" in w["headline"]
    cov = await coverage(cmd, w["id"])
    assert {u["unit"] for u in cov["units"]} == {ZG, NK}  # teams are not addressed; the issuer is not
    assert (cov["addressed"], cov["signed"], cov["reported"]) == (2, 0, 0)
    # Red: 10 minutes to sign for (the seeded local default), 60 to report.
    row = line(cov, ZG)
    assert parse(row["sign_due_at"]) - parse(row["addressed_at"]) == timedelta(minutes=10)
    assert parse(row["report_due_at"]) - parse(row["addressed_at"]) == timedelta(minutes=60)

    owed = await cmd.ok(await cmd.get("duty.360702", "/api/v1/warnings/owed"))
    assert [(o["kind"], o["warning"]["series_id"]) for o in owed if o["warning"]["series_id"] == w["id"]] \
        == [("sign", w["id"])]
    signed = await cmd.ok(await cmd.post("duty.360702", f"/api/v1/warnings/{w['id']}/sign"))
    assert signed["state"] == "signed" and signed["signed_by_name"]
    again = await cmd.ok(await cmd.post("duty.360702", f"/api/v1/warnings/{w['id']}/sign"))
    assert again["signed_at"] == signed["signed_at"]  # the first signature stands
    cov = await coverage(cmd, w["id"])
    assert (cov["signed"], cov["reported"]) == (1, 0)

    # Bad input changes nothing.
    bad = await cmd.post("duty.360702", f"/api/v1/warnings/{w['id']}/precautions", {"people_warned": -3})
    await cmd.problem(bad, 400 if bad.status_code == 400 else 422)
    assert (await coverage(cmd, w["id"]))["reported"] == 0

    rep = {"measures": ["转移低洼地带群众", "关闭景区"], "people_warned": 52000, "people_moved": 340,
           "places_notified": 48}
    await cmd.ok(await cmd.post("duty.360702", f"/api/v1/warnings/{w['id']}/precautions", rep))
    # 南康区 reports without signing first: reporting signs for it.
    await cmd.ok(await cmd.post("duty.360703", f"/api/v1/warnings/{w['id']}/precautions", {"people_warned": 1000}))
    cov = await coverage(cmd, w["id"])
    assert (cov["addressed"], cov["signed"], cov["reported"]) == (2, 2, 2)
    assert cov["people_warned"] == 53000 and cov["people_moved"] == 340
    # Against the population at risk the demo fills in (章贡区 640000, 南康区 790000).
    assert cov["population_at_risk"] == 1430000 and cov["reached_pct"] == round(100 * 53000 / 1430000, 1)
    assert line(cov, NK)["signed_at"] is not None
    types = [e["type"] for e in await events(cmd, w["id"]) if e["type"].startswith("warning.")]
    assert types == ["warning.issued", "warning.signed", "warning.precautions_reported", "warning.signed",
                     "warning.precautions_reported"]
    # Every event reaches the issuer and the addressed units (and so their superiors).
    [first] = await events(cmd, w["id"], "warning.issued")
    assert {CITY, ZG, NK} <= set(first["units"]) and GX not in first["units"]
    assert not await cmd.ok(await cmd.get("duty.360702", "/api/v1/warnings/owed")) or all(
        o["warning"]["series_id"] != w["id"] for o in await cmd.ok(await cmd.get("duty.360702",
                                                                                "/api/v1/warnings/owed")))


@MODULE_LOOP
async def test_who_sees_and_who_acts(shared: Cmd) -> None:
    cmd = shared
    w = await issue(cmd)
    await cmd.problem(await cmd.get("duty.360704", f"/api/v1/warnings/{w['id']}"), 404)  # not addressed
    await cmd.problem(await cmd.post("duty.360702", f"/api/v1/warnings/{w['id']}/cancel", {}), 403)
    await cmd.problem(await cmd.post("duty.360702", "/api/v1/warnings", {
        "hazard": "rainstorm", "colour": "red", "areas": {"units": [ZG]}}), 403)  # duty officers do not issue
    res = await cmd.post(COMMANDER, "/api/v1/warnings", {"hazard": "rainstorm", "colour": "red",
                                                         "areas": {"units": ["999999"]}})
    assert (await cmd.problem(res, 422))["errors"][0]["pointer"] == "/areas/units/0"
    res = await cmd.post(COMMANDER, "/api/v1/warnings", {"hazard": "meteor", "colour": "red",
                                                         "areas": {"units": [ZG]}})
    assert res.status_code in (400, 422)
    lead = await cmd.ok(await cmd.get("lead.360700", f"/api/v1/warnings/{w['id']}"))
    assert lead["id"] == w["id"]


@MODULE_LOOP
async def test_update_raise_readdresses_and_area_change_withdraws(shared: Cmd) -> None:
    cmd = shared
    w = await issue(cmd, colour="orange")
    await cmd.ok(await cmd.post("duty.360702", f"/api/v1/warnings/{w['id']}/sign"))
    v2 = await cmd.ok(await cmd.post(COMMANDER, f"/api/v1/warnings/{w['id']}/update",
                                     {"colour": "red", "areas": {"units": [ZG, GX]}, "reason": "雨势加强"}))
    assert (v2["version"], v2["replaces_id"], v2["series_id"], v2["state"], v2["msg_type"]) == \
        (2, w["id"], w["id"], "updated", "Update")
    assert [v["colour"] for v in v2["versions"]] == ["orange", "red"]
    cov = await coverage(cmd, w["id"])
    assert {u["unit"] for u in cov["units"]} == {ZG, GX}  # 南康区 withdrawn, 赣县区 added
    zg = line(cov, ZG)
    assert zg["state"] == "addressed" and zg["history"] and zg["history"][0]["version_id"] == w["id"]
    assert parse(zg["sign_due_at"]) - parse(zg["addressed_at"]) == timedelta(minutes=10)  # red now
    [ev] = await events(cmd, w["id"], "warning.updated")
    assert ev["data"]["raised"] and ev["data"]["withdrawn"] == [NK] and ev["data"]["addressed"] == [GX]
    # The old version is no longer current; asking by its id gives the current one.
    assert (await cmd.ok(await cmd.get(COMMANDER, f"/api/v1/warnings/{w['id']}")))["version"] == 2
    # A withdrawn unit owes nothing and cannot sign.
    await cmd.problem(await cmd.post("duty.360703", f"/api/v1/warnings/{w['id']}/sign"), 409)


@MODULE_LOOP
async def test_cancel_ends_it_everywhere(shared: Cmd) -> None:
    cmd = shared
    w = await issue(cmd)
    res = await cmd.ok(await cmd.post(COMMANDER, f"/api/v1/warnings/{w['id']}/cancel", {"reason": "降雨减弱"}))
    assert (res["state"], res["msg_type"], res["version"], res["reason"]) == ("cancelled", "Cancel", 2, "降雨减弱")
    await cmd.problem(await cmd.post("duty.360702", f"/api/v1/warnings/{w['id']}/sign"), 409)
    await cmd.problem(await cmd.post(COMMANDER, f"/api/v1/warnings/{w['id']}/cancel", {}), 409)
    owed = await cmd.ok(await cmd.get("duty.360702", "/api/v1/warnings/owed"))
    assert all(o["warning"]["series_id"] != w["id"] for o in owed)
    active = await cmd.ok(await cmd.get(COMMANDER, "/api/v1/warnings"))
    assert all(a["series_id"] != w["id"] for a in active)
    assert any(a["series_id"] == w["id"] for a in await cmd.ok(await cmd.get(COMMANDER, "/api/v1/warnings",
                                                                            all="true")))
    async with cmd.db.read() as session:
        rows = (await session.execute(select(Timer).where(Timer.kind == SIGN_TIMER, Timer.ref.in_(
            select(WarningAddressee.id).where(WarningAddressee.series_id == w["id"]))))).scalars().all()
    assert rows and all(t.state == "cancelled" for t in rows)


@MODULE_LOOP
async def test_expiry_is_a_timer(shared: Cmd) -> None:
    cmd = shared
    w = await issue(cmd, expires_at=(utcnow() + timedelta(hours=6)).isoformat())
    await cmd.execute(update(EarlyWarning).where(EarlyWarning.id == w["id"])
                      .values(expires_at=utcnow() - timedelta(seconds=1)))
    await cmd.execute(update(Timer).where(Timer.kind == EXPIRE_TIMER, Timer.ref == w["id"])
                      .values(due_at=utcnow() - timedelta(seconds=1)))

    async def expired() -> bool:
        return bool((await cmd.ok(await cmd.get(COMMANDER, f"/api/v1/warnings/{w['id']}")))["state"] == "expired")

    try:
        await eventually(expired)
    except TimeoutError:
        async with cmd.db.read() as session:
            t = (await session.execute(select(Timer).where(Timer.kind == EXPIRE_TIMER,
                                                           Timer.ref == w["id"]))).scalar_one()
        raise AssertionError(f"expiry timer {t.state}: {t.last_error}") from None
    assert [e["type"] for e in await events(cmd, w["id"], "warning.expired")] == ["warning.expired"]


@MODULE_LOOP
async def test_sign_for_ladder(shared: Cmd) -> None:
    cmd = shared
    w = await issue(cmd, colour="blue", areas={"units": [GX]})
    [row] = (await coverage(cmd, w["id"]))["units"]
    past = utcnow() - timedelta(seconds=1)
    await cmd.execute(update(WarningAddressee).where(WarningAddressee.id == row["id"]).values(sign_due_at=past))
    await cmd.execute(update(Timer).where(Timer.kind == SIGN_TIMER, Timer.ref == row["id"]).values(due_at=past))

    async def has(type: str) -> bool:
        return bool(await events(cmd, w["id"], type))

    await eventually(lambda: has("warning.sign_overdue"))
    [ev] = await events(cmd, w["id"], "warning.sign_overdue")
    assert ev["data"]["escalation"]["step"] == "unit_leader" and ev["data"]["escalation"]["to_unit"] == GX
    assert (await coverage(cmd, w["id"]))["units"][0]["late"] == "sign"
    await cmd.execute(update(Timer).where(Timer.kind == ESCALATE_TIMER, Timer.ref == row["id"])
                      .values(due_at=utcnow() - timedelta(seconds=1)))
    await eventually(lambda: has("warning.escalated"))
    [ev] = await events(cmd, w["id"], "warning.escalated")
    assert ev["data"]["escalation"]["step"] == "issuer_chief" and ev["data"]["escalation"]["to_unit"] == CITY


@MODULE_LOOP
async def test_polygon_and_circle_areas(shared: Cmd) -> None:
    cmd = shared
    # 章贡区's point is near (25.85, 114.93); a small square around it and nothing else.
    ring = [[25.80, 114.88], [25.80, 114.98], [25.90, 114.98], [25.90, 114.88], [25.80, 114.88]]
    w = await issue(cmd, areas={"polygons": [ring]})
    assert {u["unit"] for u in (await coverage(cmd, w["id"]))["units"]} == {ZG}
    w = await issue(cmd, areas={"circles": [{"lat": 25.85, "lon": 114.93, "radius_km": 1}]})
    assert {u["unit"] for u in (await coverage(cmd, w["id"]))["units"]} == {ZG}
    res = await cmd.post(COMMANDER, "/api/v1/warnings", {"hazard": "rainstorm", "colour": "red", "areas": {
        "circles": [{"lat": 10.0, "lon": 10.0, "radius_km": 1}]}})
    await cmd.problem(res, 422)  # covers nobody


@MODULE_LOOP
async def test_drills_stay_apart(shared: Cmd) -> None:
    cmd = shared
    w = await issue(cmd, exercise=True)
    assert w["exercise"] is True
    assert all(a["series_id"] != w["id"] for a in await cmd.ok(await cmd.get(COMMANDER, "/api/v1/warnings")))
    drills = await cmd.ok(await cmd.get(COMMANDER, "/api/v1/warnings", exercise="true"))
    assert any(a["series_id"] == w["id"] for a in drills)
    assert all(e["exercise"] for e in await events(cmd, w["id"]))
    live_owed = await cmd.ok(await cmd.get("duty.360702", "/api/v1/warnings/owed"))
    assert all(o["warning"]["series_id"] != w["id"] for o in live_owed)


@MODULE_LOOP
async def test_service_api_for_cap_import_and_forward(shared: Cmd) -> None:
    cmd = shared
    by = await cmd.principal(COMMANDER)
    async with cmd.db.write(by.actor) as uow:
        w = await warnings.issue(uow, by=by, hazard="typhoon", colour="orange", status="Actual",
                                 areas={"units": [CITY, "110000"],
                                        "geocodes": [{"name": "GB/T 2260", "value": "360700"}]},
                                 identifier="36070041600000-test-1", sender="ganzhou@qx", source="cap",
                                 cap_xml="<alert/>", issuer_name="赣州市气象台", extra={"languages": ["zh-CN"]})
        wid = w.id
    async with cmd.db.read() as session:
        found = await warnings.find_by_external_identifier(session, identifier="36070041600000-test-1",
                                                           sender="ganzhou@qx")
        assert found is not None and found.id == wid and found.cap_xml == "<alert/>"
        rows = await warnings.addressees_of(session, wid)
    codes = {r.unit_code for r in rows}
    assert CITY in codes and ZG in codes and len(codes) == 20  # the city (it received it) and its 19 counties
    with pytest.raises(Problem) as dup:
        async with cmd.db.write(by.actor) as uow:
            await warnings.issue(uow, by=by, hazard="typhoon", colour="orange", areas={"units": [CITY]},
                                 identifier="36070041600000-test-1", sender="ganzhou@qx", source="cap")
    assert dup.value.status == 409
    with pytest.raises(Problem) as test_status:
        async with cmd.db.write(by.actor) as uow:
            await warnings.issue(uow, by=by, hazard="typhoon", colour="orange", areas={"units": [CITY]},
                                 status="Test", source="cap")
    assert test_status.value.status == 422
    async with cmd.db.write(by.actor) as uow:
        v2 = await warnings.update(uow, by=by, replaces=wid, colour="red", identifier="36070041600000-test-2",
                                   sender="ganzhou@qx")
        assert v2.replaces_id == wid and v2.colour == "red"
    # The city duty room passes it down with its own additions.
    res = await cmd.post("duty.360700", f"/api/v1/warnings/{wid}/forward",
                         {"units": [ZG], "additions": "请章贡区重点防范城区内涝。"})
    [fwd] = (await cmd.ok(res))["addressees"]
    assert fwd["unit"] == ZG and "内涝" in fwd["additions"]
    cov = await coverage(cmd, wid)
    assert line(cov, CITY)["state"] == "signed"  # whoever passes it on has it
    await cmd.problem(await cmd.post("duty.360700", f"/api/v1/warnings/{wid}/forward", {"units": ["360702-T01"]}),
                      422)


@pytest.mark.asyncio
async def test_lifecycle_on_every_database(cmd_any: Cmd) -> None:
    """issued → updated → cancelled as versions linked to what they replace, on SQLite and
    PostgreSQL; nothing moves a warning that ended (the table's 409), and the refusal writes nothing."""
    cmd = cmd_any
    w = await issue(cmd)
    v2 = await cmd.ok(await cmd.post(COMMANDER, f"/api/v1/warnings/{w['id']}/update", {"colour": "red"}))
    v3 = await cmd.ok(await cmd.post(COMMANDER, f"/api/v1/warnings/{v2['id']}/cancel", {"reason": "解除"}))
    assert [(v["version"], v["colour"]) for v in v3["versions"]] == [(1, "orange"), (2, "red"), (3, "red")]
    assert (v2["replaces_id"], v3["replaces_id"]) == (w["id"], v2["id"])
    async with cmd.db.read() as session:
        current = (await session.execute(select(EarlyWarning.id).where(
            EarlyWarning.series_id == w["id"], EarlyWarning.current.is_(True)))).scalars().all()
    assert current == [v3["id"]]
    before = len(await events(cmd, w["id"]))
    for action, body in (("update", {"colour": "blue"}), ("cancel", {})):
        doc = await cmd.problem(await cmd.post(COMMANDER, f"/api/v1/warnings/{w['id']}/{action}", body), 409)
        assert doc["type"] == "/problems/invalid-transition" and doc["state"] == "cancelled"
    assert len(await events(cmd, w["id"])) == before
