"""CAP over HTTP: import (create, update, cancel; idempotent; 422/409/415/413), export, the feed,
every shared sample through the API."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from lxml import etree
from sqlalchemy import func, select

from command.warnings.models import EarlyWarning
from integrations.cap import schema
from integrations.cap.model import NS, format_time, to_doc
from integrations.cap.parse import read_alert
from integrations.cap.schemas import EXAMPLE_CAP
from tests.command.helpers import Cmd
from tests.integrations.cap_samples import INVALID, SAMPLES, need_samples, sample_files
from tests.support import bearer

pytestmark = pytest.mark.asyncio(loop_scope="module")
CITY = "lead.360700"
BEIJING = ZoneInfo("Asia/Shanghai")
FIVE = {"360702", "360703", "360704", "360722", "360731"}


async def post_cap(cmd: Cmd, xml: str | bytes, *, who: str = CITY, ctype: str = "application/cap+xml",
                   key: str | None = None) -> httpx.Response:
    headers = {**bearer(await cmd.token(who)), "Content-Type": ctype}
    if key:
        headers["Idempotency-Key"] = key
    data = xml.encode() if isinstance(xml, str) else xml
    return await cmd.client.post("/api/v1/warnings/cap", content=data, headers=headers)


# Messages are dated from tomorrow 08:00 Beijing time, so none has expired when the test runs.
T0 = (datetime.now(BEIJING) + timedelta(days=1)).replace(hour=8, minute=0, second=0, microsecond=0)


def at(hours: float = 0) -> str:
    return format_time(T0 + timedelta(hours=hours))


def ref(identifier: str, hours: float = 0) -> str:
    return f"36070041600000,{identifier},{at(hours)}"


def message(identifier: str, *, msg_type: str = "Alert", status: str = "Actual", references: str = "",
            severity: str = "Severe", headline: str = "赣州市气象台发布台风橙色预警信号",
            sent: float = 0) -> str:
    xml = EXAMPLE_CAP.replace("36070041600000_20260801080000_0", identifier)
    xml = xml.replace("2026-08-01T08:00:00+08:00", at(sent)).replace("2026-08-02T08:00:00+08:00", at(48))
    xml = xml.replace("<msgType>Alert</msgType>", f"<msgType>{msg_type}</msgType>")
    xml = xml.replace("<status>Actual</status>", f"<status>{status}</status>")
    xml = xml.replace("<severity>Severe</severity>", f"<severity>{severity}</severity>")
    xml = xml.replace("赣州市气象台发布台风橙色预警信号", headline)
    if references:
        xml = xml.replace("<scope>Public</scope>", f"<scope>Public</scope>\n  <references>{references}</references>")
    return xml


async def count_warnings(cmd: Cmd) -> int:
    async with cmd.db.read() as session:
        return int((await session.execute(select(func.count()).select_from(EarlyWarning))).scalar_one())


async def addressed(cmd: Cmd, warning_id: str) -> set[str]:
    cov = await cmd.ok(await cmd.get(CITY, f"/api/v1/warnings/{warning_id}/coverage"))
    return {u["unit"] for u in cov["units"]}


async def test_typhoon_alert_update_cancel_through_the_api(shared: Cmd) -> None:
    cmd = shared
    first = await cmd.ok(await post_cap(cmd, message("36070041600000_20260801080000_1")), 201)
    assert first["outcome"] == "created"
    w = first["warning"]
    assert (w["hazard"], w["colour"], w["issuer_name"], w["exercise"]) == ("typhoon", "orange", "赣州市气象台", False)
    assert FIVE <= await addressed(cmd, w["series_id"])
    # The county's duty room owes a sign-for now.
    for county in FIVE:
        owed = await cmd.ok(await cmd.get(f"duty.{county}", "/api/v1/warnings/owed"))
        assert [o["kind"] for o in owed if o["warning"]["series_id"] == w["series_id"]] == ["sign"], county
    # A county outside the area owes nothing and cannot see it.
    owed = await cmd.ok(await cmd.get("duty.360735", "/api/v1/warnings/owed"))
    assert all(o["warning"]["series_id"] != w["series_id"] for o in owed)

    # The same message again: idempotent, nothing new.
    before = await count_warnings(cmd)
    again = await cmd.ok(await post_cap(cmd, message("36070041600000_20260801080000_1")))
    assert again["outcome"] == "unchanged" and again["warning"]["id"] == w["id"]
    assert await count_warnings(cmd) == before
    assert await cmd.journal_count("warning.issued", w["series_id"]) == 1

    # Update: raised to red, the same warning (series), a new version.
    raised = await cmd.ok(await post_cap(cmd, message(
        "36070041600000_20260801100000_0", msg_type="Update", severity="Extreme",
        references=ref("36070041600000_20260801080000_1"), headline="赣州市气象台将台风橙色预警信号升级为红色",
        sent=2)))
    assert raised["outcome"] == "updated"
    assert raised["warning"]["series_id"] == w["series_id"] and raised["warning"]["colour"] == "red"
    assert raised["warning"]["version"] == 2
    # Red typhoon over the counties: the city flood plan's 预警响应 is suggested, as for one issued here.
    [suggested] = await cmd.ok(await cmd.get("duty.360702", f"/api/v1/warnings/{w['series_id']}/plan-suggestions"))
    assert suggested["code"] == "GZ-FX" and suggested["stage"] == "预警响应"
    # The county duty room signs for the raised warning (one key on its console).
    sign = await cmd.ok(await cmd.post("duty.360702", f"/api/v1/warnings/{w['series_id']}/sign", {}))
    assert sign["state"] == "signed"

    # Export of the current version is the CAP message it came as (and validates).
    xml = (await cmd.get(CITY, f"/api/v1/warnings/{w['series_id']}/cap"))
    assert xml.status_code == 200 and xml.headers["content-type"].startswith("application/cap+xml")
    root = etree.fromstring(xml.content)
    assert schema.errors_of(root) == []
    assert root.findtext(f"{{{NS}}}identifier") == "36070041600000_20260801100000_0"

    # Cancel, referencing the update.
    cancelled = await cmd.ok(await post_cap(cmd, message(
        "36070041600000_20260801120000_0", msg_type="Cancel", references=ref("36070041600000_20260801100000_0", 2),
        sent=4)))
    assert cancelled["outcome"] == "cancelled" and cancelled["warning"]["state"] == "cancelled"
    active = await cmd.ok(await cmd.get(CITY, "/api/v1/warnings"))
    assert all(a["series_id"] != w["series_id"] for a in active)
    assert await cmd.ok(await cmd.get(CITY, f"/api/v1/warnings/{w['series_id']}/plan-suggestions")) == []
    owed = await cmd.ok(await cmd.get("duty.360703", "/api/v1/warnings/owed"))
    assert all(o["warning"]["series_id"] != w["series_id"] for o in owed)


async def test_an_update_without_an_area_keeps_the_units(shared: Cmd) -> None:
    first = await shared.ok(await post_cap(shared, message("36070041600000_20260808080000_0")), 201)
    series = first["warning"]["series_id"]
    no_area = message("36070041600000_20260808090000_0", msg_type="Update", sent=1, severity="Extreme",
                      headline="台风红色预警", references=ref("36070041600000_20260808080000_0"))
    no_area = re.sub(r"<area>.*</area>", "", no_area, flags=re.S)
    done = await shared.ok(await post_cap(shared, no_area))
    assert done["outcome"] == "updated" and done["warning"]["colour"] == "red"
    assert FIVE <= await addressed(shared, series)
    cov = await shared.ok(await shared.get(CITY, f"/api/v1/warnings/{series}/coverage"))
    assert all(u["state"] != "withdrawn" for u in cov["units"] if u["unit"] in FIVE)


async def test_unknown_reference_is_409_and_creates_nothing(shared: Cmd) -> None:
    before = await count_warnings(shared)
    res = await post_cap(shared, message("36070041600000_20260802080000_0", msg_type="Update",
                                         references=ref("NO-SUCH-MESSAGE")))
    problem = await shared.problem(res, 409)
    assert problem["errors"][0]["pointer"] == "/alert/references" and "NO-SUCH-MESSAGE" in problem["detail"]
    assert await count_warnings(shared) == before


async def test_invalid_messages_are_422_naming_element_and_rule_and_change_nothing(shared: Cmd) -> None:
    before = await count_warnings(shared)
    bad = message("36070041600000_20260803080000_0").replace("<urgency>Expected</urgency>", "<urgency>Soon</urgency>")
    problem = await shared.problem(await post_cap(shared, bad), 422)
    assert problem["type"] == "/problems/cap-schema"
    error = problem["errors"][0]
    assert (error["element"], error["rule"], error["pointer"]) == ("urgency", "xsd:enumeration",
                                                                  "/alert/info[1]/urgency")
    laughs = ('<?xml version="1.0"?><!DOCTYPE a [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
              f'<alert xmlns="{NS}">&b;</alert>')
    problem = await shared.problem(await post_cap(shared, laughs), 422)
    assert problem["type"] == "/problems/cap-doctype"
    assert await count_warnings(shared) == before


async def test_wrong_media_type_and_oversize_bodies(shared: Cmd) -> None:
    res = await post_cap(shared, message("x"), ctype="application/json")
    await shared.problem(res, 415)
    huge = b"<alert>" + b" " * (6 << 20) + b"</alert>"
    res = await post_cap(shared, huge)
    await shared.problem(res, 413)


async def test_identifier_reused_for_another_message_is_409(shared: Cmd) -> None:
    await shared.ok(await post_cap(shared, message("36070041600000_20260804080000_0")), 201)
    other = message("36070041600000_20260804080000_0", headline="赣州市气象台发布台风黄色预警信号")
    problem = await shared.problem(await post_cap(shared, other), 409)
    assert problem["errors"][0]["element"] == "identifier"


async def test_exercise_is_drill_data_and_test_never_becomes_a_warning(shared: Cmd) -> None:
    drill = await shared.ok(await post_cap(shared, message("36070041600000_20260805080000_0", status="Exercise")), 201)
    assert drill["warning"]["exercise"] is True
    live = await shared.ok(await shared.get(CITY, "/api/v1/warnings"))
    assert all(w["series_id"] != drill["warning"]["series_id"] for w in live)
    drills = await shared.ok(await shared.get(CITY, "/api/v1/warnings", exercise="true"))
    assert any(w["series_id"] == drill["warning"]["series_id"] for w in drills)
    # An Update must not turn the drill into a real warning.
    res = await post_cap(shared, message("36070041600000_20260805090000_0", msg_type="Update",
                                         references=ref("36070041600000_20260805080000_0")))
    await shared.problem(res, 409)

    before = await count_warnings(shared)
    for status in ("Test", "System", "Draft"):
        res = await shared.ok(await post_cap(shared, message(f"36070041600000_20260806080000_{len(status)}",
                                                             status=status)))
        assert res["outcome"] == "ignored" and res["warning"] is None
    assert await count_warnings(shared) == before


async def test_export_of_a_warning_issued_here(shared: Cmd) -> None:
    body = {"hazard": "rainstorm", "colour": "red", "areas": {"units": ["360702"]},
            "headline": "赣州市发布暴雨红色预警", "description": "未来3小时章贡区降雨量将达100毫米以上。",
            "instructions": "停课停业，转移危险区域人员。"}
    issued = await shared.ok(await shared.post(CITY, "/api/v1/warnings", body), 201)
    res = await shared.get(CITY, f"/api/v1/warnings/{issued['id']}/cap")
    assert res.status_code == 200, res.text
    root = etree.fromstring(res.content)
    assert schema.errors_of(root) == []
    ident = root.findtext(f"{{{NS}}}identifier") or ""
    assert re.fullmatch(r"360700\d{8}_\d{14}_\d", ident) and len(ident) == 31
    assert root.findtext(f"{{{NS}}}sender") == ident[:14]  # no YINGJI_CAP_SENDER: the issuer's code
    infos = root.findall(f"{{{NS}}}info")
    assert [i.findtext(f"{{{NS}}}language") for i in infos] == ["zh-CN", "en-US"]
    assert infos[0].findtext(f"{{{NS}}}severity") == "Extreme"
    assert infos[0].findtext(f"{{{NS}}}headline") == "赣州市发布暴雨红色预警"
    # The export re-imports as the same hazard and colour, named the same units.
    alert = read_alert(res.content)
    assert alert.references == [] and alert.msg_type == "Alert"

    updated = await shared.ok(await shared.post(CITY, f"/api/v1/warnings/{issued['id']}/update",
                                                {"colour": "orange", "reason": "雨势减弱"}))
    res = await shared.get(CITY, f"/api/v1/warnings/{issued['id']}/cap")
    again = read_alert(res.content)
    assert again.msg_type == "Update" and [r.identifier for r in again.references] == [ident]
    assert again.identifier != ident
    # Stable: the same version exports with the same identifier every time.
    assert read_alert((await shared.get(CITY, f"/api/v1/warnings/{updated['id']}/cap")).content).identifier \
        == again.identifier
    # A county that was not addressed does not see it.
    res = await shared.get("duty.360735", f"/api/v1/warnings/{issued['id']}/cap")
    assert res.status_code == 404


async def test_the_feed_is_atom_with_each_active_warning_as_cap(shared: Cmd) -> None:
    await shared.ok(await post_cap(shared, message("36070041600000_20260807080000_0")), 201)
    res = await shared.get(CITY, "/api/v1/warnings/cap/feed")
    assert res.status_code == 200 and res.headers["content-type"].startswith("application/atom+xml")
    root = etree.fromstring(res.content)
    atom = "{http://www.w3.org/2005/Atom}"
    entries = root.findall(f"{atom}entry")
    assert entries
    for entry in entries:
        link = entry.find(f"{atom}link[@type='application/cap+xml']")
        assert link is not None and "/api/v1/warnings/" in link.get("href", "")
        alert = entry.find(f"{atom}content/{{{NS}}}alert")
        assert alert is not None and schema.errors_of(alert) == []
        assert alert.findtext(f"{{{NS}}}status") == "Actual"
    drills = etree.fromstring((await shared.get(CITY, "/api/v1/warnings/cap/feed", exercise="true")).content)
    for alert in drills.iter(f"{{{NS}}}alert"):
        assert alert.findtext(f"{{{NS}}}status") == "Exercise"


def _expected(path: Any) -> int:
    alert = read_alert(path.read_bytes())
    if alert.status not in ("Actual", "Exercise") or alert.msg_type in ("Ack", "Error"):
        return 200
    return 201 if alert.msg_type == "Alert" else 409


async def test_every_shared_sample_through_the_api(shared: Cmd) -> None:
    need_samples()
    seen: set[tuple[str, str]] = set()
    for path in sample_files():
        res = await post_cap(shared, path.read_bytes())
        if path.name in INVALID:
            problem = await shared.problem(res, 422)
            assert problem["errors"][0]["element"] == INVALID[path.name], path.name
            continue
        expected = _expected(path)
        alert = read_alert(path.read_bytes())
        if expected == 201 and (alert.sender, alert.identifier) in seen:
            expected = 200  # the Togo pair: one message, one copy with a tampered signature digest
            assert res.json()["outcome"] == "unchanged"
        seen.add((alert.sender, alert.identifier))
        assert res.status_code == expected, f"{path.name}: {res.status_code} {res.text[:300]}"
        if expected == 201:
            # Round trip through the API: the export is the message, every field kept.
            doc = res.json()["warning"]
            out = await shared.get(CITY, f"/api/v1/warnings/{doc['id']}/cap")
            assert out.status_code == 200, out.text
            original, exported = read_alert(path.read_bytes()), read_alert(out.content)
            original.signed, original.signature = False, "absent"
            a, b = to_doc(original), to_doc(exported)
            assert sorted(map(str, a["infos"])) == sorted(map(str, b["infos"])), path.name
            a.pop("infos"), b.pop("infos")
            assert a == b, path.name
        if expected == 409:
            assert res.json()["type"] == "/problems/cap-unknown-reference"


async def test_update_of_an_imported_sample_in_a_chain(shared: Cmd) -> None:
    """The NWS sample's Update names eight earlier messages: once one of them is here, it updates it."""
    need_samples()
    noaa = read_alert((SAMPLES / "us-nws__NOAA_MultiplePolygons.xml").read_bytes())
    first = noaa.references[0]
    base = message(first.identifier).replace("<sender>36070041600000</sender>", f"<sender>{first.sender}</sender>")
    assert first.sent is not None
    base = re.sub(r"<sent>[^<]*</sent>", f"<sent>{format_time(first.sent)}</sent>", base)
    base = re.sub(r"<effective>[^<]*</effective>", "", base)
    await shared.ok(await post_cap(shared, base), 201)
    res = await post_cap(shared, (SAMPLES / "us-nws__NOAA_MultiplePolygons.xml").read_bytes())
    done = await shared.ok(res)
    assert done["outcome"] == "updated" and done["warning"]["hazard"] == "typhoon"  # a Hurricane Warning


@pytest.mark.asyncio(loop_scope="function")
async def test_import_and_export_on_both_databases(cmd_any: Cmd) -> None:
    """The same message on SQLite and PostgreSQL: created once, idempotent, exported valid; a failed
    import in the middle leaves nothing behind."""
    cmd = cmd_any
    created = await cmd.ok(await post_cap(cmd, message("36070041600000_20261001080000_0"), key="cap-pg-1"), 201)
    replay = await post_cap(cmd, message("36070041600000_20261001080000_0"), key="cap-pg-1")
    assert replay.status_code == 201 and replay.headers.get("Idempotent-Replayed") == "true"
    again = await cmd.ok(await post_cap(cmd, message("36070041600000_20261001080000_0")))
    assert again["outcome"] == "unchanged"
    res = await cmd.get(CITY, f"/api/v1/warnings/{created['warning']['id']}/cap")
    assert schema.errors_of(etree.fromstring(res.content)) == []
    before = await count_warnings(cmd)
    # A Cancel referencing one known and one unknown message still cancels the known one; one that
    # names only unknown messages changes nothing.
    res = await post_cap(cmd, message("36070041600000_20261001090000_0", msg_type="Cancel",
                                      references=ref("NOPE-1") + " " + ref("NOPE-2")))
    await cmd.problem(res, 409)
    assert await count_warnings(cmd) == before
    done = await cmd.ok(await post_cap(cmd, message("36070041600000_20261001090000_1", msg_type="Cancel",
                                                    references=ref("NOPE-1") + " "
                                                    + ref("36070041600000_20261001080000_0"))))
    assert done["outcome"] == "cancelled"
