"""Daily and zero reports (日报 / 零报告): one POST files a zero report, twice is a conflict; the
superior's status shows filed / pending / overdue against each unit's own deadline; a report after
the deadline is late; the durable deadline timer flags a non-filer missing (once), leaves a filer
alone, and sets up the next day's timer; a changed deadline moves the timers with it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from core.db import Database
from core.orm import iso, utcnow
from duty.reports import service as reports
from duty.reports.models import DailyReportMiss
from duty.rules import service as rules
from tests.duty.helpers import TZ, events, head, local_today, principal, timer_row, wait_for
from tests.support import LiveServer, assert_problem, bearer, make_settings, token_for

CITY, A, B, C = "360700", "360702", "360703", "360704"


def local(day: date, hhmm: str) -> datetime:
    return datetime.combine(day, time(int(hhmm[:2]), int(hhmm[3:])), tzinfo=TZ)


@pytest.fixture
async def server(tmp_path: Path, sqlite_url: str) -> AsyncIterator[LiveServer]:
    """The city sets a 23:59 deadline for every unit under it before the server starts, so no
    deadline of today has passed when the test begins (whatever the hour it runs at)."""
    if utcnow().astimezone(TZ).strftime("%H:%M") >= "23:58":
        pytest.skip("too close to local midnight for a deadline later today")
    db = Database(sqlite_url)
    try:
        admin = await principal(db, "admin")
        async with db.write(admin.actor) as uow:
            await rules.update(uow, by=admin, unit_code=CITY, changes={"daily_report_deadline": "23:59"})
    finally:
        await db.dispose()
    live = LiveServer(make_settings(tmp_path, sqlite_url))
    await live.start()
    yield live
    await live.stop()


async def _status(client: httpx.AsyncClient, token: str, **params: str) -> dict[str, dict[str, Any]]:
    res = await client.get("/api/v1/duty/daily-reports/status", params=params, headers=bearer(token))
    assert res.status_code == 200, res.text
    return {row["unit"]: row for row in res.json()}


async def test_zero_report_status_deadline_and_missing(server: LiveServer, sqlite_url: str) -> None:
    db = server.app.state.runtime.db
    today = local_today()
    tomorrow = today + timedelta(days=1)
    city = await token_for(sqlite_url, f"lead.{CITY}")
    a, b, c = [await token_for(sqlite_url, f"duty.{u}") for u in (A, B, C)]
    county_lead = await token_for(sqlite_url, f"lead.{A}")
    async with httpx.AsyncClient(base_url=server.url) as client:
        since = await head(client, city)
        # Start-up set today's timers of every duty unit at the inherited deadline.
        for unit in (A, B, C):
            row = await timer_row(db, reports.DEADLINE_TIMER, f"{unit}:{today}")
            assert row is not None and row.state == "scheduled" and row.due_at == local(today, "23:59"), unit

        # A zero report is one POST.
        res = await client.post("/api/v1/duty/daily-reports", headers=bearer(a), json={"kind": "zero"})
        assert res.status_code == 201, res.text
        zero = res.json()
        assert (zero["unit"], zero["date"], zero["kind"], zero["late"]) == (A, today.isoformat(), "zero", False)
        assert zero["deadline"] == iso(local(today, "23:59"))
        doc = assert_problem(await client.post("/api/v1/duty/daily-reports", headers=bearer(a),
                                               json={"kind": "daily", "content": {"summary": "再报一次"}}), 409)
        assert "already filed" in doc["detail"]
        # Nobody files for another county.
        assert_problem(await client.post("/api/v1/duty/daily-reports", headers=bearer(a),
                                         json={"kind": "zero", "unit": B}), 422)
        res = await client.get("/api/v1/duty/daily-reports/today", headers=bearer(a))
        assert res.json()["report"]["id"] == zero["id"]

        status = await _status(client, city)
        assert len(status) == 19
        assert status[A]["state"] == "filed" and status[A]["report"]["kind"] == "zero"
        assert {row["state"] for u, row in status.items() if u != A} == {"pending"}

        # Only duty leaders set rules, and only in their own jurisdiction.
        assert_problem(await client.patch(f"/api/v1/duty/rules/{B}", headers=bearer(b),
                                          json={"daily_report_deadline": "00:00"}), 403)
        assert_problem(await client.patch(f"/api/v1/duty/rules/{B}", headers=bearer(county_lead),
                                          json={"daily_report_deadline": "00:00"}), 404)
        # The city moves B's deadline to 00:00: already past, so B is overdue at once.
        res = await client.patch(f"/api/v1/duty/rules/{B}", headers=bearer(city),
                                 json={"daily_report_deadline": "00:00"})
        assert res.status_code == 200, res.text
        assert {r["key"]: (r["value"], r["from"]) for r in res.json()["rules"]}["daily_report_deadline"] == (
            "00:00", B)
        status = await _status(client, city)
        assert (status[B]["state"], status[B]["deadline"]) == ("overdue", iso(local(today, "00:00")))
        assert status[C]["state"] == "pending" and status[A]["state"] == "filed"
        # A county cannot see the status of the city's subordinates.
        assert_problem(await client.get("/api/v1/duty/daily-reports/status", params={"unit": CITY},
                                        headers=bearer(b)), 404)

        # The deadline timer moved with the rule: it fires now and flags B missing, once.
        async def missing() -> list[dict[str, Any]]:
            return [e for e in await events(client, city, since) if e["type"] == "duty.daily_report.missing"]

        flagged = await wait_for(missing, within=8)
        assert [(e["data"]["unit"], e["data"]["date"]) for e in flagged] == [(B, today.isoformat())]
        assert flagged[0]["data"]["deadline"] == iso(local(today, "00:00"))
        row = await timer_row(db, reports.DEADLINE_TIMER, f"{B}:{today}")
        assert row is not None and row.state == "fired"
        # ... the reminder (due 30 min before a deadline already past) is not sent ...
        remind = await timer_row(db, reports.REMIND_TIMER, f"{B}:{today}")
        assert remind is not None and remind.state == "cancelled"
        # ... and tomorrow's deadline is set, at the new time.
        nxt = await timer_row(db, reports.DEADLINE_TIMER, f"{B}:{tomorrow}")
        assert nxt is not None and nxt.state == "scheduled" and nxt.due_at == local(tomorrow, "00:00")
        async with db.read() as session:
            misses = (await session.execute(select(DailyReportMiss.unit_code, DailyReportMiss.report_date))).all()
        assert misses == [(B, today)]
        # The missing event goes to B and up, not to a sibling county.
        assert [e["type"] for e in await events(client, c, since)] == []
        assert [e["data"]["unit"] for e in await events(client, b, since)
                if e["type"] == "duty.daily_report.missing"] == [B]

        # B files after its deadline: accepted, marked late.
        res = await client.post("/api/v1/duty/daily-reports", headers=bearer(b), json={
            "kind": "daily", "content": {"summary": "值班秩序正常", "calls_received": 3, "incidents": 0}})
        assert res.status_code == 201, res.text
        assert res.json()["late"] is True
        status = await _status(client, city)
        assert status[B]["state"] == "filed" and status[B]["report"]["late"] is True
        assert status[B]["report"]["content"]["calls_received"] == 3

        # A filer whose deadline passes is not flagged; its next day is still set up.
        res = await client.patch(f"/api/v1/duty/rules/{A}", headers=bearer(city),
                                 json={"daily_report_deadline": "00:00"})
        assert res.status_code == 200

        async def fired() -> bool:
            row = await timer_row(db, reports.DEADLINE_TIMER, f"{A}:{today}")
            return row is not None and row.state == "fired"

        await wait_for(fired, within=8)
        assert await timer_row(db, reports.DEADLINE_TIMER, f"{A}:{tomorrow}") is not None
        assert len(await missing()) == 1

        # Clearing the unit's own setting inherits the city's 23:59 again; tomorrow's timer follows.
        res = await client.patch(f"/api/v1/duty/rules/{B}", headers=bearer(city),
                                 json={"daily_report_deadline": None})
        assert res.status_code == 200
        nxt = await timer_row(db, reports.DEADLINE_TIMER, f"{B}:{tomorrow}")
        assert nxt is not None and nxt.state == "scheduled" and nxt.due_at == local(tomorrow, "23:59")

        types = [e["type"] for e in await events(client, city, since)]
        assert types.count("duty.daily_report.filed") == 2 and types.count("duty.rules.updated") == 3
        assert "duty.daily_report.reminder" not in types


async def test_status_for_other_days(server: LiveServer, sqlite_url: str) -> None:
    """A day gone by: whoever did not file is overdue, and filing for it now is late. A day ahead: pending."""
    today = local_today()
    city = await token_for(sqlite_url, f"lead.{CITY}")
    a = await token_for(sqlite_url, f"duty.{A}")
    async with httpx.AsyncClient(base_url=server.url) as client:
        yesterday, tomorrow = (today - timedelta(days=1)).isoformat(), (today + timedelta(days=1)).isoformat()
        assert {r["state"] for r in (await _status(client, city, date=yesterday)).values()} == {"overdue"}
        assert {r["state"] for r in (await _status(client, city, date=tomorrow)).values()} == {"pending"}
        res = await client.post("/api/v1/duty/daily-reports", headers=bearer(a),
                                json={"kind": "zero", "date": yesterday})
        assert res.status_code == 201 and res.json()["late"] is True
        assert (await _status(client, city, date=yesterday))[A]["state"] == "filed"
        assert (await _status(client, city, date=today.isoformat()))[A]["state"] == "pending"
