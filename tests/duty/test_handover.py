"""Handover (交接班): the officer on duty now drafts it, with the open items gathered automatically (an
unsigned notice, the unfiled daily report, an unanswered roll-call) plus free ones; submits; the
incoming holder accepts an item, then the whole; a handover nobody accepts within the grace period
raises duty.handover.overdue from its durable timer."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx

from core.orm import iso
from duty.handover import service as handover
from tests.duty.helpers import events, expire_timer, head, local_today, timer_row, wait_for
from tests.support import LiveServer, assert_problem, bearer, token_for

CITY, UNIT, SIBLING = "360700", "360702", "360703"


def _dt(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def _holder(client: httpx.AsyncClient, token: str, post: str, at: str | None = None) -> dict[str, Any]:
    params = {"unit": UNIT} | ({"at": at} if at else {})
    res = await client.get("/api/v1/duty/now", params=params, headers=bearer(token))
    assert res.status_code == 200, res.text
    [row] = [p for p in res.json()["units"][0]["posts"] if p["post"] == post]
    return dict(row)


async def test_draft_submit_accept_and_overdue(live_server: LiveServer, sqlite_url: str) -> None:
    db = live_server.app.state.runtime.db
    lead = await token_for(sqlite_url, f"lead.{UNIT}")
    city_duty = await token_for(sqlite_url, f"duty.{CITY}")
    city_lead = await token_for(sqlite_url, f"lead.{CITY}")
    sibling = await token_for(sqlite_url, f"duty.{SIBLING}")
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        since = await head(client, lead)
        on_duty = await _holder(client, lead, "officer")
        assert on_duty["source"] == "roster" and on_duty["holder"]
        outgoing_name = on_duty["holder"]["username"]
        incoming = await _holder(client, lead, "officer", at=on_duty["until"])
        incoming_name = incoming["holder"]["username"]
        assert incoming_name != outgoing_name
        bystander_name = next(n for n in (f"duty2.{UNIT}", f"duty4.{UNIT}") if n not in (outgoing_name,
                                                                                           incoming_name))
        outgoing, incoming_t, bystander = [await token_for(sqlite_url, n)
                                           for n in (outgoing_name, incoming_name, bystander_name)]

        # Open work for the duty room: an unsigned notice from the city, a roll-call to answer, and
        # (fresh database) today's daily report not filed.
        res = await client.post("/api/v1/notices", headers=bearer(city_duty), json={
            "title": "关于加强节日值班的通知", "body": "请落实领导带班。", "units": [UNIT]})
        assert res.status_code == 201, res.text
        notice = res.json()
        res = await client.post("/api/v1/rollcalls", headers=bearer(city_lead), json={"units": [UNIT]})
        assert res.status_code == 201, res.text
        rollcall = res.json()
        res = await client.patch(f"/api/v1/duty/rules/{UNIT}", headers=bearer(lead), json={"handover_grace_min": 1})
        assert res.status_code == 200, res.text

        # The officer on duty starts the handover of the post they hold (none named).
        res = await client.post("/api/v1/duty/handovers", headers=bearer(outgoing), json={
            "notes": "夜间降雨持续", "items": ["水南镇山塘水位每两小时查询一次"]})
        assert res.status_code == 201, res.text
        doc = res.json()
        assert (doc["status"], doc["post"], doc["unit"]) == ("draft", "officer", UNIT)
        assert doc["from_user"]["id"] == on_duty["holder"]["id"]
        assert doc["to_user"]["id"] == incoming["holder"]["id"]
        assert doc["shift_ends_at"] == on_duty["until"]
        items = {(i["source"], i["ref"]) for i in doc["items"]}
        assert ("duty.notices", notice["id"]) in items
        assert ("duty.daily_report", local_today().isoformat()) in items
        assert ("duty.rollcalls", rollcall["id"]) in items
        assert ("free", None) in items and all(not i["accepted"] for i in doc["items"])
        notice_item = next(i for i in doc["items"] if i["source"] == "duty.notices")
        assert notice["title"] in notice_item["title"] and notice_item["due_at"] == notice["signfor_deadline"]
        hid = doc["id"]

        # Someone who holds no post cannot start one without naming the post.
        assert_problem(await client.post("/api/v1/duty/handovers", headers=bearer(city_duty),
                                         json={"unit": UNIT}), 422)
        # Only the outgoing holder edits it; nothing can be accepted before it is handed over.
        res = await client.post(f"/api/v1/duty/handovers/{hid}/items", headers=bearer(outgoing),
                                json={"title": "市局通知要求 17:00 前报送物资清单", "detail": "联系人：张三"})
        assert res.status_code == 201 and res.json()["source"] == "free"
        assert_problem(await client.post(f"/api/v1/duty/handovers/{hid}/items", headers=bearer(bystander),
                                         json={"title": "x"}), 403)
        assert_problem(await client.post(f"/api/v1/duty/handovers/{hid}/accept", headers=bearer(incoming_t),
                                         json={}), 409)
        assert_problem(await client.post(f"/api/v1/duty/handovers/{hid}/submit", headers=bearer(bystander),
                                         json={}), 403)

        res = await client.post(f"/api/v1/duty/handovers/{hid}/submit", headers=bearer(outgoing),
                                json={"notes": "交班时各项工作正常"})
        assert res.status_code == 200, res.text
        doc = res.json()
        assert doc["status"] == "submitted" and doc["notes"] == "交班时各项工作正常" and len(doc["items"]) == 5
        timer = await timer_row(db, handover.GRACE_TIMER, hid)
        assert timer is not None and timer.state == "scheduled"
        assert timer.due_at - _dt(doc["submitted_at"]) < timedelta(minutes=1, milliseconds=2)
        assert timer.due_at - _dt(doc["submitted_at"]) >= timedelta(minutes=1)
        assert_problem(await client.post(f"/api/v1/duty/handovers/{hid}/items", headers=bearer(outgoing),
                                         json={"title": "too late"}), 409)

        # The incoming holder accepts one item, then the whole; a bystander can do neither.
        item = doc["items"][0]
        url = f"/api/v1/duty/handovers/{hid}/items/{item['id']}/accept"
        assert_problem(await client.post(url, headers=bearer(bystander), json={}), 403)
        res = await client.post(url, headers=bearer(incoming_t), json={"remark": "已了解，继续跟进"})
        assert res.status_code == 200, res.text
        assert res.json()["accepted"] is True and res.json()["remark"] == "已了解，继续跟进"
        assert_problem(await client.post(f"/api/v1/duty/handovers/{hid}/items/nope/accept",
                                         headers=bearer(incoming_t), json={}), 404)
        res = await client.get(f"/api/v1/duty/handovers/{hid}", headers=bearer(lead))
        assert [i["accepted"] for i in res.json()["items"]] == [True, False, False, False, False]
        assert_problem(await client.post(f"/api/v1/duty/handovers/{hid}/accept", headers=bearer(bystander),
                                         json={}), 403)
        res = await client.post(f"/api/v1/duty/handovers/{hid}/accept", headers=bearer(incoming_t),
                                json={"remark": "接班"})
        assert res.status_code == 200, res.text
        doc = res.json()
        assert doc["status"] == "accepted" and doc["accepted_by"] == incoming["holder"]["id"]
        assert all(i["accepted"] for i in doc["items"])
        assert doc["items"][0]["remark"] == "已了解，继续跟进" and doc["items"][1]["remark"] == "接班"
        assert_problem(await client.post(f"/api/v1/duty/handovers/{hid}/accept", headers=bearer(incoming_t),
                                         json={}), 409)
        timer = await timer_row(db, handover.GRACE_TIMER, hid)
        assert timer is not None and timer.state == "cancelled"

        # A second handover nobody accepts: once its grace period is over, the duty chief is reminded.
        res = await client.post("/api/v1/duty/handovers", headers=bearer(outgoing), json={"post": "officer"})
        assert res.status_code == 201
        late_id = res.json()["id"]
        res = await client.post(f"/api/v1/duty/handovers/{late_id}/submit", headers=bearer(outgoing), json={})
        assert res.status_code == 200
        for ref in (hid, late_id):  # time moves past both grace periods
            await expire_timer(db, handover.GRACE_TIMER, ref)
        live_server.app.state.runtime.timers.poke()

        async def overdue() -> list[dict[str, Any]]:
            return [e for e in await events(client, lead, since) if e["type"] == "duty.handover.overdue"]

        [ev] = await wait_for(overdue, within=8)
        assert ev["subject"] == {"kind": "handover", "id": late_id} and ev["data"]["to"] == "chief"
        assert ev["data"]["status"] == "submitted"
        res = await client.get(f"/api/v1/duty/handovers/{late_id}", headers=bearer(lead))
        assert res.json()["reminded_at"] is not None and res.json()["status"] == "submitted"
        timer = await timer_row(db, handover.GRACE_TIMER, hid)
        assert timer is not None and timer.state == "cancelled"  # the accepted one is never reminded
        # The county and the city see it; the sibling county does not.
        assert [e["subject"]["id"] for e in await events(client, city_lead, since)
                if e["type"] == "duty.handover.overdue"] == [late_id]
        assert [e for e in await events(client, sibling, since) if e["type"].startswith("duty.handover")] == []

        res = await client.get("/api/v1/duty/handovers", headers=bearer(lead))
        assert [(h["id"], h["status"]) for h in res.json()] == [(late_id, "submitted"), (hid, "accepted")]
        types = [e["type"] for e in await events(client, lead, since) if e["type"].startswith("duty.handover")]
        assert types == ["duty.handover.drafted", "duty.handover.item_added", "duty.handover.submitted",
                         "duty.handover.item_accepted", "duty.handover.accepted", "duty.handover.drafted",
                         "duty.handover.submitted", "duty.handover.overdue"]
        drafted = next(e for e in await events(client, lead, since) if e["type"] == "duty.handover.drafted")
        assert drafted["data"]["items"] == 4 and drafted["data"]["shift_ends_at"] == iso(_dt(on_duty["until"]))
