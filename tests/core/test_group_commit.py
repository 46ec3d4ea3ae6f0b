"""Group commit: the units of work ready together share one transaction, each in its own savepoint.

A failing unit (an exception in its body, or a unique-key clash at its flush) rolls back alone while
the others of its batch commit; each unit gets its own events, and seq order is commit order; a
nested write is refused instead of waiting for itself. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core.db import Database
from core.journal import service as journal
from core.journal.models import JournalEntry
from core.migrate import Meta

N = 60


@pytest.fixture
async def gdb(db_url: str) -> AsyncIterator[Database]:
    # A batch budget no run can exhaust, so "one batch" below does not depend on the machine's speed.
    database = Database(db_url, max_batch=500, max_batch_s=3600)
    yield database
    await database.dispose()


class Boom(Exception):
    pass


async def _unit(db: Database, i: int, outcome: dict[int, str]) -> None:
    try:
        async with db.write() as uow:
            uow.session.add(Meta(key=f"gc-{i}", value=str(i)))
            if i % 10 == 3:  # fails after its row was added and flushed
                await uow.session.flush()
                raise Boom(i)
            if i % 10 == 7:  # clashes with unit i-1's key: fails at the unit's own flush
                uow.session.add(Meta(key=f"gc-{i - 1}", value="clash"))
            uow.emit("test.gc", subject=("meta", f"gc-{i}"), scope=["360700"], data={"i": i})
        outcome[i] = f"ok:{uow.committed[0].seq}"
    except Boom:
        outcome[i] = "boom"
    except IntegrityError:
        outcome[i] = "clash"


async def test_failing_units_roll_back_alone_in_one_batch(gdb: Database) -> None:
    async with gdb.read() as session:
        start = await journal.head(session)
    batches_before = gdb.writer.batches
    outcome: dict[int, str] = {}
    await asyncio.gather(*(_unit(gdb, i, outcome) for i in range(N)))

    assert gdb.writer.batches - batches_before == 1, "all units were ready together: one transaction"
    assert {i for i, o in outcome.items() if o == "boom"} == {i for i in range(N) if i % 10 == 3}
    assert {i for i, o in outcome.items() if o == "clash"} == {i for i in range(N) if i % 10 == 7}
    ok = sorted(i for i, o in outcome.items() if o.startswith("ok:"))
    assert len(ok) == N - 2 * (N // 10)
    async with gdb.read() as session:
        keys = set((await session.execute(select(Meta.key).where(Meta.key.like("gc-%")))).scalars())
        docs = await journal.read_after(session, since=start, limit=1000)
    assert keys == {f"gc-{i}" for i in ok}, "exactly the successful units' rows are there"
    # Each unit got its own event, the seqs are consecutive and in the order the units ran.
    seqs = [int(outcome[i][3:]) for i in ok]
    assert seqs == list(range(start + 1, start + 1 + len(ok)))
    assert [s for s, _doc in docs] == seqs


async def test_sequential_units_each_commit(gdb: Database) -> None:
    # One unit at a time: each is its own batch and sees the previous one's row.
    for i in range(3):
        async with gdb.write() as uow:
            uow.session.add(Meta(key=f"seq-{i}", value=str(i)))
            if i:
                assert await uow.session.get(Meta, f"seq-{i - 1}") is not None
    async with gdb.read() as session:
        n = (await session.execute(select(func.count()).select_from(Meta)
                                   .where(Meta.key.like("seq-%")))).scalar_one()
    assert n == 3


async def test_nested_write_is_refused(gdb: Database) -> None:
    with pytest.raises(RuntimeError, match="inside another unit of work"):
        async with gdb.write() as uow:
            uow.session.add(Meta(key="outer", value="1"))
            async with gdb.write():
                pass
    async with gdb.read() as session:
        assert await session.get(Meta, "outer") is None
    async with gdb.write() as uow:  # the writer still serves
        uow.session.add(Meta(key="after", value="1"))


async def test_cancelled_waiter_does_not_block_the_writer(gdb: Database) -> None:
    gate = asyncio.Event()

    async def slow() -> None:
        async with gdb.write() as uow:
            uow.session.add(Meta(key="slow", value="1"))
            await gate.wait()

    async def waiter() -> None:
        async with gdb.write() as uow:
            uow.session.add(Meta(key="cancelled", value="1"))

    first = asyncio.create_task(slow())
    await asyncio.sleep(0)
    second = asyncio.create_task(waiter())
    for _ in range(5):
        await asyncio.sleep(0)
    second.cancel()  # still queued behind `slow`: it must never run
    gate.set()
    await first
    with pytest.raises(asyncio.CancelledError):
        await second
    async with gdb.write() as uow:
        uow.session.add(Meta(key="later", value="1"))
    async with gdb.read() as session:
        keys = set((await session.execute(select(Meta.key).where(Meta.key.in_(["slow", "cancelled", "later"]))))
                   .scalars())
    assert keys == {"slow", "later"}


async def test_seq_order_is_commit_order_across_two_writers(db_url: str) -> None:
    # Two Databases = two processes' writers on one database, batches interleaving.
    a, b = Database(db_url, max_batch=500, max_batch_s=3600), Database(db_url, max_batch=500, max_batch_s=3600)
    try:
        async with a.read() as session:
            start = await journal.head(session)
        committed: list[tuple[str, int, list[int]]] = []

        async def unit(db: Database, name: str, i: int) -> None:
            async with db.write() as uow:
                for k in range(1 + i % 3):
                    uow.emit("test.order", subject=("t", f"{name}{i}.{k}"), scope=["360702"])
            committed.append((name, i, [ev.seq for ev in uow.committed]))

        await asyncio.gather(*(unit(db, name, i) for i in range(40) for db, name in ((a, "a"), (b, "b"))))
        async with a.read() as session:
            rows = await journal.read_after(session, since=start, limit=10_000)
            head = (await session.execute(select(func.max(JournalEntry.seq)))).scalar_one()
        seqs = [s for s, _d in rows]
        assert seqs == list(range(start + 1, head + 1)), "gap-free"
        assert len(seqs) == sum(len(s) for _n, _i, s in committed)
        for _name, _i, unit_seqs in committed:  # a unit's events are consecutive
            assert unit_seqs == list(range(unit_seqs[0], unit_seqs[0] + len(unit_seqs)))
        # Units woke in commit order: the order `committed` was filled is ascending by seq per writer.
        for name in ("a", "b"):
            firsts = [s[0] for n, _i, s in committed if n == name]
            assert firsts == sorted(firsts)
    finally:
        await a.dispose()
        await b.dispose()
