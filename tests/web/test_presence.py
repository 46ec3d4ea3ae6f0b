"""Terminal presence: a console connecting is reported and journaled at once (not at the next 10 s
heartbeat or 15 s sweep), so a superior's board never shows a live unit offline; a console going away
is left to the timer's sweep (a page reload does not flap the board); a unit that just answered a
roll-call counts as online."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select, update

from core.db import Database
from core.journal.models import JournalEntry
from duty.board import service as board
from duty.board.models import UnitOnline
from tests.support import eventually
from web.presence import PresenceReporter

UNIT = "360702"


class FakeConn:
    def __init__(self, unit: str) -> None:
        self.principal = SimpleNamespace(unit_code=unit)
        self.exercise = False


@dataclass
class FakeHub:
    connections: set[Any] = field(default_factory=set)
    on_change: list[Any] = field(default_factory=list)

    def connect(self, unit: str) -> Any:
        conn = FakeConn(unit)
        self.connections.add(conn)
        for fn in self.on_change:
            fn()
        return conn

    def drop(self, conn: Any) -> None:
        self.connections.discard(conn)
        for fn in self.on_change:
            fn()


async def _online(db: Database, unit: str) -> bool | None:
    async with db.read() as session:
        row = await session.get(UnitOnline, unit)
        return None if row is None else row.online


async def _events(db: Database, kind: str) -> int:
    async with db.read() as session:
        rows = (await session.execute(select(JournalEntry.type).where(JournalEntry.type == kind))).scalars()
        return len(list(rows))


async def test_a_console_connecting_is_online_at_once(db: Database) -> None:
    hub = FakeHub()
    # a heartbeat so long it can never be what reports: only the connect itself can
    reporter = PresenceReporter(db, hub, interval_s=3600, settle_s=0.01)  # type: ignore[arg-type]
    await reporter.start()
    try:
        await eventually(lambda: _check_reported(reporter))
        assert await _online(db, UNIT) in (None, False)
        conn = hub.connect(UNIT)
        await eventually(lambda: _is(db, UNIT, True), within=5)
        assert await _events(db, "duty.terminal.online") == 1

        # Gone (a page reload looks the same): still reported until the heartbeat lets it go, and offline is
        # journaled by the sweep, never by the reporter.
        hub.drop(conn)
        await reporter.report(heartbeat=False)
        assert reporter._last == {UNIT: 1}
        await reporter.report()  # the heartbeat
        assert await _reported_empty(reporter)
        assert await _online(db, UNIT) is True
        async with db.write() as uow:
            await board.sweep(uow)
        assert await _online(db, UNIT) is False
        assert await _events(db, "duty.terminal.offline") == 1
    finally:
        await reporter.stop()


async def _check_reported(reporter: PresenceReporter) -> bool:
    return reporter._last is not None


async def _reported_empty(reporter: PresenceReporter) -> bool:
    return reporter._last == {}


async def _is(db: Database, unit: str, value: bool) -> bool:
    return await _online(db, unit) is value


async def test_a_unit_that_just_answered_is_online(db: Database) -> None:
    from core.orm import new_id, utcnow
    from duty.rollcall.models import RollCall, RollCallTarget

    async with db.write() as uow:
        now = utcnow()
        rc = RollCall(id=new_id(), caller_unit="360700", started_by="x", started_by_name="测试", started_at=now,
                      deadline=now, window_s=300)
        uow.session.add(rc)
        await uow.session.flush()
        uow.session.add(RollCallTarget(rollcall_id=rc.id, unit_code=UNIT, status="answered", answered_at=now,
                                       latency_ms=1000))
    async with db.write() as uow:
        await uow.session.execute(update(UnitOnline).values(online=False))
    principal = await _principal(db, "lead.360700")
    async with db.read() as session:
        rows = {r["unit"]: r for r in await board.board(session, principal)}
    assert rows[UNIT]["online"] is True  # answered a second ago: not "离线"
    assert rows["360703"]["online"] is False


async def _principal(db: Database, username: str) -> Any:
    from core.auth import service as auth
    from core.auth.models import User

    async with db.read() as session:
        user = (await session.execute(select(User).where(User.username == username))).scalar_one()
        return await auth.principal_for(session, user)
