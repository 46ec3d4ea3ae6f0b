"""Durable timers: fire once under racing runners, survive a restart, fence out a stale holder,
and fire at the new time only when moved. Handlers do real writes (an event and a row), so a
refused fire can be seen to have left nothing behind."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

import orjson
from sqlalchemy import func, select

from core.db import Database, UnitOfWork
from core.journal.models import JournalEntry
from core.migrate import Meta, installation_id
from core.orm import new_id, utcnow
from core.timers import service as timers
from core.timers.models import Timer
from core.timers.runner import DueTimer, Handler, TimerRunner
from tests.support import eventually

KIND = "test.ping"


def handler_for(runner_name: str, delay: float = 0.0) -> Handler:
    async def handle(uow: UnitOfWork, due: DueTimer) -> None:
        if delay:
            await asyncio.sleep(delay)  # a handler that takes a moment widens every race window
        uow.emit("test.timer_fired", subject=("timer", due.ref), scope=["360700"],
                 data={"fence": due.fence, "runner": runner_name})
        uow.session.add(Meta(key=f"fired:{due.ref}:{new_id()}", value=str(due.fence)))

    return handle


def runner(db: Database, name: str, *, lease_s: float = 30.0, delay: float = 0.0) -> TimerRunner:
    return TimerRunner(db, name=name, lease_s=lease_s, poll_interval_s=0.05,
                       handlers={KIND: handler_for(name, delay)})


async def schedule(db: Database, ref: str, due_in: float, **payload: Any) -> None:
    async with db.write() as uow:
        await timers.schedule(uow, kind=KIND, ref=ref, due_at=utcnow() + timedelta(seconds=due_in),
                              payload=payload)


async def fires(db: Database, ref: str) -> list[dict[str, Any]]:
    """What firing `ref` left behind: its events (with the fence and runner) and its rows."""
    async with db.read() as session:
        events = (await session.execute(
            select(JournalEntry.doc).where(JournalEntry.type == "test.timer_fired",
                                           JournalEntry.subject_id == ref).order_by(JournalEntry.seq))).scalars()
        docs = [orjson.loads(d)["data"] for d in events]
        rows = (await session.execute(select(func.count()).select_from(Meta)
                                      .where(Meta.key.like(f"fired:{ref}:%")))).scalar_one()
    assert rows == len(docs), f"{ref}: {rows} rows but {len(docs)} events: a handler's effects were torn"
    return docs


async def _fired(db: Database, ref: str) -> bool:
    return bool(await fires(db, ref))


async def timer_row(db: Database, ref: str) -> Timer:
    async with db.read() as session:
        return (await session.execute(select(Timer).where(Timer.kind == KIND, Timer.ref == ref))).scalar_one()


async def head(db: Database) -> int:
    async with db.read() as session:
        return int((await session.execute(select(func.coalesce(func.max(JournalEntry.seq), 0)))).scalar_one())


async def test_two_runners_race_and_each_timer_fires_once(pg_url: str) -> None:
    db_a, db_b = Database(pg_url), Database(pg_url)
    try:
        refs = [f"race-{i:02d}" for i in range(20)]
        for ref in refs:
            await schedule(db_a, ref, -1)
        a = runner(db_a, "A", delay=0.005)
        b = runner(db_b, "B", delay=0.005)
        a.batch = b.batch = 3  # several claims each, so the runners interleave
        fired = 0
        t0 = time.monotonic()
        for _round in range(4):
            results = await asyncio.wait_for(asyncio.gather(*(r.run_due() for r in (a, b) for _ in range(6))), 30)
            fired += sum(results)
        assert fired == len(refs), f"{fired} fires reported for {len(refs)} timers"
        by: dict[str, int] = {}
        for ref in refs:
            docs = await fires(db_a, ref)
            assert len(docs) == 1, f"{ref} fired {len(docs)} times: {docs}"
            by[docs[0]["runner"]] = by.get(docs[0]["runner"], 0) + 1
            row = await timer_row(db_a, ref)
            assert row.state == "fired" and row.fired_at is not None and row.fence == docs[0]["fence"]
        assert set(by) == {"A", "B"}, f"one runner did all the work, the race was not exercised: {by}"
        # Nothing is left to fire.
        assert await a.run_due() == 0 and await b.run_due() == 0
        print(f"race: {fired} fired by {by} in {time.monotonic() - t0:.2f}s")
    finally:
        await db_a.dispose()
        await db_b.dispose()


async def test_timer_survives_restart(pg_url: str) -> None:
    # A running process schedules a timer and goes away before it is due.
    db1 = Database(pg_url)
    r1 = runner(db1, "first")
    await r1.start()
    await schedule(db1, "restart", 0.6)
    await asyncio.sleep(0.1)
    await r1.stop()
    assert await fires(db1, "restart") == []
    await db1.dispose()

    # A new process (new pool, new runner) fires it once it is due, and only then.
    db2 = Database(pg_url)
    try:
        r2 = runner(db2, "second")
        assert await r2.run_due() == 0, "fired before it was due"
        await r2.start()
        await eventually(lambda: _fired(db2, "restart"), within=5)
        await asyncio.sleep(0.3)  # a few more polls: no second fire
        await r2.stop()
        docs = await fires(db2, "restart")
        assert [d["runner"] for d in docs] == ["second"]
        assert (await timer_row(db2, "restart")).state == "fired"

        # A process that claimed a timer and died before firing it: once its lease runs out, a new
        # process claims it again (a higher fence) and fires it.
        await schedule(db2, "crash", -1)
        db3 = Database(pg_url)
        crashed = runner(db3, "crashed", lease_s=0.4)
        [claimed] = await crashed.claim()
        await db3.dispose()  # the process is gone, its claim is not
        r3 = runner(db2, "third")
        assert await r3.run_due() == 0, "a live lease was taken over"
        await asyncio.sleep(0.5)
        assert await r3.run_due() == 1
        [doc] = await fires(db2, "crash")
        assert doc == {"fence": claimed.fence + 1, "runner": "third"}
    finally:
        await db2.dispose()


async def test_expired_lease_is_reclaimed_and_stale_holder_fenced_out(db_url: str) -> None:
    db_a, db_b = Database(db_url), Database(db_url)
    try:
        await schedule(db_a, "lease", -1)
        a = runner(db_a, "A", lease_s=0.2)
        b = runner(db_b, "B", lease_s=30)
        [due_a] = await a.claim()
        assert await b.claim() == [], "claimed while A's lease was live"
        await asyncio.sleep(0.3)
        [due_b] = await b.claim()
        assert due_b.id == due_a.id and due_b.fence == due_a.fence + 1
        row = await timer_row(db_a, "lease")
        assert row.state == "claimed" and row.claimed_by == "B" and row.attempts == 2

        # A wakes up and tries to fire: refused, and its handler's event and row are rolled back.
        before = await head(db_a)
        assert await a.fire(due_a) is False
        assert await fires(db_a, "lease") == []
        assert await head(db_a) == before, "the refused fire left an event in the journal"
        assert (await timer_row(db_a, "lease")).state == "claimed"

        # B, the holder of the current fence, fires it; A trying again later changes nothing.
        assert await b.fire(due_b) is True
        assert await a.fire(due_a) is False
        assert await fires(db_a, "lease") == [{"fence": due_b.fence, "runner": "B"}]
        row = await timer_row(db_a, "lease")
        assert row.state == "fired" and row.fence == due_b.fence and row.lease_until is None
        assert await a.run_due() == 0 and await b.run_due() == 0
    finally:
        await db_a.dispose()
        await db_b.dispose()


async def test_rescheduled_timer_fires_at_new_time_only(db_url: str) -> None:
    db = Database(db_url)
    try:
        r = runner(db, "R")
        await schedule(db, "moved", 0.3, version=1)
        await schedule(db, "moved", 1.0, version=2)  # moved later before it came due
        async with db.read() as session:
            assert (await session.execute(select(func.count()).select_from(Timer)
                                          .where(Timer.ref == "moved"))).scalar_one() == 1
        await asyncio.sleep(0.5)
        assert await r.run_due() == 0, "fired at the old time"
        assert await fires(db, "moved") == []
        await asyncio.sleep(0.6)
        assert await r.run_due() == 1
        assert await r.run_due() == 0
        assert len(await fires(db, "moved")) == 1
        assert (await timer_row(db, "moved")).payload == {"version": 2}

        # Moved while a runner holds a claim on it: that claim can no longer fire; the new time can.
        await schedule(db, "moved-claimed", -1)
        [stale] = await r.claim()
        await schedule(db, "moved-claimed", 0.3)
        assert await r.fire(stale) is False
        assert await fires(db, "moved-claimed") == []
        assert await r.run_due() == 0
        await asyncio.sleep(0.4)
        assert await r.run_due() == 1
        [doc] = await fires(db, "moved-claimed")
        assert doc["fence"] > stale.fence

        # A fired timer that is scheduled again fires again, once, at its new time.
        await schedule(db, "moved", 0.2)
        assert await r.run_due() == 0
        await asyncio.sleep(0.3)
        assert await r.run_due() == 1 and await r.run_due() == 0
        assert len(await fires(db, "moved")) == 2
    finally:
        await db.dispose()


async def test_start_up_writes_from_two_processes_at_once(pg_url: str) -> None:
    """Every server process, as it starts, makes sure of the installation id and `ensure`s its
    timers. Two processes starting together (two hosts, or `--workers 2`) must both start."""
    dbs = [Database(pg_url), Database(pg_url)]
    try:
        due = utcnow() + timedelta(hours=1)

        async def start_up(db: Database, hold: float) -> tuple[str, bool]:
            async with db.write() as uow:
                iid = await installation_id(uow.session)
                created = await timers.ensure(uow, kind=KIND, ref="ensured", due_at=due)
                await asyncio.sleep(hold)  # still uncommitted while the other process looks
            return iid, created is not None

        (iid_a, created_a), (iid_b, created_b) = await asyncio.wait_for(
            asyncio.gather(start_up(dbs[0], 0.3), start_up(dbs[1], 0.0)), 15)
        assert iid_a == iid_b, "the two processes would listen on different bus channels"
        assert sorted([created_a, created_b]) == [False, True]
        async with dbs[0].read() as session:
            rows = (await session.execute(select(Timer).where(Timer.ref == "ensured"))).scalars().all()
            stored = (await session.execute(select(Meta.value).where(Meta.key == "installation_id"))).scalar_one()
        assert len(rows) == 1 and rows[0].state == "scheduled" and rows[0].due_at == due
        assert stored == iid_a
    finally:
        for db in dbs:
            await db.dispose()
