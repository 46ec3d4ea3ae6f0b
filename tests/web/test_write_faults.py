"""The write path under faults and concurrency, through the real server, on SQLite and PostgreSQL.

- kill -9 while 200 intakes are in flight: every intake answered 201 is there, complete (its row,
  its `intake.created` event, its idempotency record), nothing half-written; after a restart the
  same 200 requests with the same Idempotency-Keys leave exactly 200 intakes, and the acknowledged
  ones are replayed with the id they were given.
- exactly once per Idempotency-Key when many requests with the same keys run at once (they land in
  the same group-commit batches).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import func, select

from command.intake.models import Intake
from command.intake.schemas import INTAKE_CREATE
from core.api.idempotency import IdempotencyRecord
from core.db import Database
from core.journal.models import JournalEntry
from tests.support import LiveServer, ServerProcess, bearer, make_settings, token_for

EXAMPLE: dict[str, Any] = INTAKE_CREATE["examples"][0]
IN_FLIGHT = 200
KILL_AFTER = 20  # acknowledged intakes before the kill: the rest are in flight when it lands


def _body(tag: str, i: int) -> dict[str, Any]:
    return {**EXAMPLE, "title": f"{tag} 第{i}起 山体滑坡", "facts": {"trapped": i % 7, "evacuated": i}}


async def _post(client: httpx.AsyncClient, token: str, tag: str, i: int) -> httpx.Response:
    return await client.post("/api/v1/intakes", json=_body(tag, i),
                             headers={**bearer(token), "Idempotency-Key": f"{tag}-{i}"})


async def _state(db_url: str, tag: str) -> tuple[dict[str, Intake], dict[str, int], dict[str, str]]:
    """The intakes of this run by id, their intake.created events per id, idempotency key → body."""
    db = Database(db_url)
    try:
        async with db.read() as session:
            intakes = {row.id: row for row in (await session.execute(
                select(Intake).where(Intake.title.like(f"{tag} %")))).scalars()}
            events: dict[str, int] = {}
            for subject_id, n in (await session.execute(
                    select(JournalEntry.subject_id, func.count()).where(
                        JournalEntry.type == "intake.created", JournalEntry.subject_id.in_(list(intakes) or [""]))
                    .group_by(JournalEntry.subject_id))).all():
                events[subject_id] = int(n)
            records = {r.key: r.body for r in (await session.execute(
                select(IdempotencyRecord).where(IdempotencyRecord.key.like(f"{tag}-%")))).scalars()}
        return intakes, events, records
    finally:
        await db.dispose()


def _kill(proc: ServerProcess) -> None:
    # SIGKILL the server and any worker it forked: no shutdown code runs.
    pids = [proc.proc.pid]
    with contextlib.suppress(FileNotFoundError):
        for child in Path(f"/proc/{proc.proc.pid}/task/{proc.proc.pid}/children").read_text().split():
            pids.append(int(child))
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    proc.proc.wait(10)


async def test_kill_9_during_concurrent_intakes(tmp_path: Path, db_url: str,
                                                server_process_factory: type[ServerProcess]) -> None:
    token = await token_for(db_url, "duty.360702")
    tag = f"k9-{uuid.uuid4().hex[:8]}"
    server = server_process_factory(tmp_path / "a", db_url)
    await server.wait_ready(timeout=120)  # generous: a loaded CI machine starts slowly
    acked: dict[int, str] = {}
    enough = asyncio.Event()

    async def one(client: httpx.AsyncClient, i: int) -> None:
        with contextlib.suppress(httpx.HTTPError):
            res = await _post(client, token, tag, i)
            if res.status_code == 201:
                acked[i] = res.json()["id"]
                if len(acked) >= KILL_AFTER:
                    enough.set()
            else:
                raise AssertionError(f"{res.status_code}: {res.text[:300]}")

    limits = httpx.Limits(max_connections=IN_FLIGHT, max_keepalive_connections=IN_FLIGHT)
    async with httpx.AsyncClient(base_url=server.url, timeout=180, limits=limits) as client:
        tasks = [asyncio.create_task(one(client, i)) for i in range(IN_FLIGHT)]
        waiter = asyncio.create_task(enough.wait())
        await asyncio.wait([waiter, asyncio.gather(*tasks)], return_when=asyncio.FIRST_COMPLETED,
                           timeout=300)
        _kill(server)
        snapshot = dict(acked)  # what the clients had been told before the kill
        await asyncio.gather(*tasks)
        waiter.cancel()
    assert len(snapshot) >= KILL_AFTER
    assert len(acked) < IN_FLIGHT, "the kill landed after every request was answered: it tested nothing"

    intakes, events, records = await _state(db_url, tag)
    for i, intake_id in acked.items():
        row = intakes.get(intake_id)
        assert row is not None, f"acknowledged intake {i} ({intake_id}) lost"
        assert row.title == _body(tag, i)["title"] and row.facts == _body(tag, i)["facts"]
        assert row.caller == EXAMPLE["caller"] and row.category == EXAMPLE["category"]
        assert orjson.loads(records[f"{tag}-{i}"])["id"] == intake_id
    # Nothing half-written: every intake that is there (acknowledged or not) has its one event and
    # its idempotency record, and nothing else carries this run's keys.
    assert all(events.get(iid) == 1 for iid in intakes), "an intake without its event (or with two)"
    assert {orjson.loads(b)["id"] for b in records.values()} == set(intakes)

    # The clients retry everything with the same keys against a restarted server.
    again = server_process_factory(tmp_path / "b", db_url)
    await again.wait_ready(timeout=120)
    async with httpx.AsyncClient(base_url=again.url, timeout=180, limits=limits) as client:
        results = await asyncio.gather(*(_post(client, token, tag, i) for i in range(IN_FLIGHT)))
    assert [r.status_code for r in results] == [201] * IN_FLIGHT, \
        [r.text[:200] for r in results if r.status_code != 201]
    for i, intake_id in acked.items():
        assert results[i].json()["id"] == intake_id
        assert results[i].headers.get("idempotent-replayed") == "true"
    intakes, events, _records = await _state(db_url, tag)
    assert len(intakes) == IN_FLIGHT, "exactly one intake per key across the crash"
    assert {r.json()["id"] for r in results} == set(intakes)
    assert all(n == 1 for n in events.values()) and len(events) == IN_FLIGHT


@pytest.fixture
async def live(tmp_path: Path, db_url: str) -> AsyncIterator[tuple[httpx.AsyncClient, str, str]]:
    token = await token_for(db_url, "duty.360702")
    server = LiveServer(make_settings(tmp_path, db_url))
    await server.start()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=60,
                                     limits=httpx.Limits(max_connections=200)) as client:
            yield client, token, db_url
    finally:
        await server.stop()


async def test_exactly_once_per_key_under_concurrency(live: tuple[httpx.AsyncClient, str, str]) -> None:
    client, token, db_url = live
    tag = f"eo-{uuid.uuid4().hex[:8]}"
    keys, copies = 20, 8
    # Every key sent `copies` times at once, interleaved so the copies share batches.
    results = await asyncio.gather(*(_post(client, token, tag, k) for _ in range(copies) for k in range(keys)))
    assert [r.status_code for r in results] == [201] * (keys * copies), \
        [(r.status_code, r.text[:200]) for r in results if r.status_code != 201]
    by_key: dict[int, set[str]] = {}
    fresh: dict[int, int] = {}
    for n, res in enumerate(results):
        k = n % keys
        by_key.setdefault(k, set()).add(res.json()["id"])
        if res.headers.get("idempotent-replayed") != "true":
            fresh[k] = fresh.get(k, 0) + 1
    assert all(len(ids) == 1 for ids in by_key.values()), "one id per key"
    assert fresh == dict.fromkeys(range(keys), 1), "each key created once, replayed the other times"
    intakes, events, records = await _state(db_url, tag)
    assert len(intakes) == keys and len(records) == keys
    assert all(events.get(iid) == 1 for iid in intakes)
