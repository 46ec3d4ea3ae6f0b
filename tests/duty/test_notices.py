"""Notices down the hierarchy: the city sends to three counties; each signs for it (签收) or replies;
the sender sees every status; a county not addressed sees nothing; the sign-for deadline names only
the units that have not signed; a withdrawn notice is never reminded."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import update

from core.orm import iso, utcnow
from duty import flows  # noqa: F401  (the timer handlers)
from duty.notices import service as notices
from duty.notices.models import Notice
from tests.duty.helpers import events, expire_timer, head, timer_row, wait_for
from tests.support import LiveServer, assert_problem, bearer, token_for

CITY, A, B, C, OUTSIDE = "360700", "360702", "360703", "360704", "360722"


def _dt(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def _notice(client: httpx.AsyncClient, token: str, notice_id: str) -> dict[str, Any]:
    res = await client.get(f"/api/v1/notices/{notice_id}", headers=bearer(token))
    assert res.status_code == 200, res.text
    return dict(res.json())


async def test_sign_reply_status_and_overdue(live_server: LiveServer, sqlite_url: str) -> None:
    db = live_server.app.state.runtime.db
    sender = await token_for(sqlite_url, f"duty.{CITY}")
    a, b, c, outside = [await token_for(sqlite_url, f"duty.{u}") for u in (A, B, C, OUTSIDE)]
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        since = await head(client, sender)
        # Only down the hierarchy: a county cannot send to its sibling or to the city.
        for units in ([B], [CITY]):
            doc = assert_problem(await client.post("/api/v1/notices", headers=bearer(a), json={
                "title": "测试", "body": "测试", "units": units}), 422)
            assert doc["errors"][0]["pointer"] == "/units/0"

        res = await client.post("/api/v1/notices", headers=bearer(sender), json={
            "title": "关于做好强降雨防范应对工作的通知", "body": "请各单位加强值班值守。", "urgency": "urgent",
            "units": [A, B, C], "reply_required": True, "signfor_minutes": 1})
        assert res.status_code == 201, res.text
        notice = res.json()
        assert _dt(notice["signfor_deadline"]) - _dt(notice["created_at"]) == timedelta(minutes=1)
        assert [(r["unit"], r["status"]) for r in notice["recipients"]] == [(A, "pending"), (B, "pending"),
                                                                          (C, "pending")]
        row = await timer_row(db, notices.SIGNFOR_TIMER, notice["id"])
        assert row is not None and row.state == "scheduled" and iso(row.due_at) == notice["signfor_deadline"]

        # Each addressed county finds it in its inbox, unsigned.
        for token in (a, b, c):
            res = await client.get("/api/v1/notices", headers=bearer(token))
            [mine] = [n for n in res.json() if n["id"] == notice["id"]]
            assert mine["mine"]["status"] == "pending" and mine["reply_required"] is True

        # A signs for it, once.
        res = await client.post(f"/api/v1/notices/{notice['id']}/sign", headers=bearer(a))
        assert res.status_code == 200, res.text
        assert res.json()["status"] == "signed" and res.json()["signed_by_name"]
        assert_problem(await client.post(f"/api/v1/notices/{notice['id']}/sign", headers=bearer(a)), 409)
        # B replies, which signs for it too.
        res = await client.post(f"/api/v1/notices/{notice['id']}/reply", headers=bearer(b),
                                json={"text": "已收悉，已传达至各乡镇。"})
        assert res.status_code == 200, res.text
        assert (res.json()["status"], res.json()["reply"]) == ("replied", "已收悉，已传达至各乡镇。")
        assert res.json()["signed_at"] is not None
        # A county not addressed sees nothing and can do nothing.
        assert_problem(await client.get(f"/api/v1/notices/{notice['id']}", headers=bearer(outside)), 404)
        assert_problem(await client.post(f"/api/v1/notices/{notice['id']}/sign", headers=bearer(outside)), 404)
        assert_problem(await client.post(f"/api/v1/notices/{notice['id']}/reply", headers=bearer(outside),
                                         json={"text": "?"}), 404)
        assert notice["id"] not in {n["id"] for n in (await client.get("/api/v1/notices",
                                                                       headers=bearer(outside))).json()}
        # A recipient cannot withdraw it.
        assert_problem(await client.post(f"/api/v1/notices/{notice['id']}/withdraw", headers=bearer(a)), 403)

        doc = await _notice(client, sender, notice["id"])
        assert {r["unit"]: r["status"] for r in doc["recipients"]} == {A: "signed", B: "replied", C: "pending"}
        res = await client.get("/api/v1/notices", params={"box": "outbox"}, headers=bearer(sender))
        assert [r["status"] for r in res.json()[0]["recipients"]] == ["signed", "replied", "pending"]

        # The sign-for deadline passes (time moves on: the notice's deadline and its timer are now past):
        # only C is named, and reminded.
        async with db.write() as uow:
            await uow.session.execute(update(Notice).where(Notice.id == notice["id"])
                                      .values(signfor_deadline=utcnow() - timedelta(seconds=1)))
        await expire_timer(db, notices.SIGNFOR_TIMER, notice["id"])
        live_server.app.state.runtime.timers.poke()

        async def overdue() -> list[dict[str, Any]]:
            return [e for e in await events(client, sender, since) if e["type"] == "duty.notice.overdue"]

        [ev] = await wait_for(overdue, within=8)
        assert ev["data"]["units"] == [C] and ev["data"]["notice"] == notice["id"]
        assert ev["data"]["urgency"] == "urgent"
        assert set(ev["units"]) >= {CITY, C} and A not in ev["units"] and B not in ev["units"]
        assert [e["type"] for e in await events(client, c, since) if e["type"] == "duty.notice.overdue"] == [
            "duty.notice.overdue"]
        assert [e for e in await events(client, a, since) if e["type"] == "duty.notice.overdue"] == []
        doc = await _notice(client, sender, notice["id"])
        reminded = {r["unit"]: r["reminded_at"] for r in doc["recipients"]}
        assert reminded[C] is not None and reminded[A] is None and reminded[B] is None

        # C signs late: accepted, and the event says late.
        res = await client.post(f"/api/v1/notices/{notice['id']}/sign", headers=bearer(c))
        assert res.status_code == 200
        signed = [e for e in await events(client, sender, since) if e["type"] == "duty.notice.signed"]
        assert [(e["data"]["unit"], e["data"]["late"]) for e in signed] == [(A, False), (C, True)]
        types = [e["type"] for e in await events(client, sender, since)]
        assert types == ["duty.notice.sent", "duty.notice.signed", "duty.notice.replied", "duty.notice.overdue",
                         "duty.notice.signed"]


async def test_withdraw_stops_the_reminder(live_server: LiveServer, sqlite_url: str) -> None:
    db = live_server.app.state.runtime.db
    sender = await token_for(sqlite_url, f"lead.{CITY}")
    a, b = [await token_for(sqlite_url, f"duty.{u}") for u in (A, B)]
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        since = await head(client, sender)
        res = await client.post("/api/v1/notices", headers=bearer(sender), json={
            "title": "测试撤回", "body": "将被撤回的通知", "units": [A, B], "signfor_minutes": 1})
        assert res.status_code == 201, res.text
        notice = res.json()
        assert (await client.post(f"/api/v1/notices/{notice['id']}/sign", headers=bearer(a))).status_code == 200

        res = await client.post(f"/api/v1/notices/{notice['id']}/withdraw", headers=bearer(sender))
        assert res.status_code == 200 and res.json()["withdrawn_at"]
        doc = await _notice(client, sender, notice["id"])
        assert {r["unit"]: r["status"] for r in doc["recipients"]} == {A: "withdrawn", B: "withdrawn"}
        row = await timer_row(db, notices.SIGNFOR_TIMER, notice["id"])
        assert row is not None and row.state == "cancelled"
        # Gone from the inboxes; nothing left to sign.
        assert notice["id"] not in {n["id"] for n in (await client.get("/api/v1/notices", headers=bearer(b))).json()}
        assert_problem(await client.post(f"/api/v1/notices/{notice['id']}/sign", headers=bearer(b)), 409)

        # Past the deadline, nothing fires; even a stray firing of the handler says nothing.
        await expire_timer(db, notices.SIGNFOR_TIMER, notice["id"])
        live_server.app.state.runtime.timers.poke()
        await asyncio.sleep(0.5)
        async with db.write() as uow:
            await notices.on_signfor_deadline(uow, notice_id=notice["id"])
        row = await timer_row(db, notices.SIGNFOR_TIMER, notice["id"])
        assert row is not None and row.state == "cancelled"
        types = [e["type"] for e in await events(client, sender, since)]
        assert types == ["duty.notice.sent", "duty.notice.signed", "duty.notice.withdrawn"]
        # Withdrawing twice changes nothing.
        res = await client.post(f"/api/v1/notices/{notice['id']}/withdraw", headers=bearer(sender))
        assert res.status_code == 200
        assert [e["type"] for e in await events(client, sender, since)] == types
