"""Appending to and reading the journal. The only code that writes journal rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from core.journal.events import Actor, CommittedEvent, PendingEvent, ws_frame
from core.journal.models import JournalAudience, JournalEntry
from core.orm import iso, utcnow
from core.units.paths import audience_of

# Any constant works; it names the one PostgreSQL advisory lock that serialises appends.
JOURNAL_LOCK_KEY = 0x59_49_4E_47_4A_49  # "YINGJI"


async def append(session: AsyncSession, events: Sequence[PendingEvent],
                 actor: Actor | None) -> list[CommittedEvent]:
    """Assign seqs and write one unit's events (see `append_batch`)."""
    return (await append_batch(session, [(events, actor)]))[0]


async def append_batch(session: AsyncSession,
                       units: Sequence[tuple[Sequence[PendingEvent], Actor | None]]) -> list[list[CommittedEvent]]:
    """Assign seqs and write the events of several units of work committed together, inside the
    caller's transaction, just before commit: one INSERT for the journal rows and one for their
    audience, whatever the number of units. The result lists each unit's committed events.

    On PostgreSQL a transaction-level advisory lock is held from here to commit, so seqs are
    assigned and committed in one order: a reader never sees seq 11 before seq 10. SQLite write
    transactions are already serialised (BEGIN IMMEDIATE).
    """
    if not any(events for events, _actor in units):
        return [[] for _ in units]
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": JOURNAL_LOCK_KEY})
    seq = int((await session.execute(select(func.coalesce(func.max(JournalEntry.seq), 0)))).scalar_one())
    now = utcnow()
    ts = iso(now)
    entries: list[dict[str, Any]] = []
    audience_rows: list[dict[str, Any]] = []
    out: list[list[CommittedEvent]] = []
    for events, actor in units:
        actor_doc = actor.as_doc() if actor else None
        committed: list[CommittedEvent] = []
        for ev in events:
            seq += 1
            units_of = await audience_of(session, ev.scope)
            doc = orjson.dumps({
                "seq": seq, "type": ev.type, "ts": ts,
                "subject": {"kind": ev.subject_kind, "id": ev.subject_id},
                "actor": actor_doc, "units": units_of, "exercise": ev.exercise, "data": ev.data,
            }, option=orjson.OPT_NON_STR_KEYS).decode()
            entries.append({"seq": seq, "ts": now, "type": ev.type, "subject_kind": ev.subject_kind,
                            "subject_id": ev.subject_id, "exercise": ev.exercise, "doc": doc})
            audience_rows.extend({"unit_code": u, "seq": seq} for u in units_of)
            committed.append(CommittedEvent(seq=seq, type=ev.type, units=frozenset(units_of),
                                            exercise=ev.exercise, doc=doc, frame=ws_frame(doc)))
        out.append(committed)
    await session.execute(insert(JournalEntry), entries)
    if audience_rows:
        await session.execute(insert(JournalAudience), audience_rows)
    return out


async def head(session: AsyncSession) -> int:
    """The highest committed seq (0 for an empty journal)."""
    value = (await session.execute(select(func.coalesce(func.max(JournalEntry.seq), 0)))).scalar_one()
    return int(value)


async def read_after(session: AsyncSession, *, since: int, upto: int | None = None,
                     unit: str | None = None, exercise: bool | None = None,
                     limit: int = 1000) -> list[tuple[int, str]]:
    """(seq, doc) of events with since < seq <= upto, ascending; filtered to what `unit` may see."""
    stmt = select(JournalEntry.seq, JournalEntry.doc).where(JournalEntry.seq > since)
    if unit is not None:
        stmt = stmt.join(JournalAudience, (JournalAudience.seq == JournalEntry.seq)
                         & (JournalAudience.unit_code == unit))
    if upto is not None:
        stmt = stmt.where(JournalEntry.seq <= upto)
    if exercise is not None:
        stmt = stmt.where(JournalEntry.exercise == exercise)
    stmt = stmt.order_by(JournalEntry.seq).limit(limit)
    rows = (await session.execute(stmt)).all()
    return [(int(r[0]), r[1]) for r in rows]


async def read_before(session: AsyncSession, *, before: int | None, unit: str,
                      exercise: bool, limit: int) -> list[tuple[int, str]]:
    """The newest `limit` events below seq `before` (all, when None) that `unit` may see, ascending."""
    stmt = (select(JournalEntry.seq, JournalEntry.doc)
            .join(JournalAudience, (JournalAudience.seq == JournalEntry.seq) & (JournalAudience.unit_code == unit))
            .where(JournalEntry.exercise == exercise))
    if before is not None:
        stmt = stmt.where(JournalEntry.seq < before)
    rows = (await session.execute(stmt.order_by(JournalEntry.seq.desc()).limit(limit))).all()
    return [(int(r[0]), r[1]) for r in reversed(rows)]


async def for_subject(session: AsyncSession, *, kind: str, subject_id: str,
                      limit: int = 500) -> list[dict[str, Any]]:
    """The events of one subject, oldest first (a timeline's backbone)."""
    stmt = (select(JournalEntry.doc)
            .where(JournalEntry.subject_kind == kind, JournalEntry.subject_id == subject_id)
            .order_by(JournalEntry.seq).limit(limit))
    return [orjson.loads(doc) for doc in (await session.execute(stmt)).scalars()]
