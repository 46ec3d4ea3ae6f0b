"""The journal under concurrent writers: seqs are gap-free and become visible in seq order.

Writers are real units of work on separate pooled connections (PostgreSQL: the advisory lock
serialises appends; SQLite: BEGIN IMMEDIATE across two Database objects, i.e. two "processes").
A reader polls the journal while they run and must never see seq k+1 before seq k is visible.
"""

from __future__ import annotations

import asyncio
import random
import time

import orjson

from core.db import Database
from core.journal import service as journal
from core.journal.events import CommittedEvent

TASKS = 8
UNITS_PER_TASK = 25
SCOPES = ["360700", "360702", "360703", "360700-T01"]


async def _writer(db: Database, task: int, rng: random.Random, emitted: list[tuple[int, int, int]]) -> None:
    for i in range(UNITS_PER_TASK):
        n = rng.randint(1, 3)
        async with db.write() as uow:
            for k in range(n):
                uow.emit("test.written", subject=("test", f"{task}-{i}"), scope=[rng.choice(SCOPES)],
                         data={"task": task, "i": i, "k": k})
            # Hold the transaction open a moment so transactions overlap before they append.
            await asyncio.sleep(rng.random() * 0.003)
        assert len(uow.committed) == n
        seqs = [ev.seq for ev in uow.committed]
        assert seqs == list(range(seqs[0], seqs[0] + n)), f"one unit of work's events are not consecutive: {seqs}"
        emitted.extend((task, i, s) for s in seqs)


async def _reader(db: Database, stop: asyncio.Event, observations: list[int]) -> None:
    """Follows the journal like a feed does; a hole it sees below the head is a visibility-order bug."""
    last = 0
    while not stop.is_set():
        async with db.read() as session:
            rows = await journal.read_after(session, since=last, limit=10_000)
        for seq, doc in rows:
            assert seq == last + 1, f"reader saw seq {seq} while seq {last + 1} was not visible"
            assert orjson.loads(doc)["seq"] == seq
            last = seq
        observations.append(last)
        async with db.read() as session:
            head = await journal.head(session)
            below = await journal.read_after(session, since=0, upto=head, limit=100_000)
        assert [s for s, _ in below] == list(range(1, head + 1)), f"head {head} visible with a hole below it"
        await asyncio.sleep(0)


async def _run(writers: list[Database], reader_db: Database) -> None:
    async with reader_db.read() as session:
        start = await journal.head(session)
    commit_order: list[int] = []

    async def on_commit(events: list[CommittedEvent]) -> None:
        commit_order.extend(ev.seq for ev in events)

    for db in writers:
        db.on_commit(on_commit)
    emitted: list[tuple[int, int, int]] = []
    stop = asyncio.Event()
    observations: list[int] = []
    reader = asyncio.create_task(_reader(reader_db, stop, observations))
    t0 = time.monotonic()
    try:
        await asyncio.wait_for(asyncio.gather(*(
            _writer(writers[t % len(writers)], t, random.Random(t), emitted) for t in range(TASKS))), 45)
    finally:
        stop.set()
        await asyncio.wait_for(reader, 15)
    elapsed = time.monotonic() - t0

    async with reader_db.read() as session:
        end = await journal.head(session)
        rows = await journal.read_after(session, since=start, limit=100_000)
    seqs = [s for s, _ in rows]
    assert seqs == list(range(start + 1, end + 1)), "journal seqs are not gap-free"
    assert sorted(s for _, _, s in emitted) == seqs, "every committed event is in the journal exactly once"
    assert sorted(commit_order) == seqs, "every commit was published once"
    # Per writer task, units of work commit one after another, so their seqs must increase.
    for task in range(TASKS):
        mine = [s for t, _, s in emitted if t == task]
        assert mine == sorted(mine)
    # Each event carries its own seq and the data it was emitted with.
    docs = [orjson.loads(doc) for _, doc in rows]
    assert all(d["seq"] == s for d, s in zip(docs, seqs, strict=True))
    assert len({(d["data"]["task"], d["data"]["i"], d["data"]["k"]) for d in docs}) == len(docs)
    # The reader really ran concurrently with the writers (else it proved nothing).
    assert len(observations) > 5 and any(start < o < end for o in observations), (observations[:5], elapsed)


async def test_concurrent_writers_postgres(pg_url: str) -> None:
    db = Database(pg_url)
    reader_db = Database(pg_url)
    try:
        await _run([db], reader_db)
    finally:
        await db.dispose()
        await reader_db.dispose()


async def test_concurrent_writers_two_pools_postgres(pg_url: str) -> None:
    """Two Database objects are two processes' pools: the advisory lock serialises across them."""
    a, b, reader_db = Database(pg_url, pool_size=4), Database(pg_url, pool_size=4), Database(pg_url)
    try:
        await _run([a, b], reader_db)
    finally:
        for db in (a, b, reader_db):
            await db.dispose()


async def test_concurrent_writers_sqlite(sqlite_url: str) -> None:
    a, b, reader_db = Database(sqlite_url), Database(sqlite_url), Database(sqlite_url)
    try:
        await _run([a, b], reader_db)
    finally:
        for db in (a, b, reader_db):
            await db.dispose()
